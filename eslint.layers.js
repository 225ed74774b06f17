/**
 * The layering of src/, written down once here and enforced by the lint config (eslint.config.js).
 * @module
 */

/**
 * The layers of src/, top first: a folder (or a file directly in src/) imports only from the rows
 * below its own, never from its own row or above, `import type` included. So there is no upward
 * import and no cycle between folders; test/lint/layers.test.ts proves the rule fires and checks
 * that every entry of src/ has a row and that no file cycle exists inside a folder.
 */
export const LAYERS = [
  ['cli.ts'], // the infergate command
  ['demo.ts'], // the gateway in front of the emulators (npm start)
  ['serve.ts'], // listens, serves metrics, drains and stops
  ['app.ts'], // wires the stages below into one fastify app, in request order
  ['ops', 'emulators'], // standalone tools (probe, verify-models, audit); emulated backends
  ['config-load'], // reads a config file and checks it whole: schema, profiles' route groups, guard options
  ['server', 'health'], // the HTTP edge (admission, errors, CORS, logs, timeouts); /healthz, /readyz
  ['routing', 'proxy'], // admit (identity, allowlist, upstream); request bodies, forwarder and relay
  ['auth', 'limits', 'guards'], // identities; request, concurrency and token limits; advisory guards
  ['observability'], // access log, audit events, metrics, token usage, traces
  ['exchange'], // one request's state (Exchange) and the plain types it holds
  ['config'], // the config schema and its types
  ['policy', 'profiles'], // HTTP rules with no state (framing, Host, target, Expect); route tables as data
  ['lib'], // generic helpers: JSON objects, bounded reads, model patterns, durations, header names
  ['errors.ts', 'version.ts'] // the error table; the version
]

/** Folders nest this deep at most under src/<folder>/ (src/ops/audit/inputs/ is 3). */
const MAX_DEPTH = 4
const escape = text => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** An import specifier written in a file `depth` folders below src/ that reaches one of `units`. */
function reaching (depth, units) {
  const up = depth === 0 ? '\\./' : `(?:\\.\\./){${depth}}`
  const folders = units.filter(unit => !unit.endsWith('.ts')).map(escape)
  const files = units.filter(unit => unit.endsWith('.ts')).map(unit => escape(unit.replace(/\.ts$/, '.js')))
  const targets = [...(folders.length > 0 ? [`(?:${folders.join('|')})/`] : []), ...(files.length > 0 ? [`(?:${files.join('|')})$`] : [])]
  return `^${up}(?:${targets.join('|')})`
}

/** One no-restricted-imports entry per unit and depth: the units in its row and above are refused. */
export const layering = LAYERS.flatMap((row, rank) => row.flatMap(unit => {
  const refused = LAYERS.slice(0, rank + 1).flat().filter(other => other !== unit)
  if (refused.length === 0) return []
  const message = `src/${unit} may import only the layers below its own (LAYERS in eslint.layers.js).`
  const entry = (files, depth) => ({
    files,
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: reaching(depth, refused), caseSensitive: true, message }] }] }
  })
  if (unit.endsWith('.ts')) return [entry([`src/${unit}`], 0)]
  return Array.from({ length: MAX_DEPTH }, (_, i) => entry([`src/${unit}/${'*/'.repeat(i)}*.ts`], i + 1))
}))

const EXCHANGE_CASTS = [
  { selector: 'TSAsExpression > TSTypeReference[typeName.name=/^(Exchange|Routed)$/]', message: 'Read the request\'s exchange with exchangeOf(request) or routed(request), never by a cast.' },
  { selector: 'TSAsExpression TSIndexedAccessType > TSTypeReference[typeName.name=/^(Exchange|Routed)$/]', message: 'A field of the exchange set by an earlier stage: read it from routed(request) (or add an accessor), never by a cast.' }
]

/** The request's state is read through the accessors of src/exchange/exchange.ts, never asserted. */
export const exchangeReads = [
  {
    files: ['src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'error',
      'no-restricted-syntax': ['error', ...EXCHANGE_CASTS, {
        selector: "MemberExpression[object.name='request'][property.name='exchange']",
        message: 'Read the request\'s exchange with exchangeOf(request) or routed(request): they fail clearly when a stage runs out of order.'
      }]
    }
  },
  // The accessors themselves, and request admission, which opens the exchange.
  { files: ['src/exchange/exchange.ts', 'src/server/request-admission.ts'], rules: { 'no-restricted-syntax': ['error', ...EXCHANGE_CASTS] } }
]
