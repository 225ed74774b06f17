/**
 * YAML documents as plain trees whose every node knows its 1-based line, so that rules can name
 * the line of a key or of a value, and of the nearest parent when a key is missing.
 * @module
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Scalar } from 'yaml'

export interface YamlTree {
  /** The key's line for a mapping value, the item's line for a sequence item. */
  readonly line: number
  /** Where a string's text starts: the line after `|` or `>` for a block scalar. */
  readonly textLine: number
  readonly scalar?: unknown
  readonly items?: readonly YamlTree[]
  readonly entries?: ReadonlyMap<string, YamlTree>
}

export type YamlDocuments = { trees: YamlTree[] } | { error: string, line: number }

export function parseYamlDocuments (text: string): YamlDocuments {
  const lines = new LineCounter()
  const documents = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false })
  const trees: YamlTree[] = []
  for (const document of Array.isArray(documents) ? documents : [documents]) {
    const error = document.errors[0]
    if (error !== undefined) {
      return { error: `invalid YAML: ${(error.message.split('\n')[0] as string).replace(/ at line \d+, column \d+:?$/, '')}`, line: error.linePos?.[0].line ?? 1 }
    }
    if (document.contents !== null) trees.push(toTree(document.contents, lines))
  }
  return { trees }
}

function toTree (node: unknown, lines: LineCounter, keyLine?: number): YamlTree {
  const range = (node as { range?: [number, number] } | null)?.range
  const ownLine = range === undefined ? (keyLine ?? 1) : lines.linePos(range[0]).line
  const line = keyLine ?? ownLine
  if (isMap(node)) {
    const entries = new Map<string, YamlTree>()
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
      const keyRange = (pair.key as { range?: [number, number] } | null)?.range
      entries.set(key, toTree(pair.value, lines, keyRange === undefined ? line : lines.linePos(keyRange[0]).line))
    }
    return { line, textLine: ownLine, entries }
  }
  if (isSeq(node)) return { line, textLine: ownLine, items: node.items.map(item => toTree(item, lines)) }
  if (isScalar(node)) {
    const block = (node as Scalar).type === 'BLOCK_LITERAL' || (node as Scalar).type === 'BLOCK_FOLDED'
    return { line, textLine: block ? ownLine + 1 : ownLine, scalar: node.value }
  }
  // An alias (or an empty value): present, but nothing the audit can read.
  return { line, textLine: ownLine, scalar: isAlias(node) ? undefined : null }
}

/** The node at a path of mapping keys and sequence indexes. */
export function at (tree: YamlTree | undefined, ...path: Array<string | number>): YamlTree | undefined {
  let node = tree
  for (const step of path) node = typeof step === 'number' ? node?.items?.[step] : node?.entries?.get(step)
  return node
}

/** A scalar as text (numbers and booleans too), or undefined. */
export function text (tree: YamlTree | undefined): string | undefined {
  const value = tree?.scalar
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined
}

export function items (tree: YamlTree | undefined): readonly YamlTree[] {
  return tree?.items ?? []
}
