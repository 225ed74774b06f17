/**
 * Every YAML document under deploy/kubernetes: valid against the Kubernetes schemas
 * (kubernetes-models), hardened (so that removing runAsNonRoot or a NetworkPolicy fails here), and
 * its infergate config accepted by infergate's own loader.
 */
import assert from 'node:assert/strict'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { parseAllDocuments } from 'yaml'
import { hashKey } from '../../src/auth/api-keys.js'
import { parseConfig } from '../../src/config-load/load.js'
import { auditPaths } from '../../src/ops/audit/index.js'

const ROOT = new URL('../../deploy/kubernetes/', import.meta.url).pathname

type Obj = Record<string, any>

interface Doc {
  readonly file: string
  readonly value: Obj
}

async function loadDocs (): Promise<Doc[]> {
  const files = (await readdir(ROOT, { recursive: true })).filter(f => f.endsWith('.yaml')).sort()
  const docs: Doc[] = []
  for (const file of files) {
    for (const document of parseAllDocuments(await readFile(join(ROOT, file), 'utf8'))) {
      assert.deepEqual(document.errors, [], file)
      const value = document.toJS({ maxAliasCount: 100 }) as Obj | null
      if (value !== null) docs.push({ file, value })
    }
  }
  return docs
}

const docs = await loadDocs()
const name = (doc: Doc) => `${doc.file}: ${String(doc.value['kind'])}/${String(doc.value['metadata']?.name)}`
const ofKind = (kind: string, file?: string) => docs.filter(d => d.value['kind'] === kind && (file === undefined || d.file === file))
const isInfergate = (container: Obj) => String(container['image']).includes('/infergate:')
const SIDECARS = ['sidecar-vllm.yaml', 'sidecar-triton.yaml', 'sidecar-torchserve.yaml']
const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g

test('every document is valid against the Kubernetes schema of its apiVersion and kind', async () => {
  assert.ok(docs.length >= 30, `${docs.length} documents`)
  for (const doc of docs) {
    const { apiVersion, kind } = doc.value as { apiVersion: string, kind: string }
    assert.equal(doc.value['metadata']?.namespace, undefined, `${name(doc)}: no namespace, kubectl -n decides`)
    const module = await import(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, new (data: Obj) => { validate (): void }>
    const Model = module[kind]
    assert.ok(Model !== undefined, `${name(doc)}: no model for ${apiVersion} ${kind}`)
    assert.doesNotThrow(() => { new Model(doc.value).validate() }, name(doc))
  }
})

test('every file set is complete: sidecars and the central gateway', () => {
  for (const file of SIDECARS) {
    for (const kind of ['Secret', 'ConfigMap', 'Deployment', 'Service', 'NetworkPolicy']) {
      assert.ok(ofKind(kind, file).length > 0, `${file} has a ${kind}`)
    }
  }
  const gatewayKinds = new Set(docs.filter(d => d.file.startsWith('gateway/')).map(d => d.value['kind']))
  for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ConfigMap', 'NetworkPolicy', 'Secret']) {
    assert.ok(gatewayKinds.has(kind), `gateway/ has a ${kind}`)
  }
  assert.ok(ofKind('Deployment').some(d => d.value['metadata'].name === 'infergate-redis'), 'Redis for shared limits')
  assert.ok(ofKind('Service').some(d => d.value['metadata'].name === 'infergate-redis'))
})

test('every pod is hardened', () => {
  for (const doc of ofKind('Deployment')) {
    const pod = doc.value['spec'].template.spec as Obj
    const where = name(doc)
    assert.equal(pod['securityContext']?.runAsNonRoot, true, `${where}: runAsNonRoot`)
    assert.equal(pod['securityContext']?.seccompProfile?.type, 'RuntimeDefault', `${where}: seccomp`)
    assert.equal(pod['automountServiceAccountToken'], false, `${where}: no service account token`)
    const volumes = new Map<string, Obj>((pod['volumes'] ?? []).map((v: Obj) => [v['name'], v]))
    for (const container of [...(pod['initContainers'] ?? []), ...pod['containers']] as Obj[]) {
      const at = `${where} ${String(container['name'])}`
      const security = container['securityContext'] as Obj | undefined
      assert.equal(security?.['allowPrivilegeEscalation'], false, `${at}: allowPrivilegeEscalation`)
      assert.deepEqual(security?.['capabilities']?.drop, ['ALL'], `${at}: drop ALL capabilities`)
      assert.notEqual(security?.['runAsNonRoot'], false, at)
      for (const id of ['runAsUser', 'runAsGroup']) {
        const value: unknown = security?.[id] ?? pod['securityContext'][id]
        assert.ok(Number.isInteger(value) && (value as number) > 0, `${at}: numeric non-root ${id}`)
      }
      assert.equal(security?.['readOnlyRootFilesystem'], true, `${at}: read-only root filesystem`)
      for (const kind of ['requests', 'limits']) {
        assert.ok(container['resources']?.[kind]?.cpu !== undefined && container['resources'][kind].memory !== undefined, `${at}: ${kind}`)
      }
      assert.match(String(container['image']), /^[^@]+:(?!latest$)[\w][\w.-]*$|@sha256:[0-9a-f]{64}$/, `${at}: pinned image`)
      for (const mount of (container['volumeMounts'] ?? []) as Obj[]) {
        const volume = volumes.get(mount['name'])
        if (mount['name'] === 'models' || volume?.['persistentVolumeClaim'] !== undefined || volume?.['configMap'] !== undefined) {
          assert.equal(mount['readOnly'], true, `${at}: ${String(mount['name'])} mounted read-only`)
        }
      }
    }
    for (const volume of (pod['volumes'] ?? []) as Obj[]) {
      if (volume['persistentVolumeClaim'] !== undefined) assert.equal(volume['persistentVolumeClaim'].readOnly, true, `${where}: PVC read-only`)
    }
  }
})

