// Small independent scanners over raw messages, used to decide whether a peer's bytes are in
// the canonical form wren's encoder produces (so byte-for-byte re-encoding can be demanded).

import type { CodecContext } from "../../../../../src/bgp/wire/index.js";

/** Optional/Transitive bits each known attribute is sent with (RFC 4271 §5 and others). */
const CANONICAL_FLAGS: Record<number, number> = {
  1: 0x40,
  2: 0x40,
  3: 0x40,
  4: 0x80,
  5: 0x40,
  6: 0x40,
  7: 0xc0,
  8: 0xc0,
  9: 0x80,
  10: 0x80,
  14: 0x80,
  15: 0x80,
  16: 0xc0,
  17: 0xc0,
  18: 0xc0,
  32: 0xc0,
};

/**
 * True when the UPDATE's attributes are in wren's canonical encoding: MP_UNREACH_NLRI then
 * MP_REACH_NLRI first, the rest by ascending type, canonical flags, Extended Length only above
 * 255 octets. `ctx` is unused today but documents that canonicity is per session.
 */
export function canonicalAttributeEncoding(message: Uint8Array, _ctx: CodecContext): boolean {
  const body = message.subarray(19);
  const wlen = (body[0] << 8) | body[1];
  const alen = (body[2 + wlen] << 8) | body[3 + wlen];
  let pos = 4 + wlen;
  const end = pos + alen;
  const order: number[] = [];
  while (pos < end) {
    const flags = body[pos];
    const type = body[pos + 1];
    const ext = (flags & 0x10) !== 0;
    const len = ext ? (body[pos + 2] << 8) | body[pos + 3] : body[pos + 2];
    if (ext !== len > 255) return false;
    const want = CANONICAL_FLAGS[type] ?? 0xe0;
    if ((flags & 0xe0) !== want) return false;
    order.push(type);
    pos += (ext ? 4 : 3) + len;
  }
  const rank = (t: number) => (t === 15 ? -2 : t === 14 ? -1 : t);
  for (let i = 1; i < order.length; i++) if (rank(order[i - 1]) >= rank(order[i])) return false;
  return true;
}

/**
 * How an OPEN groups its capabilities: "single" (all in one optional parameter),
 * "perCapability" (one each), or null for anything else (mixed, other parameters).
 */
export function capabilityGrouping(message: Uint8Array): "single" | "perCapability" | null {
  const body = message.subarray(19);
  let pos = 10;
  let end = 10 + body[9];
  let ext = false;
  if (body[9] === 255 && body[10] === 255) {
    ext = true;
    pos = 13;
    end = 13 + ((body[11] << 8) | body[12]);
  }
  const counts: number[] = [];
  while (pos < end) {
    const type = body[pos];
    const len = ext ? (body[pos + 1] << 8) | body[pos + 2] : body[pos + 1];
    const vs = pos + (ext ? 3 : 2);
    if (type !== 2) return null;
    let n = 0;
    for (let p = vs; p < vs + len; p += 2 + body[p + 1]) n++;
    counts.push(n);
    pos = vs + len;
  }
  if (counts.length <= 1) return "single";
  return counts.every((n) => n === 1) ? "perCapability" : null;
}
