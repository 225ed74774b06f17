/**
 * A one-line progress display on standard error, only when it is a terminal: piped or logged
 * output stays exactly the result lines.
 * @module
 */
export interface Progress {
  readonly onBytes: (bytes: number) => void
  readonly onFile: () => void
  readonly done: () => void
}

const MIB = 1024 * 1024

export function progressReporter (total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (stream.isTTY !== true) return { onBytes: () => {}, onFile: () => {}, done: () => {} }
  let files = 0
  let bytes = 0
  let shown = 0
  const show = (): void => { stream.write(`\r\x1b[Khashing: ${files}/${total} files, ${(bytes / MIB).toFixed(0)} MiB`) }
  return {
    onBytes: (count) => {
      bytes += count
      // Redraw at most every 64 MiB between files: a terminal write per 1 MiB chunk is wasted work.
      if (bytes - shown >= 64 * MIB) {
        shown = bytes
        show()
      }
    },
    onFile: () => {
      files++
      show()
    },
    done: () => { stream.write('\r\x1b[K') }
  }
}
