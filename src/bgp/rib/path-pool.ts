/**
 * The paths of one address family as columns of typed arrays (a "struct of arrays"): one record
 * per path received from a peer (Adj-RIB-In entry) or originated locally. A record is an integer;
 * its fields live at that position in each column, 26 bytes per path in all (30 once a path
 * with an ADD-PATH identifier was received).
 *
 *   prefix   prefix index (PrefixTable)           peer     peer index (0 = locally originated)
 *   pathId   ADD-PATH identifier as received; the column exists only once a non-zero one was
 *            received (RFC 7911 sessions), all 0 before: `pathIdOf()`, `pathIds`
 *   raw      attribute set as received
 *   eff      attribute set after import policy, or -1 when not eligible / rejected
 *   next     next record of the same prefix (the prefix's candidate list), or the free list
 *   status   0 = accepted, else the `Ineligible` reason    reason  decision `Step` that ruled it out
 *   flags    STALE / REFRESH_STALE / BEST / MULTIPATH     time    seconds (clock) it last changed
 */

export const PathFlag = {
  /** Kept from a session that went down with graceful restart (RFC 4724 §4.2). */
  STALE: 1,
  /** Not yet re-sent within an enhanced route refresh (RFC 7313 §4, BoRR..EoRR). */
  REFRESH_STALE: 2,
  BEST: 4,
  MULTIPATH: 8,
} as const;

const INITIAL = 1024;

export class PathPool {
  prefix: Int32Array;
  peer: Uint16Array;
  /** ADD-PATH identifiers, null while every path's is 0 (no ADD-PATH receive session yet). */
  pathIds: Uint32Array | null = null;
  raw: Int32Array;
  eff: Int32Array;
  next: Int32Array;
  status: Uint8Array;
  reason: Uint8Array;
  flags: Uint8Array;
  time: Uint32Array;
  private freeHead = -1;
  private used = 0;
  private _live = 0;

  constructor(capacity = INITIAL) {
    const n = Math.max(16, capacity);
    this.prefix = new Int32Array(n);
    this.peer = new Uint16Array(n);
    this.raw = new Int32Array(n);
    this.eff = new Int32Array(n);
    this.next = new Int32Array(n);
    this.status = new Uint8Array(n);
    this.reason = new Uint8Array(n);
    this.flags = new Uint8Array(n);
    this.time = new Uint32Array(n);
  }

  get live(): number {
    return this._live;
  }

  get capacity(): number {
    return this.prefix.length;
  }

  /** The ADD-PATH identifier of a record (0 without ADD-PATH). */
  pathIdOf(rec: number): number {
    return this.pathIds === null ? 0 : this.pathIds[rec];
  }

  /** Records below this have been allocated at some point (scan 0..highWater, skip prefix -1). */
  get highWater(): number {
    return this.used;
  }

  alloc(prefix: number, peer: number, pathId: number, time: number): number {
    let rec = this.freeHead;
    if (rec >= 0) {
      this.freeHead = this.next[rec];
    } else {
      if (this.used === this.prefix.length) this.grow();
      rec = this.used++;
    }
    this.prefix[rec] = prefix;
    this.peer[rec] = peer;
    if (this.pathIds !== null) this.pathIds[rec] = pathId;
    else if (pathId !== 0) {
      this.pathIds = new Uint32Array(this.prefix.length);
      this.pathIds[rec] = pathId;
    }
    this.raw[rec] = -1;
    this.eff[rec] = -1;
    this.next[rec] = -1;
    this.status[rec] = 0;
    this.reason[rec] = 0;
    this.flags[rec] = 0;
    this.time[rec] = time;
    this._live++;
    return rec;
  }

  release(rec: number): void {
    this.prefix[rec] = -1;
    this.next[rec] = this.freeHead;
    this.freeHead = rec;
    this._live--;
  }

  byteSize(): number {
    return this.prefix.length * (this.pathIds === null ? 26 : 30);
  }

  private grow(): void {
    // ×1.5 keeps the slack of large tables modest.
    const n = Math.ceil(this.prefix.length * 1.5);
    const grow = <T extends Int32Array | Uint32Array | Uint16Array | Uint8Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.prefix = grow(this.prefix, (k) => new Int32Array(k));
    this.peer = grow(this.peer, (k) => new Uint16Array(k));
    if (this.pathIds !== null) this.pathIds = grow(this.pathIds, (k) => new Uint32Array(k));
    this.raw = grow(this.raw, (k) => new Int32Array(k));
    this.eff = grow(this.eff, (k) => new Int32Array(k));
    this.next = grow(this.next, (k) => new Int32Array(k));
    this.status = grow(this.status, (k) => new Uint8Array(k));
    this.reason = grow(this.reason, (k) => new Uint8Array(k));
    this.flags = grow(this.flags, (k) => new Uint8Array(k));
    this.time = grow(this.time, (k) => new Uint32Array(k));
  }
}
