/**
 * The fixed sample of the loopback attack run (test/fixtures/attack/): parses the case files and builds
 * each case's bytes, tokens included.
 * @module
 */
import { createHmac, createPublicKey, createSign, KeyObject, type JsonWebKey } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { AUDIENCE, b64url, ISSUER, type SigningKey } from '../auth/jwt-fixtures.js'

const DIR = new URL('../fixtures/attack/', import.meta.url)

/** `refuse`: refused, nothing forwarded; `may-forward`: the case's own request may be forwarded once; `accept`: it must be. */
export type Expect = 'refuse' | 'may-forward' | 'accept'
const EXPECTS: ReadonlySet<string> = new Set(['refuse', 'may-forward', 'accept'])

export interface CaseLine {
  readonly name: string
  readonly expect: Expect
  readonly fields: readonly string[]
}

/** `name<TAB>expect<TAB>fields…`, one a line; `#` lines are comments. */
export function readCases (file: string): CaseLine[] {
  const cases: CaseLine[] = []
  for (const line of readFileSync(new URL(file, DIR), 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const [name, expect, ...fields] = line.split('\t')
    if (name === undefined || expect === undefined || !EXPECTS.has(expect) || fields.length === 0) {
      throw new Error(`${file}: bad case line ${JSON.stringify(line)}`)
    }
    cases.push({ name, expect: expect as Expect, fields })
  }
  return cases
}

const ESCAPES: Readonly<Record<string, string>> = { r: '\r', n: '\n', t: '\t', '\\': '\\' }

/** The fixtures' escapes (`\r \n \t \\ \xHH`) to bytes. */
function unescapeBytes (text: string): Buffer {
  const decoded = text.replace(/\\(x[0-9a-fA-F]{2}|[rnt\\])/g, (_, escape: string) =>
    escape.length === 3 ? String.fromCharCode(parseInt(escape.slice(1), 16)) : ESCAPES[escape] as string)
  return Buffer.from(decoded, 'latin1')
}

/**
 * A case's bytes with its placeholders filled in and an `X-Request-Id` after the request line, so that
 * what an emulator records and what the gateway logs can be told apart by case.
 */
export function caseBytes (escaped: string, key: string, requestId: string): Buffer {
  const raw = unescapeBytes(escaped.replaceAll('{KEY}', key)).toString('latin1')
  const bodyStart = raw.indexOf('\r\n\r\n')
  const body = bodyStart === -1 ? '' : raw.slice(bodyStart + 4)
  const filled = raw.replaceAll('{CL}', String(body.length))
  const lineEnd = filled.indexOf('\r\n')
  return Buffer.from(`${filled.slice(0, lineEnd)}\r\nX-Request-Id: ${requestId}${filled.slice(lineEnd)}`, 'latin1')
}

/** The method and target of a request's first line. */
export function requestLine (bytes: Buffer): { method: string, target: string } {
  const line = bytes.toString('latin1', 0, bytes.indexOf('\r\n'))
  const [method = '', target = ''] = line.split(' ')
  return { method, target }
}

export interface TokenKeys {
  readonly rsa: SigningKey
  readonly ec: SigningKey
  readonly attacker: SigningKey
  readonly attackerJwksUrl: string
}

function signWith (key: SigningKey, input: string): string {
  const signer = createSign('sha256').update(input)
  const signature = key.alg === 'ES256'
    ? signer.sign({ key: KeyObject.from(key.privateKey), dsaEncoding: 'ieee-p1363' })
    : signer.sign(KeyObject.from(key.privateKey))
  return signature.toString('base64url')
}

const hmac = (hash: string, secret: string | Buffer, input: string) => createHmac(hash, secret).update(input).digest('base64url')

function fill (value: unknown, now: number, keys: TokenKeys): unknown {
  if (value === '{ATTACKER_JWKS}') return keys.attackerJwksUrl
  if (value === '{ATTACKER_JWK}') return keys.attacker.jwk
  const time = typeof value === 'string' ? /^\{NOW([+-]\d+)\}$/.exec(value) : null
  return time === null ? value : now + Number(time[1])
}

function merge (base: Record<string, unknown>, overrides: Record<string, unknown>, now: number, keys: TokenKeys): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base }
  for (const [name, value] of Object.entries(overrides)) {
    if (value === null) delete merged[name]
    else merged[name] = fill(value, now, keys)
  }
  return merged
}

/** A jwt.txt case's token: header and claims merged over a valid token's, then signed as the case says. */
export function buildToken (fields: readonly string[], keys: TokenKeys): string {
  const [signature = '', header = '{}', claims = '{}'] = fields
  const now = Math.floor(Date.now() / 1000)
  const baseHeader = { alg: 'RS256', kid: keys.rsa.kid, typ: 'JWT' }
  const baseClaims = { sub: 'svc-1', iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300, models: ['demo-tensor'] }
  const input = `${b64url(merge(baseHeader, JSON.parse(header) as Record<string, unknown>, now, keys))}.` +
    b64url(merge(baseClaims, JSON.parse(claims) as Record<string, unknown>, now, keys))
  const validInput = `${b64url(baseHeader)}.${b64url(baseClaims)}`
  const publicKey = createPublicKey({ key: keys.rsa.jwk as JsonWebKey, format: 'jwk' })
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string
  const [mode, argument] = signature.includes(':') ? [signature.slice(0, signature.indexOf(':')), signature.slice(signature.indexOf(':') + 1)] : [signature, '']
  const signatures: Record<string, () => string> = {
    rs256: () => signWith(keys.rsa, input),
    es256: () => signWith(keys.ec, input),
    'attacker-rs256': () => signWith(keys.attacker, input),
    original: () => signWith(keys.rsa, validInput),
    truncated: () => signWith(keys.rsa, input).slice(0, -8),
    empty: () => '',
    literal: () => argument,
    hs256: () => hmac('sha256', argument, input),
    'hs256-public-pem': () => hmac('sha256', pem, input),
    'hs256-public-pem-trimmed': () => hmac('sha256', pem.trim(), input),
    'hs256-public-der': () => hmac('sha256', publicKey.export({ type: 'spki', format: 'der' }), input),
    'hs512-public-pem': () => hmac('sha512', pem, input),
    psychic: () => Buffer.alloc(64).toString('base64url'),
    'der-zero': () => Buffer.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]).toString('base64url')
  }
  const make = signatures[mode]
  if (make === undefined) throw new Error(`jwt.txt: unknown signature ${signature}`)
  return `${input}.${make()}`
}
