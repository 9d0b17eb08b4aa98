/**
 * Our IPv6 link-local address towards an on-link peer (RFC 2545 §3): when an IPv6 session's local
 * address sits on an interface whose subnet also holds the peer's address (the peer is directly
 * connected, FRR's "shared network"), the interface's link-local address is sent after the global
 * one as "next hop self", as FRR and BIRD expect from a directly connected neighbour. Peers reached
 * through a router (multihop, loopback peering) get the global address only.
 *
 * The interfaces are those of the network namespace the process runs in (getifaddrs through
 * `os.networkInterfaces()`), read when a session comes up.
 */
import { type NetworkInterfaceInfo, networkInterfaces } from "node:os";
import { isLinkLocalIPv6, parseAddress } from "../../common/ip/address.js";
import { parsePrefixDetailed, prefixContainsAddress } from "../../common/ip/prefix.js";

export type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The link-local address of the interface carrying `localAddress`, when `remoteAddress` is on that
 * interface's subnet; null otherwise (IPv4 or IPv4-mapped session, peer not on-link, the interface
 * has no link-local address, or `localAddress` is itself link-local).
 */
export function onLinkLinkLocal(
  localAddress: string,
  remoteAddress: string,
  interfaces: InterfaceTable = networkInterfaces(),
): string | null {
  const local = parseAddress(localAddress);
  const remote = parseAddress(remoteAddress);
  if (local === null || remote === null || local.length !== 16 || remote.length !== 16) return null;
  if (isLinkLocalIPv6(local) || isMappedIPv4(local)) return null;
  for (const entries of Object.values(interfaces)) {
    if (entries === undefined) continue;
    const own = entries.find((e) => {
      if (e.family !== "IPv6") return false;
      const bytes = parseAddress(e.address);
      return bytes !== null && sameBytes(bytes, local);
    });
    if (own === undefined) continue;
    const subnet = own.cidr === null ? null : parsePrefixDetailed(own.cidr);
    if (subnet === null || !subnet.ok || !prefixContainsAddress(subnet.prefix, remote)) continue;
    const ll = entries.find((e) => {
      if (e.family !== "IPv6") return false;
      const bytes = parseAddress(e.address.split("%")[0]);
      return bytes !== null && isLinkLocalIPv6(bytes);
    });
    return ll === undefined ? null : ll.address.split("%")[0];
  }
  return null;
}

function isMappedIPv4(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}
