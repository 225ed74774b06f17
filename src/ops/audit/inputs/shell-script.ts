/**
 * Shell scripts and plain command-line files: each model-server command, with the variables the
 * script exports or assigns before it, plus the script's own structure.
 * @module
 */
import { addAssignments, ASSIGNMENT, commandsIn } from '../command-line.js'
import { parseShell } from '../shell.js'
import type { Located, Subject } from '../types.js'

export function shellScript (file: string, text: string): Subject[] {
  const { commands, brokenContinuations } = parseShell(text)
  const env = new Map<string, Located<string | undefined>>()
  const subjects: Subject[] = [{ type: 'script', file, line: 1, brokenContinuations }]
  for (const words of commands) {
    const assignments = words[0]?.value === 'export' ? words.slice(1) : words
    if (assignments.every(word => ASSIGNMENT.test(word.value))) addAssignments(env, assignments)
    else subjects.push(...commandsIn(words, { file, env: new Map(env), behindGateway: false }))
  }
  return subjects
}
