/**
 * Address and CIDR helpers for Calico resource fields: canonical text (IPv4 dotted quad,
 * RFC 5952 IPv6), Calico's `ip[:port]` / `[ip6]:port` peer address form, and prefix relations
 * used by IPAM and the renderer. Thin wrappers over src/common/ip.
 */
import type { Family } from "../../common/contracts/families.js";
import {
  canonicalAddress,
  familyOf,
  formatPrefix,
  maxLength,
  type Prefix,
  parseAddress,
  parsePrefixDetailed,
  prefixContains,
  prefixContainsAddress,
} from "../../common/ip/index.js";

export interface ParsedCidr {
  readonly prefix: Prefix;
  /** Canonical masked text, e.g. "10.244.0.0/16". */
  readonly cidr: string;
  readonly hostBitsSet: boolean;
}

export function parseCidr(text: string): ParsedCidr | null {
  if (!text.includes("/")) return null;
  const r = parsePrefixDetailed(text.trim());
  if (!r.ok) return null;
  return { prefix: r.prefix, cidr: formatPrefix(r.prefix), hostBitsSet: r.hostBitsSet };
}

/** An interface address with optional length ("10.0.0.11/24" or "10.0.0.11"). */
export interface InterfaceAddress {
  readonly address: string;
  readonly family: Family;
  /** The subnet ("10.0.0.0/24"); a bare address gives a host prefix (/32, /128). */
  readonly network: string;
}

export function parseInterfaceAddress(text: string): InterfaceAddress | null {
  const t = text.trim();
  const slash = t.indexOf("/");
  const addrText = slash < 0 ? t : t.slice(0, slash);
  const address = canonicalAddress(addrText);
  if (address === null) return null;
  const family = familyOf(address)!;
  const r = parsePrefixDetailed(slash < 0 ? `${address}/${maxLength(family)}` : t);
  if (!r.ok) return null;
  return { address, family, network: formatPrefix(r.prefix) };
}

export function canonicalIp(text: string): string | null {
  return canonicalAddress(text.trim());
}

export function ipFamily(address: string): Family | null {
  return familyOf(address);
}

/** Calico BGPPeer peerIP: "ip", "ip:port" (IPv4) or "[ip6]:port"; port 0 = not given. */
export function parsePeerAddress(text: string): { address: string; port: number } | null {
  const t = text.trim();
  const bracket = /^\[([^\]]+)\]:(\d{1,5})$/.exec(t);
  if (bracket) {
    const address = canonicalAddress(bracket[1]);
    const port = Number(bracket[2]);
    if (address === null || familyOf(address) !== "ipv6" || port < 1 || port > 65535) return null;
    return { address, port };
  }
  const v4port = /^([0-9.]+):(\d{1,5})$/.exec(t);
  if (v4port) {
    const address = canonicalAddress(v4port[1]);
    const port = Number(v4port[2]);
    if (address === null || port < 1 || port > 65535) return null;
    return { address, port };
  }
  const address = canonicalAddress(t);
  return address === null ? null : { address, port: 0 };
}

export function cidrPrefix(cidr: string): Prefix {
  const r = parsePrefixDetailed(cidr);
  if (!r.ok) throw new RangeError(`invalid CIDR ${cidr}`);
  return r.prefix;
}

/** True when `inner` equals or lies inside `outer` (BIRD `net ~ outer`). */
export function cidrContains(outer: string, inner: string): boolean {
  return prefixContains(cidrPrefix(outer), cidrPrefix(inner));
}

export function cidrContainsIp(cidr: string, address: string): boolean {
  const bytes = parseAddress(address);
  return bytes !== null && prefixContainsAddress(cidrPrefix(cidr), bytes);
}

export function cidrsOverlap(a: string, b: string): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

export function cidrFamily(cidr: string): Family {
  return cidrPrefix(cidr).family;
}

export function cidrLength(cidr: string): number {
  return cidrPrefix(cidr).length;
}

/** Host prefix of an address: "10.0.0.1" → "10.0.0.1/32", IPv6 → "/128". */
export function hostCidr(address: string): string {
  const family = familyOf(address);
  if (family === null) throw new RangeError(`invalid address ${address}`);
  return `${address}/${maxLength(family)}`;
}

/** Orders CIDRs by family, address, then length (IPv4 first). */
export function compareCidr(a: string, b: string): number {
  const pa = cidrPrefix(a);
  const pb = cidrPrefix(b);
  if (pa.family !== pb.family) return pa.family === "ipv4" ? -1 : 1;
  for (let i = 0; i < pa.bytes.length; i++) {
    if (pa.bytes[i] !== pb.bytes[i]) return pa.bytes[i] - pb.bytes[i];
  }
  return pa.length - pb.length;
}

/** Orders addresses numerically (IPv4 first). */
export function compareIp(a: string, b: string): number {
  return compareCidr(hostCidr(a), hostCidr(b));
}
