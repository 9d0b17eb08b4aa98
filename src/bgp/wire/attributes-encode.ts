/**
 * Encodes path attributes (RFC 4271 §4.3 <flags, type, length, value>) in a canonical form:
 * MP_UNREACH_NLRI and MP_REACH_NLRI first (RFC 7606 §5.1), the others by ascending type code,
 * flags as each attribute's definition says, Extended Length only when the value exceeds 255
 * octets. On 2-octet sessions AS numbers above 65535 become AS_TRANS and AS4_PATH /
 * AS4_AGGREGATOR carry the real ones (RFC 6793 §4.2.2); on 4-octet sessions AS4_* are never sent.
 * Unknown optional transitive attributes are re-sent with Partial set; unknown non-transitive
 * ones are not propagated (RFC 4271 §5).
 */
import { parseAddress, parseIPv4 } from "../../common/ip/address.js";
import { as4PathFor, asPathEncodedLength, needsAs4Path, writeAsPath } from "./as-path.js";
import { canonicalFlags } from "./attribute-rules.js";
import { ByteWriter } from "./bytes.js";
import { AS_TRANS, AttrFlag, AttrType } from "./constants.js";
import { nlriFieldSize, writeNlri } from "./nlri-wire.js";
import type { CodecContext, NlriList, PathAttributes } from "./types.js";

const ORIGIN_CODES = { igp: 0, egp: 1, incomplete: 2 } as const;

/** Writes flags, type and length (extended when over 255) for a value of `len` octets. */
export function writeAttributeHeader(
  w: ByteWriter,
  flags: number,
  type: number,
  len: number,
): void {
  if (len > 0xffff) throw new RangeError(`attribute ${type} value of ${len} octets exceeds 65535`);
  if (len > 255) {
    w.u8(flags | AttrFlag.EXTENDED_LENGTH);
    w.u8(type);
    w.u16(len);
  } else {
    w.u8(flags & ~AttrFlag.EXTENDED_LENGTH);
    w.u8(type);
    w.u8(len);
  }
}

function known(w: ByteWriter, type: number, value: Uint8Array): void {
  writeAttributeHeader(w, canonicalFlags(type)!, type, value.length);
  w.bytes(value);
}

function ipv4(text: string, what: string): number {
  const v = parseIPv4(text);
  if (v === null) throw new RangeError(`${what} "${text}" is not an IPv4 address`);
  return v;
}

function u32Value(v: number, what: string): Uint8Array {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff)
    throw new RangeError(`${what} ${v} out of range`);
  return Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
}

export interface EncodeAttributesOptions {
  /** Leave NEXT_HOP out (it travels in MP_REACH_NLRI). */
  readonly omitNextHop?: boolean;
  /** Next hop to write instead of `attrs.nextHop`. */
  readonly nextHop?: string;
}

/**
 * The attribute octets of `attrs` except MP_REACH_NLRI / MP_UNREACH_NLRI (which carry
 * per-message NLRI and are written by the UPDATE encoders). Throws `RangeError` on bad values.
 */
