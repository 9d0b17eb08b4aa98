/**
 * The prefix table of one address family: every prefix the RIBs know gets a small dense integer
 * (its "prefix index", OpenBGPD's pt_entry), shared by the Adj-RIBs-In, the Loc-RIB, the
 * Adj-RIBs-Out and the kernel state. Everything per prefix then lives in typed arrays indexed by
 * it, so a RIB entry costs bytes, not a JS object.
 *
 * Storage: the address as 32-bit words (1 for IPv4, 4 for IPv6 — one code path for both
 * families), the length, and a reference count, in typed arrays; an open-addressing hash table
 * (linear probing, backward-shift deletion, load ≤ 0.7) maps (words, length) to the index.
 * Indexes are reused after their count drops to zero. Owners of other per-prefix arrays watch
 * `capacity` and grow theirs to match (FamilyRib).
 */
import type { Family } from "../../common/contracts/families.js";
import type { Prefix } from "../../common/ip/prefix.js";

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
  return h >>> 0;
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
  private slots: Int32Array;
  private slotMask: number;
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
    const slotCount = nextPow2(Math.ceil(cap / 0.7) + 1);
    this.slots = new Int32Array(slotCount);
    this.slotMask = slotCount - 1;
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
    const slots = this.slots;
    const mask = this.slotMask;
    let s = hashWords(w0, w1, w2, w3, len) & mask;
    for (;;) {
      const v = slots[s];
      if (v === 0) return -1;
      const idx = v - 1;
      if (this.equals(idx, w0, w1, w2, w3, len)) return idx;
      s = (s + 1) & mask;
    }
  }

  /** Index of the prefix, creating it (with no references) when absent. */
  intern(w0: number, w1: number, w2: number, w3: number, len: number): number {
    const slots = this.slots;
    const mask = this.slotMask;
    let s = hashWords(w0, w1, w2, w3, len) & mask;
    for (;;) {
      const v = slots[s];
      if (v === 0) break;
      const idx = v - 1;
      if (this.equals(idx, w0, w1, w2, w3, len)) return idx;
      s = (s + 1) & mask;
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
    if (this._size > (this.slotMask + 1) * 0.7) {
      this.rehash((this.slotMask + 1) * 2);
    } else {
      slots[s] = idx + 1;
    }
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

  /** The prefix at `idx` as a `Prefix` value (allocates; for views and kernel batches). */
  prefixAt(idx: number): Prefix {
    const n = this.width * 4;
    const bytes = new Uint8Array(n);
    this.writeBytes(idx, bytes, 0);
    return { family: this.family, bytes, length: this.lens[idx] };
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
      this.words.byteLength + this.lens.byteLength + this.refs.byteLength + this.slots.byteLength
    );
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
    const cap = this.lens.length * 2;
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

  private slotOf(idx: number): number {
    const o = idx * this.width;
    const w = this.words;
    const h =
      this.width === 1
        ? hashWords(w[o], 0, 0, 0, this.lens[idx])
        : hashWords(w[o], w[o + 1], w[o + 2], w[o + 3], this.lens[idx]);
    return h & this.slotMask;
  }

  private rehash(slotCount: number): void {
    this.slots = new Int32Array(slotCount);
    this.slotMask = slotCount - 1;
    const slots = this.slots;
    for (let idx = 0; idx < this._highWater; idx++) {
      if (this.lens[idx] === FREE_LEN) continue;
      let s = this.slotOf(idx);
      while (slots[s] !== 0) s = (s + 1) & this.slotMask;
      slots[s] = idx + 1;
    }
  }

  private remove(idx: number): void {
    const slots = this.slots;
    const mask = this.slotMask;
    let s = this.slotOf(idx);
    while (slots[s] !== idx + 1) s = (s + 1) & mask;
    // Backward-shift deletion keeps probe sequences intact without tombstones.
    let hole = s;
    let j = (s + 1) & mask;
    for (;;) {
      const v = slots[j];
      if (v === 0) break;
      const home = this.slotOf(v - 1);
      // Move v into the hole when its home slot is not cyclically within (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        slots[hole] = v;
        hole = j;
      }
      j = (j + 1) & mask;
    }
    slots[hole] = 0;
    this.lens[idx] = FREE_LEN;
    this.refs[idx] = 0;
    this.free.push(idx);
    this._size--;
  }
}

export function nextPow2(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}
