/**
 * Recognises model-server command lines by the binary name (or, when a container gives only
 * arguments, by its image) and turns them into command subjects with parsed flags.
 * @module
 */
import { posix } from 'node:path'
import type { Framework } from '../../profiles/types.js'
import { parseShell, type Word } from './shell.js'
import type { CommandSubject, Located } from './types.js'

export type Environment = ReadonlyMap<string, Located<string | undefined>>

/** How each framework is started; the value is how many words the launcher takes. */
const LAUNCHERS: ReadonlyArray<{ framework: Framework, words: (argv: readonly string[]) => number }> = [
  { framework: 'triton', words: argv => binary(argv[0]) === 'tritonserver' ? 1 : 0 },
  { framework: 'torchserve', words: argv => binary(argv[0]) === 'torchserve' ? 1 : 0 },
  { framework: 'vllm', words: argv => binary(argv[0]) === 'vllm' && argv[1] === 'serve' ? 2 : 0 },
  { framework: 'vllm', words: argv => /^python[\d.]*$/.test(binary(argv[0])) && argv[1] === '-m' && argv[2]?.startsWith('vllm.entrypoints.') === true ? 3 : 0 }
]

/** Images whose default command starts the framework, so that `args` alone are its flags. */
const IMAGE_FRAMEWORKS: ReadonlyArray<{ framework: Framework, pattern: RegExp }> = [
  { framework: 'vllm', pattern: /(^|\/)vllm-openai(:|@|$)/ },
  { framework: 'triton', pattern: /(^|\/)tritonserver(:|@|$)/ },
  { framework: 'torchserve', pattern: /(^|\/)torchserve(:|@|$)/ }
]

/** Words that run the rest of the line as the command. */
const WRAPPERS = new Set(['exec', 'env', 'nohup', 'time', 'sudo', 'command', 'then', 'do', 'else', '!', 'dumb-init', 'tini', '--'])
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh'])
export const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s

const binary = (word: string | undefined): string => posix.basename(word ?? '')

export function frameworkOfImage (image: string | undefined): Framework | undefined {
  return IMAGE_FRAMEWORKS.find(entry => image !== undefined && entry.pattern.test(image))?.framework
}

export interface CommandContext {
  readonly file: string
  readonly env: Environment
  readonly behindGateway: boolean
}

/**
 * The model-server commands in one argv: itself, or the commands of its `sh -c` script. Leading
 * `VAR=value` words join the environment.
 */
export function commandsIn (argv: readonly Word[], context: CommandContext): CommandSubject[] {
  const env = new Map(context.env)
  let start = 0
  while (start < argv.length && (ASSIGNMENT.test(argv[start]?.value ?? '') || WRAPPERS.has(binary(argv[start]?.value)))) start++
  addAssignments(env, argv.slice(0, start))
  const words = argv.slice(start)
  const script = SHELLS.has(binary(words[0]?.value)) ? words.findIndex(word => word.value === '-c') : -1
  if (script > 0 && words[script + 1] !== undefined) {
    const source = words[script + 1] as Word
    return parseShell(source.value, index => source.line + index).commands
      .flatMap(command => commandsIn(command, { ...context, env }))
  }
  const values = words.map(word => word.value)
  for (const launcher of LAUNCHERS) {
    const count = launcher.words(values)
    if (count > 0) return [commandSubject(launcher.framework, words[0] as Word, words.slice(count), { ...context, env }, true)]
  }
  return []
}

function commandSubject (framework: Framework, at: Located<unknown>, args: readonly Word[], context: CommandContext, hasCommandLine: boolean): CommandSubject {
  return {
    type: 'command',
    framework,
    file: context.file,
    line: at.line,
    hasCommandLine,
    flags: parseFlags(args),
    env: context.env,
    behindGateway: context.behindGateway
  }
}

/** `--name=value`, `--name value` (when the next word is not a flag) and bare `--name` ("true"). */
function parseFlags (args: readonly Word[]): Map<string, Located<string>> {
  const flags = new Map<string, Located<string>>()
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as Word
    if (!word.value.startsWith('--')) continue
    const equals = word.value.indexOf('=')
    if (equals > 0) {
      flags.set(word.value.slice(0, equals), { value: word.value.slice(equals + 1), line: word.line })
      continue
    }
    const next = args[i + 1]
    const takesNext = next !== undefined && !next.value.startsWith('-')
    flags.set(word.value, { value: takesNext ? next.value : 'true', line: word.line })
    if (takesNext) i++
  }
  return flags
}

/** An on/off value: anything but an explicit off counts as on, as for the frameworks' own parsers. */
export function isOn (value: string | undefined): boolean {
  return value !== undefined && !['false', '0', 'no', 'off', ''].includes(value.trim().toLowerCase())
}

/**
 * A container's commands: `command` + `args` (Kubernetes) or `ENTRYPOINT` + `CMD` (Dockerfile).
 * Without a command of its own, a framework image runs its default launcher on the `args`.
 */
export function containerCommands (command: readonly Word[] | undefined, args: readonly Word[], image: Located<string> | undefined, context: CommandContext): CommandSubject[] {
  const found = commandsIn([...command ?? [], ...args], context)
  const framework = frameworkOfImage(image?.value)
  if (found.length > 0 || command !== undefined || framework === undefined || image === undefined) return found
  return [commandSubject(framework, args[0] ?? image, args, context, args.length > 0)]
}

/** `NAME=value` words into an environment (other words are ignored). */
export function addAssignments (env: Map<string, Located<string | undefined>>, words: readonly Word[]): void {
  for (const word of words) {
    const match = ASSIGNMENT.exec(word.value)
    if (match !== null) env.set(match[1] as string, { value: match[2] as string, line: word.line })
  }
}
