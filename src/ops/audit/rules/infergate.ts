/**
 * infergate config rules (IG): the gateway's own config file.
 * @module
 */
import { isLoopback } from '../../../guards/address-policy.js'
import type { Rule } from '../types.js'
import { at, items, text } from '../yaml-tree.js'

const SECRET_HEADER = /auth|token|key|secret|password|cookie|credential/i
const SECRET_VALUE = /^(bearer|basic)\s+\S|^[A-Za-z0-9+/_=.-]{24,}$/i
const ENV_REFERENCE = /(^|[^$])\$\{[A-Za-z_][A-Za-z0-9_]*\}/

export const infergateRules: readonly Rule[] = [
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
