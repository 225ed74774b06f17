/**
 * Every contender, in report order. Adding one is adding a file and a line here; entries whose
 * features or binaries are missing are skipped with their reason.
 * @module
 */
import type { Contender } from '../lib/contender.js'
import { contender as direct } from './direct.js'
import { contender as fastifyHttpProxy } from './fastify-http-proxy.js'
import { contender as haproxy } from './haproxy.js'
import { contender as infergateApiKey } from './infergate-apikey.js'
import { contender as infergateEverything } from './infergate-everything.js'
import { jwtContenders } from './infergate-jwt.js'
import { contender as nginx } from './nginx.js'

export const CONTENDERS: readonly Contender[] = [
  direct,
  fastifyHttpProxy,
  infergateApiKey,
  ...jwtContenders,
  infergateEverything,
  haproxy,
  nginx
]

/** The two every ratio is taken against. */
export const FLOOR = fastifyHttpProxy.name
export const LIMIT = direct.name

/**
 * `--quick` without `--contenders`: the limit, the floor and infergate's main configurations, enough
 * to see a regression in under a minute. The other JWT variants, HAProxy and nginx run in full runs.
 */
export const QUICK_LINEUP = [LIMIT, FLOOR, infergateApiKey.name, 'infergate-jwt-es256', infergateEverything.name].join(',')
