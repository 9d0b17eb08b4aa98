/**
 * The prefix table of one address family: every prefix the RIBs know gets a small dense integer
 * (its "prefix index", OpenBGPD's pt_entry), shared by the Adj-RIBs-In, the Loc-RIB, the
 * Adj-RIBs-Out and the kernel state. Everything per prefix then lives in typed arrays indexed by
 * it, so a RIB entry costs bytes, not a JS object.
 *
 * Storage: the address as 32-bit words (1 for IPv4, 4 for IPv6 — one code path for both
 * families), the length, and a reference count, in typed arrays; a sharded open-addressing hash
 * table (sharded-slots.ts) maps (words, length) to the index without ever rehashing everything.
 * Indexes are reused after their count drops to zero. Owners of other per-prefix arrays watch
 * `capacity` and grow theirs to match (FamilyRib).
 */
import type { Family } from "../../common/contracts/families.js";
import type { Prefix } from "../../common/ip/prefix.js";
import { PackedPrefix } from "./packed-prefix.js";
import { ShardedSlots } from "./sharded-slots.js";

const FREE_LEN = 255;
const INITIAL_CAPACITY = 1024;

function hashWords(w0: number, w1: number, w2: number, w3: number, len: number): number {
  let h = Math.imul(w0 ^ Math.imul(len, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h ^ w1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h ^ w2, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h ^ w3, 0xc2b2ae35);
  h ^= h >>> 16;
  return h; // int32 (a small integer for V8, never boxed); slots use `&` and `>>>`
}

export class PrefixTable {
  readonly family: Family;
  /** 32-bit words per address: 1 (IPv4) or 4 (IPv6). */
  readonly width: number;
  /** Address words of index i at [i*width, (i+1)*width). */
  words: Uint32Array;
  /** Prefix length of index i; 255 marks a free index. */
  lens: Uint8Array;
  /** References held by RIB entries (paths, Adj-RIB-Out entries, kernel state, originations). */
  refs: Uint32Array;
  private readonly slots: ShardedSlots;
  private free: number[] = [];
  private _size = 0;
  private _highWater = 0;

  constructor(family: Family, initialCapacity = INITIAL_CAPACITY) {
    this.family = family;
    this.width = family === "ipv4" ? 1 : 4;
    const cap = Math.max(16, initialCapacity);
    this.words = new Uint32Array(cap * this.width);
    this.lens = new Uint8Array(cap).fill(FREE_LEN);
    this.refs = new Uint32Array(cap);
    this.slots = new ShardedSlots((idx) => this.hashOf(idx));
  }

  /** Live prefixes. */
  get size(): number {
    return this._size;
  }

  /** Indexes below this have been used; iterate 0..highWater and skip free ones. */
  get highWater(): number {
    return this._highWater;
  }

  /** Length of the per-index arrays; other per-prefix arrays must be at least this long. */
  get capacity(): number {
    return this.lens.length;
  }

  isLive(idx: number): boolean {
    return idx < this._highWater && this.lens[idx] !== FREE_LEN;
  }

  /** Index of the prefix, or -1. IPv4 uses `w0` only (pass 0 for the others). */
  find(w0: number, w1: number, w2: number, w3: number, len: number): number {
    const h = hashWords(w0, w1, w2, w3, len);
    const sh = this.slots.shardFor(h);
    const arr = this.slots.shards[sh];
    const mask = this.slots.masks[sh];
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = arr[i];
      if (v === 0) return -1;
      if (this.equals(v - 1, w0, w1, w2, w3, len)) return v - 1;
    }
  }

  /** Index of the prefix, creating it (with no references) when absent. */
  intern(w0: number, w1: number, w2: number, w3: number, len: number): number {
    const h = hashWords(w0, w1, w2, w3, len);
    const sh = this.slots.shardFor(h);
    const arr = this.slots.shards[sh];
    const mask = this.slots.masks[sh];
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const v = arr[i];
      if (v === 0) break;
      if (this.equals(v - 1, w0, w1, w2, w3, len)) return v - 1;
    }
    const idx = this.allocIndex();
    const width = this.width;
    const o = idx * width;
    this.words[o] = w0;
    if (width === 4) {
      this.words[o + 1] = w1;
      this.words[o + 2] = w2;
      this.words[o + 3] = w3;
    }
    this.lens[idx] = len;
    this.refs[idx] = 0;
    this._size++;
    // The probe above ended on the empty slot the new index goes to (no second probe).
    this.slots.insertAt(h, sh, i, idx);
    return idx;
  }

  ref(idx: number): void {
    this.refs[idx]++;
  }

  /** Drops one reference; the index is freed when none is left. */
  unref(idx: number): void {
    const r = this.refs[idx] - 1;
    this.refs[idx] = r;
    if (r === 0) this.remove(idx);
  }

  /** Frees an index that was interned but never referenced. */
  releaseIfUnused(idx: number): void {
    if (this.refs[idx] === 0 && this.isLive(idx)) this.remove(idx);
  }

  len(idx: number): number {
    return this.lens[idx];
  }

  word(idx: number, i: number): number {
    return this.words[idx * this.width + i];
  }

  /** The prefix at `idx` as a `Prefix` value (allocates; for views). */
  prefixAt(idx: number): Prefix {
    const n = this.width * 4;
    const bytes = new Uint8Array(n);
    this.writeBytes(idx, bytes, 0);
    return { family: this.family, bytes, length: this.lens[idx] };
  }

  /** The prefix at `idx` as a `PackedPrefix` (one small object; its bytes made when read). */
  packedAt(idx: number): PackedPrefix {
    const o = idx * this.width;
    const w = this.words;
    return this.width === 1
      ? new PackedPrefix(this.family, w[o], 0, 0, 0, this.lens[idx])
      : new PackedPrefix(this.family, w[o], w[o + 1], w[o + 2], w[o + 3], this.lens[idx]);
  }

  /** Writes the address octets of `idx` into `out` at `offset` (4 or 16 octets). */
  writeBytes(idx: number, out: Uint8Array, offset: number): void {
    const o = idx * this.width;
    for (let i = 0; i < this.width; i++) {
      const w = this.words[o + i];
      const b = offset + i * 4;
      out[b] = w >>> 24;
      out[b + 1] = (w >>> 16) & 255;
      out[b + 2] = (w >>> 8) & 255;
      out[b + 3] = w & 255;
    }
  }

  /** Orders two indexes by address then length (for sorted views). */
  compare(a: number, b: number): number {
    const w = this.width;
    for (let i = 0; i < w; i++) {
      const x = this.words[a * w + i];
      const y = this.words[b * w + i];
      if (x !== y) return x < y ? -1 : 1;
    }
    return this.lens[a] - this.lens[b];
  }

  /** Bytes held by the table's arrays (for memory accounting in benchmarks and status). */
  byteSize(): number {
    return (
      this.words.byteLength + this.lens.byteLength + this.refs.byteLength + this.slots.byteSize()
    );
  }

  private hashOf(idx: number): number {
    const o = idx * this.width;
    const w = this.words;
    return this.width === 1
      ? hashWords(w[o], 0, 0, 0, this.lens[idx])
      : hashWords(w[o], w[o + 1], w[o + 2], w[o + 3], this.lens[idx]);
  }

  private equals(
    idx: number,
    w0: number,
    w1: number,
    w2: number,
    w3: number,
    len: number,
  ): boolean {
    if (this.lens[idx] !== len) return false;
    if (this.width === 1) return this.words[idx] === w0;
    const o = idx * 4;
    const words = this.words;
    return words[o] === w0 && words[o + 1] === w1 && words[o + 2] === w2 && words[o + 3] === w3;
  }

  private allocIndex(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this._highWater === this.lens.length) this.grow();
    return this._highWater++;
  }

  private grow(): void {
    // ×1.5 keeps the slack of large tables modest.
    const cap = Math.ceil(this.lens.length * 1.5);
    const words = new Uint32Array(cap * this.width);
    words.set(this.words);
    this.words = words;
    const lens = new Uint8Array(cap).fill(FREE_LEN);
    lens.set(this.lens);
    this.lens = lens;
    const refs = new Uint32Array(cap);
    refs.set(this.refs);
    this.refs = refs;
  }

  private remove(idx: number): void {
    this.slots.remove(this.hashOf(idx), idx);
    this.lens[idx] = FREE_LEN;
    this.refs[idx] = 0;
    this.free.push(idx);
    this._size--;
  }
}
