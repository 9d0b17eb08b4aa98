/**
 * Best paths for the kernel: at the end of a work slice (every slice, or every `outEvery`-th while
 * received work is queued: engine.ts) up to `kernelPerSlice` prefixes whose best path or ECMP set
 * may have changed are turned into one `BgpRouteBatch` (upserts and withdrawals). Only
 * BGP-learned routes are sent: a prefix whose best path is locally originated is withdrawn from
 * the kernel view (the dataplane owns blackholes and local routes).
 *
 * Next-hop sets ("10.0.0.2 via peer A, 10.0.0.3 via peer B") are interned with reference counts;
 * each prefix remembers the set last sent (`FamilyRib.kernelNh`), so a best-path change that keeps
 * the same next hops produces no kernel work. A prefix the kernel holds keeps a reference on its
 * prefix index, so its withdrawal can still name it. Prefixes go out as `PackedPrefix` values
 * (their bytes made only when read: most of a load's allocation otherwise).
 */
import type { BgpNexthop, BgpRoute } from "../../common/contracts/dataplane.js";
import type { Prefix } from "../../common/ip/prefix.js";
import type { AttrSet } from "./attr-set.js";
import type { RibCore } from "./core.js";
import { LOCAL_PEER } from "./decision.js";
import type { FamilyRib } from "./family-rib.js";
import { PathFlag } from "./path-pool.js";

interface NhSet {
  readonly id: number;
  readonly key: string;
  readonly nexthops: readonly BgpNexthop[];
  refs: number;
}

/** The address the kernel should route via: the global next hop, else the link-local one. */
export function kernelNextHop(set: AttrSet): string | null {
  const h = set.nextHops;
  if (h.length === 0) return null;
  if (h[0] === "::" && h.length > 1) return h[1];
  return h[0];
}

export class KernelOut {
  private readonly byKey = new Map<string, NhSet>();
  private readonly byId: (NhSet | undefined)[] = [undefined];
  private readonly freeIds: number[] = [];
  private readonly scratch: number[] = [];

  constructor(private readonly core: RibCore) {}

  /**
   * Turns up to `budget` entries of the kernel queue of `rib` into route changes appended to the
   * given arrays; returns the budget left (the rest stays queued for the next slice).
   */
  flush(rib: FamilyRib, upserts: BgpRoute[], withdrawals: Prefix[], budget: number): number {
    for (; budget > 0; budget--) {
      const p = rib.kernelDirty.shift();
      if (p < 0) break;
      if (!rib.prefixes.isLive(p)) continue;
      const want = this.desired(rib, p);
      const cur = rib.kernelNh[p];
      if (want === null ? cur === 0 : want.id === cur) continue;
      if (want !== null) {
        want.refs++;
        upserts.push({ prefix: rib.prefixes.packedAt(p), nexthops: want.nexthops });
        rib.kernelNh[p] = want.id;
        if (cur === 0) rib.prefixes.ref(p);
        else this.release(cur);
      } else {
        withdrawals.push(rib.prefixes.packedAt(p));
        rib.kernelNh[p] = 0;
        this.release(cur);
        rib.prefixes.unref(p);
      }
    }
    return budget;
  }

  private release(id: number): void {
    const s = this.byId[id]!;
    if (--s.refs === 0) {
      this.byKey.delete(s.key);
      this.byId[id] = undefined;
      this.freeIds.push(id);
    }
  }

  private desired(rib: FamilyRib, prefix: number): NhSet | null {
    const best = rib.best[prefix];
    const pool = rib.pool;
    if (best < 0 || pool.peer[best] === LOCAL_PEER) return null;
    if ((pool.flags[best] & PathFlag.MULTIPATH) === 0) {
      // Single path: cached on the attribute set per source peer.
      const set = this.core.store.get(pool.eff[best]);
      const peer = pool.peer[best];
      const cached = set.kernelNh as NhSet | null;
      if (set.kernelPeer === peer && cached !== null && this.byId[cached.id] === cached)
        return cached;
      const s = this.intern([best], rib);
      set.kernelPeer = peer;
      set.kernelNh = s;
      return s;
    }
    const recs = this.scratch;
    recs.length = 0;
    for (let r = rib.head[prefix]; r >= 0; r = pool.next[r]) {
      if ((pool.flags[r] & PathFlag.MULTIPATH) !== 0) recs.push(r);
    }
    return this.intern(recs, rib);
  }

  private intern(recs: readonly number[], rib: FamilyRib): NhSet | null {
    const pool = rib.pool;
    const hops: BgpNexthop[] = [];
    for (const r of recs) {
      const address = kernelNextHop(this.core.store.get(pool.eff[r]));
      if (address === null || hops.some((h) => h.address === address)) continue;
      hops.push({ address, peer: this.core.peers[pool.peer[r]]?.config.address ?? "" });
    }
    if (hops.length === 0) return null;
    hops.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    let key = "";
    for (const h of hops) key += `${h.address}@${h.peer},`;
    let s = this.byKey.get(key);
    if (s === undefined) {
      const id = this.freeIds.pop() ?? this.byId.length;
      s = { id, key, nexthops: Object.freeze(hops.map((h) => Object.freeze(h))), refs: 0 };
      this.byId[id] = s;
      this.byKey.set(key, s);
    }
    return s;
  }
}
