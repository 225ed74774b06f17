/** Which refusals are audit events, and the upstream failure kinds, by error code (src/errors.ts). */
import { HTTP_ERRORS, isHttpErrorCode, type HttpErrorSpec } from '../errors.js'

function specOf (code: string | undefined): HttpErrorSpec | undefined {
  return code !== undefined && isHttpErrorCode(code) ? HTTP_ERRORS[code] : undefined
}

export function auditEventFor (code: string | undefined): string | undefined {
  return specOf(code)?.audit
}

export function upstreamErrorKind (code: string | undefined): string | undefined {
  return specOf(code)?.upstream
}
