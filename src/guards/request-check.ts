/**
 * The guards' preHandler: after the upstream is chosen, before limits reserve anything and before
 * anything is forwarded. It checks the query string, then the JSON body (vLLM's, parsed once by the
 * body parser; Triton's infer JSON, read here) against the rules armed for the upstream and route.
 * A refusal is counted by rule and becomes a 400 naming the rule; strips and caps change
 * `context.json` in place and the forwarder re-serialises it once.
 * @module
 */
import type { Readable } from 'node:stream'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { GuardRefusedError } from '../errors.js'
import type { GatewayMetrics } from '../observability/metrics.js'
import { routed, type Exchange } from '../exchange/exchange.js'
import type { Upstream } from '../exchange/upstream.js'
import { JsonBody } from './json-body.js'
import type { Armed, RoutePlan, UpstreamPlan } from './plan.js'
import { readInferJson } from './triton-body.js'
import type { GuardRule, Outcome } from './types.js'

export function createRequestCheck (plans: ReadonlyMap<string, UpstreamPlan>, metrics: GatewayMetrics) {
  function settle (context: Exchange, { rule, settings }: Armed<GuardRule>, outcome: Outcome): boolean {
    if (outcome === undefined) return false
    if (outcome === 'changed') {
      metrics.guardRewrites.inc({ rule: rule.id, action: settings.action })
      return true
    }
    context.refusalReason = rule.id
    metrics.guardRefusals.inc({ rule: rule.id })
    throw new GuardRefusedError(rule.id, rule.advisory, outcome.refuse)
  }

  /** vLLM's body was parsed by the body parser; Triton's infer JSON is read now. */
  async function jsonBody (request: FastifyRequest, context: Exchange, upstream: Upstream, route: string): Promise<JsonBody> {
    if (context.json !== undefined) return new JsonBody(context.json, (request.body as Buffer).length, route)
    const { json, bytes } = await readInferJson(request, upstream.bodyBytes)
    return new JsonBody(json, bytes, route)
  }

  async function check (request: FastifyRequest, context: Exchange, upstream: Upstream, plan: RoutePlan, route: string): Promise<void> {
    const target = request.raw.url as string
    const query = target.indexOf('?')
    if (query !== -1) for (const armed of plan.query) settle(context, armed, armed.rule.check(target.slice(query + 1), armed.settings))
    if (plan.json.length === 0) return
    const body = await jsonBody(request, context, upstream, route)
    // Every check runs (lookups in parallel) before any outcome is settled, so none is left unobserved.
    const outcomes = await Promise.all(plan.json.map(armed => armed.rule.check(body, armed.settings)))
    let changed = false
    plan.json.forEach((armed, i) => { if (settle(context, armed, outcomes[i])) changed = true })
    if (changed) context.jsonChanged = true
  }

  return async function checkGuards (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const context = routed(request)
    const upstream = context.upstream
    // Routes without a model (health, model lists) get their upstream in the forwarder; no request rule covers them.
    if (upstream === undefined) return
    const route = context.match.route.rule.id
    const plan = plans.get(upstream.name)?.routes.get(route)
    if (plan === undefined) return
    try {
      await check(request, context, upstream, plan, route)
    } catch (err) {
      // A refused body still arriving makes the connection unusable for another request.
      const body = request.body as Buffer | Readable | undefined
      if (body !== undefined && !Buffer.isBuffer(body) && !body.readableEnded) reply.header('connection', 'close')
      throw err
    }
  }
}
