/**
 * docs/configuration.md from src/config/schema.ts: every key with its type, default and
 * `description`, one table per top-level key. A key without a description is an error naming it.
 * @module
 */
import { ConfigSchema } from '../../src/config/schema.js'
import { DURATION_PATTERN } from '../../src/lib/duration.js'
import { code, document, generatedNotice, table } from './markdown.js'

/** The parts of a JSON schema node (TypeBox builds plain JSON Schema) that the reference shows. */
interface SchemaNode {
  readonly type?: string
  readonly properties?: Readonly<Record<string, SchemaNode>>
  readonly required?: readonly string[]
  readonly items?: SchemaNode
  readonly anyOf?: readonly SchemaNode[]
  readonly patternProperties?: Readonly<Record<string, SchemaNode>>
  readonly const?: unknown
  readonly default?: unknown
  readonly description?: string
  readonly pattern?: string
  readonly format?: string
  readonly minimum?: number
  readonly maximum?: number
}

type Row = readonly [key: string, type: string, defaultValue: string, description: string]

const isDuration = (node: SchemaNode) => node.anyOf?.some(member => member.pattern === DURATION_PATTERN) === true
const recordValue = (node: SchemaNode) => node.patternProperties === undefined ? undefined : Object.values(node.patternProperties)[0]
const hasKeys = (node: SchemaNode | undefined) => node?.properties !== undefined

function range (node: SchemaNode): string {
  const { minimum: min, maximum: max } = node
  if (min !== undefined && max !== undefined) return ` ${min.toLocaleString('en')}–${max.toLocaleString('en')}`
  if (min !== undefined) return ` ≥ ${min.toLocaleString('en')}`
  return ''
}

const plural = (node: SchemaNode | undefined): string => node === undefined ? 'values' : hasKeys(node) ? 'objects' : typeOf(node)

function typeOf (node: SchemaNode): string {
  if (isDuration(node)) return 'duration'
  if (node.anyOf !== undefined) {
    if (node.anyOf.every(member => member.const !== undefined)) return node.anyOf.map(member => code(String(member.const))).join(', ')
    return node.anyOf.map(typeOf).join(' or ')
  }
  if (node.const !== undefined) return code(String(node.const))
  const type = node.type ?? 'any'
  switch (type) {
    case 'integer': return `integer${range(node)}`
    case 'string': return node.format === undefined ? 'string' : `string (${node.format})`
    case 'array': return `list of ${plural(node.items)}`
    case 'object': {
      const value = recordValue(node)
      return value === undefined ? 'object' : `map of ${plural(value)}`
    }
    default: return type
  }
}

function defaultOf (node: SchemaNode, required: boolean): string {
  if (node.default !== undefined) return code(typeof node.default === 'string' ? node.default : JSON.stringify(node.default))
  return required ? 'required' : 'none'
}

/** One row per key the user sets: leaves, and lists or objects that have a description of their own. */
function rows (node: SchemaNode, key: string, required: boolean, out: Row[]): void {
  const items = node.type === 'array' ? node.items : undefined
  const description = node.description ?? items?.description
  const nested = hasKeys(node) || hasKeys(items)
  if (!nested && description === undefined) {
    throw new Error(`src/config/schema.ts: ${key} has no description (add one: it is the key's entry in docs/configuration.md)`)
  }
  if (description !== undefined) out.push([code(key), typeOf(node), nested && !hasKeys(items) ? '' : defaultOf(node, required), description])
  const parent = hasKeys(items) ? items as SchemaNode : node
  const prefix = parent === items ? `${key}[]` : key
  for (const [name, child] of Object.entries(parent.properties ?? {})) {
    rows(child, `${prefix}.${name}`, parent.required?.includes(name) === true, out)
  }
}

const INTRO = `# Configuration reference

One YAML file (JSON is valid YAML), given with \`--config FILE\` or \`INFERGATE_CONFIG\`. Unknown keys
are errors; every problem is reported at once, one line each, named by its key path
(\`upstreams[0].framework: must be one of vllm, triton, torchserve\`). \`\${NAME}\` in any string is
replaced by the environment variable \`NAME\` after parsing (a value cannot change the document's
structure); a missing variable is an error naming it; \`$\${\` stands for a literal \`\${\`. A
**duration** is milliseconds or a number with a unit: \`250ms\`, \`30s\`, \`5m\`, \`1h\`, \`2 minutes\`.
\`infergate check-config --config FILE\` prints the effective config (defaults filled in, backend
credentials masked). Complete examples: [config/example.yaml](../config/example.yaml),
[config/demo.yaml](../config/demo.yaml). Guard options are in [guards.md](guards.md), route groups
in [routes.md](routes.md).`

export function renderConfiguration (): string {
  // TypeBox schemas are plain JSON Schema objects; the walk reads them as such.
  const schema = ConfigSchema as unknown as SchemaNode
  const sections = Object.entries(schema.properties ?? {}).map(([name, node]) => {
    const out: Row[] = []
    const required = schema.required?.includes(name) === true
    rows(node, name, required, out)
    const heading = `## \`${name}\`${required ? '' : node.default === undefined ? ' (optional)' : ''}`
    return [heading, table(['key', 'type', 'default', 'meaning'], out)].join('\n\n')
  })
  return document([generatedNotice('src/config/schema.ts'), INTRO, ...sections])
}
