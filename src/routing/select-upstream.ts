import { ModelNotAllowedError, ModelNotFoundError } from '../errors.js'
import type { RequestState } from './request-state.js'
import { upstreamFor } from './route-table.js'

/**
 * Checks the caller's scope, then picks the upstream serving `model`. Scope comes first so that a
 * caller learns nothing about models outside it.
 */
export function selectUpstream (state: RequestState, model: string): void {
  if (!state.principal.mayUse(model)) throw new ModelNotAllowedError(model)
  const upstream = upstreamFor(state.match.route, model)
  if (upstream === undefined) throw new ModelNotFoundError(model)
  state.model = model
  state.upstream = upstream
}
