/**
 * The audit rules, as data: each rule's id, severity, title, the advisory or guide section it
 * answers, its matchers (one per kind of subject it looks at) and the fix. References name the CVE or
 * the backend's own documentation or source file (paths in its repository), and "guide" sections of
 * the model-serving hardening guide the rules were first written from.
 * @module
 */
import { isLoopback } from './addresses.js'
import { isOn } from './command-line.js'
import { parseImage } from './images.js'
import { addressBeyondLoopback, any, envOn, flagOn, imageBefore, listensBeyondLoopback, securityField, settingOn } from './matchers.js'
import type { Hit, Severity, SubjectOf, SubjectType } from './types.js'
import { at, items, text } from './yaml-tree.js'

export type Matchers = { readonly [K in SubjectType]?: (subject: SubjectOf<K>) => Hit[] }

export interface Rule {
  readonly id: string
  readonly severity: Severity
  readonly title: string
  readonly reference: string
  readonly fix: string
  readonly match: Matchers
}

/** URLs a permissive `allowed_urls` lets the management API fetch (Java `matches`: the whole URL). */
const URL_PROBES = ['http://attacker.example/model.mar', 'https://attacker.example/model.mar', 'file:///etc/passwd']
/** Ports of management, metrics and gRPC listeners that only the gateway (or nobody) may reach. */
const SENSITIVE_PORTS: ReadonlyMap<number, string> = new Map([
  [8001, 'Triton gRPC'], [8002, 'Triton metrics'], [8081, 'TorchServe management'], [8082, 'TorchServe metrics'],
  [7070, 'TorchServe gRPC inference'], [7071, 'TorchServe gRPC management'], [50051, 'vLLM gRPC']
])
const MODEL_SOURCES = new Set(['hostPath', 'persistentVolumeClaim'])
const SECRET_HEADER = /auth|token|key|secret|password|cookie|credential/i
const SECRET_VALUE = /^(bearer|basic)\s+\S|^[A-Za-z0-9+/_=.-]{24,}$/i
const ENV_REFERENCE = /(^|[^$])\$\{[A-Za-z_][A-Za-z0-9_]*\}/

const allowedUrlsPermissive = (value: string): boolean => value.split(',').some(pattern => {
  try {
    const regex = new RegExp(`^(?:${pattern.trim()})$`)
    return URL_PROBES.some(url => regex.test(url))
  } catch {
    return true
  }
})

