/**
 * Reads netlink messages and attributes out of received buffers (netlink(7) framing), without
 * copying: callers get offsets into the buffer and copy only the fields they keep. Also decodes
 * NLMSG_ERROR (an errno plus the header of the request it answers).
 */
import { NLA_F_MASK, NLMSG_ERROR } from "./constants.js";
import { align4, HOST_LE } from "./writer.js";

export function readU16(buf: Uint8Array, at: number): number {
  return HOST_LE ? buf[at] | (buf[at + 1] << 8) : (buf[at] << 8) | buf[at + 1];
}

export function readU32(buf: Uint8Array, at: number): number {
  return HOST_LE
    ? (buf[at] | (buf[at + 1] << 8) | (buf[at + 2] << 16) | (buf[at + 3] << 24)) >>> 0
    : ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
}

export function readI32(buf: Uint8Array, at: number): number {
  return readU32(buf, at) | 0;
}

export interface NlHeader {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  readonly pid: number;
  /** Offset of the payload (after the 16-byte header). */
  readonly payload: number;
  /** End of this message (exclusive). */
  readonly end: number;
}

/**
 * Calls `fn` for each well-formed message in `buf`; stops at the first truncated header. Returns
 * the number of messages seen.
 */
export function forEachMessage(buf: Uint8Array, fn: (h: NlHeader) => void): number {
  let off = 0;
  let count = 0;
  while (off + 16 <= buf.length) {
    const len = readU32(buf, off);
    if (len < 16 || off + len > buf.length) break;
    fn({
      type: readU16(buf, off + 4),
      flags: readU16(buf, off + 6),
      seq: readU32(buf, off + 8),
      pid: readU32(buf, off + 12),
      payload: off + 16,
      end: off + len,
    });
    count++;
    off += align4(len);
  }
  return count;
}

/** Calls `fn(type, valueOffset, valueLength)` for each attribute in [start, end). */
export function forEachAttr(
  buf: Uint8Array,
  start: number,
  end: number,
  fn: (type: number, at: number, len: number) => void,
): void {
  let off = start;
  while (off + 4 <= end) {
    const len = readU16(buf, off);
    if (len < 4 || off + len > end) break;
    fn(readU16(buf, off + 2) & NLA_F_MASK, off + 4, len - 4);
    off += align4(len);
  }
}

export interface NlErrorInfo {
  /** Positive errno, 0 for an ACK. */
  readonly errno: number;
  /** Header of the request this answers. */
  readonly requestType: number;
  readonly requestSeq: number;
}

/** Decodes an NLMSG_ERROR payload; null if `h` is another type or truncated. */
export function decodeError(buf: Uint8Array, h: NlHeader): NlErrorInfo | null {
  if (h.type !== NLMSG_ERROR || h.end - h.payload < 4 + 16) return null;
  return {
    errno: -readI32(buf, h.payload),
    requestType: readU16(buf, h.payload + 4 + 4),
    requestSeq: readU32(buf, h.payload + 4 + 8),
  };
}

/** Copies `len` bytes at `at` (attribute values kept beyond the receive buffer's life). */
export function copyBytes(buf: Uint8Array, at: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = buf[at + i];
  return out;
}

/** NUL-terminated string attribute value. */
export function readString(buf: Uint8Array, at: number, len: number): string {
  let n = 0;
  while (n < len && buf[at + n] !== 0) n++;
  return Buffer.from(buf.buffer, buf.byteOffset + at, n).toString("utf8");
}
