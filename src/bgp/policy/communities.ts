/**
 * Community values as configuration text and back: standard communities (RFC 1997) as "AS:NN"
 * with 16-bit halves or a well-known name ("NO_EXPORT", also spelt "no-export"), large
 * communities (RFC 8092) as "A:B:C" with 32-bit parts, and a display form for extended
 * communities (RFC 4360 route target / route origin, else hex).
 */
import { formatIPv4 } from "../../common/ip/address.js";
import { WELL_KNOWN_COMMUNITIES } from "../wire/constants.js";
import type { ExtendedCommunity, LargeCommunity } from "../wire/types.js";

const WELL_KNOWN_BY_NAME: ReadonlyMap<string, number> = new Map(
  [...WELL_KNOWN_COMMUNITIES].map(([value, name]) => [normaliseName(name), value]),
);

function normaliseName(name: string): string {
  return name.toUpperCase().replace(/-/g, "_");
}

/** Parses "65000:100" or a well-known name into the uint32 value; null when invalid. */
export function parseCommunity(text: string): number | null {
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text.trim());
  if (m !== null) {
    const hi = Number(m[1]);
    const lo = Number(m[2]);
    if (hi > 0xffff || lo > 0xffff) return null;
    return (hi * 0x10000 + lo) >>> 0;
  }
  return WELL_KNOWN_BY_NAME.get(normaliseName(text.trim())) ?? null;
}

/** "65000:100", or the well-known name for the reserved values. */
export function formatCommunity(value: number): string {
  const name = WELL_KNOWN_COMMUNITIES.get(value >>> 0);
  if (name !== undefined) return name;
  return `${value >>> 16}:${value & 0xffff}`;
}

/** Parses "A:B:C" (each part 0..2^32-1); null when invalid. */
export function parseLargeCommunity(text: string): LargeCommunity | null {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(text.trim());
  if (m === null) return null;
  const parts = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (parts.some((p) => p > 0xffffffff)) return null;
  return [parts[0], parts[1], parts[2]];
}

export function formatLargeCommunity(c: LargeCommunity): string {
  return `${c[0]}:${c[1]}:${c[2]}`;
}

function u16(b: Uint8Array, o: number): number {
  return (b[o] << 8) | b[o + 1];
}

function u32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

/** "rt 65000:1", "soo 10.0.0.1:5", or "0x<type><subtype>:<hex value>" for other kinds. */
export function formatExtendedCommunity(c: ExtendedCommunity): string {
  const v = c.value;
  const kind = c.subtype === 0x02 ? "rt" : c.subtype === 0x03 ? "soo" : null;
  const base = c.type & 0x3f; // without the IANA-authority and transitive bits
  if (kind !== null && v.length === 6) {
    if (base === 0x00) return `${kind} ${u16(v, 0)}:${u32(v, 2)}`;
    if (base === 0x01) return `${kind} ${formatIPv4(u32(v, 0))}:${u16(v, 4)}`;
    if (base === 0x02) return `${kind} ${u32(v, 0)}:${u16(v, 4)}`;
  }
  const hex = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
  const head = ((c.type << 8) | c.subtype).toString(16).padStart(4, "0");
  return `0x${head}:${hex}`;
}
