/**
 * Addresses a backend must never be made to fetch from: private, loopback, link-local (cloud
 * metadata at 169.254.169.254 and fd00:ec2::254), shared, reserved and multicast ranges. IPv4-mapped
 * IPv6 addresses are checked as the IPv4 address they carry (node's BlockList does that); NAT64 and
 * 6to4 prefixes are blocked whole, since they can carry any IPv4 address.
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
