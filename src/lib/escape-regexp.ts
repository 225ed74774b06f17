/** `text` as a literal inside a regular expression, character classes included. */
export function escapeRegExp (text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')
}
