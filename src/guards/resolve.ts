/**
 * Every address a host name resolves to, as the backend's resolver would see them (getaddrinfo:
 * /etc/hosts included), within a deadline: a slow or silent DNS server must not hold a request.
 * A lookup that misses the deadline keeps running in the background and is ignored.
 * @module
 */
import { lookup } from 'node:dns/promises'

export class LookupFailed extends Error {}

export async function resolveAll (host: string, timeoutMs: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new LookupFailed(`looking up ${host} took longer than ${timeoutMs} ms`)) }, timeoutMs)
    timer.unref()
  })
  try {
    const addresses = await Promise.race([lookup(host, { all: true, verbatim: true }), deadline])
    return addresses.map(entry => entry.address)
  } catch (err) {
    if (err instanceof LookupFailed) throw err
    throw new LookupFailed(`${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  } finally {
    clearTimeout(timer)
  }
}
