/**
 * Splits a TCP byte stream into BGP messages (RFC 4271 §4.1). Chunks may end anywhere (inside
 * the header, inside the body) and one chunk may hold several messages; `next()` returns each
 * complete message (header included) and throws the Message Header Error of RFC 4271 §6.1 as a
 * `BgpError` as soon as a header is bad. After an error the stream cannot be resynchronised (the
 * session must be reset), so every later call throws the same error.
 *
 * Each returned message is its own copy (one allocation of exactly its size): it may be kept,
 * or transferred to a worker thread, without pinning or detaching the framer's buffer.
 */
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE, MAX_MESSAGE } from "./constants.js";
import type { BgpError } from "./errors.js";
import { readHeader } from "./header.js";

const BUFFER_SIZE = 65536;

export interface FramerOptions {
  /** 4096 (default), or 65535 once the extended message capability is negotiated (RFC 8654). */
  readonly maxMessageLength?: number;
}

export class Framer {
  private maxLength: number;
  private buf: Uint8Array = new Uint8Array(0);
  private start = 0;
  private end = 0;
  private failed: BgpError | null = null;

  constructor(options: FramerOptions = {}) {
    this.maxLength = checkMax(options.maxMessageLength ?? MAX_MESSAGE);
  }

  get maxMessageLength(): number {
    return this.maxLength;
  }

  /** Changes the accepted maximum, e.g. after the OPEN exchange negotiated extended messages. */
  setMaxMessageLength(length: number): void {
    this.maxLength = checkMax(length);
  }

  /** Octets received but not yet returned as a message. */
  get buffered(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.buf.length) {
      const have = this.end - this.start;
      if (have + chunk.length <= this.buf.length) {
        this.buf.copyWithin(0, this.start, this.end); // compact
      } else {
        let cap = Math.max(BUFFER_SIZE, this.buf.length);
        while (cap < have + chunk.length) cap *= 2;
        const next = new Uint8Array(cap);
        next.set(this.buf.subarray(this.start, this.end));
        this.buf = next;
      }
      this.start = 0;
      this.end = have;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** The next complete message, or null when more bytes are needed. */
  next(): Uint8Array | null {
    if (this.failed !== null) throw this.failed;
    const have = this.end - this.start;
    if (have < HEADER_LENGTH) return null;
    let length: number;
    try {
      length = readHeader(this.buf, this.start, this.maxLength).length;
    } catch (err) {
      this.failed = err as BgpError;
      throw err;
    }
    if (have < length) return null;
    const msg = this.buf.slice(this.start, this.start + length);
    this.start += length;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
    return msg;
  }
}

function checkMax(length: number): number {
  if (!Number.isInteger(length) || length < MAX_MESSAGE || length > MAX_EXTENDED_MESSAGE) {
    throw new RangeError(
      `maxMessageLength must be an integer in [${MAX_MESSAGE}, ${MAX_EXTENDED_MESSAGE}], got ${length}`,
    );
  }
  return length;
}
