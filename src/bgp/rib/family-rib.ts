/**
 * The RIB of one address family: the prefix table, the path records, and the Loc-RIB as arrays
 * indexed by prefix index (candidate list head, best path, what the kernel was last told). IPv4
 * and IPv6 are two instances of this class; nothing here depends on the family beyond the width
 * of the prefix words.
 *
 * Every path of a prefix (accepted or not) is on the prefix's candidate list, so `wren show
 * routes --all` can show rejected paths with their reasons; the decision process skips paths
 * that are not eligible (eff < 0).
 */
import type { Family } from "../../common/contracts/families.js";
import type { AttrStore } from "./attr-store.js";
import {
  type DecisionOptions,
  DecisionProcess,
  type DecisionResult,
  type PathSource,
} from "./decision.js";
import { DirtyQueue } from "./dirty-queue.js";
import { PathFlag, PathPool } from "./path-pool.js";
import { PrefixTable } from "./prefix-table.js";

/** What a decision changed, for the fan-out to peers and the kernel. */
export const Changed = {
  NONE: 0,
  /** The best path record or its attributes changed (non-ADD-PATH peers must re-evaluate). */
  BEST: 1,
  /** Some candidate changed (ADD-PATH peers and multipath must re-evaluate). */
  PATHS: 2,
} as const;

export class FamilyRib {
  readonly family: Family;
  readonly prefixes: PrefixTable;
  readonly pool: PathPool;
  readonly decision: DecisionProcess;
  /** Head of each prefix's candidate list, -1 when empty. */
  head: Int32Array;
  /** Best path record of each prefix, -1 when none. */
  best: Int32Array;
  /** Next-hop set id last sent to the kernel for each prefix (0 = none). */
  kernelNh: Int32Array;
  /** Prefixes whose kernel route may have changed. */
  readonly kernelDirty = new DirtyQueue();
  /** Prefixes with at least one accepted path (Loc-RIB size). */
  private _routes = 0;
  private readonly result: DecisionResult = { best: -1, multipath: 0 };

  constructor(
    family: Family,
    store: AttrStore,
    sources: (PathSource | undefined)[],
    options: DecisionOptions,
  ) {
    this.family = family;
    this.prefixes = new PrefixTable(family);
    this.pool = new PathPool();
    this.decision = new DecisionProcess(this.pool, store, sources, options);
    const cap = this.prefixes.capacity;
    this.head = new Int32Array(cap).fill(-1);
    this.best = new Int32Array(cap).fill(-1);
    this.kernelNh = new Int32Array(cap);
  }

  /** Prefixes with a best path. */
  get routes(): number {
    return this._routes;
  }

  /** Index of the prefix (created when absent), keeping the per-prefix arrays in step. */
  intern(w0: number, w1: number, w2: number, w3: number, len: number): number {
    const idx = this.prefixes.intern(w0, w1, w2, w3, len);
    if (this.head.length < this.prefixes.capacity) this.grow();
    return idx;
  }

  private grow(): void {
    const cap = this.prefixes.capacity;
    const head = new Int32Array(cap).fill(-1);
    head.set(this.head);
    this.head = head;
    const best = new Int32Array(cap).fill(-1);
    best.set(this.best);
    this.best = best;
    const k = new Int32Array(cap);
    k.set(this.kernelNh);
    this.kernelNh = k;
  }

  /** A new path record on the prefix's candidate list (the prefix is referenced by it). */
  addPath(prefix: number, peer: number, pathId: number, time: number): number {
    const rec = this.pool.alloc(prefix, peer, pathId, time);
    this.pool.next[rec] = this.head[prefix];
    this.head[prefix] = rec;
    this.prefixes.ref(prefix);
    return rec;
  }

  /** Unlinks and frees a path record; returns its prefix (which may now be unreferenced). */
  unlinkPath(rec: number): number {
    const pool = this.pool;
    const prefix = pool.prefix[rec];
    let prev = -1;
    for (let r = this.head[prefix]; r >= 0; r = pool.next[r]) {
      if (r === rec) {
        if (prev < 0) this.head[prefix] = pool.next[r];
        else pool.next[prev] = pool.next[r];
        break;
      }
      prev = r;
    }
    pool.release(rec);
    return prefix;
  }

  /**
   * Re-runs the decision for `prefix`. `touched` is the record that changed (or -1): when it is or
   * was the best, attribute changes of the best path count as BEST changes.
   */
  decide(prefix: number, prevBest: number, prevBestEff: number): number {
    const r = this.result;
    this.decision.decide(this.head[prefix], r);
    const best = r.best;
    this.best[prefix] = best;
    if (prevBest < 0 && best >= 0) this._routes++;
    else if (prevBest >= 0 && best < 0) this._routes--;
    const newEff = best < 0 ? -1 : this.pool.eff[best];
    return best !== prevBest || newEff !== prevBestEff
      ? Changed.BEST | Changed.PATHS
      : Changed.PATHS;
  }

  /** Number of candidates flagged MULTIPATH for the prefix (0 when no ECMP set). */
  multipathCount(prefix: number): number {
    let n = 0;
    const pool = this.pool;
    for (let r = this.head[prefix]; r >= 0; r = pool.next[r])
      if ((pool.flags[r] & PathFlag.MULTIPATH) !== 0) n++;
    return n;
  }

  byteSize(): number {
    return (
      this.prefixes.byteSize() +
      this.pool.byteSize() +
      this.head.byteLength +
      this.best.byteLength +
      this.kernelNh.byteLength +
      this.kernelDirty.byteSize()
    );
  }
}
