/**
 * IP addresses as bytes: parsing and formatting of IPv4 dotted quads and IPv6 text (RFC 4291 §2.2
 * input forms, RFC 5952 canonical output). Addresses cross engine boundaries as strings in
 * configuration and as bytes (`Uint8Array` of 4 or 16) on hot paths; this module converts.
 * IPv6 text handling is delegated to the `ip-address` library; IPv4 has a hand-written fast path.
 */
import { Address6 } from "ip-address";
import type { Family } from "../contracts/families.js";

export const IPV4_LEN = 4;
export const IPV6_LEN = 16;

export function familyOf(address: string): Family | null {
  if (parseIPv4(address) !== null) return "ipv4";
  return Address6.isValid(address) && !address.includes("/") ? "ipv6" : null;
}

/** Dotted quad → uint32, or null when `text` is not a plain IPv4 address. */
export function parseIPv4(text: string): number | null {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) return null;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return null; // no leading zeros
      octet = octet * 10 + (c - 48);
      if (octet > 255 || ++digits > 3) return null;
    } else {
      return null;
    }
  }
  if (dots !== 3 || digits === 0) return null;
  return value * 256 + octet;
}

export function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

export function ipv4ToBytes(value: number, out = new Uint8Array(4), offset = 0): Uint8Array {
  out[offset] = value >>> 24;
  out[offset + 1] = (value >>> 16) & 255;
  out[offset + 2] = (value >>> 8) & 255;
  out[offset + 3] = value & 255;
  return out;
}

export function bytesToIPv4(bytes: Uint8Array, offset = 0): number {
  return (
    ((bytes[offset] << 24) |
      (bytes[offset + 1] << 16) |
      (bytes[offset + 2] << 8) |
      bytes[offset + 3]) >>>
    0
  );
}

/** Parses an IPv4 or IPv6 address (no prefix length, no zone) into 4 or 16 bytes; null if invalid. */
export function parseAddress(text: string): Uint8Array | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return ipv4ToBytes(v4);
  if (text.includes("/") || text.includes("%") || !Address6.isValid(text)) return null;
  // canonicalForm(): eight groups of four hex digits, also for embedded-IPv4 input forms.
  const groups = new Address6(text).canonicalForm().split(":");
  const out = new Uint8Array(IPV6_LEN);
  for (let i = 0; i < 8; i++) {
    const g = Number.parseInt(groups[i], 16);
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 255;
  }
  return out;
}

/** Formats 4 or 16 address bytes (RFC 5952 form for IPv6). */
export function formatAddress(
  bytes: Uint8Array,
  offset = 0,
  length = bytes.length - offset,
): string {
  if (length === IPV4_LEN) return formatIPv4(bytesToIPv4(bytes, offset));
  if (length !== IPV6_LEN) throw new RangeError(`address must be 4 or 16 bytes, got ${length}`);
  return formatIPv6(bytes, offset);
}

export function formatIPv6(bytes: Uint8Array, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((bytes[offset + 2 * i] << 8) | bytes[offset + 2 * i + 1]);
  // RFC 5952 §4.2: compress the longest run (≥2) of zero groups, the first one on ties.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  if (bestStart === 0 && bestLen === 5 && groups[5] === 0xffff) {
    return `::ffff:${formatIPv4(bytesToIPv4(bytes, offset + 12))}`;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLen).join(":");
  return `${head}::${tail}`;
}

/** Canonical text of an address given as text (RFC 5952 for IPv6); null if invalid. */
export function canonicalAddress(text: string): string | null {
  const bytes = parseAddress(text);
  return bytes === null ? null : formatAddress(bytes);
}

export function isLinkLocalIPv6(bytes: Uint8Array): boolean {
  return bytes.length === 16 && bytes[0] === 0xfe && (bytes[1] & 0xc0) === 0x80;
}
