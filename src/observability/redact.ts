// JSON string fields that hold credentials, wherever they sit in a body.
const CREDENTIAL_FIELD = /"((?:[a-z_-]*)(?:api[_-]?key|authorization|password|passwd|secret|token))"(\s*:\s*)"(?:[^"\\]|\\.)*"/gi

/** A request body for the debug log: at most `maxBytes`, credential-like JSON fields redacted. */
export function redactBody (body: Buffer, maxBytes: number): string {
  const text = body.toString('utf8', 0, Math.min(body.length, maxBytes))
  return text.replace(CREDENTIAL_FIELD, '"$1"$2"[redacted]"') + (body.length > maxBytes ? '…[truncated]' : '')
}
