/**
 * RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE messages (rtnetlink(7), <linux/rtnetlink.h>:
 * struct rtmsg, RTA_* attributes, struct rtnexthop for RTA_MULTIPATH) ⇄ `KernelRoute`.
 * Attribute order follows iproute2's (`ip route add <dst> via <gw> dev <if>` gives DST, GATEWAY,
 * OIF), so encoded requests are byte-identical to the ones `ip` sends for the same route.
 */
import type { Family } from "../../common/contracts/families.js";
import {
  addressLength,
  type KernelNexthop,
  type KernelRoute,
  type RouteKey,
  routeKeyOf,
} from "../model.js";
import type { SignatureBuilder } from "../route-body.js";
import {
  AF_INET,
  AF_INET6,
  NLA_F_MASK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  RT_SCOPE_NOWHERE,
  RT_TABLE_UNSPEC,
  RTA_DST,
  RTA_GATEWAY,
  RTA_MULTIPATH,
  RTA_OIF,
  RTA_PREFSRC,
  RTA_PRIORITY,
  RTA_TABLE,
  RTM_DELROUTE,
  RTM_GETROUTE,
  RTM_HDRLEN,
  RTM_NEWROUTE,
  RTN_BLACKHOLE,
  RTN_PROHIBIT,
  RTN_THROW,
  RTN_UNICAST,
  RTN_UNREACHABLE,
  RTNH_F_ONLINK,
  RTNH_LEN,
} from "./constants.js";
import { copyBytes, type NlHeader, readU16, readU32 } from "./reader.js";
import type { NlWriter } from "./writer.js";

export function familyToAf(family: Family): number {
  return family === "ipv4" ? AF_INET : AF_INET6;
}

/** True for route types that have no next hop (blackhole, unreachable, prohibit, throw). */
export function isNoNexthopType(type: number): boolean {
  return (
    type === RTN_BLACKHOLE ||
    type === RTN_UNREACHABLE ||
    type === RTN_PROHIBIT ||
    type === RTN_THROW
  );
}

function writeRtmsg(
  w: NlWriter,
  r: KernelRoute,
  scope: number,
  type: number,
  protocol: number,
  flags: number,
): void {
  w.u8(r.family === "ipv4" ? AF_INET : AF_INET6);
  w.u8(r.dstLen);
  w.u8(0); // src_len
  w.u8(r.tos);
  w.u8(r.table < 256 ? r.table : RT_TABLE_UNSPEC);
  w.u8(protocol);
  w.u8(scope);
  w.u8(type);
  w.u32(flags);
}

function writeDst(w: NlWriter, r: KernelRoute): void {
  if (r.dstLen > 0) w.attrBytesN(RTA_DST, r.dst, addressLength(r.family));
}

/**
 * Appends an RTM_NEWROUTE for `r`. `nlFlags` carries REQUEST plus CREATE|EXCL (add only if
 * absent) or CREATE|REPLACE (atomic replace), and ACK when the caller wants an answer either way.
 */
export function encodeNewRoute(w: NlWriter, r: KernelRoute, nlFlags: number, seq: number): void {
  const start = w.beginMessage(RTM_NEWROUTE, nlFlags, seq);
  const single = r.nexthops.length === 1 ? r.nexthops[0] : null;
  writeRtmsg(w, r, r.scope, r.type, r.protocol, single ? single.flags & RTNH_F_ONLINK : 0);
  writeDst(w, r);
  if (r.priority !== 0) w.attrU32(RTA_PRIORITY, r.priority);
  if (r.table >= 256) w.attrU32(RTA_TABLE, r.table);
  if (r.prefsrc !== null) w.attrBytes(RTA_PREFSRC, r.prefsrc);
  if (single !== null) {
    if (single.gateway !== null) w.attrBytes(RTA_GATEWAY, single.gateway);
    if (single.ifindex > 0) w.attrU32(RTA_OIF, single.ifindex);
  } else if (r.nexthops.length > 1) {
    const mp = w.beginNested(RTA_MULTIPATH);
    for (const nh of r.nexthops) {
      const at = w.mark();
      w.u16(0); // rtnh_len, patched below
      w.u8(nh.flags & RTNH_F_ONLINK);
      w.u8(Math.max(0, nh.weight - 1));
      w.i32(nh.ifindex);
      if (nh.gateway !== null) w.attrBytes(RTA_GATEWAY, nh.gateway);
      w.patchLength16(at);
    }
    w.endNested(mp);
  }
  w.endMessage(start);
}

/**
 * Appends an RTM_DELROUTE that matches exactly `r`'s identity and protocol (never a different
 * protocol's route at the same destination: the kernel compares protocol, type and priority).
 */
