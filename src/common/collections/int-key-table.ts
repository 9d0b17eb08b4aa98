/**
 * A compact hash table for large key sets: non-negative integer keys below 2^53 (an IPv4 prefix as
 * `address × 64 + length`, a packed route identity, ...) map to a row of int32 values stored in
 * the same typed array as the key. Per entry the table costs 4 × (2 + columns) bytes divided by
 * the load factor (between 1/2 and 3/4; capacity grows by half) — no JS object, no Map entry,
 * nothing for the garbage collector to trace, and one cache line touched per lookup.
 *
 * Layout: `data` holds one row per slot — key low word, key high word, then the value columns.
 * A negative high word marks a free (-1) or deleted (-2) slot. Open addressing with linear
 * probing; deleted slots are reused by inserts and dropped by rehashes. Slot numbers (and
 * `data`) stay valid until the next `insert` (which may grow or rehash) or `compact`.
 */

const EMPTY = -1;
const TOMBSTONE = -2;
const MIN_CAPACITY = 16;
const TWO_POW_32 = 4294967296;
/** Keys must be below 2^53 (the high word then fits 21 bits and stays non-negative). */
const MAX_KEY = Number.MAX_SAFE_INTEGER;

export interface IntKeyTableOptions {
  /** Number of int32 value columns per entry (zero for a new entry). */
  readonly columns?: number;
  /** Expected number of entries (capacity is sized for it). */
  readonly expected?: number;
}

function capacityFor(entries: number): number {
  let cap = MIN_CAPACITY;
  while (entries * 4 > cap * 3) cap = Math.ceil(cap * 1.5);
  return cap;
}

/** 32-bit hash of a key given as its two words (murmur3's finaliser). */
function hashWords(lo: number, hi: number): number {
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class IntKeyTable {
  /** Rows of `stride` int32 words: key low, key high, values. Replaced when the table resizes. */
  data: Int32Array;
  /** Words per row (2 + columns). */
  readonly stride: number;
  private cap: number;
  private live = 0;
  private dead = 0;
  /** Changes whenever slots move (rehash, compact, clear): a walk over slots restarts then. */
  generation = 0;

  constructor(options: IntKeyTableOptions = {}) {
    this.stride = 2 + (options.columns ?? 0);
    this.cap = capacityFor(options.expected ?? 0);
    this.data = IntKeyTable.emptyRows(this.cap, this.stride);
  }

  private static emptyRows(cap: number, stride: number): Int32Array {
    const d = new Int32Array(cap * stride);
    for (let b = 1; b < d.length; b += stride) d[b] = EMPTY;
    return d;
  }

  /** Number of entries. */
  get size(): number {
    return this.live;
  }

  /** Number of slots (iterate 0 … capacity−1 and skip those where `has(slot)` is false). */
  get capacity(): number {
    return this.cap;
  }

  /** True when `slot` holds an entry. */
  has(slot: number): boolean {
    return this.data[slot * this.stride + 1] >= 0;
  }

  keyAt(slot: number): number {
    const b = slot * this.stride;
    return this.data[b + 1] * TWO_POW_32 + (this.data[b] >>> 0);
  }

  /** Value column `col` of the entry at `slot`. */
  get(slot: number, col: number): number {
    return this.data[slot * this.stride + 2 + col];
  }

  set(slot: number, col: number, value: number): void {
    this.data[slot * this.stride + 2 + col] = value;
  }

  private home(lo: number, hi: number): number {
    // Multiply-shift range reduction: capacity need not be a power of two.
    return Math.floor((hashWords(lo, hi) * this.cap) / TWO_POW_32);
  }

  /** The slot of `key`, or −1. */
  find(key: number): number {
    const lo = key | 0;
    const hi = (key / TWO_POW_32) | 0;
    const d = this.data;
    const stride = this.stride;
    const cap = this.cap;
    let i = this.home(lo, hi);
    for (;;) {
      const b = i * stride;
      const h = d[b + 1];
      if (h === hi && d[b] === lo) return i;
      if (h === EMPTY) return -1;
      if (++i === cap) i = 0;
    }
  }

  /** The slot of `key`, created (values zero) when absent. May resize: re-read `data`. */
  insert(key: number): number {
    if (!(key >= 0 && key <= MAX_KEY && Math.floor(key) === key)) {
      throw new RangeError(`IntKeyTable: key ${key} is not an integer in [0, 2^53)`);
    }
    const found = this.find(key);
    if (found >= 0) return found;
    if ((this.live + this.dead + 1) * 4 > this.cap * 3) this.rehash(capacityFor(this.live + 1));
    const lo = key | 0;
    const hi = (key / TWO_POW_32) | 0;
    const d = this.data;
    const stride = this.stride;
    let i = this.home(lo, hi);
    while (d[i * stride + 1] >= 0) if (++i === this.cap) i = 0;
    const b = i * stride;
    if (d[b + 1] === TOMBSTONE) this.dead--;
    d[b] = lo;
    d[b + 1] = hi;
    for (let c = 2; c < stride; c++) d[b + c] = 0;
    this.live++;
    return i;
  }

  /** Removes the entry at `slot` (no resize: safe while iterating slots). */
  removeAt(slot: number): void {
    const b = slot * this.stride;
    if (this.data[b + 1] < 0) return;
    this.data[b + 1] = TOMBSTONE;
    this.live--;
    this.dead++;
    if (this.live === 0) {
      // Nothing left: every slot can be free again.
      for (let k = 1; k < this.data.length; k += this.stride) this.data[k] = EMPTY;
      this.dead = 0;
    }
  }

  /** Removes `key`; returns whether it was there. */
  delete(key: number): boolean {
    const slot = this.find(key);
    if (slot < 0) return false;
    this.removeAt(slot);
    return true;
  }

  /** Removes every entry and returns to the smallest capacity. */
  clear(): void {
    this.generation++;
    this.cap = MIN_CAPACITY;
    this.data = IntKeyTable.emptyRows(this.cap, this.stride);
    this.live = 0;
    this.dead = 0;
  }

  /**
   * Shrinks the table when it has become sparse (after mass removals) and drops tombstones.
   * Call at a point where no slot numbers are held. Returns true when it rehashed.
   */
  compact(): boolean {
    const want = capacityFor(this.live);
    if (want * 3 <= this.cap || this.dead * 4 > this.cap) {
      this.rehash(want);
      return true;
    }
    return false;
  }

  private rehash(capacity: number): void {
    this.generation++;
    const old = this.data;
    const oldCap = this.cap;
    const stride = this.stride;
    this.cap = capacity;
    this.data = IntKeyTable.emptyRows(capacity, stride);
    this.dead = 0;
    const d = this.data;
    for (let s = 0; s < oldCap; s++) {
      const ob = s * stride;
      const hi = old[ob + 1];
      if (hi < 0) continue;
      const lo = old[ob];
      let i = this.home(lo, hi);
      while (d[i * stride + 1] !== EMPTY) if (++i === capacity) i = 0;
      const b = i * stride;
      for (let c = 0; c < stride; c++) d[b + c] = old[ob + c];
    }
  }
}
