/**
 * A compact hash table for large key sets: non-negative integer keys below 2^53 (an IPv4 prefix as
 * `address × 64 + length`, a packed route identity, ...) map to a row of int32 values stored next
 * to the key. Per entry the table costs 4 × (2 + columns) bytes divided by the load factor
 * (between 1/2 and 3/4; capacity grows by half) — no JS object, no Map entry, nothing for the
 * garbage collector to trace, and one cache line touched per lookup.
 *
 * Layout: rows of key low word, key high word (negative: free −1 or deleted −2), then the value
 * columns, in segments of at most 64 KiB. Open addressing with linear probing; the home slot is
 * the hash scaled to the capacity (multiply-shift), so slots are in hash order and a resize moves
 * rows in order: each old segment, once its rows are moved, becomes a segment of the new table.
 * A table of any size therefore never allocates nor frees a large buffer: a growing table
 * would otherwise free ever larger ones, and glibc raises its mmap threshold to the size of each
 * freed one, after which every other large allocation of the process lands in the heap arena
 * and its memory is no longer given back.
 *
 * Slot numbers stay valid until the next `insert` (which may resize) or `compact`/`clear`;
 * `generation` changes whenever slots move.
 */

const EMPTY = -1;
const TOMBSTONE = -2;
const MIN_CAPACITY = 16;
const TWO_POW_32 = 4294967296;
/** Bytes a segment may take at most (below glibc's default mmap threshold of 128 KiB). */
const SEGMENT_BYTES = 64 << 10;

export interface IntKeyTableOptions {
  /** Number of int32 value columns per entry (zero for a new entry). */
  readonly columns?: number;
  /** Expected number of entries (capacity is sized for it). */
  readonly expected?: number;
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
  private readonly stride: number;
  /** Rows per segment (a power of two), and its log2. */
  private readonly segRows: number;
  private readonly shift: number;
  private readonly mask: number;
  private segs: Int32Array[];
  private cap: number;
  private live = 0;
  private dead = 0;
  /** Changes whenever slots move (resize, compact, clear): a walk over slots restarts then. */
  generation = 0;

  constructor(options: IntKeyTableOptions = {}) {
    this.stride = 2 + (options.columns ?? 0);
    let rows = 1;
    while (rows * 2 * this.stride * 4 <= SEGMENT_BYTES) rows *= 2;
    this.segRows = rows;
    this.shift = Math.log2(rows);
    this.mask = rows - 1;
    this.cap = this.capacityFor(options.expected ?? 0);
    this.segs = this.emptySegments(this.cap);
  }

  /** Smallest capacity (grown by half from the minimum) for `entries` at load ≤ 3/4; beyond one
   *  segment a whole number of segments. */
  private capacityFor(entries: number): number {
    let cap = MIN_CAPACITY;
    while (entries * 4 > cap * 3) cap = Math.ceil(cap * 1.5);
    return cap <= this.segRows ? cap : Math.ceil(cap / this.segRows) * this.segRows;
  }

  private static clearRows(seg: Int32Array, stride: number): void {
    for (let b = 1; b < seg.length; b += stride) seg[b] = EMPTY;
  }

  private emptySegments(cap: number): Int32Array[] {
    const out: Int32Array[] = [];
    for (let left = cap; left > 0; left -= this.segRows) {
      const seg = new Int32Array(Math.min(left, this.segRows) * this.stride);
      IntKeyTable.clearRows(seg, this.stride);
      out.push(seg);
    }
    return out;
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
    return this.segs[slot >>> this.shift][(slot & this.mask) * this.stride + 1] >= 0;
  }

  keyAt(slot: number): number {
    const seg = this.segs[slot >>> this.shift];
    const b = (slot & this.mask) * this.stride;
    return seg[b + 1] * TWO_POW_32 + (seg[b] >>> 0);
  }

  /** Value column `col` of the entry at `slot`. */
  get(slot: number, col: number): number {
    return this.segs[slot >>> this.shift][(slot & this.mask) * this.stride + 2 + col];
  }

  set(slot: number, col: number, value: number): void {
    this.segs[slot >>> this.shift][(slot & this.mask) * this.stride + 2 + col] = value;
  }

  private homeOf(lo: number, hi: number, cap: number): number {
    // Multiply-shift range reduction: capacity need not be a power of two, slots in hash order.
    return Math.floor((hashWords(lo, hi) * cap) / TWO_POW_32);
  }

  /** The slot of `key`, or −1. */
  find(key: number): number {
    const lo = key | 0;
    const hi = (key / TWO_POW_32) | 0;
    const stride = this.stride;
    const cap = this.cap;
    let i = this.homeOf(lo, hi, cap);
    let seg = this.segs[i >>> this.shift];
    let b = (i & this.mask) * stride;
    for (;;) {
      const h = seg[b + 1];
      if (h === hi && seg[b] === lo) return i;
      if (h === EMPTY) return -1;
      if (++i === cap) i = 0;
      if ((i & this.mask) === 0) {
        seg = this.segs[i >>> this.shift];
        b = 0;
      } else b += stride;
    }
  }

