/**
 * Hash tables over typed arrays for the per-peer RIBs, on sharded open-addressing slots
 * (sharded-slots.ts: never a full rehash of a large table). (The Adj-RIB-In needs none: its
 * records are on the prefixes' candidate lists, adj-rib-in.ts.)
 *
 *  - `PairMap`: a peer's Adj-RIB-Out for one family, (prefix index[, path id]) → attribute set
 *    id. Entries live in their own columns (the prefix may be gone from the Loc-RIB when we
 *    withdraw it); the path id column exists only for ADD-PATH send sessions.
 */
import { ShardedSlots } from "./sharded-slots.js";

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 13;
  return h; // int32 (never boxed); slots use `&` and `>>>`
}

export class PairMap {
  readonly withPathIds: boolean;
  private k1: Int32Array;
  private k2: Uint32Array | null;
  private vals: Int32Array;
  private readonly slots: ShardedSlots;
  private free: number[] = [];
  private used = 0;

  constructor(withPathIds: boolean, capacity = 16) {
    this.withPathIds = withPathIds;
    const n = Math.max(16, capacity);
    this.k1 = new Int32Array(n).fill(-1);
    this.k2 = withPathIds ? new Uint32Array(n) : null;
    this.vals = new Int32Array(n);
    this.slots = new ShardedSlots((e) => mix(this.k1[e], this.k2 === null ? 0 : this.k2[e]));
  }

  get size(): number {
    return this.slots.size;
  }

  private find(prefix: number, pathId: number): number {
    const h = mix(prefix, this.k2 === null ? 0 : pathId);
    const s = this.slots.shardFor(h);
    const arr = this.slots.shards[s];
    const mask = this.slots.masks[s];
    const k1 = this.k1;
    const k2 = this.k2;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = arr[i];
      if (v === 0) return -1;
      const e = v - 1;
      if (k1[e] === prefix && (k2 === null || k2[e] === pathId)) return e;
    }
  }

  /** Value for the key, or -1. */
  get(prefix: number, pathId = 0): number {
    const e = this.find(prefix, pathId);
    return e < 0 ? -1 : this.vals[e];
  }

  /** Sets the value and returns the previous one (-1 when the key was absent). */
  set(prefix: number, pathId: number, value: number): number {
    const e = this.find(prefix, pathId);
    if (e >= 0) {
      const prev = this.vals[e];
      this.vals[e] = value;
      return prev;
    }
    const n = this.alloc();
    this.k1[n] = prefix;
    if (this.k2 !== null) this.k2[n] = pathId;
    this.vals[n] = value;
    this.slots.insert(mix(prefix, this.k2 === null ? 0 : pathId), n);
    return -1;
  }

  /** Removes the key; returns its value or -1 when absent. */
  delete(prefix: number, pathId = 0): number {
    const e = this.find(prefix, pathId);
    if (e < 0) return -1;
    const prev = this.vals[e];
    this.slots.remove(mix(prefix, this.k2 === null ? 0 : pathId), e);
    this.k1[e] = -1;
    this.free.push(e);
    return prev;
  }

  /** Calls `fn` for every entry (do not mutate the map meanwhile). */
  forEach(fn: (prefix: number, pathId: number, value: number) => void): void {
    const k1 = this.k1;
    const k2 = this.k2;
    for (let e = 0; e < this.used; e++) {
      if (k1[e] !== -1) fn(k1[e], k2 === null ? 0 : k2[e], this.vals[e]);
    }
  }

  byteSize(): number {
    return (
      this.k1.byteLength + (this.k2?.byteLength ?? 0) + this.vals.byteLength + this.slots.byteSize()
    );
  }

  private alloc(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.used === this.k1.length) this.grow();
    return this.used++;
  }

  private grow(): void {
    const n = Math.ceil(this.k1.length * 1.5);
    const k1 = new Int32Array(n).fill(-1);
    k1.set(this.k1);
    this.k1 = k1;
    if (this.k2 !== null) {
      const k2 = new Uint32Array(n);
      k2.set(this.k2);
      this.k2 = k2;
    }
    const vals = new Int32Array(n);
    vals.set(this.vals);
    this.vals = vals;
  }
}

/** The Adj-RIB-Out turns dense once it holds 1/DENSE_AT of the prefix table's capacity. */
const DENSE_AT = 16;

/**
 * A peer's Adj-RIB-Out for one family: prefix index → attribute set id. Starts as a `PairMap`
 * (~16–20 bytes per entry) and turns into a dense array indexed by prefix index (4 bytes per
 * prefix of the table) once it covers a sixteenth of the prefix table — early, because a peer
 * that gets the full table would otherwise fill a large hash table first (after a table load
 * with inbound priority, the first UPDATEs to such a peer are generated when the prefix table is
 * already full size); a peer that gets few routes (a Calico node's blocks) stays sparse. ADD-PATH
 * send tables stay sparse.
 */
export class AdjOutTable {
  readonly withPathIds: boolean;
  private sparse: PairMap | null;
  /** value + 1 per prefix index, 0 = absent. */
  private dense: Int32Array | null = null;
  private count = 0;

  constructor(withPathIds: boolean) {
    this.withPathIds = withPathIds;
    this.sparse = new PairMap(withPathIds);
  }

  get size(): number {
    return this.sparse !== null ? this.sparse.size : this.count;
  }

  get(prefix: number, pathId = 0): number {
    if (this.dense !== null) return prefix < this.dense.length ? this.dense[prefix] - 1 : -1;
    return this.sparse!.get(prefix, pathId);
  }

  /**
   * Sets the value and returns the previous one (-1 when absent). `tableCapacity` is the prefix
   * table's capacity, for sizing the dense form.
   */
  set(prefix: number, pathId: number, value: number, tableCapacity: number): number {
    if (this.dense === null) {
      const prev = this.sparse!.set(prefix, pathId, value);
      if (
        prev < 0 &&
        !this.withPathIds &&
        this.sparse!.size * DENSE_AT >= tableCapacity &&
        tableCapacity >= 4096
      ) {
        this.densify(tableCapacity);
      }
      return prev;
    }
    if (prefix >= this.dense.length) {
      const d = new Int32Array(Math.max(tableCapacity, prefix + 1));
      d.set(this.dense);
      this.dense = d;
    }
    const prev = this.dense[prefix] - 1;
    this.dense[prefix] = value + 1;
    if (prev < 0) this.count++;
    return prev;
  }

  delete(prefix: number, pathId = 0): number {
    if (this.dense === null) return this.sparse!.delete(prefix, pathId);
    if (prefix >= this.dense.length) return -1;
    const prev = this.dense[prefix] - 1;
    if (prev >= 0) {
      this.dense[prefix] = 0;
      this.count--;
    }
    return prev;
  }

  forEach(fn: (prefix: number, pathId: number, value: number) => void): void {
    if (this.sparse !== null) {
      this.sparse.forEach(fn);
      return;
    }
    const d = this.dense!;
    for (let p = 0; p < d.length; p++) if (d[p] !== 0) fn(p, 0, d[p] - 1);
  }

  byteSize(): number {
    return this.sparse !== null ? this.sparse.byteSize() : this.dense!.byteLength;
  }

  private densify(capacity: number): void {
    const d = new Int32Array(capacity);
    let n = 0;
    this.sparse!.forEach((prefix, _id, value) => {
      d[prefix] = value + 1;
      n++;
    });
    this.dense = d;
    this.count = n;
    this.sparse = null;
  }
}
