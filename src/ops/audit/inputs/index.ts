/**
 * Reads one input file and turns it into subjects, choosing the parser by the file's name (and, for
 * YAML, by each document's keys). Files that cannot be read or parsed become `unreadable` subjects,
 * so that they show in the report instead of stopping the audit.
 * @module
 */
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Subject } from '../types.js'
import { parseYamlDocuments } from '../yaml-tree.js'
import { dockerfile } from './dockerfile.js'
import { infergateConfig, isInfergateConfig } from './infergate-config.js'
import { isKubernetesObject, kubernetesObject } from './kubernetes.js'
import { torchServeConfig } from './properties.js'
import { shellScript } from './shell-script.js'

type Parser = (file: string, text: string) => Subject[]

/** Parsers by file name, first match wins; `shellScript` reads a command line in any other file. */
const PARSERS: ReadonlyArray<{ name: RegExp, parse: Parser }> = [
  { name: /\.properties$/i, parse: torchServeConfig },
  { name: /\.(ya?ml|json)$/i, parse: yamlFile },
  { name: /(^|\.)(docker|container)file$|^(Docker|Container)file\./i, parse: dockerfile },
  { name: /\.(sh|bash|env|cmd|command|args)$/i, parse: shellScript }
]

/** Whether a file met while walking a directory is an input (a named file always is). */
export function isInputName (file: string): boolean {
  return PARSERS.some(parser => parser.name.test(basename(file)))
}

export async function readInput (file: string): Promise<Subject[]> {
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (err) {
    return [unreadable(file, cannotRead(err))]
  }
  // A NUL byte never appears in text; a model file or archive is not a deployment input.
  if (bytes.subarray(0, 8192).includes(0)) return [unreadable(file, 'binary file, not a deployment input')]
  const parse = PARSERS.find(parser => parser.name.test(basename(file)))?.parse ?? shellScript
  return parse(file, bytes.toString('utf8'))
}

function yamlFile (file: string, text: string): Subject[] {
  const parsed = parseYamlDocuments(text)
  if ('error' in parsed) return [unreadable(file, parsed.error, parsed.line)]
  return parsed.trees.flatMap(tree => {
    if (isKubernetesObject(tree)) return kubernetesObject(file, tree)
    return isInfergateConfig(tree) ? infergateConfig(file, tree) : []
  })
}

export function unreadable (file: string, problem: string, line = 1): Subject {
  return { type: 'unreadable', file, line, problem }
}

export function cannotRead (err: unknown): string {
  return `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`
}
