/**
 * A listener that cannot start (port taken, address not on this machine, host name unknown) becomes
 * one IG_ERR_LISTEN line naming the address and the cause, which the CLI prints without a stack.
 * @module
 */
import { ListenError } from '../errors.js'

export type Listener = 'the gateway' | 'the metrics listener'

/** What each errno means to someone choosing a host and port; other codes are shown as they come. */
const CAUSES: Readonly<Record<string, string>> = {
  EADDRINUSE: 'address in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this machine',
  EAFNOSUPPORT: 'address family not supported on this machine',
  ENOTFOUND: 'host name does not resolve',
  EAI_AGAIN: 'host name lookup failed for now'
}

export type ListenFailure = InstanceType<typeof ListenError> & {
  readonly listener: Listener
  readonly cause: NodeJS.ErrnoException
}

export function listenFailure (listener: Listener, host: string, port: number, err: unknown): ListenFailure {
  const cause = err as NodeJS.ErrnoException
  const code = cause.code ?? 'unknown error'
  const why = CAUSES[code] === undefined ? `${cause.message} (${code})` : `${CAUSES[code]} (${code})`
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
  return Object.assign(new ListenError(listener, address, why), { listener, cause })
}

/** Whether `err` is `listener` failing to start because of `code`. */
export function isListenFailure (err: unknown, listener: Listener, code: string): err is ListenFailure {
  return err instanceof ListenError && (err as ListenFailure).listener === listener && (err as ListenFailure).cause.code === code
}
