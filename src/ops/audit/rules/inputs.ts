/**
 * Rules on the audited files themselves: one that could not be read (AUD) and a shell script
 * whose structure drops flags (SH).
 * @module
 */
import type { Rule } from '../types.js'

export const inputRules: readonly Rule[] = [
  {
    id: 'AUD001',
    severity: 'high',
    title: 'Input could not be audited',
    reference: 'audit input',
    fix: 'Fix the file (or leave it out of the audited paths); an unread deployment file is an unaudited one.',
    match: { unreadable: subject => [{ message: subject.problem }] }
  },
  {
    id: 'SH001',
    severity: 'medium',
    title: 'Comment inside a continued command line drops the flags after it',
    reference: 'guide: Triton and vLLM command-line examples',
    fix: 'Move comments above the command: a line starting with # ends a "\\"-continued command, and the shell runs the lines after it as a separate (failing) command.',
    match: {
      script: subject => subject.brokenContinuations.map(line => ({
        line,
        message: 'this comment ends the command above it; the flags on the following lines are never passed to it'
      }))
    }
  }
]
