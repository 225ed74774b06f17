/**
 * A sanity check of client-supplied JSON schemas (tool parameters, structured output), for
 * CVE-2025-48944: a malformed `pattern` or `type` crashed vLLM's worker. It walks only schema
 * positions (so a property *named* "pattern" is not a pattern), bounds the depth, requires `type` to
 * be a JSON Schema type (or a list of them) and every `pattern` (and `patternProperties` key) to be
 * a short regular expression that compiles.
 * @module
 */
import { isObject } from '../lib/json-object.js'

export interface SchemaLimits {
  readonly maxDepth: number
  readonly maxPatternLength: number
}

const TYPES: ReadonlySet<string> = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'])
// Keywords whose value is one schema, a map of schemas, or a list of schemas.
const ONE = ['items', 'additionalProperties', 'additionalItems', 'not', 'if', 'then', 'else', 'contains', 'propertyNames', 'unevaluatedProperties', 'unevaluatedItems']
const MAP = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']
const LIST = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']

function patternProblem (pattern: unknown, limits: SchemaLimits): string | undefined {
  if (typeof pattern !== 'string') return 'a "pattern" is not a string'
  if (pattern.length > limits.maxPatternLength) return `a "pattern" is longer than ${limits.maxPatternLength} characters`
  try {
    new RegExp(pattern) // eslint-disable-line no-new
  } catch {
    return `"pattern" ${JSON.stringify(pattern.slice(0, 64))} is not a valid regular expression`
  }
  return undefined
}

function typeProblem (type: unknown): string | undefined {
  const types = Array.isArray(type) ? type : [type]
  const bad = types.find(t => typeof t !== 'string' || !TYPES.has(t))
  return types.length === 0 || bad !== undefined ? `"type" ${JSON.stringify(bad ?? type)?.slice(0, 64)} is not a JSON Schema type` : undefined
}

/** The first problem with `schema`, or `undefined`. */
export function schemaProblem (schema: unknown, limits: SchemaLimits): string | undefined {
  const stack: Array<[unknown, number]> = [[schema, 1]]
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item
    if (typeof node === 'boolean') continue
    if (!isObject(node)) return 'a schema is not an object'
    if (depth > limits.maxDepth) return `a schema is nested deeper than ${limits.maxDepth} levels`
    if ('type' in node) {
      const problem = typeProblem(node['type'])
      if (problem !== undefined) return problem
    }
    if ('pattern' in node) {
      const problem = patternProblem(node['pattern'], limits)
      if (problem !== undefined) return problem
    }
    for (const key of ONE) if (key in node && !Array.isArray(node[key])) stack.push([node[key], depth + 1])
    for (const key of LIST) {
      const list = node[key]
      if (Array.isArray(list)) for (const child of list) stack.push([child, depth + 1])
    }
    for (const key of MAP) {
      const map = node[key]
      if (!(key in node)) continue
      if (!isObject(map)) return `"${key}" is not an object`
      for (const name in map) {
        if (key === 'patternProperties') {
          const problem = patternProblem(name, limits)
          if (problem !== undefined) return problem
        }
        stack.push([map[name], depth + 1])
      }
    }
  }
  return undefined
}
