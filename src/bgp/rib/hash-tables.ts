/**
 * Open-addressing hash tables over typed arrays for the per-peer RIBs (linear probing,
 * backward-shift deletion, load ≤ 0.7, power-of-two sizes):
 *
 *  - `PathIndex`: a peer's Adj-RIB-In for one family, (prefix index, path id) → path record.
 *    The keys are not stored here: they are read from the PathPool record, so an entry costs
 *    one 32-bit slot (≈ 6–11 bytes per path at the load factors used).
 *  - `PairMap`: a peer's Adj-RIB-Out for one family, (prefix index[, path id]) → attribute set
 *    id. Keys are stored (the prefix may be gone from the Loc-RIB when we withdraw it); the path
 *    id column exists only for ADD-PATH send sessions.
 */
import type { PathPool } from "./path-pool.js";
import { nextPow2 } from "./prefix-table.js";

const MAX_LOAD = 0.7;

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 13;
  return h >>> 0;
}

export class PathIndex {
  private slots: Int32Array;
  private mask: number;
  private _size = 0;

  constructor(private readonly pool: PathPool) {
    this.slots = new Int32Array(16);
    this.mask = 15;
  }

  get size(): number {
    return this._size;
  }

  /** Path record for (prefix, pathId), or -1. */
  get(prefix: number, pathId: number): number {
    const slots = this.slots;
    const mask = this.mask;
    const pp = this.pool.prefix;
    const pid = this.pool.pathId;
    let s = mix(prefix, pathId) & mask;
    for (;;) {
      const v = slots[s];
      if (v === 0) return -1;
      const rec = v - 1;
      if (pp[rec] === prefix && pid[rec] === pathId) return rec;
      s = (s + 1) & mask;
    }
  }

  /** Adds a record whose (prefix, pathId) is not in the index yet. */
  insert(rec: number): void {
    if (this._size + 1 > (this.mask + 1) * MAX_LOAD) this.rehash((this.mask + 1) * 2);
    const slots = this.slots;
    let s = this.home(rec);
    while (slots[s] !== 0) s = (s + 1) & this.mask;
    slots[s] = rec + 1;
    this._size++;
  }

  /** Removes a record (must be present; call before the record's key fields change). */
  remove(rec: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let s = this.home(rec);
    while (slots[s] !== rec + 1) s = (s + 1) & mask;
    let hole = s;
    let j = (s + 1) & mask;
    for (;;) {
      const v = slots[j];
      if (v === 0) break;
      const home = this.home(v - 1);
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        slots[hole] = v;
        hole = j;
      }
      j = (j + 1) & mask;
    }
    slots[hole] = 0;
    this._size--;
    if (this._size === 0 && this.slots.length > 16) {
      this.slots = new Int32Array(16);
      this.mask = 15;
    }
  }

  /** Every record, as a snapshot (safe to mutate the index while walking it). */
  records(): Int32Array {
    const out = new Int32Array(this._size);
    let k = 0;
    const slots = this.slots;
    for (let s = 0; s < slots.length; s++) if (slots[s] !== 0) out[k++] = slots[s] - 1;
    return out;
  }

  clear(): void {
    this.slots = new Int32Array(16);
    this.mask = 15;
    this._size = 0;
  }

  byteSize(): number {
    return this.slots.byteLength;
  }

  private home(rec: number): number {
    return mix(this.pool.prefix[rec], this.pool.pathId[rec]) & this.mask;
  }

  private rehash(count: number): void {
    const old = this.slots;
    this.slots = new Int32Array(count);
    this.mask = count - 1;
    for (let s = 0; s < old.length; s++) {
      const v = old[s];
      if (v === 0) continue;
      let t = this.home(v - 1);
      while (this.slots[t] !== 0) t = (t + 1) & this.mask;
      this.slots[t] = v;
    }
  }
}

export class PairMap {
  readonly withPathIds: boolean;
  private k1: Int32Array;
  private k2: Uint32Array | null;
  private vals: Int32Array;
  private mask: number;
  private _size = 0;

