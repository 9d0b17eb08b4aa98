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

/**
 * Map key of a route's kernel identity (not for display). The common case — an IPv4 route of the
 * main table with TOS 0 and metric 0 — gets a number, which makes maps of 100k routes much
 * cheaper than string keys: up to /24 a small integer (length << 24 | top 24 address bits, the
 * host bits being zero), longer prefixes length × 2^32 + address. Every other route a string.
 */
export type RouteKey = number | string;

export function routeKeyOf(
  family: Family,
  table: number,
  dst: Uint8Array,
  dstOff: number,
  dstLen: number,
  tos: number,
  priority: number,
): RouteKey {
  if (family === "ipv4" && table === 254 && tos === 0 && priority === 0) {
    const top = (dst[dstOff] << 16) | (dst[dstOff + 1] << 8) | dst[dstOff + 2];
    if (dstLen <= 24) return (dstLen << 24) | top;
    return dstLen * 4294967296 + top * 256 + dst[dstOff + 3];
  }
  let s = String.fromCharCode(
    family === "ipv4" ? 4 : 6,
    table & 0xffff,
    table >>> 16,
    tos,
    priority & 0xffff,
    priority >>> 16,
    dstLen,
  );
  const n = (dstLen + 7) >> 3;
  for (let i = 0; i < n; i++) s += String.fromCharCode(dst[dstOff + i]);
  return s;
}

const TWO_POW_32 = 4294967296;

/** Prefix length of a numeric route key (an IPv4 route of the main table, TOS 0, metric 0). */
export function numericKeyLength(key: number): number {
  return key < TWO_POW_32 ? key >>> 24 : Math.floor(key / TWO_POW_32);
}

/** Destination address of a numeric route key, as an unsigned 32-bit number. */
export function numericKeyAddress(key: number): number {
  return key < TWO_POW_32 ? ((key & 0xffffff) << 8) >>> 0 : key % TWO_POW_32;
}

/** The identity fields of a route; `dst` is the caller's buffer (16 bytes, reused). */
export interface MutableIdentity {
  family: Family;
  table: number;
  readonly dst: Uint8Array;
  dstLen: number;
  tos: number;
  priority: number;
}

/** A blank identity with its own 16-byte `dst` buffer, for `readKeyIdentity` to fill. */
export function newIdentity(): MutableIdentity {
  return { family: "ipv4", table: 0, dst: new Uint8Array(16), dstLen: 0, tos: 0, priority: 0 };
}

/** Writes the identity a route key stands for into `out` (the inverse of `routeKeyOf`). */
export function readKeyIdentity(key: RouteKey, out: MutableIdentity): void {
  const dst = out.dst;
  if (typeof key === "number") {
    const addr = numericKeyAddress(key);
    out.family = "ipv4";
    out.table = 254;
    out.tos = 0;
    out.priority = 0;
    out.dstLen = numericKeyLength(key);
    dst[0] = addr >>> 24;
    dst[1] = (addr >>> 16) & 255;
    dst[2] = (addr >>> 8) & 255;
    dst[3] = addr & 255;
    return;
  }
  out.family = key.charCodeAt(0) === 4 ? "ipv4" : "ipv6";
  out.table = key.charCodeAt(1) | (key.charCodeAt(2) << 16);
  out.tos = key.charCodeAt(3);
  out.priority = (key.charCodeAt(4) | (key.charCodeAt(5) << 16)) >>> 0;
  out.dstLen = key.charCodeAt(6);
  dst.fill(0);
  for (let i = 7; i < key.length; i++) dst[i - 7] = key.charCodeAt(i);
}

/** A fresh `KernelRoute` from a route key and a body. */
export function routeOfKey(
  key: RouteKey,
  body: {
    readonly protocol: number;
    readonly scope: number;
    readonly type: number;
    readonly nexthops: readonly KernelNexthop[];
    readonly prefsrc: Uint8Array | null;
  },
): KernelRoute {
  const id = newIdentity();
  readKeyIdentity(key, id);
  return {
    family: id.family,
    table: id.table,
    dst: id.dst.slice(0, addressLength(id.family)),
    dstLen: id.dstLen,
    tos: id.tos,
    priority: id.priority,
    protocol: body.protocol,
    scope: body.scope,
    type: body.type,
    nexthops: body.nexthops,
    prefsrc: body.prefsrc,
  };
}

export function routeKey(r: {
  readonly family: Family;
  readonly table: number;
  readonly dst: Uint8Array;
  readonly dstLen: number;
  readonly tos: number;
  readonly priority: number;
}): RouteKey {
  return routeKeyOf(r.family, r.table, r.dst, 0, r.dstLen, r.tos, r.priority);
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

/** `a.b.c.d/len` (or the IPv6 form) of the destination a route key stands for. */
export function formatKeyPrefix(key: RouteKey): string {
  const id = newIdentity();
  readKeyIdentity(key, id);
  return `${formatAddress(id.dst.subarray(0, addressLength(id.family)))}/${id.dstLen}`;
}
