/**
 * What one answer means. Through an infergate gateway every probed route must get the gateway's own
 * refusal: any other answer means the request was forwarded, so it counts as exposed. Against a bare
 * model server there is no refusal to expect: a route is exposed when it answers at all (2xx, a
 * redirect, 405 to the deliberately wrong method, a server error), not when it is missing (404),
 * refused by the server's own credential check, or rejected as malformed.
 * @module
 */
import type { RawAnswer } from './send.js'

export type Verdict = 'exposed' | 'refused' | 'guarded' | 'absent' | 'rejected' | 'error'

// infergate's refusals are 4xx naming an `IG_ERR_…` code in their envelope (`code`, or TorchServe's
// `type`); its 5xx mean "forwarded, then failed".
const GATEWAY_REFUSAL = /"(?:code|type)"\s*:\s*"IG_ERR_[A-Z_]+"/
// TorchServe answers a bad or missing token with 400, not 401 (InvalidKeyException is a ModelException: HttpRequestHandler.channelRead0).
const TORCHSERVE_KEY_REFUSAL = /"type"\s*:\s*"InvalidKeyException"/

export function isGatewayRefusal (answer: RawAnswer): boolean {
  return answer.status >= 400 && answer.status < 500 && GATEWAY_REFUSAL.test(answer.body)
}

function bareServerVerdict (answer: RawAnswer): Verdict {
  const { status } = answer
  if (status === 401 || status === 403 || (status === 400 && TORCHSERVE_KEY_REFUSAL.test(answer.body))) return 'guarded'
  if (status === 404) return 'absent'
  if (status === 405 || status < 400 || status >= 500) return 'exposed'
  return 'rejected'
}

/** `gateway`: the target answered at least one request with infergate's refusal. */
export function verdictOf (answer: RawAnswer, gateway: boolean): Verdict {
  if (answer.status === 0) return 'error'
  if (isGatewayRefusal(answer)) return 'refused'
  return gateway ? 'exposed' : bareServerVerdict(answer)
}
