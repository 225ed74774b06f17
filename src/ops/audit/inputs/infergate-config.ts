/**
 * infergate's own config, recognised by its keys: a mapping whose top-level keys are all config keys
 * (plus any future one a rule looks for) and that has `upstreams` or `auth`.
 * @module
 */
import { ConfigSchema } from '../../../config/schema.js'
import type { InfergateConfigSubject } from '../types.js'
import type { YamlTree } from '../yaml-tree.js'

const KEYS = new Set(Object.keys(ConfigSchema.properties))

export function isInfergateConfig (tree: YamlTree): boolean {
  const keys = [...tree.entries?.keys() ?? []]
  return (keys.includes('upstreams') || keys.includes('auth')) && keys.every(key => KEYS.has(key))
}

export function infergateConfig (file: string, tree: YamlTree): InfergateConfigSubject[] {
  return [{ type: 'infergate-config', file, line: tree.line, root: tree }]
}
