/**
 * `GET /v1/models` answered by the gateway: the model lists of every upstream offering the route,
 * merged, and only the models that upstream is configured to serve and the caller may use. Lists
 * are cached briefly per upstream so a busy client cannot fan requests out to every backend.
 * @module
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { UpstreamBadResponseError } from '../errors.js'
import { routed } from '../exchange/exchange.js'
import { upstreamError } from './upstream-errors.js'
import type { Upstream } from '../exchange/upstream.js'

const CACHE_MS = 2000

interface ModelEntry {
  readonly id: string
  readonly [field: string]: unknown
}

interface CachedList {
  readonly at: number
  readonly list: Promise<readonly ModelEntry[]>
}

async function fetchModels (upstream: Upstream, path: string): Promise<readonly ModelEntry[]> {
  const response = await upstream.pool.request({
    method: 'GET',
    path,
    headers: [...upstream.extraHeaders, 'accept', 'application/json']
  })
  const body = await response.body.text()
  if (response.statusCode !== 200) throw new UpstreamBadResponseError(upstream.name)
  const data = (JSON.parse(body) as { data?: unknown }).data
  if (!Array.isArray(data)) throw new UpstreamBadResponseError(upstream.name)
  return data.filter((entry): entry is ModelEntry => typeof (entry as { id?: unknown } | null)?.id === 'string')
}

export function createModelLister () {
  const cache = new Map<Upstream, CachedList>()

  function listOf (upstream: Upstream, path: string): Promise<readonly ModelEntry[]> {
    const now = Date.now()
    const cached = cache.get(upstream)
    if (cached !== undefined && now - cached.at < CACHE_MS) return cached.list
    const list = fetchModels(upstream, path)
    cache.set(upstream, { at: now, list })
    list.catch(() => cache.delete(upstream))
    return list
  }

  return async function listModels (request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const context = routed(request)
    const route = context.match.route
    const mayUse = context.principal.mayUse
    const path = route.rule.path
    const results = await Promise.allSettled(route.candidates.map(upstream => listOf(upstream, path)))
    const data: ModelEntry[] = []
    const seen = new Set<string>()
    results.forEach((result, i) => {
      const upstream = route.candidates[i] as Upstream
      if (result.status === 'rejected') {
        request.log.warn({ reqId: request.id, upstream: upstream.name, err: (result.reason as Error).message }, 'model list unavailable')
        return
      }
      for (const entry of result.value) {
        if (seen.has(entry.id) || !upstream.servesModel(entry.id) || !mayUse(entry.id)) continue
        seen.add(entry.id)
        data.push(entry)
      }
    })
    const failed = results.find(r => r.status === 'rejected')
    if (failed !== undefined && results.every(r => r.status === 'rejected')) {
      const upstream = route.candidates[0] as Upstream
      throw failed.reason instanceof UpstreamBadResponseError ? failed.reason : upstreamError(failed.reason, upstream.name)
    }
    reply.send({ object: 'list', data })
  }
}
