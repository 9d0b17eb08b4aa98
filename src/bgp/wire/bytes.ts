/**
 * Byte plumbing for the codec: big-endian reads on plain `Uint8Array`s (no DataView on hot
 * paths), a growable writer for encoders, and latin1 slices used as cheap Map keys.
 */

export function u16(buf: Uint8Array, at: number): number {
  return (buf[at] << 8) | buf[at + 1];
}

export function u32(buf: Uint8Array, at: number): number {
  return ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
}

const latin1Slice = (
  Buffer.prototype as unknown as {
    latin1Slice: (this: Uint8Array, start: number, end: number) => string;
  }
).latin1Slice;

/** Octets [start, end) as a latin1 string (one char per octet): a compact, exact Map key. */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(buf, start, end);
}

const utf8Strict = new TextDecoder("utf-8", { fatal: true });

/** Decodes UTF-8, or returns null when the octets are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return null;
  }
}

const utf8Encoder = new TextEncoder();

export function encodeUtf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** An append-only big-endian byte writer that grows as needed. */
export class ByteWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v & 255;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf[this.pos++] = (v >>> 8) & 255;
    this.buf[this.pos++] = v & 255;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf[this.pos++] = (v >>> 24) & 255;
    this.buf[this.pos++] = (v >>> 16) & 255;
    this.buf[this.pos++] = (v >>> 8) & 255;
    this.buf[this.pos++] = v & 255;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Writes a 2-octet placeholder and returns its offset, for lengths known later. */
  reserveU16(): number {
    this.ensure(2);
    const at = this.pos;
    this.pos += 2;
    return at;
  }

  patchU16(at: number, v: number): void {
    this.buf[at] = (v >>> 8) & 255;
    this.buf[at + 1] = v & 255;
  }

  /** A copy of the written octets. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