  /** The slot of `key`, created (values zero) when absent. May resize. */
  insert(key: number): number {
    if (!(key >= 0 && key <= Number.MAX_SAFE_INTEGER && Math.floor(key) === key)) {
      throw new RangeError(`IntKeyTable: key ${key} is not an integer in [0, 2^53)`);
    }
    const found = this.find(key);
    if (found >= 0) return found;
    if ((this.live + this.dead + 1) * 4 > this.cap * 3) {
      this.resize(this.capacityFor(this.live + 1));
    }
    const i = this.place(this.segs, this.cap, key | 0, (key / TWO_POW_32) | 0, null);
    this.live++;
    return i;
  }

  /**
   * Puts a key into the first free or deleted slot from its home in `segs` (capacity `cap`) and
   * returns the slot, values zero — or the values of `from` (a row of another segment) when
   * given. `need` makes missing segments on the way (during a resize).
   */
  private place(
    segs: (Int32Array | null)[],
    cap: number,
    lo: number,
    hi: number,
    from: { seg: Int32Array; at: number } | null,
    need?: (j: number) => Int32Array,
  ): number {
    const stride = this.stride;
    let i = this.homeOf(lo, hi, cap);
    for (;;) {
      const j = i >>> this.shift;
      let seg = segs[j];
      if (seg === null) {
        seg = need!(j);
        segs[j] = seg;
      }
      const b = (i & this.mask) * stride;
      const h = seg[b + 1];
      if (h < 0) {
        if (h === TOMBSTONE) this.dead--;
        seg[b] = lo;
        seg[b + 1] = hi;
        if (from === null) for (let c = 2; c < stride; c++) seg[b + c] = 0;
        else for (let c = 2; c < stride; c++) seg[b + c] = from.seg[from.at + c];
        return i;
      }
      if (++i === cap) i = 0;
    }
  }

  /** Removes the entry at `slot` (no resize: safe while iterating slots). */
  removeAt(slot: number): void {
    const seg = this.segs[slot >>> this.shift];
    const b = (slot & this.mask) * this.stride;
    if (seg[b + 1] < 0) return;
    seg[b + 1] = TOMBSTONE;
    this.live--;
    this.dead++;
    if (this.live === 0) {
      // Nothing left: every slot can be free again.
      for (const s of this.segs) IntKeyTable.clearRows(s, this.stride);
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
    this.segs = this.emptySegments(this.cap);
    this.live = 0;
    this.dead = 0;
  }

  /**
   * Shrinks the table when it has become sparse (after mass removals) and drops tombstones.
   * Call at a point where no slot numbers are held. Returns true when it resized.
   */
  compact(): boolean {
    const want = this.capacityFor(this.live);
    if (want * 3 <= this.cap || this.dead * 4 > this.cap) {
      this.resize(want);
      return true;
    }
    return false;
  }

  /**
   * Moves every entry into a table of `cap` slots. Old slots are visited in order starting after
   * a free one (no probe run crosses it), so each old segment is done with at a known point and
   * is then recycled as a segment of the new table: besides the old segments, only the growth is
   * allocated.
   */
  private resize(cap: number): void {
    this.generation++;
    const stride = this.stride;
    const old = this.segs;
    const oldCap = this.cap;
    const full = this.segRows * stride;
    const spare: Int32Array[] = [];
    const segs: (Int32Array | null)[] = new Array(Math.ceil(cap / this.segRows)).fill(null);
    const need = (j: number): Int32Array => {
      const rows = Math.min(this.segRows, cap - j * this.segRows);
      let seg = rows === this.segRows ? spare.pop() : undefined;
      seg ??= new Int32Array(rows * stride);
      IntKeyTable.clearRows(seg, stride);
      return seg;
    };
    this.dead = 0;
    let start = 0;
    while (old[start >>> this.shift][(start & this.mask) * stride + 1] !== EMPTY) start++;
    const startSeg = start >>> this.shift;
    const from = { seg: old[0], at: 0 };
    for (let k = 1; k <= oldCap; k++) {
      let s = start + k;
      if (s >= oldCap) s -= oldCap;
      const j = s >>> this.shift;
      const seg = old[j];
      const b = (s & this.mask) * stride;
      const hi = seg[b + 1];
      if (hi >= 0) {
        from.seg = seg;
        from.at = b;
        this.place(segs, cap, seg[b], hi, from, need);
      }
      // The last row of a segment (or of the table) visited: that old segment is free now,
      // unless the walk began inside it and comes back to it at the end.
      const lastOfSeg = (s & this.mask) === this.mask || s === oldCap - 1;
      if (lastOfSeg && (j !== startSeg || k === oldCap) && seg.length === full) spare.push(seg);
      else if (k === oldCap && j === startSeg && seg.length === full) spare.push(seg);
    }
    for (let j = 0; j < segs.length; j++) if (segs[j] === null) segs[j] = need(j);
    this.segs = segs as Int32Array[];
    this.cap = cap;
  }
}
