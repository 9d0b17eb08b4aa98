/**
 * A compact hash table for large key sets: non-negative integer keys below 2^53 (an IPv4 prefix as
 * `address × 64 + length`, a packed route identity, ...) map to a slot whose values live in typed
 * array columns owned by the table. Per entry the table costs 8 bytes of key plus 4 bytes per
 * int32 column and 1 byte per uint8 column, divided by the load factor (between 3/8 and 3/4) —
 * no JS object, no Map entry, nothing for the garbage collector to trace.
 *
 * Open addressing with linear probing; deleted slots become tombstones that later inserts reuse
 * and a rehash drops. Slot numbers are stable until the next `insert` (which may grow or rehash)
 * or `compact`: read the columns through `i32[c]` / `u8[c]` again after either.
 */

const EMPTY = -1;
const TOMBSTONE = -2;
const MIN_CAPACITY = 16;
const TWO_POW_32 = 4294967296;

export interface IntKeyTableOptions {
  /** Number of Int32Array value columns (zero-initialised per new entry). */
  readonly int32Columns?: number;
  /** Number of Uint8Array value columns (zero-initialised per new entry). */
  readonly uint8Columns?: number;
  /** Expected number of entries (capacity is sized for it). */
  readonly expected?: number;
}

function capacityFor(entries: number): number {
  let cap = MIN_CAPACITY;
  while (entries * 4 > cap * 3) cap *= 2;
  return cap;
}

/** 32-bit hash of an integer key below 2^53 (murmur3's finaliser over both halves). */
export function hashIntKey(key: number): number {
  const lo = key >>> 0;
  const hi = (key / TWO_POW_32) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

export class IntKeyTable {
  /** Keys by slot; negative = free (EMPTY) or deleted (TOMBSTONE). */
  keys: Float64Array;
  /** Value columns by slot. Replaced by `insert`/`compact` when the table is resized. */
  readonly i32: Int32Array[];
  readonly u8: Uint8Array[];
  private mask: number;
  private live = 0;
  private dead = 0;

  constructor(options: IntKeyTableOptions = {}) {
    const cap = capacityFor(options.expected ?? 0);
    this.keys = new Float64Array(cap).fill(EMPTY);
    this.mask = cap - 1;
    this.i32 = Array.from({ length: options.int32Columns ?? 0 }, () => new Int32Array(cap));
    this.u8 = Array.from({ length: options.uint8Columns ?? 0 }, () => new Uint8Array(cap));
  }

  /** Number of entries. */
  get size(): number {
    return this.live;
  }

  /** Number of slots (iterate slots 0 … capacity−1 and skip those where `has(slot)` is false). */
  get capacity(): number {
    return this.keys.length;
  }

  /** True when `slot` holds an entry. */
  has(slot: number): boolean {
    return this.keys[slot] >= 0;
  }

  keyAt(slot: number): number {
    return this.keys[slot];
  }

  /** The slot of `key`, or −1. */
  find(key: number): number {
    const keys = this.keys;
    const mask = this.mask;
    let i = hashIntKey(key) & mask;
    for (;;) {
      const k = keys[i];
      if (k === key) return i;
      if (k === EMPTY) return -1;
      i = (i + 1) & mask;
    }
  }

  /** The slot of `key`, created (columns zero) when absent. May resize: re-read the columns. */
  insert(key: number): number {
    if (!(key >= 0 && key <= Number.MAX_SAFE_INTEGER && Math.floor(key) === key)) {
      throw new RangeError(`IntKeyTable: key ${key} is not an integer in [0, 2^53)`);
    }
    const found = this.find(key);
    if (found >= 0) return found;
    if ((this.live + this.dead + 1) * 4 > this.keys.length * 3) {
      this.rehash(capacityFor(this.live + 1));
    }
    const keys = this.keys;
    const mask = this.mask;
    let i = hashIntKey(key) & mask;
    while (keys[i] >= 0) i = (i + 1) & mask;
    if (keys[i] === TOMBSTONE) this.dead--;
    keys[i] = key;
    for (const c of this.i32) c[i] = 0;
    for (const c of this.u8) c[i] = 0;
    this.live++;
    return i;
  }

  /** Removes the entry at `slot` (no resize: safe while iterating slots). */
  removeAt(slot: number): void {
    if (this.keys[slot] < 0) return;
    this.keys[slot] = TOMBSTONE;
    this.live--;
    this.dead++;
    if (this.live === 0) {
      // Nothing left: every slot can be free again.
      this.keys.fill(EMPTY);
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
    this.rehash(MIN_CAPACITY, true);
  }

  /**
   * Shrinks the table when it has become sparse (after mass removals) and drops tombstones.
   * Call at a point where no slot numbers are held. Returns true when it rehashed.
   */
  compact(): boolean {
    const want = capacityFor(this.live);
    if (want * 4 <= this.keys.length || this.dead * 4 > this.keys.length) {
      this.rehash(Math.max(want, MIN_CAPACITY));
      return true;
    }
    return false;
  }

  private rehash(capacity: number, empty = false): void {
    const oldKeys = this.keys;
    const oldI32 = this.i32.slice();
    const oldU8 = this.u8.slice();
    const keys = new Float64Array(capacity).fill(EMPTY);
    const mask = capacity - 1;
    for (let c = 0; c < this.i32.length; c++) this.i32[c] = new Int32Array(capacity);
    for (let c = 0; c < this.u8.length; c++) this.u8[c] = new Uint8Array(capacity);
    this.keys = keys;
    this.mask = mask;
    this.dead = 0;
    if (empty) {
      this.live = 0;
      return;
    }
    for (let s = 0; s < oldKeys.length; s++) {
      const k = oldKeys[s];
      if (k < 0) continue;
      let i = hashIntKey(k) & mask;
      while (keys[i] !== EMPTY) i = (i + 1) & mask;
      keys[i] = k;
      for (let c = 0; c < oldI32.length; c++) this.i32[c][i] = oldI32[c][s];
      for (let c = 0; c < oldU8.length; c++) this.u8[c][i] = oldU8[c][s];
    }
  }
}
