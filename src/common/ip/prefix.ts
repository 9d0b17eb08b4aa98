/**
 * IP prefixes (network address + length) as values shared by every engine: the codec decodes NLRI
 * into them (or into packed lists, see bgp/wire), the RIB keys its tables by them, the dataplane
 * turns them into netlink RTA_DST, and the Calico model parses CIDRs into them.
 *
 * A `Prefix` holds the network address as 4 or 16 bytes with the host bits zero. `prefixKey`
 * gives a short string usable as a Map key (not for display); `formatPrefix` gives `a.b.c.d/len`
 * or the RFC 5952 IPv6 form.
 */
import type { Family } from "../contracts/families.js";
import {
  bytesToIPv4,
  formatAddress,
  IPV4_LEN,
  IPV6_LEN,
  ipv4ToBytes,
  parseAddress,
} from "./address.js";

export interface Prefix {
  readonly family: Family;
  /** Network address, 4 (IPv4) or 16 (IPv6) bytes, host bits zero. */
  readonly bytes: Uint8Array;
  readonly length: number;
}

export function maxLength(family: Family): number {
  return family === "ipv4" ? 32 : 128;
}

export function addressLength(family: Family): number {
  return family === "ipv4" ? IPV4_LEN : IPV6_LEN;
}

/** Zeroes the bits after `length` in place. Returns true if any bit was set. */
export function maskInPlace(bytes: Uint8Array, length: number): boolean {
  let changed = false;
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, length - i * 8));
    const mask = keep === 8 ? 255 : (0xff00 >> keep) & 255;
    if ((bytes[i] & ~mask & 255) !== 0) changed = true;
    bytes[i] &= mask;
  }
  return changed;
}

export function makePrefix(family: Family, bytes: Uint8Array, length: number): Prefix {
  const copy = new Uint8Array(addressLength(family));
  copy.set(bytes.subarray(0, copy.length));
  maskInPlace(copy, length);
  return { family, bytes: copy, length };
}

export function ipv4Prefix(address: number, length: number): Prefix {
  return makePrefix("ipv4", ipv4ToBytes(address), length);
}

export type PrefixParse =
  | { ok: true; prefix: Prefix; hostBitsSet: boolean }
  | { ok: false; reason: string };

/**
 * Parses `a.b.c.d/len`, `x:y::/len`, or a bare address (taken as a host prefix /32 or /128).
 * Host bits are cleared in the result and reported in `hostBitsSet` (Calico requires strictly
 * masked pool CIDRs; Node `ipv4Address` is an interface address with its subnet length).
 */
export function parsePrefixDetailed(text: string): PrefixParse {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const bytes = parseAddress(addrText);
  if (bytes === null) return { ok: false, reason: `"${addrText}" is not an IP address` };
  const family: Family = bytes.length === IPV4_LEN ? "ipv4" : "ipv6";
  let length = maxLength(family);
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > maxLength(family)) {
      return { ok: false, reason: `"${lenText}" is not a valid ${family} prefix length` };
    }
    length = Number(lenText);
  }
  const hostBitsSet = maskInPlace(bytes, length);
  return { ok: true, prefix: { family, bytes, length }, hostBitsSet };
}

/** Parses a prefix; throws a RangeError naming the text when invalid. Host bits are cleared. */
export function parsePrefix(text: string): Prefix {
  const r = parsePrefixDetailed(text);
  if (!r.ok) throw new RangeError(`invalid prefix "${text}": ${r.reason}`);
  return r.prefix;
}

export function formatPrefix(p: Prefix): string {
  return `${formatAddress(p.bytes)}/${p.length}`;
}

/** Short unique string for Map keys: family tag, length, then only the significant bytes. */
export function prefixKey(p: Prefix): string {
  const n = (p.length + 7) >> 3;
  let s = (p.family === "ipv4" ? "4" : "6") + String.fromCharCode(p.length);
  for (let i = 0; i < n; i++) s += String.fromCharCode(p.bytes[i]);
  return s;
}

export function prefixEquals(a: Prefix, b: Prefix): boolean {
  if (a.family !== b.family || a.length !== b.length) return false;
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return false;
  return true;
}

/** True when `addr` (4 or 16 bytes) lies inside `p`. */
export function prefixContainsAddress(p: Prefix, addr: Uint8Array): boolean {
  if (addr.length !== p.bytes.length) return false;
  const full = p.length >> 3;
  for (let i = 0; i < full; i++) if (addr[i] !== p.bytes[i]) return false;
  const rest = p.length & 7;
  if (rest === 0) return true;
  const mask = (0xff00 >> rest) & 255;
  return (addr[full] & mask) === p.bytes[full];
}

/** True when `inner` equals `outer` or is a more-specific of it (BIRD's `net ~ prefix`). */
export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  return (
    outer.family === inner.family &&
    inner.length >= outer.length &&
    prefixContainsAddress(outer, inner.bytes)
  );
}

/** Orders by family (IPv4 first), then address bytes, then length. */
export function comparePrefix(a: Prefix, b: Prefix): number {
  if (a.family !== b.family) return a.family === "ipv4" ? -1 : 1;
  for (let i = 0; i < a.bytes.length; i++) {
    if (a.bytes[i] !== b.bytes[i]) return a.bytes[i] - b.bytes[i];
  }
  return a.length - b.length;
}

export function ipv4PrefixAddress(p: Prefix): number {
  return bytesToIPv4(p.bytes);
}