export const RULES: readonly Rule[] = [
  {
    id: 'AUD001',
    severity: 'high',
    title: 'Input could not be audited',
    reference: 'audit input',
    fix: 'Fix the file (or leave it out of the audited paths); an unread deployment file is an unaudited one.',
    match: { unreadable: subject => [{ message: subject.problem }] }
  },
  {
    id: 'SH001',
    severity: 'medium',
    title: 'Comment inside a continued command line drops the flags after it',
    reference: 'guide: Triton and vLLM command-line examples',
    fix: 'Move comments above the command: a line starting with # ends a "\\"-continued command, and the shell runs the lines after it as a separate (failing) command.',
    match: {
      script: subject => subject.brokenContinuations.map(line => ({
        line,
        message: 'this comment ends the command above it; the flags on the following lines are never passed to it'
      }))
    }
  },
  {
    id: 'TS001',
    severity: 'critical',
    title: 'TorchServe management API on a non-loopback interface',
    reference: 'CVE-2023-43654 (ShellTorch); guide: TorchServe Hardening',
    fix: 'Set management_address=http://127.0.0.1:8081 (TorchServe\'s default) and never route the management API through the gateway.',
    match: { 'torchserve-config': addressBeyondLoopback('management_address') }
  },
  {
    id: 'TS002',
    severity: 'medium',
    title: 'TorchServe metrics API on a non-loopback interface',
    reference: 'TorchServe ServerInitializer.java (the metrics port has no token check); guide: TorchServe Hardening',
    fix: 'Set metrics_address=http://127.0.0.1:8082 and scrape it from inside the pod.',
    match: { 'torchserve-config': addressBeyondLoopback('metrics_address') }
  },
  {
    id: 'TS003',
    severity: 'medium',
    title: 'TorchServe inference API on a non-loopback interface',
    reference: 'CVE-2023-43654 (ShellTorch: bind the backend to loopback; the gateway is the only client)',
    fix: 'Set inference_address=http://127.0.0.1:8080 and run infergate in the same pod as the only client.',
    match: { 'torchserve-config': addressBeyondLoopback('inference_address') }
  },
  {
    id: 'TS004',
    severity: 'high',
    title: 'TorchServe model registration API enabled',
    reference: 'TorchServe docs/model_api_control.md (enable_model_api), CVE-2023-43654, CVE-2022-1471',
    fix: 'Remove enable_model_api=true / --enable-model-api / TS_ENABLE_MODEL_API; load models at startup (load_models=…).',
    match: {
      'torchserve-config': settingOn('enable_model_api', 'models can be registered from URLs at runtime'),
      command: subject => subject.framework !== 'torchserve'
        ? []
        : any(flagOn('--enable-model-api', 'models can be registered at runtime'), envOn('TS_ENABLE_MODEL_API', 'models can be registered at runtime'))(subject)
    }
  },
  {
    id: 'TS005',
    severity: 'high',
    title: 'TorchServe allowed_urls is permissive',
    reference: 'TorchServe docs/configuration.md (allowed_urls), CVE-2023-43654 (SSRF)',
    fix: 'Set allowed_urls to the exact model store URLs (regexes anchored to your host), e.g. allowed_urls=https://models\\.example\\.com/.*',
    match: {
      'torchserve-config': subject => {
        const setting = subject.settings.get('allowed_urls')
        if (setting === undefined) return [{ message: 'allowed_urls is not set: the default file://.*|http(s)?://.* allows every URL' }]
        return allowedUrlsPermissive(setting.value) ? [{ message: `allowed_urls=${setting.value} allows arbitrary URLs`, line: setting.line }] : []
      }
    }
  },
  {
    id: 'TS006',
    severity: 'high',
    title: 'TorchServe token authorization disabled',
    reference: 'TorchServe docs/token_authorization_api.md (on by default from 0.11.1)',
    fix: 'Remove disable_token_authorization=true / --disable-token-auth / TS_DISABLE_TOKEN_AUTHORIZATION; give the inference key to infergate as an upstream header.',
    match: {
      'torchserve-config': settingOn('disable_token_authorization', 'every API answers without a key'),
      command: subject => subject.framework !== 'torchserve'
        ? []
        : any(flagOn('--disable-token-auth', 'every API answers without a key'), envOn('TS_DISABLE_TOKEN_AUTHORIZATION', 'every API answers without a key'))(subject)
    }
  },
  {
    id: 'TS007',
    severity: 'high',
    title: 'TorchServe gRPC on a non-loopback interface',
    reference: 'TorchServe docs/grpc_api.md (inference 7070, management 7071; the Docker config binds 0.0.0.0)',
    fix: 'Set grpc_inference_address and grpc_management_address to 127.0.0.1 (or disable gRPC: enable_grpc=false).',
    match: { 'torchserve-config': addressBeyondLoopback('grpc_inference_address', 'grpc_management_address') }
  },
  {
    id: 'TR001',
    severity: 'high',
    title: 'Triton model control mode allows runtime loading',
    reference: 'Triton docs/user_guide/model_management.md (model-control-mode), model-load path traversal fixed in 24.01; guide: Triton Inference Server Hardening',
    fix: 'Use --model-control-mode=none (the default) and roll out model changes with a new deployment.',
    match: {
      command: subject => {
        const mode = subject.framework === 'triton' ? subject.flags.get('--model-control-mode') : undefined
        return mode !== undefined && ['poll', 'explicit'].includes(mode.value)
          ? [{ message: `--model-control-mode=${mode.value}: models can be loaded or replaced at runtime`, line: mode.line }]
          : []
      }
    }
  },
  {
    id: 'TR002',
    severity: 'medium',
    title: 'Triton metrics on all interfaces',
    reference: 'Triton src/command_line_parser.h (metrics on 0.0.0.0:8002, never restricted by --http-restricted-api); guide: Triton Inference Server Hardening',
    fix: 'Add --metrics-address=127.0.0.1 (or --allow-metrics=false).',
    match: {
      command: subject => {
        if (subject.framework !== 'triton' || !subject.hasCommandLine || !isOn(subject.flags.get('--allow-metrics')?.value ?? 'true')) return []
        const bound = listensBeyondLoopback(subject, '--metrics-address')
        return bound === undefined ? [] : [{ message: `metrics (port 8002) listen on ${bound.value}`, line: bound.line }]
      }
    }
  },
  {
    id: 'TR003',
    severity: 'low',
    title: 'Triton may auto-generate model configuration',
    reference: 'guide: Triton Inference Server Hardening (--strict-model-config=true)',
    fix: 'Add --strict-model-config=true (--disable-auto-complete-config on newer releases) and ship a config.pbtxt with every model.',
    match: {
      command: subject => subject.framework === 'triton' && subject.hasCommandLine &&
        !isOn(subject.flags.get('--strict-model-config')?.value ?? 'false') && !subject.flags.has('--disable-auto-complete-config')
        ? [{ message: 'neither --strict-model-config=true nor --disable-auto-complete-config is set' }]
        : []
    }
  },
  {
    id: 'TR004',
    severity: 'medium',
    title: 'Triton HTTP on all interfaces without restricted APIs',
    reference: 'Triton docs/customization_guide/inference_protocols.md (no authentication; --http-restricted-api), CVE-2026-24207',
    fix: 'Bind --http-address=127.0.0.1 behind infergate in the same pod, or restrict the non-inference APIs: --http-restricted-api=model-repository,model-config,shared-memory,statistics,trace,logging:<header>=<secret>.',
    match: {
      command: subject => {
        if (subject.framework !== 'triton' || !subject.hasCommandLine || !isOn(subject.flags.get('--allow-http')?.value ?? 'true') || subject.flags.has('--http-restricted-api')) return []
        const bound = listensBeyondLoopback(subject, '--http-address')
        return bound === undefined ? [] : [{ message: `HTTP (port 8000) listens on ${bound.value} with every API open`, line: bound.line }]
      }
    }
  },
  {
    id: 'TR005',
    severity: 'medium',
    title: 'Triton gRPC on all interfaces without restricted protocols',
    reference: 'Triton src/grpc/grpc_server.h (binds 0.0.0.0), docs/customization_guide/inference_protocols.md (--grpc-restricted-protocol), CVE-2026-24207',
    fix: 'Bind --grpc-address=127.0.0.1, disable it (--allow-grpc=false), or add --grpc-restricted-protocol=model-repository,model-config,shared-memory,statistics,trace,logging:<key>=<secret>.',
    match: {
      command: subject => {
        if (subject.framework !== 'triton' || !subject.hasCommandLine || !isOn(subject.flags.get('--allow-grpc')?.value ?? 'true') || subject.flags.has('--grpc-restricted-protocol')) return []
        const bound = listensBeyondLoopback(subject, '--grpc-address')
        return bound === undefined ? [] : [{ message: `gRPC (port 8001) listens on ${bound.value} with every protocol open`, line: bound.line }]
      }
    }
  },
  {
    id: 'TR006',
    severity: 'low',
    title: 'Triton response cache enabled',
    reference: 'guide: Triton Inference Server Hardening (--response-cache-byte-size=0)',
    fix: 'Remove --cache-config (or set --response-cache-byte-size=0) unless every cached model is safe to share across clients.',
    match: {
      command: subject => {
        if (subject.framework !== 'triton') return []
        return ['--cache-config', '--response-cache-byte-size'].flatMap(name => {
          const flag = subject.flags.get(name)
          const size = /(?:^|size=)(\d+)$/.exec(flag?.value ?? '')?.[1]
          return flag === undefined || size === '0' ? [] : [{ message: `${name}=${flag.value}: responses are cached and served across clients`, line: flag.line }]
        })
      }
    }
  },
  {
    id: 'VL001',
    severity: 'critical',
    title: 'vLLM trusts remote code',
    reference: 'guide: vLLM Hardening and Failure Modes (trust-remote-code)',
    fix: 'Remove --trust-remote-code; vendor and review any custom model code into the image instead.',
    match: { command: subject => subject.framework === 'vllm' ? flagOn('--trust-remote-code', 'model repositories can run arbitrary Python')(subject) : [] }
  },
  {
    id: 'VL002',
    severity: 'high',
    title: 'vLLM development API enabled',
    reference: 'vLLM vllm/entrypoints/serve/__init__.py (dev routes under VLLM_SERVER_DEV_MODE)',
    fix: 'Remove VLLM_SERVER_DEV_MODE from the environment.',
    match: { command: subject => subject.framework === 'vllm' ? envOn('VLLM_SERVER_DEV_MODE', 'unauthenticated /pause, /resume, /update_weights and other dev routes')(subject) : [] }
  },
  {
    id: 'VL003',
    severity: 'high',
    title: 'vLLM runtime LoRA loading enabled',
    reference: 'vLLM /adapters SageMaker LoRA routes, registered when runtime LoRA updating is on',
    fix: 'Remove VLLM_ALLOW_RUNTIME_LORA_UPDATING; list adapters with --lora-modules at startup.',
    match: { command: subject => subject.framework === 'vllm' ? envOn('VLLM_ALLOW_RUNTIME_LORA_UPDATING', 'adapters can be loaded from any path at runtime')(subject) : [] }
  },
  {
    id: 'VL004',
    severity: 'medium',
    title: 'vLLM profiler enabled',
    reference: 'vLLM profiler routes (/start_profile, /stop_profile) on the serving port',
    fix: 'Remove VLLM_TORCH_PROFILER_DIR, VLLM_TORCH_CUDA_PROFILE and --profiler-config from production deployments.',
    match: {
      command: subject => subject.framework !== 'vllm'
        ? []
        : any(
          envOn('VLLM_TORCH_PROFILER_DIR', 'the /start_profile and /stop_profile routes are served'),
          envOn('VLLM_TORCH_CUDA_PROFILE', 'CUDA profiling is on'),
          flagOn('--profiler-config', 'the profiling routes are served')
        )(subject)
    }
  },
  {
    id: 'VL005',
    severity: 'high',
    title: 'vLLM on all interfaces without a gateway in front',
    reference: 'guide: vLLM Hardening ("Always run behind an authenticated API gateway"); vLLM docs/usage/security.md',
    fix: 'Run infergate in the same pod and bind vLLM to it: --host 127.0.0.1.',
    match: {
      command: subject => {
        if (subject.framework !== 'vllm' || !subject.hasCommandLine || subject.behindGateway) return []
        const bound = listensBeyondLoopback(subject, '--host')
        return bound === undefined ? [] : [{ message: `vLLM listens on ${bound.value} and no infergate container runs beside it`, line: bound.line }]
      }
    }
  },
  {
    id: 'VL006',
    severity: 'medium',
    title: 'vLLM reachable beyond loopback without an API key',
    reference: 'vLLM docs/usage/security.md (--api-key / VLLM_API_KEY guards /v1 only), CVE-2026-22778 (/invocations)',
    fix: 'Bind --host 127.0.0.1 behind infergate, or set VLLM_API_KEY from a Secret and send it from infergate as an upstream header.',
    match: {
      command: subject => {
        if (subject.framework !== 'vllm' || !subject.hasCommandLine || subject.flags.has('--api-key') || subject.env.has('VLLM_API_KEY')) return []
        const bound = listensBeyondLoopback(subject, '--host')
        return bound === undefined ? [] : [{ message: `vLLM listens on ${bound.value} and answers without a key`, line: bound.line }]
      }
    }
  },
  {
    id: 'K8S001',
    severity: 'medium',
    title: 'Container may run as root',
    reference: 'guide: Expected Behaviour (non-root containers)',
    fix: 'Set securityContext.runAsNonRoot: true (pod or container) with a non-zero runAsUser.',
    match: { container: securityField('runAsNonRoot', true, 'runAsNonRoot') }
  },
  {
    id: 'K8S002',
    severity: 'medium',
    title: 'Container without the RuntimeDefault seccomp profile',
    reference: 'guide: TorchServe/Triton/vLLM manifests (seccompProfile RuntimeDefault)',
    fix: 'Set securityContext.seccompProfile.type: RuntimeDefault on the pod.',
    match: {
      container: subject => subject.security.seccompProfile?.value === 'Localhost' ? [] : securityField('seccompProfile', 'RuntimeDefault', 'seccompProfile.type')(subject)
    }
  },
  {
    id: 'K8S003',
    severity: 'medium',
    title: 'Container keeps Linux capabilities',
    reference: 'guide: Expected Behaviour (minimal capabilities)',
    fix: 'Set securityContext.capabilities.drop: ["ALL"] on the container.',
    match: {
      container: subject => {
        const drop = subject.security.capabilitiesDrop
        return Array.isArray(drop?.value) && drop.value.includes('ALL')
          ? []
          : [{ message: `container "${subject.name}": capabilities.drop does not include ALL`, line: drop?.line ?? subject.line }]
      }
    }
  },
  {
    id: 'K8S004',
    severity: 'medium',
    title: 'Container allows privilege escalation',
    reference: 'guide: TorchServe/Triton/vLLM manifests (allowPrivilegeEscalation: false)',
    fix: 'Set securityContext.allowPrivilegeEscalation: false on the container.',
    match: { container: securityField('allowPrivilegeEscalation', false, 'allowPrivilegeEscalation') }
  },
  {
    id: 'K8S005',
    severity: 'medium',
    title: 'Gateway container with a writable root filesystem',
    reference: 'infergate deployment hardening (the gateway writes nothing to disk)',
    fix: 'Set securityContext.readOnlyRootFilesystem: true on the infergate container.',
    match: { container: subject => subject.role === 'gateway' ? securityField('readOnlyRootFilesystem', true, 'readOnlyRootFilesystem')(subject) : [] }
  },
  {
    id: 'K8S006',
    severity: 'low',
    title: 'Model-server container with a writable root filesystem',
    reference: 'guide: TorchServe manifest ("readOnlyRootFilesystem: false  # TorchServe needs tmp writes")',
    fix: 'Set readOnlyRootFilesystem: true and mount an emptyDir at the paths the server writes (/tmp, the working directory).',
    match: { container: subject => subject.role === 'model-server' ? securityField('readOnlyRootFilesystem', true, 'readOnlyRootFilesystem')(subject) : [] }
  },
  {
    id: 'K8S007',
    severity: 'high',
    title: 'Model volume mounted read-write',
    reference: 'guide: Expected Behaviour (model files mounted read-only); Failure Modes (model checksum mismatch)',
    fix: 'Set readOnly: true on the volumeMount (and on the persistentVolumeClaim volume).',
    match: {
      container: subject => subject.mounts
        .filter(mount => /model/i.test(mount.path) && MODEL_SOURCES.has(mount.source ?? '') && !mount.readOnly)
        .map(mount => ({ message: `container "${subject.name}": ${mount.source ?? ''} mounted read-write at ${mount.path}`, line: mount.line }))
    }
  },
  {
    id: 'K8S008',
    severity: 'critical',
    title: 'Privileged container',
    reference: 'guide: Expected Behaviour (minimal capabilities)',
    fix: 'Remove securityContext.privileged: true; GPUs are granted through the device plugin (nvidia.com/gpu), not privilege.',
    match: {
      container: subject => subject.security.privileged?.value === true
        ? [{ message: `container "${subject.name}" is privileged`, line: subject.security.privileged.line }]
        : []
    }
  },
  {
    id: 'K8S009',
    severity: 'high',
    title: 'Pod on the host network',
    reference: 'guide: Network policy (only the gateway reaches inference endpoints)',
    fix: 'Remove hostNetwork: true; a NetworkPolicy cannot protect ports on the node\'s network.',
    match: {
      pod: subject => subject.hostNetwork?.value === true
        ? [{ message: `${subject.name}: hostNetwork: true puts every listener on the node's interfaces`, line: subject.hostNetwork.line }]
        : []
    }
  },
  {
    id: 'K8S010',
    severity: 'high',
    title: 'Service exposes a management, metrics or gRPC port',
    reference: 'guide: Failure Modes (management API exposed to network); Triton src/command_line_parser.h, TorchServe docs/configuration.md (default ports)',
    fix: 'Expose only the gateway\'s port; reach metrics from inside the pod or through a separate, NetworkPolicy-restricted scrape path.',
    match: {
      service: subject => subject.ports.flatMap(port => {
        const numbers = [port.value.port, port.value.targetPort].filter(value => typeof value === 'number')
        const known = numbers.map(value => SENSITIVE_PORTS.get(value)).find(name => name !== undefined)
        return known === undefined ? [] : [{ message: `Service "${subject.name}" exposes port ${numbers.join('→')} (${known})`, line: port.line }]
      })
    }
  },
  {
    id: 'IMG001',
    severity: 'medium',
    title: 'Image without a pinned tag',
    reference: 'guide: Failure Modes (framework CVE: know and update the version)',
    fix: 'Pin a released version tag (better: tag@sha256:digest).',
    match: {
      image: subject => {
        const image = parseImage(subject.reference)
        return image.digest === undefined && (image.tag === undefined || image.tag === 'latest')
          ? [{ message: `${subject.reference}: ${image.tag === undefined ? 'untagged (means :latest)' : ':latest'}, so the running version is unknown` }]
          : []
      }
    }
  },
  {
    id: 'IMG002',
    severity: 'critical',
    title: 'vLLM image with known advisories',
    reference: 'CVE-2026-22778 (RCE), CVE-2026-24779 (SSRF), fixed in 0.14.1',
    fix: 'Upgrade vllm/vllm-openai to v0.14.1 or later (newer releases fix further advisories, e.g. CVE-2026-34756 in 0.19.0).',
    match: { image: imageBefore(/(^|\/)vllm-openai$/, [0, 14, 1], 'before 0.14.1 (CVE-2026-22778 remote code execution, CVE-2026-24779 SSRF)') }
  },
  {
    id: 'IMG003',
    severity: 'critical',
    title: 'Triton image with known advisories',
    reference: 'CVE-2025-23310, CVE-2025-23311, CVE-2025-23319, CVE-2025-23320, CVE-2025-23334, fixed in 25.07',
    fix: 'Upgrade nvcr.io/nvidia/tritonserver to 25.07 or later.',
    match: { image: imageBefore(/(^|\/)tritonserver$/, [25, 7], 'before 25.07 (CVE-2025-23310/23311 stack overflow, CVE-2025-23319 Python-backend RCE chain)') }
  },
  {
    id: 'IMG004',
    severity: 'medium',
    title: 'TorchServe image: limited maintenance, no security patches',
    reference: 'TorchServe SECURITY.md (limited maintenance: no planned security patches)',
    fix: 'Keep TorchServe on loopback behind infergate as the only control point, and plan a move to a maintained server.',
    match: {
      image: subject => /(^|\/)torchserve$/.test(parseImage(subject.reference).repository)
        ? [{ message: `${subject.reference}: TorchServe is in limited maintenance with no planned security patches` }]
        : []
    }
  },
  {
    id: 'IG001',
    severity: 'critical',
    title: 'API key in plain text in the infergate config',
    reference: 'infergate config (auth.apiKeys[].sha256)',
    fix: 'Replace key: with sha256: <infergate hash-key KEY> and keep the key itself out of the file.',
    match: {
      'infergate-config': subject => items(at(subject.root, 'auth', 'apiKeys')).flatMap((entry, index) => {
        const key = at(entry, 'key')
        return key === undefined ? [] : [{ message: `auth.apiKeys[${index}] has a plain-text key`, line: key.line }]
      })
    }
  },
  {
    id: 'IG002',
    severity: 'high',
    title: 'API key hash is not a SHA-256 hex digest',
    reference: 'infergate config (auth.apiKeys[].sha256)',
    fix: 'Put the output of infergate hash-key KEY in sha256: (64 lower-case hex digits); a key pasted there is a plain-text key.',
    match: {
      'infergate-config': subject => items(at(subject.root, 'auth', 'apiKeys')).flatMap((entry, index) => {
        const sha256 = at(entry, 'sha256')
        // A whole-value ${ENV} reference is resolved (and validated) when the gateway loads the config.
        return sha256 === undefined || /^([0-9a-f]{64}|\$\{[A-Za-z_][A-Za-z0-9_]*\})$/.test(text(sha256) ?? '') ? [] : [{ message: `auth.apiKeys[${index}].sha256 is not 64 hex digits`, line: sha256.line }]
      })
    }
  },
  {
    id: 'IG003',
    severity: 'high',
    title: 'Upstream credential in plain text in the infergate config',
    // ${…} below is infergate's config syntax, not a misplaced template string.
    // eslint-disable-next-line no-template-curly-in-string
    reference: 'infergate config (upstreams[].headers, ${ENV} substitution)',
    // eslint-disable-next-line no-template-curly-in-string
    fix: 'Write the value as an environment reference ("Bearer ${VLLM_API_KEY}") and set the variable from a Secret.',
    match: {
      'infergate-config': subject => items(at(subject.root, 'upstreams')).flatMap((upstream, index) =>
        [...at(upstream, 'headers')?.entries ?? []].flatMap(([name, value]) => {
          const literal = text(value) ?? ''
          return !ENV_REFERENCE.test(literal) && (SECRET_HEADER.test(name) || SECRET_VALUE.test(literal))
            ? [{ message: `upstreams[${index}].headers.${name} is a literal value, not a \${ENV} reference`, line: value.line }]
            : []
        }))
    }
  },
  {
    id: 'IG004',
    severity: 'medium',
    title: 'infergate metrics listener on a non-loopback interface',
    reference: 'infergate config (metrics.host, default 127.0.0.1)',
    fix: 'Set metrics.host: 127.0.0.1 (the default) and scrape from inside the pod, or restrict it with a NetworkPolicy.',
    match: {
      'infergate-config': subject => {
        const host = at(subject.root, 'metrics', 'host')
        return host === undefined || isLoopback(text(host) ?? '') ? [] : [{ message: `metrics.host is ${text(host) ?? ''}`, line: host.line }]
      }
    }
  },
  {
    id: 'IG005',
    severity: 'high',
    title: 'infergate logs request and response bodies',
    reference: 'infergate config (logging.bodies); guide: vLLM Hardening (no request logging: PII in logs)',
    fix: 'Remove logging.bodies (or set it to false).',
    match: {
      'infergate-config': subject => {
        const bodies = at(subject.root, 'logging', 'bodies')
        return bodies?.scalar === true ? [{ message: 'logging.bodies: true writes prompts and completions to the logs', line: bodies.line }] : []
      }
    }
  }
]
