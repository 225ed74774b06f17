/**
 * docs/guards.md from src/guards/rules: every advisory guard with its framework, routes, advisory
 * (CVE ids linked), summary, actions and options.
 * @module
 */
import { RULES } from '../../src/guards/rules/index.js'
import type { GuardRule, OptionSpec } from '../../src/guards/types.js'
import { code, document, generatedNotice, table } from './markdown.js'

const LOOKS_AT: Readonly<Record<GuardRule['on'], string>> = {
  json: 'JSON body',
  query: 'query string',
  header: 'request headers',
  response: 'upstream error responses'
}

const ADVISORY_ID = /\b(CVE-\d{4}-\d{4,}|GHSA(?:-[0-9a-z]{4}){3})\b/g

/** An advisory's text with each CVE (NVD) and GitHub advisory id linked. */
export function linkAdvisories (text: string): string {
  return text.replace(ADVISORY_ID, id => id.startsWith('CVE-')
    ? `[${id}](https://nvd.nist.gov/vuln/detail/${id})`
    : `[${id}](https://github.com/advisories/${id})`)
}

function option (name: string, spec: OptionSpec): string {
  switch (spec.kind) {
    case 'integer': return `${code(name)}: ${code(String(spec.default))} (${spec.min}–${spec.max})`
    case 'strings': return `${code(name)}: ${code(JSON.stringify(spec.default))}`
  }
}

function row (rule: GuardRule): string[] {
  return [
    code(rule.id), rule.frameworks.join(', '),
    rule.routes === 'all' ? 'all' : rule.routes.map(code).join(', '),
    LOOKS_AT[rule.on], linkAdvisories(rule.advisory), rule.summary,
    rule.actions.map(code).join(', '),
    Object.entries(rule.options).map(([name, spec]) => option(name, spec)).join('; ')
  ]
}

const INTRO = `# Advisory guards

On top of the route allowlist ([routes.md](routes.md)), infergate checks what the allowed routes carry
against the published advisories of the three backends. Every rule is on by default; per upstream,
\`upstreams[].guards.<rule id>\` switches one off (\`enabled: false\`), picks its \`action\` (the first
listed is the default) or sets its options. Unknown rule ids, rules of another framework, unknown
options and bad values are config errors naming them. The \`vllm-*\` rules but \`vllm-responses-store\`
also apply to a TorchServe upstream's \`hosted-openai\` routes (its vLLM handler runs vLLM's own
OpenAI serving code), and are tuned there the same way.

\`\`\`yaml
upstreams:
  - name: llm
    framework: vllm
    url: http://127.0.0.1:8000
    guards:
      vllm-chat-template: { action: strip }          # drop the fields instead of refusing
      vllm-n: { max: 4 }
      vllm-media: { allowedHosts: [images.example.com], dataBytes: 4194304 }
      vllm-video-data-url: { enabled: false }        # this model takes video
\`\`\`

A refusal is 400 \`IG_ERR_GUARD_REFUSED\` whose message names the rule, its advisory and the problem
(\`refused by guard vllm-prompt-embeds (CVE-2025-62164): "prompt_embeds" is not accepted\`); nothing is
forwarded. It is an audit event \`guard.refused\` (the rule id as \`reason\`) and counted in
\`infergate_guard_refusals_total{rule}\`; strips, caps and scrubs count in
\`infergate_guard_rewrites_total{rule,action}\`. A compressed body a rule must read is refused (415
\`IG_ERR_GUARD_UNCHECKABLE\`).`

const COST = `## Cost and limits of the approach

The vLLM body is the one the body parser already parsed for the model; rules read its fields, and one
iterative walk (only when a rule needs it) measures depth and strings and finds media parts. A
stripped or capped field is re-serialised once; otherwise the received bytes are forwarded. Triton
binary infer bodies: only the JSON header that \`Inference-Header-Content-Length\` delimits is read; the
tensor bytes stream on unread. JSON infer bodies are read whole (within the upstream's body limit);
keys given twice in one object are refused (400 \`IG_ERR_BODY_INVALID\`: Triton reads the first,
JavaScript the last). Switching every Triton body rule off restores plain streaming. A media host name
is resolved by the gateway and again by vLLM, so DNS answers that change in between (rebinding) are
not caught: allowlist only hosts you control.`

export function renderGuards (): string {
  const rows = RULES.map(row)
  return document([
    generatedNotice('src/guards/rules'),
    INTRO,
    '## Rules',
    table(['rule', 'framework', 'routes', 'looks at', 'advisory', 'what it does', 'actions', 'options (default, range)'], rows),
    COST
  ])
}
