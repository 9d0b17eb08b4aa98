/**
 * The decision process (RFC 4271 §9.1.2) for one prefix, with multipath selection.
 *
 * RFC 4271 §9.1.2.2 describes route selection as successive *elimination* of candidates; we
 * implement exactly that, not a pairwise sort, because MED is only compared among routes from the
 * same neighbour AS and is therefore not a total order — pairwise sorting would make the result
 * depend on arrival order. Elimination over the whole candidate set does not, which the tests
 * check by inserting candidates in every order (OpenBGPD rde_decide_test style).
 *
 * Steps, in order (each keeps only the candidates best at that step):
 *   LOCAL         locally originated routes win over learned ones (FRR's weight 32768 / BIRD's
 *                 higher preference for static routes)
 *   LOCAL_PREF    highest LOCAL_PREF (absent → 100; eBGP-learned LOCAL_PREF is stripped on import)
 *   AS_PATH       shortest AS_PATH (AS_SET counts 1, confederation segments 0)
 *   ORIGIN        lowest ORIGIN (IGP < EGP < INCOMPLETE)
 *   MED           lowest MED among routes with the same neighbour AS (all routes with
 *                 `alwaysCompareMed`); absent MED counts as 0
 *   EBGP          eBGP-learned over iBGP-learned
 *   (IGP cost     not used: next hops are resolved by the kernel, every cost counts as 0)
 *   ROUTER_ID     lowest BGP identifier, ORIGINATOR_ID when present (RFC 4456 §9)
 *   CLUSTER_LIST  shortest CLUSTER_LIST (RFC 4456 §9)
 *   ADDRESS       lowest neighbour address
 *   PATH_ID       lowest ADD-PATH identifier (several paths from one neighbour, RFC 7911)
 *
 * Each eliminated candidate keeps the step that eliminated it (`pool.reason`), the explanation
 * `wren show routes --why` prints (explain.ts). Multipath (ECMP): candidates that survived up to
 * and including EBGP are equal-cost with the best; without `multipathRelax` they must also have
 * the best's neighbour AS (with it: any AS path of equal length, FRR's multipath-relax). The best
 * and up to `maxPaths − 1` of them, ordered by the remaining tie-breakers, are flagged MULTIPATH.
 */
import type { AttrStore } from "./attr-store.js";
import { PathFlag, type PathPool } from "./path-pool.js";

export const Step = {
  NONE: 0,
  LOCAL: 1,
  LOCAL_PREF: 2,
  AS_PATH: 3,
  ORIGIN: 4,
  MED: 5,
  EBGP: 6,
  ROUTER_ID: 7,
  CLUSTER_LIST: 8,
  ADDRESS: 9,
  PATH_ID: 10,
} as const;
export type StepCode = (typeof Step)[keyof typeof Step];

export const LOCAL_PEER = 0;
export const DEFAULT_LOCAL_PREF = 100;

/** What the decision process needs to know about the peer a path came from. */
export interface PathSource {
  readonly ebgp: boolean;
  /** Remote BGP identifier as uint32. */
  readonly routerId: number;
  /** Sortable form of the peer address (fixed-width hex), "" for local routes. */
  readonly addressKey: string;
}

export interface DecisionOptions {
  readonly maxPaths: number;
  readonly multipathRelax: boolean;
  readonly alwaysCompareMed: boolean;
}

export interface DecisionResult {
  /** Best path record, -1 when no candidate is eligible. */
  best: number;
  /** Records flagged MULTIPATH (best included when maxPaths > 1 and at least one other). */
  multipath: number;
}

const FLAG_MASK = ~(PathFlag.BEST | PathFlag.MULTIPATH) & 0xff;

export class DecisionProcess {
  private cand = new Int32Array(64);
  private value = new Float64Array(64);
  private keep = new Uint8Array(64);
  /** Head of the candidate list being decided. */
  private head = -1;

  constructor(
    private readonly pool: PathPool,
    private readonly store: AttrStore,
    private readonly sources: (PathSource | undefined)[],
    public options: DecisionOptions,
  ) {}