  constructor(withPathIds: boolean, capacity = 16) {
    this.withPathIds = withPathIds;
    const n = nextPow2(Math.ceil(capacity / MAX_LOAD));
    this.k1 = new Int32Array(n).fill(-1);
    this.k2 = withPathIds ? new Uint32Array(n) : null;
    this.vals = new Int32Array(n);
    this.mask = n - 1;
  }

  get size(): number {
    return this._size;
  }

  /** Value for the key, or -1. */
  get(prefix: number, pathId = 0): number {
    const s = this.find(prefix, pathId);
    return s < 0 ? -1 : this.vals[s];
  }

  /** Sets the value and returns the previous one (-1 when the key was absent). */
  set(prefix: number, pathId: number, value: number): number {
    const s = this.find(prefix, pathId);
    if (s >= 0) {
      const prev = this.vals[s];
      this.vals[s] = value;
      return prev;
    }
    if (this._size + 1 > (this.mask + 1) * MAX_LOAD) this.rehash((this.mask + 1) * 2);
    let t = this.home(prefix, pathId);
    while (this.k1[t] !== -1) t = (t + 1) & this.mask;
    this.k1[t] = prefix;
    if (this.k2 !== null) this.k2[t] = pathId;
    this.vals[t] = value;
    this._size++;
    return -1;
  }

  /** Removes the key; returns its value or -1 when absent. */
  delete(prefix: number, pathId = 0): number {
    const s = this.find(prefix, pathId);
    if (s < 0) return -1;
    const prev = this.vals[s];
    const mask = this.mask;
    const k1 = this.k1;
    const k2 = this.k2;
    let hole = s;
    let j = (s + 1) & mask;
    for (;;) {
      if (k1[j] === -1) break;
      const home = this.home(k1[j], k2 === null ? 0 : k2[j]);
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        k1[hole] = k1[j];
        if (k2 !== null) k2[hole] = k2[j];
        this.vals[hole] = this.vals[j];
        hole = j;
      }
      j = (j + 1) & mask;
    }
    k1[hole] = -1;
    this._size--;
    return prev;
  }

  /** Calls `fn` for every entry (do not mutate the map meanwhile). */
  forEach(fn: (prefix: number, pathId: number, value: number) => void): void {
    const k1 = this.k1;
    const k2 = this.k2;
    for (let s = 0; s < k1.length; s++) {
      if (k1[s] !== -1) fn(k1[s], k2 === null ? 0 : k2[s], this.vals[s]);
    }
  }

  byteSize(): number {
    return this.k1.byteLength + (this.k2?.byteLength ?? 0) + this.vals.byteLength;
  }

  private home(prefix: number, pathId: number): number {
    return mix(prefix, pathId) & this.mask;
  }

  private find(prefix: number, pathId: number): number {
    const k1 = this.k1;
    const k2 = this.k2;
    const mask = this.mask;
    let s = this.home(prefix, pathId);
    for (;;) {
      const k = k1[s];
      if (k === -1) return -1;
      if (k === prefix && (k2 === null || k2[s] === pathId)) return s;
      s = (s + 1) & mask;
    }
  }

  private rehash(count: number): void {
    const ok1 = this.k1;
    const ok2 = this.k2;
    const ov = this.vals;
    this.k1 = new Int32Array(count).fill(-1);
    this.k2 = ok2 === null ? null : new Uint32Array(count);
    this.vals = new Int32Array(count);
    this.mask = count - 1;
    for (let s = 0; s < ok1.length; s++) {
      if (ok1[s] === -1) continue;
      const pid = ok2 === null ? 0 : ok2[s];
      let t = this.home(ok1[s], pid);
      while (this.k1[t] !== -1) t = (t + 1) & this.mask;
      this.k1[t] = ok1[s];
      if (this.k2 !== null) this.k2[t] = pid;
      this.vals[t] = ov[s];
    }
  }
}
