/**
 * A peer's Adj-RIB-In for one family (RFC 4271 §3.2), without a table of its own: every path the
 * peer sent is a record on its prefix's candidate list (FamilyRib), so (prefix, path id) → record
 * is a walk along that list looking for the peer's record, as BIRD looks up a channel's route in
 * a network's route list. The list holds one record per peer and path id, and the decision
 * process already walks all of it on every change, so the lookup adds no new order of cost; it
 * saves a hash table of 6–11 bytes per path and its insertions during a table load.
 *
 * The records of one peer (for walks: flush, stale marking, re-import) are found by a scan of the
 * family's path pool, once per walk.
 */
import type { PathPool } from "./path-pool.js";

/** What the Adj-RIB-In reads of its family's RIB (the arrays are replaced when they grow). */
export interface CandidateLists {
  readonly head: Int32Array;
  readonly pool: PathPool;
}

export class AdjRibIn {
  private count = 0;

  constructor(
    private readonly rib: CandidateLists,
    private readonly peerIndex: number,
  ) {}

  /** Paths of the peer in this family. */
  get size(): number {
    return this.count;
  }

  /** The peer's record for (prefix, pathId), or -1. */
  get(prefix: number, pathId: number): number {
    const pool = this.rib.pool;
    const peer = pool.peer;
    const ids = pool.pathIds;
    const next = pool.next;
    const me = this.peerIndex;
    if (ids === null) {
      if (pathId !== 0) return -1;
      for (let r = this.rib.head[prefix]; r >= 0; r = next[r]) if (peer[r] === me) return r;
      return -1;
    }
    for (let r = this.rib.head[prefix]; r >= 0; r = next[r]) {
      if (peer[r] === me && ids[r] === pathId) return r;
    }
    return -1;
  }

  /** Counts a record the RIB just linked on its prefix's candidate list. */
  insert(_rec: number): void {
    this.count++;
  }

  /** Counts a record the RIB is about to unlink. */
  remove(_rec: number): void {
    this.count--;
  }

  /** Every record of the peer in this family, as a snapshot (safe to change the RIB meanwhile). */
  records(): Int32Array {
    const out = new Int32Array(this.count);
    if (this.count === 0) return out;
    const pool = this.rib.pool;
    const prefix = pool.prefix;
    const peer = pool.peer;
    const me = this.peerIndex;
    let k = 0;
    for (let r = 0, end = pool.highWater; r < end && k < out.length; r++) {
      if (peer[r] === me && prefix[r] >= 0) out[k++] = r;
    }
    return k === out.length ? out : out.subarray(0, k);
  }

  /** Forgets the count (the records were released with the RIB). */
  clear(): void {
    this.count = 0;
  }

  byteSize(): number {
    return 0;
  }
}