  /** Runs the decision for the candidate list starting at `head`; updates flags and reasons. */
  decide(head: number, out: DecisionResult): void {
    const pool = this.pool;
    this.head = head;
    let n = 0;
    for (let r = head; r >= 0; r = pool.next[r]) {
      pool.flags[r] &= FLAG_MASK;
      pool.reason[r] = Step.NONE;
      if (pool.eff[r] < 0) continue;
      if (n === this.cand.length) this.growScratch();
      this.cand[n++] = r;
    }
    out.multipath = 0;
    if (n === 0) {
      out.best = -1;
      return;
    }
    if (n === 1) {
      out.best = this.cand[0];
      pool.flags[out.best] |= PathFlag.BEST;
      return;
    }
    // Leaves the single survivor in cand[0]; the others have their step in pool.reason.
    this.eliminate(n);
    const best = this.cand[0];
    out.best = best;
    pool.flags[best] |= PathFlag.BEST;
    if (this.options.maxPaths > 1 && pool.peer[best] !== LOCAL_PEER) {
      out.multipath = this.selectMultipath(best);
    }
  }

  private growScratch(): void {
    const c = new Int32Array(this.cand.length * 2);
    c.set(this.cand);
    this.cand = c;
    this.value = new Float64Array(this.cand.length);
    this.keep = new Uint8Array(this.cand.length);
  }

  /** Keeps the candidates whose value is minimal; the others get `step` as their reason. */
  private keepMin(alive: number, step: StepCode): number {
    const cand = this.cand;
    const value = this.value;
    const reason = this.pool.reason;
    let min = value[0];
    for (let i = 1; i < alive; i++) if (value[i] < min) min = value[i];
    let k = 0;
    for (let i = 0; i < alive; i++) {
      if (value[i] === min) {
        cand[k] = cand[i];
        value[k] = value[i];
        k++;
      } else {
        reason[cand[i]] = step;
      }
    }
    return k;
  }

  /** Eliminates candidates cand[0..n) step by step; the survivor ends up in cand[0]. */
  private eliminate(n: number): void {
    const pool = this.pool;
    const store = this.store;
    const cand = this.cand;
    const value = this.value;
    const sources = this.sources;
    let alive = n;
    for (let i = 0; i < alive; i++) value[i] = pool.peer[cand[i]] === LOCAL_PEER ? 0 : 1;
    alive = this.keepMin(alive, Step.LOCAL);
    if (alive === 1) return;
    // LOCAL_PREF (highest wins → minimise the negation)
    for (let i = 0; i < alive; i++) {
      const lp = store.get(pool.eff[cand[i]]).localPref;
      value[i] = -(lp < 0 ? DEFAULT_LOCAL_PREF : lp);
    }
    alive = this.keepMin(alive, Step.LOCAL_PREF);
    if (alive === 1) return;
    for (let i = 0; i < alive; i++) value[i] = store.get(pool.eff[cand[i]]).asPathLength;
    alive = this.keepMin(alive, Step.AS_PATH);
    if (alive === 1) return;
    for (let i = 0; i < alive; i++) value[i] = store.get(pool.eff[cand[i]]).origin;
    alive = this.keepMin(alive, Step.ORIGIN);
    if (alive === 1) return;
    alive = this.eliminateMed(alive);
    if (alive === 1) return;
    for (let i = 0; i < alive; i++) value[i] = sources[pool.peer[cand[i]]]?.ebgp === true ? 0 : 1;
    alive = this.keepMin(alive, Step.EBGP);
    if (alive === 1) return;
    for (let i = 0; i < alive; i++) value[i] = this.routerIdOf(cand[i]);
    alive = this.keepMin(alive, Step.ROUTER_ID);
    if (alive === 1) return;
    for (let i = 0; i < alive; i++) value[i] = store.get(pool.eff[cand[i]]).clusterListLength;
    alive = this.keepMin(alive, Step.CLUSTER_LIST);
    if (alive === 1) return;
    // ADDRESS: lowest address key (strings).
    let minKey: string | null = null;
    for (let i = 0; i < alive; i++) {
      const k = sources[pool.peer[cand[i]]]?.addressKey ?? "";
      if (minKey === null || k < minKey) minKey = k;
    }
    for (let i = 0; i < alive; i++)
      value[i] = (sources[pool.peer[cand[i]]]?.addressKey ?? "") === minKey ? 0 : 1;
    alive = this.keepMin(alive, Step.ADDRESS);
    if (alive === 1) return;
    for (let i = 0; i < alive; i++) value[i] = pool.pathIdOf(cand[i]) * 65536 + pool.peer[cand[i]];
    this.keepMin(alive, Step.PATH_ID);
  }

