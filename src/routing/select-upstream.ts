import { ModelNotAllowedError, ModelNotFoundError, shown } from '../errors.js'
import type { Upstream } from '../exchange/upstream.js'
import type { Exchange } from '../exchange/exchange.js'
import { upstreamFor } from './route-table.js'

/**
 * Checks the caller's scope, then picks the first of a match's candidates serving `model`. Scope
 * comes first so that a caller learns nothing about models outside it.
 */
export function selectUpstream (context: Exchange, candidates: readonly Upstream[], model: string): Upstream {
  if (context.principal?.mayUse(model) !== true) throw new ModelNotAllowedError(shown(model))
  const upstream = upstreamFor(candidates, model)
  if (upstream === undefined) throw new ModelNotFoundError(shown(model))
  context.model = model
  context.upstream = upstream
  return upstream
}