export function encodeDelRoute(w: NlWriter, r: KernelRoute, nlFlags: number, seq: number): void {
  const start = w.beginMessage(RTM_DELROUTE, nlFlags, seq);
  // Like iproute2: unicast deletes leave the type unspecified, other types name it; IPv4
  // deletes match any scope (NOWHERE), IPv6 has no route scope.
  const scope = r.family === "ipv4" ? RT_SCOPE_NOWHERE : 0;
  writeRtmsg(w, r, scope, r.type === RTN_UNICAST ? 0 : r.type, r.protocol, 0);
  writeDst(w, r);
  if (r.priority !== 0) w.attrU32(RTA_PRIORITY, r.priority);
  if (r.table >= 256) w.attrU32(RTA_TABLE, r.table);
  w.endMessage(start);
}

/** Appends a dump request for every route of one family. */
export function encodeRouteDump(w: NlWriter, family: Family, seq: number): void {
  const start = w.beginMessage(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, seq);
  w.u8(family === "ipv4" ? AF_INET : AF_INET6);
  w.zeros(RTM_HDRLEN - 1);
  w.endMessage(start);
}

/**
 * Decodes an RTM_NEWROUTE/RTM_DELROUTE message; null for other families (IPMR, MPLS…) or
 * malformed payloads. Cloned (cache) routes are returned too; callers filter by table.
 */
export function decodeRoute(buf: Uint8Array, h: NlHeader): KernelRoute | null {
  if (h.end - h.payload < RTM_HDRLEN) return null;
  const p = h.payload;
  const af = buf[p];
  if (af !== AF_INET && af !== AF_INET6) return null;
  const family: Family = af === AF_INET ? "ipv4" : "ipv6";
  const alen = af === AF_INET ? 4 : 16;
  let table = buf[p + 4];
  let dst: Uint8Array | null = null;
  let gateway: Uint8Array | null = null;
  let oif = 0;
  let priority = 0;
  let prefsrc: Uint8Array | null = null;
  let multipath: KernelNexthop[] | null = null;
  let off = p + RTM_HDRLEN;
  while (off + 4 <= h.end) {
    const nlaLen = readU16(buf, off);
    if (nlaLen < 4 || off + nlaLen > h.end) break;
    const at = off + 4;
    const len = nlaLen - 4;
    switch (readU16(buf, off + 2) & NLA_F_MASK) {
      case RTA_DST:
        if (len === alen) dst = copyBytes(buf, at, len);
        break;
      case RTA_GATEWAY:
        if (len === alen) gateway = copyBytes(buf, at, len);
        break;
      case RTA_OIF:
        if (len >= 4) oif = readU32(buf, at);
        break;
      case RTA_PRIORITY:
        if (len >= 4) priority = readU32(buf, at);
        break;
      case RTA_PREFSRC:
        if (len === alen) prefsrc = copyBytes(buf, at, len);
        break;
      case RTA_TABLE:
        if (len >= 4) table = readU32(buf, at);
        break;
      case RTA_MULTIPATH:
        multipath = decodeMultipath(buf, at, len, alen);
        break;
    }
    off += (nlaLen + 3) & ~3;
  }
  let nexthops: readonly KernelNexthop[];
  if (multipath !== null) nexthops = multipath;
  else if (gateway !== null || oif !== 0)
    nexthops = [{ gateway, ifindex: oif, flags: readU32(buf, p + 8) & 0xff, weight: 1 }];
  else nexthops = [];
  return {
    family,
    table,
    dst: dst ?? new Uint8Array(alen),
    dstLen: buf[p + 1],
    tos: buf[p + 3],
    priority,
    protocol: buf[p + 5],
    scope: buf[p + 6],
    type: buf[p + 7],
    nexthops,
    prefsrc,
  };
}

function decodeMultipath(buf: Uint8Array, at: number, len: number, alen: number): KernelNexthop[] {
  const out: KernelNexthop[] = [];
  let off = at;
  const end = at + len;
  while (off + RTNH_LEN <= end) {
    const rtnhLen = readU16(buf, off);
    if (rtnhLen < RTNH_LEN || off + rtnhLen > end) break;
    let gateway: Uint8Array | null = null;
    let a = off + RTNH_LEN;
    while (a + 4 <= off + rtnhLen) {
      const nlaLen = readU16(buf, a);
      if (nlaLen < 4 || a + nlaLen > off + rtnhLen) break;
      if ((readU16(buf, a + 2) & NLA_F_MASK) === RTA_GATEWAY && nlaLen - 4 === alen) {
        gateway = copyBytes(buf, a + 4, alen);
      }
      a += (nlaLen + 3) & ~3;
    }
    out.push({
      gateway,
      ifindex: readU32(buf, off + 4),
      flags: buf[off + 2],
      weight: buf[off + 3] + 1,
    });
    off += (rtnhLen + 3) & ~3;
  }
  return out;
}

const ZERO16 = new Uint8Array(16);

export interface RouteIdentity {
  key: RouteKey;
  table: number;
  protocol: number;
  type: number;
}

/**
 * Reads the identity of the route message whose payload is [p, end) into `out`, without
 * decoding the rest (no allocation but a string key for uncommon routes). False when it is not
 * an IPv4/IPv6 route. What the agent needs to recognise the echo of its own changes, and to check
 * a 100k-route dump cheaply.
 */
