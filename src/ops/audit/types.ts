/**
 * What the audit looks at. Every input file is parsed into subjects (one command line, one
 * container, one Service …) whose values carry the 1-based line they came from; the rules
 * (rules/) only ever see subjects, never file formats.
 * @module
 */
import type { Framework } from '../../profiles/types.js'
import type { YamlTree } from './yaml-tree.js'

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const
export type Severity = typeof SEVERITIES[number]

export interface Located<T> {
  readonly value: T
  readonly line: number
}

/** A model server's command line (argv after the binary) and its environment. */
export interface CommandSubject {
  readonly type: 'command'
  readonly framework: Framework
  readonly file: string
  readonly line: number
  /** False when only the environment is known (an image's default command, a Dockerfile `ENV`). */
  readonly hasCommandLine: boolean
  /** Last value of each `--flag` (`--flag=v`, `--flag v`; a bare `--flag` is "true"). */
  readonly flags: ReadonlyMap<string, Located<string>>
  /** `undefined` value: set from a secret or other reference the audit cannot read. */
  readonly env: ReadonlyMap<string, Located<string | undefined>>
  /** Runs in a Kubernetes pod that also has an infergate container. */
  readonly behindGateway: boolean
}

/** A TorchServe config.properties: a missing key means TorchServe's default. */
export interface TorchServeConfigSubject {
  readonly type: 'torchserve-config'
  readonly file: string
  readonly line: number
  readonly settings: ReadonlyMap<string, Located<string>>
}

export type ContainerRole = 'gateway' | 'model-server' | 'other'

export interface VolumeMount {
  readonly path: string
  readonly readOnly: boolean
  /** `hostPath`, `persistentVolumeClaim`, `configMap` … (undefined when the volume is not declared). */
  readonly source: string | undefined
  readonly line: number
}

/** One Kubernetes container with its effective security context (container over pod). */
export interface ContainerSubject {
  readonly type: 'container'
  readonly file: string
  readonly line: number
  readonly name: string
  readonly role: ContainerRole
  readonly security: {
    readonly runAsNonRoot: Located<unknown> | undefined
    readonly seccompProfile: Located<unknown> | undefined
    readonly capabilitiesDrop: Located<unknown> | undefined
    readonly allowPrivilegeEscalation: Located<unknown> | undefined
    readonly readOnlyRootFilesystem: Located<unknown> | undefined
    readonly privileged: Located<unknown> | undefined
  }
  readonly mounts: readonly VolumeMount[]
}

export interface PodSubject {
  readonly type: 'pod'
  readonly file: string
  readonly line: number
  readonly name: string
  readonly hostNetwork: Located<unknown> | undefined
}

export interface ServiceSubject {
  readonly type: 'service'
  readonly file: string
  readonly line: number
  readonly name: string
  readonly ports: ReadonlyArray<Located<{ port: unknown, targetPort: unknown }>>
}

/** A container image reference (Kubernetes `image:`, Dockerfile `FROM`). */
export interface ImageSubject {
  readonly type: 'image'
  readonly file: string
  readonly line: number
  readonly reference: string
}

/** infergate's own config file, as a located YAML tree. */
export interface InfergateConfigSubject {
  readonly type: 'infergate-config'
  readonly file: string
  readonly line: number
  readonly root: YamlTree
}

/** A shell script's own structure (not the commands in it). */
export interface ScriptSubject {
  readonly type: 'script'
  readonly file: string
  readonly line: number
  /** Lines of comments that end a `\`-continued command, leaving the lines after it as a new command. */
  readonly brokenContinuations: readonly number[]
}

/** A file that looked like an input but could not be read or parsed. */
export interface UnreadableSubject {
  readonly type: 'unreadable'
  readonly file: string
  readonly line: number
  readonly problem: string
}

export type Subject =
  | CommandSubject | TorchServeConfigSubject | ContainerSubject | PodSubject | ServiceSubject
  | ImageSubject | InfergateConfigSubject | ScriptSubject | UnreadableSubject
export type SubjectType = Subject['type']
export type SubjectOf<T extends SubjectType> = Extract<Subject, { type: T }>

/** One problem a rule found in a subject; `line` defaults to the subject's. */
export interface Hit {
  readonly message: string
  readonly line?: number | undefined
}

export type Matchers = { readonly [K in SubjectType]?: (subject: SubjectOf<K>) => Hit[] }

/** One audit rule (src/ops/audit/rules/): what it finds, why it matters and the fix. */
export interface Rule {
  readonly id: string
  readonly severity: Severity
  readonly title: string
  readonly reference: string
  readonly fix: string
  readonly match: Matchers
}

export interface Finding {
  readonly ruleId: string
  readonly severity: Severity
  readonly file: string
  readonly line: number
  readonly message: string
  readonly fix: string
}
