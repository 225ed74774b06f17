/**
 * The Lua scripts behind redis-store.ts: each runs atomically in Redis, so replicas never race
 * between reading a counter and changing it. Time comes from Redis (TIME), not from each replica's
 * clock. Token windows are hashes { w: window id, used: tokens }, expiring with the window.
 * @module
 */

// Window ids are the Redis time at creation: unique per key, since a window lasts at least 1 ms.
const OPEN_WINDOW = `
local function open_window (key, used, window_ms)
  local t = redis.call('TIME')
  local id = t[1] .. '.' .. t[2]
  redis.call('HSET', key, 'w', id, 'used', used)
  redis.call('PEXPIRE', key, window_ms)
  return id
end
`

const NOW_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`

export const SCRIPTS = {
  /** KEYS[1] counter; ARGV window ms → { count, ms until reset } */
  igHit: {
    numberOfKeys: 1,
    lua: `
local count = redis.call('INCR', KEYS[1])
if count == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  return { count, tonumber(ARGV[1]) }
end
return { count, redis.call('PTTL', KEYS[1]) }`
  },
  /** KEYS[1] sorted set of leases scored by expiry; ARGV lease, max, ttl ms → 1 taken, 0 full */
  igAcquire: {
    numberOfKeys: 1,
    lua: NOW_MS + `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`
  },
  /** KEYS[1] lease set; ARGV ttl ms, then the lease ids this replica still holds there */
  igRefresh: {
    numberOfKeys: 1,
    lua: NOW_MS + `
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0`
  },
  /** KEYS[1] token window; ARGV tokens, max, window ms → { 1, window id, 0 } or { 0, '', ms until reset } */
  igReserve: {
    numberOfKeys: 1,
    lua: OPEN_WINDOW + `
local tokens = tonumber(ARGV[1])
local used = tonumber(redis.call('HGET', KEYS[1], 'used') or '0')
if used + tokens > tonumber(ARGV[2]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then ttl = tonumber(ARGV[3]) end
  return { 0, '', ttl }
end
local id = redis.call('HGET', KEYS[1], 'w')
if id then
  redis.call('HINCRBY', KEYS[1], 'used', tokens)
  return { 1, id, 0 }
end
return { 1, open_window(KEYS[1], tokens, ARGV[3]), 0 }`
  },
  /** KEYS[1] token window; ARGV window id, delta, window ms (see LimitStore.settle) */
  igSettle: {
    numberOfKeys: 1,
    lua: OPEN_WINDOW + `
local delta = tonumber(ARGV[2])
local id = redis.call('HGET', KEYS[1], 'w')
if id == ARGV[1] then
  if redis.call('HINCRBY', KEYS[1], 'used', delta) < 0 then redis.call('HSET', KEYS[1], 'used', 0) end
elseif delta > 0 then
  if id then redis.call('HINCRBY', KEYS[1], 'used', delta) else open_window(KEYS[1], delta, ARGV[3]) end
end
return 0`
  }
} as const

export interface ScriptCommands {
  igHit (key: string, windowMs: number): Promise<[number, number]>
  igAcquire (key: string, lease: string, max: number, ttlMs: number): Promise<number>
  igRefresh (key: string, ttlMs: number, ...leases: string[]): Promise<number>
  igReserve (key: string, tokens: number, max: number, windowMs: number): Promise<[number, string, number]>
  igSettle (key: string, window: string, delta: number, windowMs: number): Promise<number>
}