export function readRouteIdentity(
  buf: Uint8Array,
  p: number,
  end: number,
  out: RouteIdentity,
): boolean {
  if (end - p < RTM_HDRLEN) return false;
  const af = buf[p];
  if (af !== AF_INET && af !== AF_INET6) return false;
  const alen = af === AF_INET ? 4 : 16;
  let table = buf[p + 4];
  let priority = 0;
  let dstAt = -1;
  let off = p + RTM_HDRLEN;
  while (off + 4 <= end) {
    const nlaLen = readU16(buf, off);
    if (nlaLen < 4 || off + nlaLen > end) break;
    const type = readU16(buf, off + 2) & NLA_F_MASK;
    if (type === RTA_DST && nlaLen - 4 === alen) dstAt = off + 4;
    else if (type === RTA_TABLE && nlaLen >= 8) table = readU32(buf, off + 4);
    else if (type === RTA_PRIORITY && nlaLen >= 8) priority = readU32(buf, off + 4);
    off += (nlaLen + 3) & ~3;
  }
  const family = af === AF_INET ? "ipv4" : "ipv6";
  out.key =
    dstAt < 0
      ? routeKeyOf(family, table, ZERO16, 0, buf[p + 1], buf[p + 3], priority)
      : routeKeyOf(family, table, buf, dstAt, buf[p + 1], buf[p + 3], priority);
  out.table = table;
  out.protocol = buf[p + 5];
  out.type = buf[p + 7];
  return true;
}

export function peekRouteKey(buf: Uint8Array, h: NlHeader): RouteIdentity | null {
  const out: RouteIdentity = { key: 0, table: 0, protocol: 0, type: 0 };
  return readRouteIdentity(buf, h.payload, h.end, out) ? out : null;
}

/**
 * Writes the body signature (route-body.ts) of the route message whose payload is [p, end) —
 * exactly what `writeBodySignature(decodeRoute(…))` writes, without decoding the route into
 * objects. False when it is not an IPv4/IPv6 route.
 */
export function writeRouteBodySignature(
  buf: Uint8Array,
  p: number,
  end: number,
  sig: SignatureBuilder,
): boolean {
  if (end - p < RTM_HDRLEN) return false;
  const af = buf[p];
  if (af !== AF_INET && af !== AF_INET6) return false;
  const alen = af === AF_INET ? 4 : 16;
  let gateway = -1;
  let oif = 0;
  let prefsrc = -1;
  let multipath = -1;
  let multipathEnd = 0;
  let off = p + RTM_HDRLEN;
  while (off + 4 <= end) {
    const nlaLen = readU16(buf, off);
    if (nlaLen < 4 || off + nlaLen > end) break;
    const at = off + 4;
    const len = nlaLen - 4;
    switch (readU16(buf, off + 2) & NLA_F_MASK) {
      case RTA_GATEWAY:
        if (len === alen) gateway = at;
        break;
      case RTA_OIF:
        if (len >= 4) oif = readU32(buf, at);
        break;
      case RTA_PREFSRC:
        if (len === alen) prefsrc = at;
        break;
      case RTA_MULTIPATH:
        multipath = at;
        multipathEnd = at + len;
        break;
    }
    off += (nlaLen + 3) & ~3;
  }
  sig.reset();
  sig.u8(af === AF_INET ? 4 : 6);
  sig.u8(buf[p + 5]);
  sig.u8(buf[p + 6]);
  sig.u8(buf[p + 7]);
  sig.sized(buf, prefsrc, prefsrc < 0 ? 0 : alen);
  const countAt = sig.length;
  sig.u16(0);
  if (multipath >= 0) {
    let count = 0;
    let hop = multipath;
    while (hop + RTNH_LEN <= multipathEnd) {
      const rtnhLen = readU16(buf, hop);
      if (rtnhLen < RTNH_LEN || hop + rtnhLen > multipathEnd) break;
      let gw = -1;
      let a = hop + RTNH_LEN;
      while (a + 4 <= hop + rtnhLen) {
        const nlaLen = readU16(buf, a);
        if (nlaLen < 4 || a + nlaLen > hop + rtnhLen) break;
        if ((readU16(buf, a + 2) & NLA_F_MASK) === RTA_GATEWAY && nlaLen - 4 === alen) gw = a + 4;
        a += (nlaLen + 3) & ~3;
      }
      sig.sized(buf, gw, gw < 0 ? 0 : alen);
      sig.u32(readU32(buf, hop + 4));
      sig.u8(buf[hop + 2]);
      sig.u16(buf[hop + 3] + 1);
      count++;
      hop += (rtnhLen + 3) & ~3;
    }
    sig.patchU16(countAt, count);
  } else if (gateway >= 0 || oif !== 0) {
    sig.patchU16(countAt, 1);
    sig.sized(buf, gateway, gateway < 0 ? 0 : alen);
    sig.u32(oif);
    sig.u8(readU32(buf, p + 8) & 0xff);
    sig.u16(1);
  }
  return true;
}
