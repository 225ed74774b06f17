/**
 * `auth.apiKeysFile`: more keys from a file (typically a mounted Secret), re-read on SIGHUP and when
 * it changes. A file that cannot be read or validated leaves the keys in force and says why; the
 * gateway refuses to start only when the file is bad at start.
 * @module
 */
import { createHash } from 'node:crypto'
import { watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { Compile } from 'typebox/compile'
import Type from 'typebox'
import { Value } from 'typebox/value'
import { parse } from 'yaml'
import { ApiKeySchema, type ApiKeyConfig } from '../config/schema.js'
import { formatSchemaErrors } from '../config/schema-errors.js'

const KeyList = Type.Array(ApiKeySchema)
const checkKeys = Compile(KeyList)

/** The keys a file holds (a list, or `{ apiKeys: [...] }`), or the problems, one per line. */
async function readApiKeyFile (file: string): Promise<{ keys: ApiKeyConfig[], digest: string }> {
  const text = await readFile(file, 'utf8')
  let parsed: unknown
  try {
    parsed = parse(text)
  } catch (err) {
    // The first line only: the parser's message goes on to quote the file, which may hold secrets.
    throw new Error((err as Error).message.split('\n')[0])
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { apiKeys?: unknown } | null)?.apiKeys
  if (!Array.isArray(list)) throw new Error('must hold a list of keys, or apiKeys: [ … ]')
  const keys = Value.Default(KeyList, list)
  if (!checkKeys.Check(keys)) {
    throw new Error(formatSchemaErrors(KeyList, [...checkKeys.Errors(keys)]).map(line => `keys${line}`).join('; '))
  }
  return { keys: keys as ApiKeyConfig[], digest: createHash('sha256').update(text).digest('hex') }
}

export interface KeyFileEvents {
  onLoaded (keys: ApiKeyConfig[], reason: string): void
  onFailed (error: Error, reason: string): void
}

/**
 * Watches the file's directory, not the file: a Kubernetes Secret update swaps a symlink, which a
 * watch on the old file never reports.
 */
export class ApiKeyFileWatcher {
  readonly #file: string
  readonly #events: KeyFileEvents
  #watcher: FSWatcher | undefined
  #digest = ''
  #reading: Promise<void> | undefined
  #queued: string | undefined

  constructor (file: string, events: KeyFileEvents) {
    this.#file = file
    this.#events = events
  }

  /** The first read: its failure is the caller's (the gateway does not start). */
  async load (): Promise<ApiKeyConfig[]> {
    const { keys, digest } = await readApiKeyFile(this.#file)
    this.#digest = digest
    return keys
  }

  start (): void {
    const name = basename(this.#file)
    this.#watcher = watch(dirname(this.#file), (_event, changed) => {
      if (changed === null || changed === name || changed.startsWith('..')) this.reload('file changed').catch(() => undefined)
    })
    this.#watcher.on('error', err => this.#events.onFailed(err, 'watch'))
    this.#watcher.unref()
  }

  stop (): void {
    this.#watcher?.close()
  }

  /**
   * Re-reads the file. Calls during a read are queued as one more read (bursts of change events
   * collapse), and a queued SIGHUP is never downgraded to a mere change event: it always reloads.
   */
  reload (reason: string): Promise<void> {
    this.#queued = this.#queued === 'SIGHUP' ? 'SIGHUP' : reason
    this.#reading ??= this.#drain()
    return this.#reading
  }

  async #drain (): Promise<void> {
    try {
      for (let reason = this.#queued; reason !== undefined; reason = this.#queued) {
        this.#queued = undefined
        try {
          const { keys, digest } = await readApiKeyFile(this.#file)
          if (digest !== this.#digest || reason === 'SIGHUP') {
            this.#digest = digest
            this.#events.onLoaded(keys, reason)
          }
        } catch (err) {
          this.#events.onFailed(err as Error, reason)
        }
      }
    } finally {
      this.#reading = undefined
    }
  }
}
