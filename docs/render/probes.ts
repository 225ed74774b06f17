/**
 * docs/probes.md from src/ops/probe/checks.ts: what `infergate probe` sends, the same table
 * `infergate probe --list` prints.
 * @module
 */
import { CHECKS, checksTable } from '../../src/ops/probe/checks.js'
import { document, generatedNotice } from './markdown.js'

const INTRO = `# What \`infergate probe\` sends

\`infergate probe URL [--key KEY] [--framework vllm|triton|torchserve|all] [--format text|json]\`
sends each check below without a credential and, with \`--key\` (or \`INFERGATE_PROBE_KEY\`), again with
\`Authorization: Bearer KEY\`, and reports which answered ([operations.md](operations.md#infergate-probe)).
\`infergate probe --list [--framework …]\` prints this table and sends nothing.`

export function renderProbes (): string {
  return document([generatedNotice('src/ops/probe/checks.ts'), INTRO, checksTable(CHECKS).trimEnd()])
}
