/**
 * Kubernetes rules (K8S): containers' security contexts and mounts, pods, Services.
 * @module
 */
import { securityField } from '../matchers.js'
import type { Rule } from '../types.js'

/** Ports of management, metrics and gRPC listeners that only the gateway (or nobody) may reach. */
const SENSITIVE_PORTS: ReadonlyMap<number, string> = new Map([
  [8001, 'Triton gRPC'], [8002, 'Triton metrics'], [8081, 'TorchServe management'], [8082, 'TorchServe metrics'],
  [7070, 'TorchServe gRPC inference'], [7071, 'TorchServe gRPC management'], [50051, 'vLLM gRPC']
])
const MODEL_SOURCES = new Set(['hostPath', 'persistentVolumeClaim'])

export const kubernetesRules: readonly Rule[] = [
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
  }
]
