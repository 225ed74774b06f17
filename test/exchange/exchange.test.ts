import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Exchange, exchangeOf, routed } from '../../src/exchange/exchange.js'
import type { Principal } from '../../src/exchange/principal.js'
import type { RouteMatch } from '../../src/exchange/route.js'

// The accessors read nothing of the request but its id and its exchange.
function request (): FastifyRequest {
  return { id: 'req-1', exchange: null } as unknown as FastifyRequest
}

function opened (): { request: FastifyRequest, exchange: Exchange } {
  const req = request()
  const exchange = req.exchange = new Exchange(req, {} as FastifyReply)
  return { request: req, exchange }
}

const principal: Principal = { id: 'alice', method: 'api-key', mayUse: () => true }
const match = { candidates: [], pathModel: undefined } as unknown as RouteMatch

test('a stage that reads the exchange out of order fails, naming the stage it ran before', async t => {
  const rows: ReadonlyArray<readonly [string, () => FastifyRequest, exchangeOf: RegExp | undefined, routed: RegExp]> = [
    ['before request admission opened it', request, /req-1.*before request admission/, /req-1.*before request admission/],
    ['opened, before admit authenticated it', () => opened().request, undefined, /req-1.*before admit/],
    ['authenticated, before its route matched', () => {
      const { request, exchange } = opened()
      exchange.principal = principal
      return request
    }, undefined, /req-1.*before admit/],
    ['route matched, no principal', () => {
      const { request, exchange } = opened()
      exchange.match = match
      return request
    }, undefined, /req-1.*before admit/]
  ]
  for (const [name, make, ofError, routedError] of rows) {
    await t.test(name, () => {
      const req = make()
      if (ofError === undefined) assert.equal(exchangeOf(req), req.exchange)
      else assert.throws(() => exchangeOf(req), ofError)
      assert.throws(() => routed(req), routedError)
    })
  }
})

test('once admit ran, routed gives the exchange itself, its principal and match set', () => {
  const { request, exchange } = opened()
  exchange.principal = principal
  exchange.match = match
  const admitted = routed(request)
  assert.equal(admitted, exchange)
  assert.equal(admitted.principal.id, 'alice')
  assert.equal(admitted.match, match)
})
