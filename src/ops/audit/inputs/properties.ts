/**
 * TorchServe's config.properties (Java properties: `key=value`, `key: value` or `key value`;
 * `#` and `!` comments; a trailing `\` continues the value).
 * @module
 */
import type { Located, TorchServeConfigSubject } from '../types.js'

export function torchServeConfig (file: string, text: string): TorchServeConfigSubject[] {
  const settings = new Map<string, Located<string>>()
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1
    let source = (lines[i] as string).trimStart()
    if (source === '' || source.startsWith('#') || source.startsWith('!')) continue
    while (source.endsWith('\\') && i + 1 < lines.length) source = source.slice(0, -1) + (lines[++i] as string).trimStart()
    const match = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(source)
    if (match !== null) settings.set(match[1] as string, { value: (match[2] as string).trim(), line })
  }
  return [{ type: 'torchserve-config', file, line: 1, settings }]
}
