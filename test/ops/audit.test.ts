import assert from 'node:assert/strict'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { evaluate } from '../../src/ops/audit/engine.js'
import { audit, auditPaths } from '../../src/ops/audit/index.js'
import { RULES } from '../../src/ops/audit/rules/index.js'
import { parseShell } from '../../src/ops/audit/shell.js'
import type { Finding } from '../../src/ops/audit/types.js'
import { cli } from '../helpers/cli.js'

const FIXTURES = new URL('../fixtures/audit/', import.meta.url).pathname

/** A writable stream that keeps what the report writes. */
function sink (): NodeJS.WritableStream & { text: string } {
  const stream = new Writable({
    write (chunk: Buffer, _encoding, done) {
      stream.text += String(chunk)
      done()
    }
  }) as Writable & { text: string }
  stream.text = ''
  return stream
}

const brief = (findings: readonly Finding[]) => findings.map(finding => `${basename(finding.file)}:${finding.line} ${finding.ruleId}`)

test('the hardening guide\'s own examples: their real findings', async () => {
  assert.deepEqual(brief(await auditPaths([join(FIXTURES, 'guide')])), [
    // inference_address=http://0.0.0.0:8080; allowed_urls missing, so TorchServe's allow-everything default
    'config.properties:1 TS005',
    'config.properties:5 TS003',
    // pytorch/torchserve (limited maintenance); readOnlyRootFilesystem: false "TorchServe needs tmp writes"
    'torchserve-deployment.yaml:25 IMG004',
    'torchserve-deployment.yaml:32 K8S006',
    // tritonserver:24.04 (< 25.07); HTTP and gRPC on the 0.0.0.0 default, nothing restricted
    'triton-deployment.yaml:24 K8S006',
    'triton-deployment.yaml:25 IMG003',
    'triton-deployment.yaml:27 TR004',
    'triton-deployment.yaml:27 TR005',
    // The comment lines inside the continued command end it after --model-control-mode=none: the
    // metrics, strict-config and cache flags never reach tritonserver.
    'triton-flags.sh:2 TR002',
    'triton-flags.sh:2 TR003',
    'triton-flags.sh:2 TR004',
    'triton-flags.sh:2 TR005',
    'triton-flags.sh:5 SH001',
    'triton-flags.sh:14 SH001',
    'triton-flags.sh:16 SH001',
    'triton-flags.sh:18 SH001',
    // vllm-openai:v0.5.0 (< 0.14.1); --host 0.0.0.0 with no gateway in the pod and no API key
    'vllm-deployment.yaml:23 K8S006',
    'vllm-deployment.yaml:24 IMG002',
    'vllm-deployment.yaml:28 VL005',
    'vllm-deployment.yaml:28 VL006',
    'vllm-serve.sh:6 VL005',
    'vllm-serve.sh:6 VL006',
    'vllm-serve.sh:10 SH001'
  ])
})

test('every rule fires on the insecure fixtures and none on the hardened set', async () => {
  const [insecure, secure] = await Promise.all([auditPaths([join(FIXTURES, 'insecure')]), auditPaths([join(FIXTURES, 'secure')])])
  const fired = new Set(insecure.map(finding => finding.ruleId))
  assert.deepEqual(RULES.map(rule => rule.id).filter(id => !fired.has(id)), [])
  assert.deepEqual(brief(secure), [])
})

test('the rule table is complete data: unique ids, a severity, a reference, a fix and a matcher each', async (t) => {
  assert.equal(new Set(RULES.map(rule => rule.id)).size, RULES.length)
  for (const rule of RULES) {
    await t.test(rule.id, () => {
      assert.match(rule.id, /^[A-Z0-9]+\d{3}$/)
      assert.ok(rule.title !== '' && rule.reference !== '' && rule.fix !== '')
      assert.ok(Object.keys(rule.match).length > 0)
    })
  }
})

test('the rule engine reads each subject only through its own matchers', () => {
  const command = (flags: Record<string, string>, env: Record<string, string> = {}, behindGateway = false) => ({
    type: 'command' as const,
    framework: 'vllm' as const,
    file: 'x.sh',
    line: 3,
    hasCommandLine: true,
    flags: new Map(Object.entries(flags).map(([name, value]) => [name, { value, line: 4 }])),
    env: new Map(Object.entries(env).map(([name, value]) => [name, { value, line: 2 }])),
    behindGateway
  })
  const ids = (findings: Finding[]) => findings.map(finding => `${finding.ruleId}@${finding.line}`)
  assert.deepEqual(ids(evaluate([command({})])), ['VL005@3', 'VL006@3'], 'vLLM binds every interface by default')
  assert.deepEqual(ids(evaluate([command({ '--host': '127.0.0.1' })])), [])
  assert.deepEqual(ids(evaluate([command({ '--host': '0.0.0.0' }, {}, true)])), ['VL006@4'], 'a gateway in the pod is not a key')
  assert.deepEqual(ids(evaluate([command({ '--host': '[::1]', '--trust-remote-code': 'false' }, { VLLM_SERVER_DEV_MODE: '0' })])), [])
  assert.deepEqual(ids(evaluate([command({ '--host': 'localhost', '--trust-remote-code': 'true' }, { VLLM_ALLOW_RUNTIME_LORA_UPDATING: 'True' })])), ['VL003@2', 'VL001@4'])
})

