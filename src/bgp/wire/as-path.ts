/**
 * AS_PATH and AS4_PATH segments (RFC 4271 §4.3, RFC 5065 §3 confederation segments, RFC 6793
 * §3): <type (1)> <count (1)> <count × AS (2 or 4 octets)>. Decoding follows RFC 7606 §7.2 (a
 * zero count, an unknown type, or a segment overrunning the attribute makes it malformed).
 * Encoding splits runs longer than 255 ASes. `mergeAs4Path` is the RFC 6793 §4.2.3
 * reconstruction for sessions without 4-octet AS support, and `splitForTwoOctet` builds what such
 * a session gets (§4.2.2: AS_TRANS in AS_PATH, the real path in AS4_PATH).
 */
import { AS_TRANS, AsPathSegmentCode } from "./constants.js";
import type { AsPathSegment, AsPathSegmentType } from "./types.js";

const SEGMENT_TYPES: Readonly<Record<number, AsPathSegmentType>> = {
  1: "set",
  2: "sequence",
  3: "confedSequence",
  4: "confedSet",
};

const SEGMENT_CODES: Readonly<Record<AsPathSegmentType, number>> = {
  set: AsPathSegmentCode.AS_SET,
  sequence: AsPathSegmentCode.AS_SEQUENCE,
  confedSequence: AsPathSegmentCode.AS_CONFED_SEQUENCE,
  confedSet: AsPathSegmentCode.AS_CONFED_SET,
};

/** Decodes segments in `buf[start, end)` with 2- or 4-octet ASes; a string says why malformed. */
export function decodeAsPath(
  buf: Uint8Array,
  start: number,
  end: number,
  asnSize: 2 | 4,
): AsPathSegment[] | string {
  const segments: AsPathSegment[] = [];
  let pos = start;
  while (pos < end) {
    if (pos + 2 > end) return `segment header truncated at offset ${pos - start}`;
    const type = SEGMENT_TYPES[buf[pos]];
    if (type === undefined) return `unknown segment type ${buf[pos]} at offset ${pos - start}`;
    const count = buf[pos + 1];
    if (count === 0) return `segment of zero ASes at offset ${pos - start}`;
    pos += 2;
    if (pos + count * asnSize > end) {
      return `segment of ${count} ASes runs past the attribute at offset ${pos - 2 - start}`;
    }
    const asns: number[] = new Array(count);
    if (asnSize === 4) {
      for (let i = 0; i < count; i++, pos += 4) {
        asns[i] =
          ((buf[pos] << 24) | (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3]) >>> 0;
      }
    } else {
      for (let i = 0; i < count; i++, pos += 2) asns[i] = (buf[pos] << 8) | buf[pos + 1];
    }
    segments.push({ type, asns });
  }
  return segments;
}

/** Octets the segments take (segments longer than 255 ASes are split). */
export function asPathEncodedLength(segments: readonly AsPathSegment[], asnSize: 2 | 4): number {
  let n = 0;
  for (const s of segments) {
    const pieces = Math.max(1, Math.ceil(s.asns.length / 255));
    n += pieces * 2 + s.asns.length * asnSize;
  }
  return n;
}

/**
 * Writes the segments into `out` at `pos`; returns the new position. With `asnSize` 2, ASes above
 * 65535 are written as AS_TRANS. Runs over 255 ASes become several segments of the same type
 * (RFC 4271 §5.1.2 does the same when prepending); sets over 255 cannot be split meaningfully and
 * throw.
 */
export function writeAsPath(
  segments: readonly AsPathSegment[],
  asnSize: 2 | 4,
  out: Uint8Array,
  pos: number,
): number {
  for (const s of segments) {
    const code = SEGMENT_CODES[s.type];
    if (code === undefined) throw new RangeError(`unknown AS_PATH segment type "${s.type}"`);
    const asns = s.asns;
    if (asns.length === 0) throw new RangeError("AS_PATH segment without ASes");
    if (asns.length > 255 && (s.type === "set" || s.type === "confedSet")) {
      throw new RangeError(`AS_SET of ${asns.length} ASes exceeds 255`);
    }
    for (let from = 0; from < asns.length; from += 255) {
      const count = Math.min(255, asns.length - from);
      out[pos++] = code;
      out[pos++] = count;
      for (let i = from; i < from + count; i++) {
        let a = asns[i];
        if (!Number.isInteger(a) || a < 0 || a > 0xffffffff)
          throw new RangeError(`AS number ${a} out of range`);
        if (asnSize === 2) {
          if (a > 0xffff) a = AS_TRANS;
          out[pos++] = a >>> 8;
          out[pos++] = a & 255;
        } else {
          out[pos++] = a >>> 24;
          out[pos++] = (a >>> 16) & 255;
          out[pos++] = (a >>> 8) & 255;
          out[pos++] = a & 255;
        }
      }
    }
  }
  return pos;
}

/** RFC 4271 §9.1.2.2 a) / RFC 6793 §4.2.3 path length: a set counts 1, confederation 0. */
export function asPathLength(segments: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of segments) {
    if (s.type === "sequence") n += s.asns.length;
    else if (s.type === "set") n += 1;
  }
  return n;
}

function isConfed(s: AsPathSegment): boolean {
  return s.type === "confedSequence" || s.type === "confedSet";
}

/** Appends a segment, joining it to a preceding sequence (canonical form). */
function pushSegment(out: AsPathSegment[], s: AsPathSegment): void {
  const last = out[out.length - 1];
  if (last !== undefined && last.type === s.type && s.type === "sequence") {
    out[out.length - 1] = { type: "sequence", asns: [...last.asns, ...s.asns] };
  } else {
    out.push({ type: s.type, asns: [...s.asns] });
  }
}

/**
 * RFC 6793 §4.2.3: the AS path of a route from a 2-octet session. AS4_PATH confederation
 * segments are dropped (§6); if AS_PATH is shorter than AS4_PATH, AS4_PATH is ignored; else the
 * leading ASes of AS_PATH that AS4_PATH lacks are kept in front of AS4_PATH.
 */
export function mergeAs4Path(
  asPath: readonly AsPathSegment[],
  as4Path: readonly AsPathSegment[],
): AsPathSegment[] {
  const tail = as4Path.filter((s) => !isConfed(s));
  const have = asPathLength(asPath);
  const want = asPathLength(tail);
  if (have < want) return asPath.map((s) => ({ type: s.type, asns: [...s.asns] }));
  let keep = have - want;
  const out: AsPathSegment[] = [];
  for (const s of asPath) {
    if (isConfed(s)) {
      out.push({ type: s.type, asns: [...s.asns] });
      continue;
    }
    if (keep === 0) break;
    if (s.type === "set") {
      out.push({ type: "set", asns: [...s.asns] });
      keep -= 1;
    } else {
      const take = Math.min(keep, s.asns.length);
      out.push({ type: "sequence", asns: s.asns.slice(0, take) });
      keep -= take;
      if (take < s.asns.length) break;
    }
  }
  for (const s of tail) pushSegment(out, s);
  return out;
}

/** True when some AS of the path does not fit in 2 octets (RFC 6793 §4.2.2 needs AS4_PATH). */
export function needsAs4Path(segments: readonly AsPathSegment[]): boolean {
  for (const s of segments) for (const a of s.asns) if (a > 0xffff) return true;
  return false;
}

/** The AS4_PATH a 2-octet session gets: the path without confederation segments (§4.2.2). */
export function as4PathFor(segments: readonly AsPathSegment[]): AsPathSegment[] {
  return segments.filter((s) => !isConfed(s));
}