export function encodePathAttributes(
  attrs: PathAttributes,
  ctx: CodecContext,
  options: EncodeAttributesOptions = {},
): Uint8Array {
  const w = new ByteWriter(128);
  const asnSize = ctx.as4 ? 4 : 2;
  const unknown = attrs.unknown ?? [];
  let u = 0;
  // Unknown attributes interleave by type code with the known ones.
  const sortedUnknown = [...unknown].sort((a, b) => a.code - b.code);
  const flush = (upTo: number) => {
    while (u < sortedUnknown.length && sortedUnknown[u].code < upTo)
      writeUnknown(w, sortedUnknown[u++]);
  };

  flush(AttrType.ORIGIN);
  if (attrs.origin !== undefined) {
    const o = ORIGIN_CODES[attrs.origin];
    if (o === undefined)
      throw new RangeError(`ORIGIN "${attrs.origin}" is not igp, egp or incomplete`);
    known(w, AttrType.ORIGIN, Uint8Array.of(o));
  }
  flush(AttrType.AS_PATH);
  if (attrs.asPath !== undefined) {
    const v = new Uint8Array(asPathEncodedLength(attrs.asPath, asnSize));
    writeAsPath(attrs.asPath, asnSize, v, 0);
    known(w, AttrType.AS_PATH, v);
  }
  flush(AttrType.NEXT_HOP);
  const nextHop = options.nextHop ?? attrs.nextHop;
  if (nextHop !== undefined && options.omitNextHop !== true) {
    known(w, AttrType.NEXT_HOP, u32Value(ipv4(nextHop, "NEXT_HOP"), "NEXT_HOP"));
  }
  flush(AttrType.MULTI_EXIT_DISC);
  if (attrs.med !== undefined)
    known(w, AttrType.MULTI_EXIT_DISC, u32Value(attrs.med, "MULTI_EXIT_DISC"));
  flush(AttrType.LOCAL_PREF);
  if (attrs.localPref !== undefined)
    known(w, AttrType.LOCAL_PREF, u32Value(attrs.localPref, "LOCAL_PREF"));
  flush(AttrType.ATOMIC_AGGREGATE);
  if (attrs.atomicAggregate === true) known(w, AttrType.ATOMIC_AGGREGATE, new Uint8Array(0));
  flush(AttrType.AGGREGATOR);
  const agg = attrs.aggregator;
  if (agg !== undefined) {
    const v = new Uint8Array(asnSize + 4);
    const asn = u32Value(agg.asn, "AGGREGATOR AS");
    if (asnSize === 4) v.set(asn, 0);
    else {
      const a = agg.asn > 0xffff ? AS_TRANS : agg.asn;
      v[0] = a >>> 8;
      v[1] = a & 255;
    }
    v.set(u32Value(ipv4(agg.address, "AGGREGATOR address"), "AGGREGATOR address"), asnSize);
    known(w, AttrType.AGGREGATOR, v);
  }
  flush(AttrType.COMMUNITIES);
  if (attrs.communities !== undefined && attrs.communities.length > 0) {
    const v = new Uint8Array(attrs.communities.length * 4);
    for (let i = 0; i < attrs.communities.length; i++) {
      v.set(u32Value(attrs.communities[i], "community"), i * 4);
    }
    known(w, AttrType.COMMUNITIES, v);
  }
  flush(AttrType.ORIGINATOR_ID);
  if (attrs.originatorId !== undefined) {
    known(
      w,
      AttrType.ORIGINATOR_ID,
      u32Value(ipv4(attrs.originatorId, "ORIGINATOR_ID"), "ORIGINATOR_ID"),
    );
  }
  flush(AttrType.CLUSTER_LIST);
  if (attrs.clusterList !== undefined && attrs.clusterList.length > 0) {
    const v = new Uint8Array(attrs.clusterList.length * 4);
    for (let i = 0; i < attrs.clusterList.length; i++) {
      v.set(u32Value(ipv4(attrs.clusterList[i], "CLUSTER_LIST id"), "CLUSTER_LIST id"), i * 4);
    }
    known(w, AttrType.CLUSTER_LIST, v);
  }
  flush(AttrType.EXTENDED_COMMUNITIES);
  if (attrs.extendedCommunities !== undefined && attrs.extendedCommunities.length > 0) {
    const v = new Uint8Array(attrs.extendedCommunities.length * 8);
    attrs.extendedCommunities.forEach((c, i) => {
      if (c.value.length !== 6)
        throw new RangeError(`extended community value must be 6 octets, got ${c.value.length}`);
      v[i * 8] = c.type & 255;
      v[i * 8 + 1] = c.subtype & 255;
      v.set(c.value, i * 8 + 2);
    });
    known(w, AttrType.EXTENDED_COMMUNITIES, v);
  }
  if (!ctx.as4) {
    flush(AttrType.AS4_PATH);
    if (attrs.asPath !== undefined && needsAs4Path(attrs.asPath)) {
      const segs = as4PathFor(attrs.asPath);
      const v = new Uint8Array(asPathEncodedLength(segs, 4));
      writeAsPath(segs, 4, v, 0);
      known(w, AttrType.AS4_PATH, v);
    }
    flush(AttrType.AS4_AGGREGATOR);
    if (agg !== undefined && agg.asn > 0xffff) {
      const v = new Uint8Array(8);
      v.set(u32Value(agg.asn, "AS4_AGGREGATOR AS"), 0);
      v.set(u32Value(ipv4(agg.address, "AGGREGATOR address"), "AGGREGATOR address"), 4);
      known(w, AttrType.AS4_AGGREGATOR, v);
    }
  }
  flush(AttrType.LARGE_COMMUNITY);
  if (attrs.largeCommunities !== undefined && attrs.largeCommunities.length > 0) {
    const v = new Uint8Array(attrs.largeCommunities.length * 12);
    attrs.largeCommunities.forEach((c, i) => {
      v.set(u32Value(c[0], "large community"), i * 12);
      v.set(u32Value(c[1], "large community"), i * 12 + 4);
      v.set(u32Value(c[2], "large community"), i * 12 + 8);
    });
    known(w, AttrType.LARGE_COMMUNITY, v);
  }
  flush(256);
  return w.finish();
}