test('the shell reader: quotes, escapes, separators, and comments that end continued lines', () => {
  const { commands, brokenContinuations } = parseShell([
    'A=1 vllm serve "my model" --x \'a b\' \\',
    '  --y=c\\ d; echo done && tritonserver \\',
    '  # explains the next flag',
    '  --strict-model-config=true',
    '# a comment line of its own',
    'echo "#not a comment" # but this is'
  ].join('\n'))
  assert.deepEqual(commands.map(words => words.map(word => `${word.value}@${word.line}`)), [
    ['A=1@1', 'vllm@1', 'serve@1', 'my model@1', '--x@1', 'a b@1', '--y=c d@2'],
    ['echo@2', 'done@2'],
    ['tritonserver@2'],
    ['--strict-model-config=true@4'],
    ['echo@6', '#not a comment@6']
  ])
  assert.deepEqual(brokenContinuations, [3])
})

test('CLI: exit codes follow --fail-on, usage errors exit 2', async () => {
  const secure = join(FIXTURES, 'secure')
  const guide = join(FIXTURES, 'guide')
  const results = await Promise.all([
    cli(['audit', secure]),
    cli(['audit', join(FIXTURES, 'insecure')]),
    cli(['audit', secure, '--format', 'xml']),
    cli(['audit'])
  ])
  assert.deepEqual(results.map(result => result.code), [0, 1, 2, 2])
  assert.equal(results[0]?.stdout, 'no findings\n')
  assert.match(results[1]?.stdout ?? '', /^test\/fixtures\/audit\/insecure\/config\.properties:3: CRITICAL TS001 management_address=http:\/\/0\.0\.0\.0:8081 is reachable from the network\n {4}fix: Set management_address=/m)
  assert.match(results[2]?.stderr ?? '', /--format must be one of text, json, sarif/)
  // The guide's TorchServe files have high (TS005) and medium findings, its Triton files a critical one.
  const torchserve = join(guide, 'torchserve')
  const codes = await Promise.all([
    audit([torchserve], { failOn: 'high' }, sink()),
    audit([torchserve], { failOn: 'critical' }, sink()),
    audit([join(guide, 'triton')], { failOn: 'critical' }, sink()),
    audit([secure], { failOn: 'low' }, sink())
  ])
  assert.deepEqual(codes, [1, 0, 1, 0])
  await assert.rejects(audit([secure], { failOn: 'severe' }, sink()), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' })
})

test('CLI: JSON and SARIF 2.1.0 reports carry rule, severity, file and line', async () => {
  const guide = join(FIXTURES, 'guide', 'triton')
  const json = sink()
  const [sarif] = await Promise.all([cli(['audit', guide, '--format', 'sarif']), audit([guide], { format: 'json' }, json)])
  const report = JSON.parse(json.text) as { findings: Finding[], summary: Record<string, number> }
  assert.deepEqual(report.summary, { low: 2, medium: 9, high: 0, critical: 1 })
  assert.deepEqual(report.findings[0], {
    ruleId: 'K8S006',
    severity: 'low',
    file: 'test/fixtures/audit/guide/triton/triton-deployment.yaml',
    line: 24,
    message: 'container "triton": readOnlyRootFilesystem is not set',
    fix: RULES.find(rule => rule.id === 'K8S006')?.fix
  })
  const log = JSON.parse(sarif.stdout) as {
    $schema: string
    version: string
    runs: Array<{
      tool: { driver: { name: string, rules: Array<{ id: string, defaultConfiguration: { level: string } }> } }
      results: Array<{ ruleId: string, ruleIndex: number, level: string, message: { text: string }, locations: Array<{ physicalLocation: { artifactLocation: { uri: string }, region: { startLine: number } } }> }>
    }>
  }
  assert.equal(log.version, '2.1.0')
  assert.match(log.$schema, /sarif-2\.1\.0/)
  const [runLog] = log.runs
  assert.ok(runLog !== undefined)
  assert.deepEqual(runLog.tool.driver.rules.map(rule => rule.id), RULES.map(rule => rule.id))
  assert.equal(runLog.results.length, 12)
  for (const result of runLog.results) {
    assert.equal(runLog.tool.driver.rules[result.ruleIndex]?.id, result.ruleId)
    assert.ok(['note', 'warning', 'error'].includes(result.level))
    assert.ok(result.message.text.length > 0)
    assert.match(result.locations[0]?.physicalLocation.artifactLocation.uri ?? '', /^test\/fixtures\/audit\/guide\/triton\/triton-(flags\.sh|deployment\.yaml)$/)
    assert.ok((result.locations[0]?.physicalLocation.region.startLine ?? 0) >= 1)
  }
  const critical = runLog.results.find(result => result.ruleId === 'IMG003')
  assert.deepEqual([critical?.level, critical?.locations[0]?.physicalLocation.region.startLine], ['error', 25])
})

test('unreadable, binary, invalid and skipped inputs: named in the report, never a crash', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'infergate-audit-'))
  await mkdir(join(dir, 'node_modules', 'pkg'), { recursive: true })
  await mkdir(join(dir, '.git'))
  await writeFile(join(dir, 'node_modules', 'pkg', 'bad.properties'), 'management_address=http://0.0.0.0:8081\n')
  await writeFile(join(dir, '.git', 'config.properties'), 'management_address=http://0.0.0.0:8081\n')
  await writeFile(join(dir, 'weights.json'), Buffer.from([0x7b, 0, 1, 2]))
  await writeFile(join(dir, 'notes.txt'), 'tritonserver --model-control-mode=poll\n')
  await writeFile(join(dir, 'tabs.yaml'), 'a:\n\tb: 1\n')
  const findings = await auditPaths([dir, join(dir, 'missing.yaml'), join(dir, 'notes.txt')])
  assert.deepEqual(findings.map(finding => `${basename(finding.file)}:${finding.line} ${finding.ruleId} ${finding.message}`), [
    'missing.yaml:1 AUD001 cannot read the file (ENOENT)',
    'notes.txt:1 TR001 --model-control-mode=poll: models can be loaded or replaced at runtime',
    'notes.txt:1 TR002 metrics (port 8002) listen on 0.0.0.0 (the default)',
    'notes.txt:1 TR003 neither --strict-model-config=true nor --disable-auto-complete-config is set',
    'notes.txt:1 TR004 HTTP (port 8000) listens on 0.0.0.0 (the default) with every API open',
    'notes.txt:1 TR005 gRPC (port 8001) listens on 0.0.0.0 (the default) with every protocol open',
    'tabs.yaml:2 AUD001 invalid YAML: Tabs are not allowed as indentation',
    'weights.json:1 AUD001 binary file, not a deployment input'
  ])
})

