/**
 * Whether a listen address (a host, `host:port`, or a URL as TorchServe writes it) is reachable
 * only from the same machine or pod.
 * @module
 */
const LOOPBACK = /^(127(\.\d{1,3}){3}|::1|localhost|ip6-localhost)$/i

export function isLoopback (address: string): boolean {
  let host = address.trim()
  if (/^unix:/i.test(host)) return true
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '')
  const bracketed = /^\[([^\]]*)\]/.exec(host)
  if (bracketed !== null) host = bracketed[1] as string
  else if ((host.match(/:/g) ?? []).length === 1) host = host.slice(0, host.indexOf(':'))
  return LOOPBACK.test(host)
}
