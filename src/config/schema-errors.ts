/**
 * Turns the validator's errors into one line per problem, named by key path
 * (`upstreams[0].framework: must be one of vllm, triton, torchserve`).
 * @module
 */
import type { TLocalizedValidationError } from 'typebox/error'
import { joinPath } from './env.js'

type SchemaNode = Record<string, unknown>

function unescapePointer (segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~')
}

function schemaAt (root: unknown, schemaPath: string): SchemaNode | undefined {
  let node = root
  for (const segment of schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as SchemaNode)[unescapePointer(segment)]
  }
  return node !== null && typeof node === 'object' ? node as SchemaNode : undefined
}

function keyPath (instancePath: string): string {
  let path = ''
  for (const segment of instancePath.split('/').slice(1).map(unescapePointer)) {
    path = /^\d+$/.test(segment) ? `${path}[${segment}]` : joinPath(path, segment)
  }
  return path === '' ? '(top level)' : path
}

function unionMessage (schema: SchemaNode | undefined): string | undefined {
  const members = schema?.['anyOf']
  if (!Array.isArray(members) || !members.every(m => m !== null && typeof m === 'object' && 'const' in m)) return undefined
  return `must be one of ${members.map(m => String((m as SchemaNode)['const'])).join(', ')}`
}

export function formatSchemaErrors (schema: unknown, errors: readonly TLocalizedValidationError[]): string[] {
  // A union reports each member's failure and then its own: keep only the union's line.
  const unions = errors.filter(e => e.keyword === 'anyOf').map(e => `${e.schemaPath}/anyOf/`)
  const lines = new Set<string>()
  for (const error of errors) {
    if (unions.some(prefix => error.schemaPath.startsWith(prefix))) continue
    if (error.keyword === 'additionalProperties') continue // each extra key has its own "boolean" error
    const path = keyPath(error.instancePath)
    if (error.keyword === 'boolean') {
      lines.add(`${path}: unknown key`)
      continue
    }
    if (error.keyword === 'required') {
      const missing = (error.params as { requiredProperties?: string[] }).requiredProperties ?? []
      for (const key of missing) lines.add(`${path === '(top level)' ? key : joinPath(path, key)}: is required`)
      continue
    }
    const node = schemaAt(schema, error.schemaPath)
    const custom = node?.['errorMessage']
    const message = typeof custom === 'string' ? custom : (unionMessage(node) ?? error.message)
    lines.add(`${path}: ${message}`)
  }
  return [...lines]
}
