/**
 * docs/errors.md from src/errors.ts: every code of HTTP_ERRORS and EXIT_ERRORS, and one example body
 * per error shape (src/server/error-envelope.ts) for the shapes the profiles use.
 * @module
 */
import { EXIT_ERRORS, HTTP_ERRORS, type HttpErrorSpec } from '../../src/errors.js'
import { profiles } from '../../src/profiles/index.js'
import type { ErrorEnvelope } from '../../src/profiles/types.js'
import { errorBody } from '../../src/server/error-envelope.js'
import { code, document, generatedNotice, table } from './markdown.js'

const EXAMPLE = 'IG_ERR_UNAUTHENTICATED'

/** Each shape the profiles answer in, with the path prefixes that select it. */
function envelopes (): Map<ErrorEnvelope, Set<string>> {
  const shapes = new Map<ErrorEnvelope, Set<string>>()
  const add = (envelope: ErrorEnvelope, where: string) => {
    const set = shapes.get(envelope) ?? new Set<string>()
    set.add(where)
    shapes.set(envelope, set)
  }
  for (const profile of Object.values(profiles)) {
    add(profile.envelope, `${profile.framework} routes`)
    for (const [prefix, envelope] of Object.entries(profile.envelopePaths)) add(envelope, code(`${prefix}…`))
    for (const rule of profile.rules) if (rule.envelope !== undefined) add(rule.envelope, code(rule.path))
  }
  return shapes
}

function shapesTable (): string {
  const spec: HttpErrorSpec = HTTP_ERRORS[EXAMPLE]
  const rows = [...envelopes()].map(([envelope, where]) =>
    [envelope, [...where].join(', '), code(JSON.stringify(errorBody(envelope, EXAMPLE, spec, 'missing credential', '…')))])
  return table(['shape', 'used for', `example (${spec.status})`], rows)
}

const yesNo = (value: boolean) => value ? 'yes' : 'no'

function codesTable (): string {
  const rows = Object.entries(HTTP_ERRORS).map(([name, raw]) => {
    const spec: HttpErrorSpec = raw
    return [spec.status === 0 ? '— (connection closed)' : String(spec.status), code(name), yesNo(spec.retryable),
      `${code(spec.kind.openai)} / ${code(spec.kind.anthropic)}`, spec.audit === undefined ? '' : code(spec.audit), spec.when]
  })
  return table(['status', 'code', 'retryable', 'type (OpenAI / Anthropic)', 'audit event', 'when'], rows)
}

function exitTable (): string {
  return table(['code', 'when'], Object.entries(EXIT_ERRORS).map(([name, spec]) => [code(name), spec.when]))
}

const INTRO = `# Errors

Every refusal is a small JSON body in the shape its client parses, chosen by the route's framework
(from the path, so an anonymous caller gets it too; paths no profile claims, and refusals the HTTP
parser makes before a request exists, use the OpenAI shape), and every response carries the same id in \`x-request-id\`. Every shape
names the \`IG_ERR_*\` code; extra fields are ignored by the clients. \`param\` (OpenAI shape) names the
field at fault where there is one, else \`null\`. **Retryable** refusals carry \`Retry-After\` (the
limiters' own value, else 1 second); the others never do, so SDKs do not retry them. An upstream's own
error responses pass through, scrubbed by the \`error-scrub\` guard ([guards.md](guards.md)); if an
upstream fails mid-stream, the client's connection is cut (it never sees a clean end of a broken stream).`

export function renderErrors (): string {
  return document([
    generatedNotice('src/errors.ts (HTTP_ERRORS, EXIT_ERRORS) and src/server/error-envelope.ts'),
    INTRO,
    '## Shapes',
    shapesTable(),
    '## Codes',
    codesTable(),
    '## At start (exit status 1, not a response)',
    exitTable()
  ])
}
