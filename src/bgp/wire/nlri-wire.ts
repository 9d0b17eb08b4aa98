/**
 * NLRI on the wire (RFC 4271 §4.3 Withdrawn Routes / NLRI fields, RFC 4760 §5 MP NLRI,
 * RFC 7911 §3 ADD-PATH path identifiers): <path id (4, ADD-PATH only)> <length (1)> <prefix
 * (⌈length/8⌉)>. Decoding makes two passes (validate and count, then copy into one exactly
 * sized allocation) so a field of N prefixes costs one allocation, not N objects. Malformed
 * fields (RFC 7606 §5.3: a length beyond the family's maximum, or a prefix running past the
 * field) are reported as a reason string; the caller picks the RFC 7606 action.
 */
import type { Family } from "../../common/contracts/families.js";
import { emptyNlri } from "./nlri.js";
import type { NlriList } from "./types.js";

/**
 * Decodes the NLRI in `buf[start, end)`. Returns the packed list, or a string saying why the
 * field is malformed. Host bits beyond each prefix length are cleared.
 */
export function decodeNlriField(
  buf: Uint8Array,
  start: number,
  end: number,
  family: Family,
  addPath: boolean,
): NlriList | string {
  if (start === end) return emptyNlri(family);
  const maxLen = family === "ipv4" ? 32 : 128;
  const idLen = addPath ? 4 : 0;
  // Pass 1: validate and count.
  let n = 0;
  let pos = start;
  while (pos < end) {
    if (pos + idLen >= end) {
      return `NLRI entry at offset ${pos - start} is truncated (no room for the prefix length)`;
    }
    const len = buf[pos + idLen];
    if (len > maxLen) {
      return `prefix length ${len} exceeds ${maxLen} for ${family} at offset ${pos - start}`;
    }
    pos += idLen + 1 + ((len + 7) >> 3);
    n++;
  }
  if (pos !== end) return `last prefix runs ${pos - end} octet(s) past the end of the field`;
  // Pass 2: copy.
  const width = family === "ipv4" ? 4 : 16;
  const block = new Uint8Array(n * (width + 1));
  const lengths = block.subarray(0, n);
  const addrs = block.subarray(n);
  const pathIds = addPath ? new Uint32Array(n) : null;
  pos = start;
  if (!addPath && width === 4) {
    // Hot path: IPv4 without ADD-PATH.
    for (let i = 0; i < n; i++) {
      const len = buf[pos];
      lengths[i] = len;
      const base = i << 2;
      if (len > 24) {
        addrs[base] = buf[pos + 1];
        addrs[base + 1] = buf[pos + 2];
        addrs[base + 2] = buf[pos + 3];
        addrs[base + 3] = buf[pos + 4] & ((0xff00 >> (len - 24)) & 0xff);
        pos += 5;
      } else if (len > 16) {
        addrs[base] = buf[pos + 1];
        addrs[base + 1] = buf[pos + 2];
        addrs[base + 2] = buf[pos + 3] & ((0xff00 >> (len - 16)) & 0xff);
        pos += 4;
      } else if (len > 8) {
        addrs[base] = buf[pos + 1];
        addrs[base + 1] = buf[pos + 2] & ((0xff00 >> (len - 8)) & 0xff);
        pos += 3;
      } else if (len > 0) {
        addrs[base] = buf[pos + 1] & ((0xff00 >> len) & 0xff);
        pos += 2;
      } else {
        pos += 1;
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (pathIds !== null) {
        pathIds[i] =
          ((buf[pos] << 24) | (buf[pos + 1] << 16) | (buf[pos + 2] << 8) | buf[pos + 3]) >>> 0;
        pos += 4;
      }
      const len = buf[pos++];
      lengths[i] = len;
      const full = len >> 3;
      const base = i * width;
      for (let k = 0; k < full; k++) addrs[base + k] = buf[pos + k];
      const rest = len & 7;
      if (rest !== 0) addrs[base + full] = buf[pos + full] & ((0xff00 >> rest) & 0xff);
      pos += (len + 7) >> 3;
    }
  }
  return { family, count: n, lengths, addrs, pathIds };
}

/** Octets entry `i` takes on the wire. */
export function nlriEntrySize(list: NlriList, i: number, addPath: boolean): number {
  return (addPath ? 5 : 1) + ((list.lengths[i] + 7) >> 3);
}

/** Octets the whole list takes on the wire. */
export function nlriFieldSize(list: NlriList, addPath: boolean): number {
  let size = addPath ? 5 * list.count : list.count;
  const lengths = list.lengths;
  for (let i = 0; i < list.count; i++) size += (lengths[i] + 7) >> 3;
  return size;
}

/**
 * Writes entries [from, to) of `list` into `out` at `pos`; returns the new position. With
 * `addPath`, entries without a path identifier get 0.
 */
export function writeNlri(
  list: NlriList,
  from: number,
  to: number,
  addPath: boolean,
  out: Uint8Array,
  pos: number,
): number {
  const width = list.family === "ipv4" ? 4 : 16;
  const lengths = list.lengths;
  const addrs = list.addrs;
  const ids = list.pathIds;
  for (let i = from; i < to; i++) {
    if (addPath) {
      const id = ids === null ? 0 : ids[i];
      out[pos] = id >>> 24;
      out[pos + 1] = (id >>> 16) & 255;
      out[pos + 2] = (id >>> 8) & 255;
      out[pos + 3] = id & 255;
      pos += 4;
    }
    const len = lengths[i];
    out[pos++] = len;
    const n = (len + 7) >> 3;
    const base = i * width;
    for (let k = 0; k < n; k++) out[pos + k] = addrs[base + k];
    pos += n;
  }
  return pos;
}
