/**
 * The one loopback test, used by the gateway (is the metrics listener reachable from elsewhere
 * without a token?) and by the audit (TS001-TS003, TS007, TR002, TR004, TR005, VL005, VL006,
 * IG004). Wrongly saying "loopback" silences a warning or a finding, so the doubtful cases are not.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isLoopback } from '../../src/guards/address-policy.js'

const LOOPBACK: ReadonlyArray<readonly [string, string]> = [
  ['IPv4 loopback', '127.0.0.1'],
  ['anywhere in 127.0.0.0/8', '127.10.20.30'],
  ['IPv6 loopback', '::1'],
  ['IPv6 loopback written out', '0:0:0:0:0:0:0:1'],
  ['IPv4-mapped IPv6 loopback', '::ffff:127.0.0.1'],
  ['localhost, any case', 'LocalHost'],
  ['Debian\'s ip6-localhost', 'ip6-localhost'],
  ['host:port', '127.0.0.1:8081'],
  ['[IPv6]:port', '[::1]:9464'],
  ['a URL as TorchServe writes it', 'http://127.0.0.1:8080'],
  ['a URL with a path', 'https://localhost:8443/models'],
  ['surrounding spaces', ' 127.0.0.1 '],
  ['a unix socket', 'unix:/run/torchserve.sock']
]

const NOT_LOOPBACK: ReadonlyArray<readonly [string, string]> = [
  ['all IPv4 interfaces', '0.0.0.0'],
  ['all IPv6 interfaces', '::'],
  ['a private address', '10.0.0.5'],
  ['a host name that starts with 127.', '127.example.com'],
  ['a wildcard-DNS name for 127.0.0.1', '127.0.0.1.nip.io'],
  ['not an IPv4 address (octet over 255)', '127.999.0.1'],
  ['IPv4-mapped private address', '::ffff:10.0.0.1'],
  ['another IPv6 address', '::2'],
  ['a name that is not localhost\'s', 'localhost.example.com'],
  ['all interfaces, as a URL', 'http://0.0.0.0:8080'],
  ['a bare host name', 'metrics'],
  ['empty', '']
]

test('loopback addresses', async (t) => {
  for (const [name, address] of LOOPBACK) {
    await t.test(`${name}: ${address}`, () => { assert.equal(isLoopback(address), true) })
  }
})

test('addresses beyond loopback', async (t) => {
  for (const [name, address] of NOT_LOOPBACK) {
    await t.test(`${name}: ${address}`, () => { assert.equal(isLoopback(address), false) })
  }
})