function writeUnknown(w: ByteWriter, a: { flags: number; code: number; value: Uint8Array }): void {
  if ((a.flags & AttrFlag.OPTIONAL) === 0) {
    throw new RangeError(`unknown attribute ${a.code} is not optional; cannot be propagated`);
  }
  if ((a.flags & AttrFlag.TRANSITIVE) === 0) return; // RFC 4271 §5: not passed along
  if (canonicalFlags(a.code) !== undefined) {
    throw new RangeError(`attribute ${a.code} is a known attribute; set its field instead`);
  }
  writeAttributeHeader(
    w,
    AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE | AttrFlag.PARTIAL,
    a.code,
    a.value.length,
  );
  w.bytes(a.value);
}

// Parsed next hops, by their text: packUpdates is called once per attribute set and parsing
// IPv6 text is costly. Bounded; callers never modify the returned octets.
const nextHopCache = new Map<string, Uint8Array>();

/** Next hop octets for MP_REACH_NLRI: one address, or IPv6 global + link-local (RFC 2545 §3). */
export function encodeNextHops(nextHops: readonly string[]): Uint8Array {
  const key = nextHops.join(" ");
  const hit = nextHopCache.get(key);
  if (hit !== undefined) return hit;
  if (nextHops.length === 0 || nextHops.length > 2) {
    throw new RangeError(`MP_REACH_NLRI needs one or two next hops, got ${nextHops.length}`);
  }
  const parts = nextHops.map((t) => {
    const b = parseAddress(t);
    if (b === null) throw new RangeError(`next hop "${t}" is not an IP address`);
    return b;
  });
  if (parts.length === 2 && (parts[0].length !== 16 || parts[1].length !== 16)) {
    throw new RangeError("two next hops must both be IPv6 (global and link-local)");
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  if (nextHopCache.size >= 4096) nextHopCache.clear();
  nextHopCache.set(key, out);
  return out;
}

/** Writes MP_REACH_NLRI with entries [from, to) of `nlri` (or a raw value for other families). */
export function writeMpReach(
  w: ByteWriter,
  afi: number,
  safi: number,
  nextHop: Uint8Array,
  nlri: NlriList | null,
  from: number,
  to: number,
  addPath: boolean,
): void {
  let nlriLen = 0;
  if (nlri !== null) {
    if (from === 0 && to === nlri.count) nlriLen = nlriFieldSize(nlri, addPath);
    else
      for (let i = from; i < to; i++) nlriLen += (addPath ? 5 : 1) + ((nlri.lengths[i] + 7) >> 3);
  }
  const len = 5 + nextHop.length + nlriLen;
  writeAttributeHeader(w, AttrFlag.OPTIONAL, AttrType.MP_REACH_NLRI, len);
  w.ensure(len);
  w.u16(afi);
  w.u8(safi);
  w.u8(nextHop.length);
  w.bytes(nextHop);
  w.u8(0);
  if (nlri !== null) w.pos = writeNlri(nlri, from, to, addPath, w.buf, w.pos);
}

/** Writes MP_UNREACH_NLRI with entries [from, to) of `withdrawn`. */
export function writeMpUnreach(
  w: ByteWriter,
  afi: number,
  safi: number,
  withdrawn: NlriList | null,
  from: number,
  to: number,
  addPath: boolean,
): void {
  let nlriLen = 0;
  if (withdrawn !== null)
    for (let i = from; i < to; i++)
      nlriLen += (addPath ? 5 : 1) + ((withdrawn.lengths[i] + 7) >> 3);
  const len = 3 + nlriLen;
  writeAttributeHeader(w, AttrFlag.OPTIONAL, AttrType.MP_UNREACH_NLRI, len);
  w.ensure(len);
  w.u16(afi);
  w.u8(safi);
  if (withdrawn !== null) w.pos = writeNlri(withdrawn, from, to, addPath, w.buf, w.pos);
}

/** Writes a raw MP attribute value (families we do not decode). */
export function writeRawAttribute(w: ByteWriter, type: number, value: Uint8Array): void {
  writeAttributeHeader(w, AttrFlag.OPTIONAL, type, value.length);
  w.bytes(value);
}
