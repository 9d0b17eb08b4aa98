/**
 * Builds netlink messages into one growing buffer (netlink(7) framing: 16-byte nlmsghdr, then the
 * family header, then 4-byte aligned rtattr TLVs, nested attributes as TLVs of TLVs). Many
 * messages are written back to back so a batch leaves in one sendmsg. Integers in netlink
 * headers and attributes are in host byte order; the few network-order fields (ports) are written
 * by the caller with `attrU16BE`.
 */
import { endianness } from "node:os";
import { NLMSG_HDRLEN } from "./constants.js";

export const HOST_LE = endianness() === "LE";

export function align4(n: number): number {
  return (n + 3) & ~3;
}

export class NlWriter {
  private buf: Buffer;
  private off = 0;

  /**
   * `supply` gives the buffers written into: ArrayBuffers of their own (never Node's shared
   * pool), so they can be transferred; recycled ones may hold old bytes (only what was written
   * counts).
   */
  constructor(
    initialSize = 16384,
    private readonly supply: (bytes: number) => ArrayBuffer = (n) => new ArrayBuffer(n),
  ) {
    this.buf = this.fresh(initialSize);
  }

  private fresh(size: number): Buffer {
    return Buffer.from(this.supply(size));
  }

  get length(): number {
    return this.off;
  }

  private ensure(n: number): void {
    if (this.off + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.off + n) size *= 2;
    const next = this.fresh(size);
    this.buf.copy(next, 0, 0, this.off);
    this.buf = next;
  }

  /**
   * Appends `bytes` as they are (a pre-encoded message to patch with `patchU16At` /
   * `patchU32At` / `setByteAt`); returns their offset.
   */
  appendRaw(bytes: Uint8Array): number {
    this.ensure(bytes.length);
    const at = this.off;
    this.buf.set(bytes, at);
    this.off += bytes.length;
    return at;
  }

  patchU16At(at: number, v: number): void {
    this.patchU16(at, v);
  }

  patchU32At(at: number, v: number): void {
    this.patchU32(at, v);
  }

  setByteAt(at: number, v: number): void {
    this.buf[at] = v;
  }

  /** Starts a message; returns its offset for `endMessage`. Length is patched at the end. */
  beginMessage(type: number, flags: number, seq: number, pid = 0): number {
    this.ensure(NLMSG_HDRLEN);
    const start = this.off;
    this.u32(0);
    this.u16(type);
    this.u16(flags);
    this.u32(seq);
    this.u32(pid);
    return start;
  }

  endMessage(start: number): void {
    this.patchU32(start, this.off - start);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.off++] = v & 255;
  }

  u16(v: number): void {
    this.ensure(2);
    if (HOST_LE) this.buf.writeUInt16LE(v & 0xffff, this.off);
    else this.buf.writeUInt16BE(v & 0xffff, this.off);
    this.off += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    if (HOST_LE) this.buf.writeUInt32LE(v >>> 0, this.off);
    else this.buf.writeUInt32BE(v >>> 0, this.off);
    this.off += 4;
  }

  i32(v: number): void {
    this.u32(v | 0);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.off);
    this.off += b.length;
  }

  zeros(n: number): void {
    this.ensure(n);
    this.buf.fill(0, this.off, this.off + n);
    this.off += n;
  }

  pad(): void {
    const p = align4(this.off) - this.off;
    if (p > 0) this.zeros(p);
  }

  private patchU16(at: number, v: number): void {
    if (HOST_LE) this.buf.writeUInt16LE(v, at);
    else this.buf.writeUInt16BE(v, at);
  }

  private patchU32(at: number, v: number): void {
    if (HOST_LE) this.buf.writeUInt32LE(v >>> 0, at);
    else this.buf.writeUInt32BE(v >>> 0, at);
  }

  private attrHeader(type: number, payload: number): void {
    this.ensure(4 + align4(payload));
    this.u16(4 + payload);
    this.u16(type);
  }

  attrU8(type: number, v: number): void {
    this.attrHeader(type, 1);
    this.u8(v);
    this.pad();
  }

  attrU16(type: number, v: number): void {
    this.attrHeader(type, 2);
    this.u16(v);
    this.pad();
  }

  /** A 16-bit attribute in network byte order (e.g. IFLA_VXLAN_PORT). */
  attrU16BE(type: number, v: number): void {
    this.attrHeader(type, 2);
    this.u8(v >> 8);
    this.u8(v);
    this.pad();
  }

  attrU32(type: number, v: number): void {
    this.attrHeader(type, 4);
    this.u32(v);
  }

  attrBytes(type: number, b: Uint8Array): void {
    if (b.length <= 16) {
      this.attrBytesN(type, b, b.length);
      return;
    }
    this.attrHeader(type, b.length);
    this.bytes(b);
    this.pad();
  }

  /** Attribute holding the first `n` bytes of `b` (no subarray view allocated). */
  attrBytesN(type: number, b: Uint8Array, n: number): void {
    this.attrHeader(type, n);
    const buf = this.buf;
    let off = this.off;
    for (let i = 0; i < n; i++) buf[off++] = b[i];
    this.off = off;
    this.pad();
  }

  /** NUL-terminated string attribute (IFLA_IFNAME, IFLA_INFO_KIND). */
  attrString(type: number, s: string): void {
    const b = Buffer.from(s, "utf8");
    this.attrHeader(type, b.length + 1);
    this.bytes(b);
    this.u8(0);
    this.pad();
  }

  /** Opens a nested attribute; close it with `endNested` (length patched then). */
  beginNested(type: number): number {
    this.ensure(4);
    const start = this.off;
    this.u16(0);
    this.u16(type);
    return start;
  }

  endNested(start: number): void {
    this.patchU16(start, this.off - start);
  }

  /** Reserves `n` bytes to patch later (e.g. struct rtnexthop length); returns the offset. */
  mark(): number {
    return this.off;
  }

  patchLength16(at: number): void {
    this.patchU16(at, this.off - at);
  }

  /**
   * Copies out what was written and starts over (the buffer is kept for reuse). The copy owns
   * its ArrayBuffer (never Node's shared pool), so it can be transferred to another thread.
   */
  take(): Uint8Array {
    const out = new Uint8Array(this.off);
    out.set(this.buf.subarray(0, this.off));
    this.off = 0;
    return out;
  }

  /**
   * Hands over what was written without copying: the buffer itself (to be transferred to the I/O
   * thread) and the length used. Writing goes on in a new buffer of the same size.
   */
  takeTransferable(): { buffer: ArrayBuffer; length: number } {
    const out = { buffer: this.buf.buffer as ArrayBuffer, length: this.off };
    this.buf = this.fresh(this.buf.length);
    this.off = 0;
    return out;
  }

  reset(): void {
    this.off = 0;
  }
}
