/**
 * The dataplane's view of kernel objects: routes, links, addresses and neighbours as plain values,
 * shared by the netlink codec (which decodes and encodes them), the planner (which computes the
 * desired ones) and the reconciler (which compares both). Addresses in routes are bytes (4 or 16)
 * because routes are many; links, addresses and neighbours use text.
 *
 * A route's identity in a kernel table is (family, table, dst/len, tos, priority): two routes
 * with the same identity cannot coexist, so `routeKey` is the map key everywhere.
 */

import type { Family } from "../common/contracts/families.js";
import { formatAddress } from "../common/ip/address.js";

export interface KernelNexthop {
  /** Gateway address bytes (same family as the route, or null for a device route). */
  readonly gateway: Uint8Array | null;
  readonly ifindex: number;
  /** RTNH_F_* bits; only RTNH_F_ONLINK is ever requested, the kernel may add LINKDOWN/DEAD. */
  readonly flags: number;
  /** ECMP weight (rtnh_hops + 1); 1 for single-path routes. */
  readonly weight: number;
}

export interface KernelRoute {
  readonly family: Family;
  readonly table: number;
  readonly dst: Uint8Array;
  readonly dstLen: number;
  readonly tos: number;
  /** RTA_PRIORITY (metric). IPv6 routes sent with 0 are stored with 1024. */
  readonly priority: number;
  readonly protocol: number;
  readonly scope: number;
  /** RTN_* (unicast, blackhole, local…). */
  readonly type: number;
  /** Zero (blackhole, unreachable), one or several (multipath) next hops. */
  readonly nexthops: readonly KernelNexthop[];
  readonly prefsrc: Uint8Array | null;
}

export interface VxlanInfo {
  readonly vni: number;
  readonly port: number;
  /** Local (source) address as text, null when unset. */
  readonly local: string | null;
  /** Parent interface index (IFLA_VXLAN_LINK), 0 when unset. */
  readonly link: number;
  readonly learning: boolean;
}

export interface KernelLink {
  readonly index: number;
  readonly name: string;
  readonly flags: number;
  readonly mtu: number;
  /** IF_OPER_* */
  readonly operstate: number;
  /** "aa:bb:cc:dd:ee:ff", null for links without a link-layer address. */
  readonly mac: string | null;
  /** IFLA_INFO_KIND ("veth", "vxlan", "ipip"…), null when absent. */
  readonly kind: string | null;
  readonly vxlan: VxlanInfo | null;
}

export interface KernelAddress {
  readonly family: Family;
  readonly index: number;
  readonly prefixLen: number;
  /** Canonical text of IFA_LOCAL (or IFA_ADDRESS when there is no local). */
  readonly address: string;
  readonly scope: number;
}

export interface KernelNeighbour {
  /** AF_INET / AF_INET6 neighbour (ARP/NDP) or AF_BRIDGE forwarding entry. */
  readonly family: "ipv4" | "ipv6" | "bridge";
  readonly ifindex: number;
  /** NUD_* bits. */
  readonly state: number;
  /** NTF_* bits. */
  readonly flags: number;
  /** Neighbour IP (ARP/NDP) or remote VTEP IP (bridge FDB); null when absent. */
  readonly dst: string | null;
  readonly lladdr: string | null;
}

export function addressLength(family: Family): number {
  return family === "ipv4" ? 4 : 16;
}

/** Map key of a route's kernel identity (not for display). */
export function routeKey(r: {
  readonly family: Family;
  readonly table: number;
  readonly dst: Uint8Array;
  readonly dstLen: number;
  readonly tos: number;
  readonly priority: number;
}): string {
  let s = String.fromCharCode(
    r.family === "ipv4" ? 4 : 6,
    r.table & 0xffff,
    r.table >>> 16,
    r.tos,
    r.priority & 0xffff,
    r.priority >>> 16,
    r.dstLen,
  );
  const n = (r.dstLen + 7) >> 3;
  for (let i = 0; i < n; i++) s += String.fromCharCode(r.dst[i]);
  return s;
}

export function bytesEqual(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function formatRouteDst(r: { dst: Uint8Array; dstLen: number }): string {
  return `${formatAddress(r.dst)}/${r.dstLen}`;
}

/** Formats a MAC from 6 bytes as lower-case colon-separated text. */
export function formatMac(b: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < b.length; i++) parts.push(b[i].toString(16).padStart(2, "0"));
  return parts.join(":");
}

/** Parses "aa:bb:cc:dd:ee:ff" (also "-" separated); null when malformed. */
export function parseMac(text: string): Uint8Array | null {
  const parts = text.trim().split(/[:-]/);
  if (parts.length !== 6) return null;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    if (!/^[0-9a-fA-F]{1,2}$/.test(parts[i])) return null;
    out[i] = Number.parseInt(parts[i], 16);
  }
  return out;
}

/** Canonical MAC text (lower case, two digits per byte); null when malformed. */
export function canonicalMac(text: string): string | null {
  const b = parseMac(text);
  return b === null ? null : formatMac(b);
}