function infergateContainers (): Array<{ doc: Doc, pod: Obj, container: Obj }> {
  return ofKind('Deployment').flatMap(doc => {
    const pod = doc.value['spec'].template.spec as Obj
    return (pod['containers'] as Obj[]).filter(isInfergate).map(container => ({ doc, pod, container }))
  })
}

test('infergate containers: probes, config from the ConfigMap, keys from the Secret', () => {
  const gateways = infergateContainers()
  assert.equal(gateways.length, 4)
  for (const { doc, pod, container } of gateways) {
    const at = name(doc)
    assert.equal(container['livenessProbe']?.httpGet?.path, '/healthz', at)
    assert.equal(container['readinessProbe']?.httpGet?.path, '/readyz', at)
    const env = new Map<string, Obj>((container['env'] as Obj[]).map(e => [e['name'], e]))
    const configPath = env.get('INFERGATE_CONFIG')?.['value'] as string
    const mount = (container['volumeMounts'] as Obj[]).find(m => configPath.startsWith(`${String(m['mountPath'])}/`))
    const volume = (pod['volumes'] as Obj[]).find(v => v['name'] === mount?.['name'])
    const configMap = ofKind('ConfigMap').find(c => c.value['metadata'].name === volume?.['configMap']?.name)
    const config = configMap?.value['data']?.[configPath.split('/').pop() as string] as string | undefined
    assert.ok(config !== undefined, `${at}: INFERGATE_CONFIG is a file of a ConfigMap in these manifests`)
    // every ${VAR} the config needs is in the container's environment, from the Secret
    // (TorchServe's inference token: from its key file, by the preload)
    const preloaded = (container['command'] ?? []).includes('--import') ? ['TORCHSERVE_INFERENCE_KEY'] : []
    for (const [, variable] of config.matchAll(ENV_REFERENCE)) {
      if (preloaded.includes(variable as string)) continue
      assert.ok(env.get(variable as string)?.['valueFrom']?.secretKeyRef !== undefined, `${at}: ${variable} from a Secret`)
    }
    assert.deepEqual(container['ports'].map((p: Obj) => p['containerPort']), [8080, 9464], at)
  }
})

test('every infergate config in a ConfigMap passes infergate\'s config loader', () => {
  const configs = ofKind('ConfigMap').filter(d => d.value['data']?.['config.yaml'] !== undefined)
  assert.equal(configs.length, 4)
  for (const doc of configs) {
    const text = doc.value['data']['config.yaml'] as string
    // distinct dummies: a hash of the variable's name for key hashes, a plain word for the rest
    const env = Object.fromEntries([...text.matchAll(ENV_REFERENCE)].map(([, variable = '']) =>
      [variable, variable.endsWith('SHA256') ? hashKey(variable) : `dummy-${variable}`]))
    const config = parseConfig(text, name(doc), env)
    assert.equal(config.listen.port, 8080)
    assert.equal(config.metrics.port, 9464)
    if (SIDECARS.includes(doc.file)) {
      for (const upstream of config.upstreams) assert.equal(new URL(upstream.url).hostname, '127.0.0.1', `${name(doc)}: loopback upstream`)
    }
  }
})

