/** Headers that describe one connection, never the message (RFC 9110 7.6.1), both directions. */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'http2-settings'
])

/** Header names a `Connection` header declares hop-by-hop, lower-cased. */
export function connectionListed (connection: string | string[] | undefined): Set<string> | undefined {
  // What nearly every message carries, and lists nothing.
  if (connection === undefined || connection === 'keep-alive' || connection === 'close') return undefined
  const names = new Set<string>()
  for (const token of String(connection).split(',')) {
    const name = token.trim().toLowerCase()
    if (name !== '' && name !== 'close' && name !== 'keep-alive') names.add(name)
  }
  return names.size === 0 ? undefined : names
}
