/**
 * Dockerfiles: each stage's base image, its `ENV`, the commands of `RUN`, and the command the image
 * runs (`ENTRYPOINT` + `CMD`, exec or shell form).
 * @module
 */
import { addAssignments, commandsIn, containerCommands } from '../command-line.js'
import { parseShell, type Word } from '../shell.js'
import type { Located, Subject } from '../types.js'

interface Instruction {
  readonly keyword: string
  readonly text: string
  readonly line: number
  /** The file line of each line of `text`. */
  readonly lines: readonly number[]
}

interface Stage {
  readonly image: Located<string>
  readonly env: Map<string, Located<string | undefined>>
  entrypoint?: { exec: boolean, words: Word[] }
  cmd?: { exec: boolean, words: Word[] }
}

export function dockerfile (file: string, text: string): Subject[] {
  const subjects: Subject[] = []
  let stage: Stage | undefined
  const finish = (): void => {
    if (stage !== undefined) subjects.push(...stageCommands(file, stage))
  }
  for (const instruction of instructions(text)) {
    const words = (): Word[] => parseShell(instruction.text, index => instruction.lines[index] ?? instruction.line).commands.flat()
    switch (instruction.keyword) {
      case 'FROM': {
        finish()
        const image = words().find(word => !word.value.startsWith('--'))
        if (image === undefined) continue
        subjects.push({ type: 'image', file, line: image.line, reference: image.value })
        stage = { image, env: new Map() }
        continue
      }
      case 'ENV': {
        const parts = words()
        // The legacy `ENV NAME value with spaces` form sets one variable.
        if (parts[0] !== undefined && !parts[0].value.includes('=')) {
          parts.splice(0, parts.length, { value: `${parts[0].value}=${parts.slice(1).map(part => part.value).join(' ')}`, line: parts[0].line })
        }
        if (stage !== undefined) addAssignments(stage.env, parts)
        continue
      }
      case 'RUN':
        for (const command of parseShell(instruction.text, index => instruction.lines[index] ?? instruction.line).commands) {
          subjects.push(...commandsIn(command, { file, env: new Map(stage?.env), behindGateway: false }))
        }
        continue
      case 'ENTRYPOINT':
      case 'CMD':
        if (stage !== undefined) stage[instruction.keyword === 'CMD' ? 'cmd' : 'entrypoint'] = commandForm(instruction)
        continue
      default:
        continue
    }
  }
  finish()
  return subjects
}

function stageCommands (file: string, stage: Stage): Subject[] {
  const context = { file, env: stage.env, behindGateway: false }
  const { entrypoint, cmd } = stage
  // Docker appends CMD to an exec-form ENTRYPOINT; a shell-form ENTRYPOINT ignores CMD.
  if (entrypoint !== undefined) return containerCommands(entrypoint.words, entrypoint.exec ? cmd?.words ?? [] : [], stage.image, context)
  return containerCommands(undefined, cmd?.words ?? [], stage.image, context)
}

/** The exec form (a JSON array of strings) or the shell form (`/bin/sh -c "…"`). */
function commandForm (instruction: Instruction): { exec: boolean, words: Word[] } {
  try {
    const parsed: unknown = JSON.parse(instruction.text)
    if (Array.isArray(parsed) && parsed.every(item => typeof item === 'string')) {
      return { exec: true, words: parsed.map(value => ({ value, line: instruction.line })) }
    }
  } catch {
    // Not JSON: the shell form.
  }
  return { exec: false, words: [{ value: '/bin/sh', line: instruction.line }, { value: '-c', line: instruction.line }, { value: instruction.text, line: instruction.line }] }
}

/**
 * Instructions with their continuation lines joined. Docker drops comment lines even inside a
 * continued instruction (a shell would end the command there), so they are dropped here too.
 */
function instructions (text: string): Instruction[] {
  const result: Instruction[] = []
  const lines = text.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i] as string
    const match = /^\s*([A-Za-z]+)\s+(.*)$/s.exec(first)
    if (match === null || first.trimStart().startsWith('#')) continue
    const parts = [match[2] as string]
    const numbers = [i + 1]
    while ((parts.at(-1) as string).endsWith('\\') && i + 1 < lines.length) {
      const next = lines[++i] as string
      if (next.trimStart().startsWith('#')) continue
      numbers.push(i + 1)
      parts.push(next)
    }
    result.push({ keyword: (match[1] as string).toUpperCase(), text: parts.join('\n'), line: numbers[0] as number, lines: numbers })
  }
  return result
}
