/**
 * A route of the allowlist and a request's match against it (compiled by routing/route-table.ts).
 * @module
 */
import type { ErrorEnvelope, RouteRule } from '../profiles/types.js'
import type { Upstream } from './upstream.js'

/** A path parameter's capture group and the spellings that candidate's backend reads differently. */
export type ParamRefusal = readonly [group: number, refused: RegExp]

export interface Route {
  readonly rule: RouteRule
  readonly candidates: readonly Upstream[]
  /**
   * Per candidate, what it refuses in the path parameters (its profile's `pathDecoding`, its rule's
   * `paramRefuses`); `undefined` when no candidate refuses anything.
   */
  readonly refusals: ReadonlyArray<readonly ParamRefusal[]> | undefined
  readonly pattern: RegExp
  /** Capture group of the model name, or 0 when the path holds none. */
  readonly modelGroup: number
  readonly reservedModelNames: ReadonlySet<string>
  /**
   * The largest body limit among the candidates: the limit while a body naming its model is read
   * (the upstream is not known yet); the chosen upstream's own limit is checked once it is.
   */
  readonly bodyBytes: number
  /** The error shape of its refusals: its clients' (src/profiles). */
  readonly envelope: ErrorEnvelope
}

export interface RouteMatch {
  readonly route: Route
  /** The route's candidates whose backends read its path parameters as the gateway does. */
  readonly candidates: readonly Upstream[]
  /** The model named in the path, decoded; `undefined` when it comes from the body or nowhere. */
  readonly pathModel: string | undefined
}