test('Kubernetes: pod-level security context is inherited, containers override it, every workload kind is read', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'infergate-audit-k8s-'))
  const workload = (kind: string, spec: string) => `apiVersion: v1\nkind: ${kind}\nmetadata: { name: w }\n${spec}`
  const pod = [
    'securityContext: { runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }',
    'containers:',
    '  - name: app',
    '    image: registry.example:5000/team/app',
    '    securityContext: { runAsNonRoot: false, allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }'
  ]
  const indent = (lines: string[], spaces: number) => lines.map(line => `${' '.repeat(spaces)}${line}`).join('\n')
  await writeFile(join(dir, 'all.yaml'), [
    workload('Pod', `spec:\n${indent(pod, 2)}\n`),
    workload('DaemonSet', `spec:\n  template:\n    spec:\n${indent(pod, 6)}\n`),
    workload('Job', `spec:\n  template:\n    spec:\n${indent(pod, 6)}\n`),
    workload('CronJob', `spec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n${indent(pod, 10)}\n`)
  ].join('---\n'))
  const findings = await auditPaths([dir])
  assert.deepEqual(findings.map(finding => `${finding.line} ${finding.ruleId}`), [
    '8 IMG001', '9 K8S001',
    '20 IMG001', '21 K8S001',
    '32 IMG001', '33 K8S001',
    '46 IMG001', '47 K8S001'
  ])
})

test('a finding accepted in its own file, with a reason, is not reported; without a reason it is', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'infergate-audit-accept-'))
  const manifest = (comment: string) => `apiVersion: v1
kind: Pod
metadata: { name: p }
spec:
  containers:
    - name: ts
      ${comment}
      image: pytorch/torchserve:0.12.0
      securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: [ALL] }, seccompProfile: { type: RuntimeDefault } }
`
  await writeFile(join(dir, 'explained.yaml'), manifest('# infergate-audit: accept IMG004 — loopback only, behind infergate'))
  await writeFile(join(dir, 'unexplained.yaml'), manifest('# infergate-audit: accept IMG004'))
  const findings = await auditPaths([dir])
  assert.deepEqual(findings.filter(f => f.ruleId === 'IMG004').map(f => basename(f.file)), ['unexplained.yaml'])
})
