/**
 * Building blocks for the rule table's matchers: each returns the hits for one subject.
 * @module
 */
import { isLoopback } from '../../guards/address-policy.js'
import { isOn } from './command-line.js'
import { isBefore, parseImage, tagVersion } from './images.js'
import type { CommandSubject, ContainerSubject, Hit, ImageSubject, Located, TorchServeConfigSubject } from './types.js'

const hit = (message: string, line?: number): Hit[] => [{ message, line }]

/** A command-line flag that is on (`--flag`, `--flag=true`). */
export function flagOn (name: string, why: string) {
  return (subject: CommandSubject): Hit[] => {
    const flag = subject.flags.get(name)
    return flag !== undefined && isOn(flag.value) ? hit(`${name}${flag.value === 'true' ? '' : `=${flag.value}`}: ${why}`, flag.line) : []
  }
}

/** An environment variable that is on (`1`, `true`). */
export function envOn (name: string, why: string) {
  return (subject: CommandSubject): Hit[] => {
    const variable = subject.env.get(name)
    return variable !== undefined && isOn(variable.value) ? hit(`${name}=${variable.value ?? ''}: ${why}`, variable.line) : []
  }
}

/** Several matchers for one subject, all their hits. */
export function any<S> (...matchers: Array<(subject: S) => Hit[]>) {
  return (subject: S): Hit[] => matchers.flatMap(matcher => matcher(subject))
}

/** A listener of a command line bound beyond loopback: unset means the framework's all-interfaces default. */
export function listensBeyondLoopback (subject: CommandSubject, address: string): Located<string> | undefined {
  const flag = subject.flags.get(address)
  if (flag !== undefined) return isLoopback(flag.value) ? undefined : flag
  return { value: '0.0.0.0 (the default)', line: subject.line }
}

/** A config.properties setting that is on. */
export function settingOn (key: string, why: string) {
  return (subject: TorchServeConfigSubject): Hit[] => {
    const setting = subject.settings.get(key)
    return setting !== undefined && isOn(setting.value) ? hit(`${key}=${setting.value}: ${why}`, setting.line) : []
  }
}

/** config.properties addresses (TorchServe's defaults are loopback) on another interface. */
export function addressBeyondLoopback (...keys: string[]) {
  return (subject: TorchServeConfigSubject): Hit[] => keys.flatMap(key => {
    const setting = subject.settings.get(key)
    return setting !== undefined && !isLoopback(setting.value) ? hit(`${key}=${setting.value} is reachable from the network`, setting.line) : []
  })
}

/** A security-context field of a container whose effective value is not `expected`. */
export function securityField (field: keyof ContainerSubject['security'], expected: unknown, what: string) {
  return (subject: ContainerSubject): Hit[] => {
    const value = subject.security[field]
    if (value?.value === expected) return []
    return hit(`container "${subject.name}": ${value === undefined ? `${what} is not set` : `${what} is ${String(value.value)}`}`, value?.line ?? subject.line)
  }
}

/** An image of `repository` whose tag's version is before `fixed` (digests and unversioned tags are not judged). */
export function imageBefore (repository: RegExp, fixed: number[], why: string) {
  return (subject: ImageSubject): Hit[] => {
    const image = parseImage(subject.reference)
    const version = tagVersion(image.tag)
    if (!repository.test(image.repository) || version === undefined || !isBefore(version, fixed)) return []
    return hit(`${subject.reference}: ${why}`)
  }
}
