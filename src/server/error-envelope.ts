/**
 * A refusal's body in the shape its client parses (the route's framework, src/profiles): the client
 * libraries read these fields, and break on others (tritonclient concatenates `"error"` as a string;
 * the OpenAI SDKs expose `code`, `type`, `param`; the Anthropic SDKs `error.type`). Every shape carries
 * the `IG_ERR_*` code and the request id as well, extra fields being ignored by every client.
 * @module
 */
import type { HttpErrorCode, HttpErrorSpec } from '../errors.js'
import type { ErrorEnvelope } from '../profiles/types.js'

export function errorBody (envelope: ErrorEnvelope, code: HttpErrorCode, spec: HttpErrorSpec, message: string, requestId: string): object {
  switch (envelope) {
    case 'openai':
      return { error: { message, type: spec.kind.openai, param: spec.param ?? null, code, requestId } }
    case 'anthropic':
      return { type: 'error', error: { type: spec.kind.anthropic, message, code }, request_id: requestId }
    case 'kserve':
      return { error: message, code, requestId }
    case 'torchserve':
      return { code: spec.status, type: code, message, requestId }
  }
}
