/** A header name as a backend may read it: lower-case, `_` as `-`. Guards and config compare this. */
export function headerKey (name: string): string {
  const lower = name.toLowerCase()
  return lower.includes('_') ? lower.replaceAll('_', '-') : lower
}