test('model servers are started hardened', () => {
  const containers = new Map(ofKind('Deployment').flatMap(doc =>
    (doc.value['spec'].template.spec.containers as Obj[]).map(c => [c['name'] as string, c])))
  const vllm = containers.get('vllm') as Obj
  const vllmArgs = (vllm['args'] as string[]).join(' ')
  assert.doesNotMatch(vllmArgs, /trust-remote-code/)
  assert.match(vllmArgs, /--host=127\.0\.0\.1\b/)
  const vllmEnv = (vllm['env'] as Obj[]).map(e => e['name'])
  for (const forbidden of ['VLLM_SERVER_DEV_MODE', 'VLLM_ALLOW_RUNTIME_LORA_UPDATING']) assert.ok(!vllmEnv.includes(forbidden), forbidden)
  assert.ok(vllmEnv.includes('VLLM_API_KEY'), 'vLLM has its own --api-key (VLLM_API_KEY)')

  const tritonArgs = (containers.get('triton') as Obj)['args'] as string[]
  for (const flag of ['--model-control-mode=none', '--strict-model-config=true', '--exit-on-error=true', '--http-address=127.0.0.1',
    '--grpc-address=127.0.0.1', '--metrics-address=127.0.0.1']) {
    assert.ok(tritonArgs.includes(flag), flag)
  }

  const torchserve = containers.get('torchserve') as Obj
  assert.ok(!(torchserve['args'] as string[]).includes('--disable-token-auth'))
  const properties = ofKind('ConfigMap').find(d => d.value['data']?.['config.properties'] !== undefined)?.value['data']['config.properties'] as string
  const settings = new Map(properties.split('\n').filter(line => /^\w/.test(line)).map(line => line.split('=', 2) as [string, string]))
  for (const key of ['inference_address', 'management_address', 'metrics_address']) assert.match(settings.get(key) ?? '', /^http:\/\/127\.0\.0\.1:\d+$/, key)
  assert.equal(settings.get('enable_model_api'), 'false')
  assert.equal(settings.get('allowed_urls'), 'file:///models/.*')
  assert.equal(settings.get('disable_token_authorization'), undefined)
  assert.equal(settings.get('install_py_dep_per_model'), 'false')
})

test('Secrets are placeholders; Services expose only the gateway port', () => {
  for (const doc of ofKind('Secret')) {
    for (const value of Object.values(doc.value['stringData'] as Record<string, string>)) assert.match(value, /^REPLACE-/, name(doc))
    assert.equal(doc.value['data'], undefined, name(doc))
  }
  for (const doc of ofKind('Service')) {
    const ports = (doc.value['spec'].ports as Obj[]).map(p => p['port'])
    assert.deepEqual(ports, doc.value['metadata'].name === 'infergate-redis' ? [6379] : [8080], name(doc))
  }
})

test('NetworkPolicies: default deny; 8080 from api-gateway only, 9464 from monitoring only', () => {
  const matches = (selector: Obj, labels: Obj) => Object.entries(selector['matchLabels'] ?? {}).every(([k, v]) => labels[k] === v)
  const units = [...SIDECARS.map(file => (d: Doc) => d.file === file),
    (d: Doc) => d.file.startsWith('gateway/') && d.file !== 'gateway/model-servers-networkpolicy.yaml']
  for (const inUnit of units) {
    const policies = docs.filter(d => inUnit(d) && d.value['kind'] === 'NetworkPolicy').map(d => d.value['spec'] as Obj)
    for (const deployment of docs.filter(d => inUnit(d) && d.value['kind'] === 'Deployment')) {
      const labels = deployment.value['spec'].template.metadata.labels as Obj
      const applying = policies.filter(p => matches(p['podSelector'], labels))
      assert.ok(applying.some(p => p['policyTypes'].includes('Ingress') && p['ingress'] === undefined), `${name(deployment)}: default-deny ingress`)
      for (const rule of applying.flatMap(p => (p['ingress'] ?? []) as Obj[])) {
        const sources = (rule['from'] as Obj[]).map(f => f['namespaceSelector']?.matchLabels?.['kubernetes.io/metadata.name'] ?? `pods:${JSON.stringify(f['podSelector'])}`)
        for (const { port } of rule['ports'] as Obj[]) {
          const allowed = ({ 8080: ['api-gateway'], 9464: ['monitoring'] } as Record<number, string[]>)[port]
          if (allowed === undefined) {
            assert.equal(port, 6379, `${name(deployment)}: only the gateway and metrics ports are open`)
            assert.ok(sources.every(s => s.startsWith('pods:')), 'Redis: gateway pods only')
          } else {
            assert.deepEqual(sources, allowed, `${name(deployment)}: port ${port}`)
          }
        }
      }
    }
  }
})

test('deploy/ has no findings from infergate audit', async () => {
  // sidecar-torchserve.yaml accepts IMG004 (TorchServe is in limited maintenance) in a comment that
  // says why: loopback behind infergate, as the rule's fix asks.
  const findings = await auditPaths([join(ROOT, '..')])
  assert.deepEqual(findings.map(f => `${f.file}:${f.line} ${f.ruleId} ${f.message}`), [])
})
