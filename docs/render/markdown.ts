/**
 * Markdown building blocks for the generated reference: every document starts with the same notice,
 * and table cells are escaped so that data holding `|` or a line break cannot break a table.
 * @module
 */

/** The first lines of every generated document: where it comes from and how to regenerate it. */
export const generatedNotice = (source: string): string =>
  `<!-- Generated from ${source} by \`npm run docs\` (docs/generate.ts): do not edit by hand. -->`

export const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ')

export const code = (text: string): string => `\`${text}\``

export function table (headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  return [line(headers), line(headers.map(() => '---')), ...rows.map(row => line(row.map(cell)))].join('\n')
}

/** A document: its blocks separated by one empty line, ending with a newline. */
export const document = (blocks: ReadonlyArray<string | undefined>): string =>
  `${blocks.filter(block => block !== undefined && block !== '').join('\n\n')}\n`
