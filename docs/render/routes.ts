/**
 * docs/routes.md from src/profiles: per framework, every route it forwards (method, path, group,
 * where the model comes from, streaming, error shape) and the profile's facts about its backend.
 * @module
 */
import { profiles } from '../../src/profiles/index.js'
import type { ModelSource, Profile, RouteRule, Streaming } from '../../src/profiles/types.js'
import { code, document, generatedNotice, table } from './markdown.js'

const STREAMING: Readonly<Record<Streaming, string>> = {
  never: 'no',
  always: 'always',
  'if-requested': 'when the body sets `"stream": true` (a form: its `stream` field)',
  maybe: 'when the handler streams',
  refused: 'never (a `stream` other than `false` is refused)'
}

function modelFrom (model: ModelSource): string {
  switch (model.from) {
    case 'path': return `path ${code(`{${model.param}}`)}`
    case 'body': return `JSON body ${code(model.field)}`
    case 'form': return `form field ${code(model.field)}`
    case 'none': return '—'
  }
}

function notes (rule: RouteRule): string {
  const parts: string[] = []
  if (rule.answer === 'model-list') parts.push('answered by the gateway: the merged model lists of the upstreams offering it, kept to the caller\'s models')
  for (const [param, chars] of Object.entries(rule.paramRefuses ?? {})) {
    parts.push(`${code(`{${param}}`)} never holds ${[...chars].map(c => code(c)).join(', ')} (plain or escaped)`)
  }
  return parts.join('; ')
}

function routesTable (profile: Profile): string {
  const rows = profile.rules.map(rule => [
    code(rule.id), rule.methods.join(', '), code(rule.path),
    rule.group === undefined ? 'always on' : `opt-in ${code(rule.group)}`,
    modelFrom(rule.model), STREAMING[rule.streaming], rule.envelope ?? profile.envelope, notes(rule)
  ])
  return table(['route id', 'methods', 'path', 'group', 'model from', 'streams', 'error shape', 'notes'], rows)
}

function facts (profile: Profile): string {
  const lines = [
    `- \`/readyz\` probes ${code(`GET ${profile.healthPath}`)} (unless \`upstreams[].healthCheck.path\` says otherwise).`,
    `- Path parameters: ${profile.pathDecoding === 'raw'
      ? 'the backend matches the raw path and never decodes it, so a parameter holding any `%` never matches.'
      : 'the backend decodes the path as the gateway does.'}`
  ]
  if (profile.reservedModelNames.length > 0) {
    lines.push(`- Model names the backend routes elsewhere, never matched as a model: ${profile.reservedModelNames.map(code).join(', ')}.`)
  }
  const prefixes = Object.entries(profile.envelopePaths).map(([prefix, envelope]) => `${code(prefix)} (${envelope})`)
  lines.push(`- Refused paths under ${prefixes.join(', ')} are answered in that error shape.`)
  return lines.join('\n')
}

function deniedTable (profile: Profile): string | undefined {
  if (profile.denied.length === 0) return undefined
  const rows = profile.denied.map(route => [code(`${route.method} ${route.path}`) + (route.upgrade === 'websocket' ? ' (WebSocket)' : ''), route.reason])
  return ['Never forwarded, whatever the config says:', table(['route', 'why'], rows)].join('\n\n')
}

const INTRO = `# Routes

Only these routes are forwarded, per framework; everything else gets 404 \`IG_ERR_ROUTE_NOT_ALLOWED\`
and the upstream receives nothing. An opt-in group is switched on per upstream with
\`upstreams[].routes\`. \`{param}\` matches within one path segment; matching is case-sensitive and
runs on the canonical target ([security.md](security.md)). The model named in the path or the JSON
body is checked against the caller's scope before anything is forwarded. When several upstreams offer
a route, the request goes to the first one (in config order) whose \`models\` match, among those its path
parameters may reach; no match: 404 \`IG_ERR_MODEL_NOT_FOUND\`. What to know before switching on an
opt-in group, and what is never allowed: [security.md](security.md#what-is-forwarded).`

export function renderRoutes (): string {
  const sections = Object.values(profiles).flatMap(profile => [
    `## ${profile.framework}`, routesTable(profile), facts(profile), deniedTable(profile)
  ])
  return document([generatedNotice('src/profiles'), INTRO, ...sections])
}