  /** MED step: within each neighbour-AS group (or among all), keep the lowest MED. */
  private eliminateMed(alive: number): number {
    const pool = this.pool;
    const store = this.store;
    const cand = this.cand;
    const always = this.options.alwaysCompareMed;
    let k = 0;
    const keep = this.keep;
    for (let i = 0; i < alive; i++) {
      const si = store.get(pool.eff[cand[i]]);
      const mi = Math.max(si.med, 0);
      let beaten = false;
      for (let j = 0; j < alive && !beaten; j++) {
        if (j === i) continue;
        const sj = store.get(pool.eff[cand[j]]);
        if (!always && sj.neighborAs !== si.neighborAs) continue;
        const mj = Math.max(sj.med, 0);
        if (mj < mi) beaten = true;
      }
      keep[i] = beaten ? 0 : 1;
    }
    for (let i = 0; i < alive; i++) {
      if (keep[i] === 1) cand[k++] = cand[i];
      else pool.reason[cand[i]] = Step.MED;
    }
    return k;
  }

  routerIdOf(rec: number): number {
    const o = this.store.get(this.pool.eff[rec]).originatorId;
    if (o >= 0) return o;
    return this.sources[this.pool.peer[rec]]?.routerId ?? 0;
  }

  private selectMultipath(best: number): number {
    const pool = this.pool;
    const store = this.store;
    const bestAs = store.get(pool.eff[best]).neighborAs;
    const relax = this.options.multipathRelax;
    const equal: number[] = [];
    // Re-walk the list: the scratch array was compacted during elimination.
    for (let r = this.head; r >= 0; r = pool.next[r]) {
      if (r === best || pool.eff[r] < 0 || pool.peer[r] === LOCAL_PEER) continue;
      if (pool.reason[r] < Step.ROUTER_ID) continue;
      if (!relax && store.get(pool.eff[r]).neighborAs !== bestAs) continue;
      equal.push(r);
    }
    if (equal.length === 0) return 0;
    equal.sort((a, b) => this.tieBreak(a, b));
    const take = Math.min(equal.length, this.options.maxPaths - 1);
    pool.flags[best] |= PathFlag.MULTIPATH;
    for (let i = 0; i < take; i++) pool.flags[equal[i]] |= PathFlag.MULTIPATH;
    return take + 1;
  }

  /** Orders two paths by the tie-breakers after EBGP (router id, cluster list, address, path id). */
  tieBreak(a: number, b: number): number {
    const pool = this.pool;
    const store = this.store;
    const ra = this.routerIdOf(a);
    const rb = this.routerIdOf(b);
    if (ra !== rb) return ra - rb;
    const ca = store.get(pool.eff[a]).clusterListLength;
    const cb = store.get(pool.eff[b]).clusterListLength;
    if (ca !== cb) return ca - cb;
    const ka = this.sources[pool.peer[a]]?.addressKey ?? "";
    const kb = this.sources[pool.peer[b]]?.addressKey ?? "";
    if (ka !== kb) return ka < kb ? -1 : 1;
    return pool.pathIdOf(a) - pool.pathIdOf(b) || pool.peer[a] - pool.peer[b];
  }
}
