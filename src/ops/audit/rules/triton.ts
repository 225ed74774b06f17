/**
 * Triton rules (TR): its command line. Advisories by CVE id in each rule.
 * @module
 */
import { isOn } from '../command-line.js'
import { listensBeyondLoopback } from '../matchers.js'
import type { Rule } from '../types.js'

export const tritonRules: readonly Rule[] = [
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
  }
]
