import { lookup } from 'node:dns'
import type { LookupFunction } from 'node:net'
import ipaddr from 'ipaddr.js'
import { Agent } from 'undici'

/**
 * Whether an address is on the public internet: ipaddr.js's `unicast` range (not private, loopback,
 * link-local, unique-local, carrier-grade NAT, multicast, reserved…). An IPv4-mapped IPv6 address
 * is judged as the IPv4 address it carries.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  return ipaddr.process(address).range() === 'unicast'
}

/** The error a connection to a non-public address fails with (the push job logs its message). */
export class PrivateAddressError extends Error {
  constructor(hostname: string) {
    super(`${hostname} resolves only to private or reserved addresses; pushes go to public hosts only`)
    this.name = 'PrivateAddressError'
  }
}

/**
 * An undici dispatcher that connects only to public addresses. The check runs in the socket's own
 * DNS lookup, so the address checked is the address connected to: a name that resolves to a public
 * address when a subscription is stored and to an internal one when the push is sent (DNS
 * rebinding) is refused as well. IP literals skip DNS, so they are checked before connecting.
 */
export function publicOnlyDispatcher(): Agent {
  return new Agent({
    connect: {
      lookup: ((hostname, options, callback) => {
        lookup(hostname, { ...options, all: true }, (err, addresses) => {
          if (err) return callback(err, [])
          const usable = addresses.filter((a) => isPublicAddress(a.address))
          if (usable.length === 0) return callback(new PrivateAddressError(hostname), [])
          if (options.all) return callback(null, usable)
          callback(null, usable[0]!.address, usable[0]!.family)
        })
      }) satisfies LookupFunction,
    },
  })
}
