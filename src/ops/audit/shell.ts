/**
 * Just enough of the POSIX shell grammar to find command lines in scripts, Dockerfile `RUN`/`CMD`
 * and `sh -c` strings: words (quotes, `\` escapes, line continuations) with their lines, commands
 * split at newlines, `;`, `&`, `|`, `&&`, `||` and parentheses, and comments. Expansions (`$VAR`,
 * `$(…)`) stay literal text: the audit reads what is written, not what a run would substitute.
 * @module
 */
import type { Located } from './types.js'

export type Word = Located<string>

export interface ShellParse {
  readonly commands: ReadonlyArray<readonly Word[]>
  /** Comment lines that ended a `\`-continued command whose next line goes on with `-` flags. */
  readonly brokenContinuations: readonly number[]
}

const SEPARATORS = new Set([';', '&', '|', '(', ')'])
const DOUBLE_QUOTE_ESCAPES = new Set(['$', '`', '"', '\\'])

/**
 * `lineOf(n)` maps the text's 0-based line index to the file's line (identity plus one by default;
 * a Dockerfile passes its own map because Docker drops comment lines inside an instruction).
 */
export function parseShell (text: string, lineOf: (index: number) => number = index => index + 1): ShellParse {
  const commands: Word[][] = []
  const brokenContinuations: number[] = []
  let words: Word[] = []
  let word: string | undefined
  let wordLine = 0
  let index = 0
  // Set by a comment that follows a line continuation inside a command.
  let commentEnded: number | undefined
  let afterContinuation = false
  let pendingBreak: number | undefined

  const endWord = (): void => {
    if (word !== undefined) words.push({ value: word, line: wordLine })
    word = undefined
  }
  const endCommand = (): void => {
    endWord()
    if (words.length > 0) {
      if (pendingBreak !== undefined && words[0]?.value.startsWith('-') === true) brokenContinuations.push(pendingBreak)
      pendingBreak = commentEnded
      commands.push(words)
    }
    commentEnded = undefined
    words = []
  }
  const append = (chars: string): void => {
    if (word === undefined) {
      word = ''
      wordLine = lineOf(index)
    }
    word += chars
  }

  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string
    const continuation: boolean = afterContinuation
    afterContinuation = false
    if (char === '\\' && text[i + 1] === '\n') {
      i++
      index++
      afterContinuation = true
    } else if (char === '\\') {
      append(text[++i] ?? '')
    } else if (char === '\n') {
      endCommand()
      index++
    } else if (char === ' ' || char === '\t' || char === '\r') {
      endWord()
      afterContinuation = continuation
    } else if (char === '#' && word === undefined) {
      if (continuation && words.length > 0) commentEnded = lineOf(index)
      while (i + 1 < text.length && text[i + 1] !== '\n') i++
    } else if (SEPARATORS.has(char)) {
      endCommand()
      if ((char === '&' || char === '|') && text[i + 1] === char) i++
    } else if (char === '\'') {
      append('')
      for (i++; i < text.length && text[i] !== '\''; i++) {
        if (text[i] === '\n') index++
        word += text[i] as string
      }
    } else if (char === '"') {
      append('')
      for (i++; i < text.length && text[i] !== '"'; i++) {
        const inner = text[i] as string
        if (inner === '\\' && text[i + 1] === '\n') {
          i++
          index++
        } else if (inner === '\\' && DOUBLE_QUOTE_ESCAPES.has(text[i + 1] ?? '')) {
          word += text[++i] as string
        } else {
          if (inner === '\n') index++
          word += inner
        }
      }
    } else {
      append(char)
    }
  }
  endCommand()
  return { commands, brokenContinuations }
}
