/**
 * Kubernetes manifests: for every workload kind, the pod (hostNetwork), each container (effective
 * security context, volume mounts, image) and the model-server command lines in it; Services and
 * their ports.
 * @module
 */
import { containerCommands, frameworkOfImage } from '../command-line.js'
import type { Word } from '../shell.js'
import type { ContainerRole, ContainerSubject, Located, Subject, VolumeMount } from '../types.js'
import { at, items, text, type YamlTree } from '../yaml-tree.js'

/** Where each workload kind keeps its pod spec. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec']
}

const GATEWAY = /infergate/i

export function isKubernetesObject (tree: YamlTree): boolean {
  return text(at(tree, 'apiVersion')) !== undefined && text(at(tree, 'kind')) !== undefined
}

export function kubernetesObject (file: string, tree: YamlTree): Subject[] {
  const kind = text(at(tree, 'kind')) as string
  const name = text(at(tree, 'metadata', 'name')) ?? kind
  if (kind === 'Service') {
    const ports = items(at(tree, 'spec', 'ports')).map(port => ({ value: { port: at(port, 'port')?.scalar, targetPort: at(port, 'targetPort')?.scalar }, line: port.line }))
    return [{ type: 'service', file, line: tree.line, name, ports }]
  }
  const path = POD_SPEC_PATHS[kind]
  const spec = path === undefined ? undefined : at(tree, ...path)
  return spec === undefined ? [] : podSubjects(file, name, spec)
}

function podSubjects (file: string, name: string, spec: YamlTree): Subject[] {
  const containers = [...items(at(spec, 'initContainers')), ...items(at(spec, 'containers'))]
  const behindGateway = containers.some(container => roleOf(container) === 'gateway')
  const volumes = new Map(items(at(spec, 'volumes')).map(volume => [
    text(at(volume, 'name')) ?? '',
    [...volume.entries?.keys() ?? []].find(key => key !== 'name')
  ]))
  const subjects: Subject[] = [{ type: 'pod', file, line: spec.line, name, hostNetwork: located(at(spec, 'hostNetwork')) }]
  for (const container of containers) {
    subjects.push(containerSubject(file, container, spec, volumes))
    const image = located(at(container, 'image'))
    if (typeof image?.value === 'string') subjects.push({ type: 'image', file, line: image.line, reference: image.value })
    const command = at(container, 'command')
    subjects.push(...containerCommands(
      command === undefined ? undefined : words(command),
      words(at(container, 'args')),
      typeof image?.value === 'string' ? { value: image.value, line: image.line } : undefined,
      { file, env: environment(at(container, 'env')), behindGateway }
    ))
  }
  return subjects
}

function containerSubject (file: string, container: YamlTree, pod: YamlTree, volumes: ReadonlyMap<string, string | undefined>): ContainerSubject {
  const own = at(container, 'securityContext')
  const podContext = at(pod, 'securityContext')
  // Pod-level fields apply to every container that does not set its own.
  const inherited = (key: string): YamlTree | undefined => at(own, key) ?? at(podContext, key)
  const mounts: VolumeMount[] = items(at(container, 'volumeMounts')).map(mount => ({
    path: text(at(mount, 'mountPath')) ?? '',
    readOnly: at(mount, 'readOnly')?.scalar === true,
    source: volumes.get(text(at(mount, 'name')) ?? ''),
    line: mount.line
  }))
  const drop = at(own, 'capabilities', 'drop')
  return {
    type: 'container',
    file,
    line: container.line,
    name: text(at(container, 'name')) ?? '(unnamed)',
    role: roleOf(container),
    security: {
      runAsNonRoot: located(inherited('runAsNonRoot')),
      seccompProfile: located(at(inherited('seccompProfile'), 'type')),
      capabilitiesDrop: drop === undefined ? undefined : { value: items(drop).map(item => text(item)), line: drop.line },
      allowPrivilegeEscalation: located(at(own, 'allowPrivilegeEscalation')),
      readOnlyRootFilesystem: located(at(own, 'readOnlyRootFilesystem')),
      privileged: located(at(own, 'privileged'))
    },
    mounts
  }
}

function roleOf (container: YamlTree): ContainerRole {
  const image = text(at(container, 'image'))
  const argv = [...words(at(container, 'command')), ...words(at(container, 'args'))].map(word => word.value)
  if (GATEWAY.test(image ?? '') || GATEWAY.test(text(at(container, 'name')) ?? '') || GATEWAY.test(argv[0] ?? '')) return 'gateway'
  const commands = containerCommands(undefined, argv.map(value => ({ value, line: 0 })), undefined, { file: '', env: new Map(), behindGateway: false })
  return frameworkOfImage(image) !== undefined || commands.length > 0 ? 'model-server' : 'other'
}

function words (tree: YamlTree | undefined): Word[] {
  return items(tree).flatMap(item => {
    const value = text(item)
    return value === undefined ? [] : [{ value, line: item.textLine }]
  })
}

/** `env:` entries; a `valueFrom` (secret, field) counts as set, to a value the audit cannot read. */
function environment (tree: YamlTree | undefined): Map<string, Located<string | undefined>> {
  const env = new Map<string, Located<string | undefined>>()
  for (const entry of items(tree)) {
    const name = text(at(entry, 'name'))
    if (name !== undefined) env.set(name, { value: text(at(entry, 'value')), line: entry.line })
  }
  return env
}

function located (tree: YamlTree | undefined): Located<unknown> | undefined {
  return tree === undefined ? undefined : { value: tree.scalar, line: tree.line }
}
