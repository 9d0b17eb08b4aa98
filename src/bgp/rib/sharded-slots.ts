/**
 * Open-addressing slot arrays (linear probing, backward-shift deletion, load ≤ 0.7) split into
 * shards once they are large, so growing never rehashes a million entries in one go: a table
 * starts as one shard; past 32768 entries it is split into 64 shards by the top six bits of the
 * hash, and from then on each shard doubles on its own (a 1M-entry table rehashes ~16k entries at
 * a time, about a millisecond). Slots hold `handle + 1` (0 = empty); what a handle means (prefix
 * index, path record, Adj-RIB-Out entry) and how its hash is computed belongs to the owner, which
 * passes `hashOf` for rehashing and deletion and does its own key comparisons in lookups:
 *
 *     const s = slots.shardFor(h); const arr = slots.shards[s]; const mask = slots.masks[s];
 *     for (let i = h & mask; arr[i] !== 0; i = (i + 1) & mask) if (matches(arr[i] - 1)) ...
 */

const MAX_LOAD = 0.7;
const SPLIT_AT = 1 << 15;
const SHARD_BITS = 6;

export class ShardedSlots {
  /** Slot arrays, one per shard. */
  shards: Int32Array[];
  /** Slot mask (length − 1) per shard. */
  masks: number[];
  private sizes: number[];
  /** 32 − shard bits, or 32 with a single shard (see shardFor). */
  private shift = 32;
  private total = 0;

  constructor(private readonly hashOf: (handle: number) => number) {
    this.shards = [new Int32Array(16)];
    this.masks = [15];
    this.sizes = [0];
  }

  get size(): number {
    return this.total;
  }

  /** Shard of a hash. */
  shardFor(h: number): number {
    return this.shift === 32 ? 0 : h >>> this.shift;
  }

  /**
   * Adds a handle at slot `i` of shard `s`, an empty slot the caller found probing for `h` —
   * unless the shard must grow first (then it is placed by `insert`).
   */
  insertAt(h: number, s: number, i: number, handle: number): void {
    if (this.sizes[s] + 1 > (this.masks[s] + 1) * MAX_LOAD) {
      this.insert(h, handle);
      return;
    }
    this.shards[s][i] = handle + 1;
    this.sizes[s]++;
    this.total++;
  }

  /** Adds a handle that is not in the table yet. */
  insert(h: number, handle: number): void {
    let s = this.shardFor(h);
    if (this.sizes[s] + 1 > (this.masks[s] + 1) * MAX_LOAD) {
      if (this.shift === 32 && this.total >= SPLIT_AT) {
        this.split();
        s = this.shardFor(h);
      }
      if (this.sizes[s] + 1 > (this.masks[s] + 1) * MAX_LOAD) this.grow(s);
    }
    const arr = this.shards[s];
    const mask = this.masks[s];
    let i = h & mask;
    while (arr[i] !== 0) i = (i + 1) & mask;
    arr[i] = handle + 1;
    this.sizes[s]++;
    this.total++;
  }

  /** Removes a handle (must be present; its hash must still be computable by `hashOf`). */
  remove(h: number, handle: number): void {
    const s = this.shardFor(h);
    const arr = this.shards[s];
    const mask = this.masks[s];
    let i = h & mask;
    while (arr[i] !== handle + 1) i = (i + 1) & mask;
    // Backward-shift deletion keeps probe sequences intact without tombstones.
    let hole = i;
    let j = (i + 1) & mask;
    for (;;) {
      const v = arr[j];
      if (v === 0) break;
      const home = this.hashOf(v - 1) & mask;
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        arr[hole] = v;
        hole = j;
      }
      j = (j + 1) & mask;
    }
    arr[hole] = 0;
    this.sizes[s]--;
    this.total--;
    if (this.total === 0) this.clear();
  }

  /** Every handle (a snapshot). */
  handles(): Int32Array {
    const out = new Int32Array(this.total);
    let k = 0;
    for (const arr of this.shards)
      for (let i = 0; i < arr.length; i++) if (arr[i] !== 0) out[k++] = arr[i] - 1;
    return out;
  }

  clear(): void {
    this.shards = [new Int32Array(16)];
    this.masks = [15];
    this.sizes = [0];
    this.shift = 32;
    this.total = 0;
  }

  byteSize(): number {
    let n = 0;
    for (const a of this.shards) n += a.byteLength;
    return n;
  }

  private place(arr: Int32Array, mask: number, handle: number): void {
    let i = this.hashOf(handle) & mask;
    while (arr[i] !== 0) i = (i + 1) & mask;
    arr[i] = handle + 1;
  }

  private grow(s: number): void {
    const old = this.shards[s];
    const n = old.length * 2;
    const arr = new Int32Array(n);
    const mask = n - 1;
    for (let i = 0; i < old.length; i++) if (old[i] !== 0) this.place(arr, mask, old[i] - 1);
    this.shards[s] = arr;
    this.masks[s] = mask;
  }

  private split(): void {
    const old = this.shards[0];
    const count = 1 << SHARD_BITS;
    // Room for 4× the current entries: a table that reached the split is usually being loaded
    // (a full feed), and every shard would otherwise grow once more at ~3× (100k prefixes).
    const per = Math.max(16, nextPow2(Math.ceil((this.total * 4) / count / MAX_LOAD)));
    this.shift = 32 - SHARD_BITS;
    this.shards = Array.from({ length: count }, () => new Int32Array(per));
    this.masks = new Array(count).fill(per - 1);
    this.sizes = new Array(count).fill(0);
    for (let i = 0; i < old.length; i++) {
      const v = old[i];
      if (v === 0) continue;
      const h = this.hashOf(v - 1);
      const s = h >>> this.shift;
      this.place(this.shards[s], per - 1, v - 1);
      this.sizes[s]++;
    }
  }
}

export function nextPow2(n: number): number {
  let p = 16;
  while (p < n) p *= 2;
  return p;
}
