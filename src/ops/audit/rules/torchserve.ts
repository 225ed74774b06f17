/**
 * TorchServe rules (TS): its config.properties and command line. Advisories by CVE id in each rule.
 * @module
 */
import { addressBeyondLoopback, any, envOn, flagOn, settingOn } from '../matchers.js'
import type { Rule } from '../types.js'

/** URLs a permissive `allowed_urls` lets the management API fetch (Java `matches`: the whole URL). */
const URL_PROBES = ['http://attacker.example/model.mar', 'https://attacker.example/model.mar', 'file:///etc/passwd']

const allowedUrlsPermissive = (value: string): boolean => value.split(',').some(pattern => {
  try {
    const regex = new RegExp(`^(?:${pattern.trim()})$`)
    return URL_PROBES.some(url => regex.test(url))
  } catch {
    return true
  }
})

export const torchserveRules: readonly Rule[] = [
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
  }
]
