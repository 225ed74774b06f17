/**
 * Reads a config file (YAML; JSON is YAML too), substitutes `${ENV}`, fills defaults, validates it
 * against the schema and the checks a schema cannot express, and reports every problem at once as
 * one line each. The result is deeply frozen.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { Compile } from 'typebox/compile'
import { Settings } from 'typebox/system'
import { Value } from 'typebox/value'
import { parseDocument } from 'yaml'
import { ConfigInvalidError, ConfigReadError } from '../errors.js'
import { substituteEnv } from '../config/env.js'
import { ConfigSchema, type Config } from '../config/schema.js'
import { formatSchemaErrors } from '../config/schema-errors.js'
import { semanticProblems } from './semantics.js'

// Every problem at once, not the first eight; optional keys are absent, never undefined.
Settings.Set({ maxErrors: 1000, exactOptionalPropertyTypes: true })
const validator = Compile(ConfigSchema)

export async function loadConfigFile (file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    throw new ConfigReadError(file, (err as NodeJS.ErrnoException).code ?? String(err))
  }
  return parseConfig(text, file, env)
}

export function parseConfig (text: string, source: string, env: NodeJS.ProcessEnv = process.env): Config {
  const document = parseDocument(text, { uniqueKeys: true, merge: false, prettyErrors: true })
  if (document.errors.length > 0) {
    throw new ConfigInvalidError(document.errors.map(e => {
      const where = e.linePos?.[0]
      return `${source}${where === undefined ? '' : `:${where.line}:${where.col}`}: ${(e.message.split('\n')[0] as string).replace(/ at line \d+, column \d+:?$/, '')}`
    }).join('\n'))
  }
  const parsed: unknown = document.toJS({ maxAliasCount: 100 })
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigInvalidError(`${source}: the config must be a mapping of keys (listen, upstreams, auth, …)`)
  }
  const envErrors: string[] = []
  const substituted = substituteEnv(parsed, env, '', envErrors)
  const singleIssuer = wrapSingleIssuer(substituted)
  const candidate: unknown = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, substituted))
  const errors = validator.Check(candidate)
    ? semanticProblems(candidate)
    : formatSchemaErrors(ConfigSchema, [...validator.Errors(candidate)])
  // A value whose variable is missing is reported once, as missing, not again as malformed.
  const unresolved = envErrors.map(line => line.slice(0, line.indexOf(': ') + 2))
  const all = [...envErrors, ...errors.filter(line => !unresolved.some(prefix => line.startsWith(prefix)))]
    .map(line => singleIssuer && line.startsWith('auth.jwt[0]') ? 'auth.jwt' + line.slice('auth.jwt[0]'.length) : line)
  if (all.length > 0) throw new ConfigInvalidError(all.join('\n'))
  return deepFreeze(candidate as Config)
}

/** `auth.jwt` may be one issuer or a list: a single one becomes a list of one, errors still name it as written. */
function wrapSingleIssuer (config: unknown): boolean {
  const auth = (config as { auth?: unknown }).auth
  if (auth === null || typeof auth !== 'object') return false
  const jwt = (auth as { jwt?: unknown }).jwt
  if (jwt === null || typeof jwt !== 'object' || Array.isArray(jwt)) return false;
  (auth as { jwt: unknown[] }).jwt = [jwt]
  return true
}

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const item of Object.values(value)) deepFreeze(item)
    Object.freeze(value)
  }
  return value
}
