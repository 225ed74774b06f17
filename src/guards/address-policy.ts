/**
 * Addresses a backend must never be made to fetch from: private, loopback, link-local (cloud
 * metadata at 169.254.169.254 and fd00:ec2::254), shared, reserved and multicast ranges. IPv4-mapped
 * IPv6 addresses are checked as the IPv4 address they carry (node's BlockList does that); NAT64 and
 * 6to4 prefixes are blocked whole, since they can carry any IPv4 address. Also the one test of
 * whether a listen address is loopback only (the metrics listener's warning, the audit's rules).
 * @module
 */
import { BlockList, isIP } from 'node:net'

const IPV4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]
]
const IPV6: ReadonlyArray<readonly [string, number]> = [
  ['::', 96], ['64:ff9b::', 96], ['64:ff9b:1::', 48], ['100::', 64], ['2001:db8::', 32], ['2002::', 16],
  ['fc00::', 7], ['fe80::', 10], ['fec0::', 10], ['ff00::', 8]
]

const blocked = new BlockList()
for (const [network, prefix] of IPV4) blocked.addSubnet(network, prefix, 'ipv4')
for (const [network, prefix] of IPV6) blocked.addSubnet(network, prefix, 'ipv6')

/** True for an address in a blocked range, and for anything that is not an IP address at all. */
export function isBlockedAddress (address: string): boolean {
  const family = isIP(address)
  if (family === 0) return true
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

const loopback = new BlockList()
loopback.addSubnet('127.0.0.0', 8, 'ipv4')
loopback.addAddress('::1', 'ipv6')
// Only the names every resolver maps to loopback: any other name may resolve anywhere.
const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['localhost', 'ip6-localhost'])

/**
 * Whether a listen address (a host, `host:port`, `[v6]:port`, a URL as TorchServe writes it, or a
 * `unix:` socket) is reachable only from the same machine or pod: 127.0.0.0/8 and ::1 in any
 * spelling, IPv4-mapped included, and localhost. A host name that merely starts with `127.` is not.
 */
export function isLoopback (address: string): boolean {
  let host = address.trim()
  if (/^unix:/i.test(host)) return true
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '')
  const bracketed = /^\[([^\]]*)\]/.exec(host)
  if (bracketed !== null) host = bracketed[1] as string
  else if ((host.match(/:/g) ?? []).length === 1) host = host.slice(0, host.indexOf(':'))
  const family = isIP(host)
  if (family === 0) return LOOPBACK_NAMES.has(host.toLowerCase())
  return loopback.check(host, family === 4 ? 'ipv4' : 'ipv6')
}
