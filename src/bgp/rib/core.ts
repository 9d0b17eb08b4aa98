/**
 * The RIB engine's shared state and the one place paths change: `setPath` (a path received or
 * re-imported) and `removePath`. Each change re-runs the decision for its prefix and fans the
 * result out: to the kernel queue when the best path / ECMP set may have changed, and to the
 * queue of every peer currently receiving our routes (only when the best path changed, unless
 * the peer has ADD-PATH send, which advertises every path). Peers read their queues lazily when
 * they generate UPDATEs, so a prefix that flaps between two slices is sent once.
 */

import type { Clock } from "../../common/clock.js";
import type { RibToSession } from "../../common/contracts/bgp-engines.js";
import type { BgpRouteBatch } from "../../common/contracts/dataplane.js";
import type { Family } from "../../common/contracts/families.js";
import type { PeerConfig, SpeakerConfig } from "../../common/contracts/speaker-config.js";
import { emptyPolicyRoute, PolicySet } from "../policy/index.js";
import { AttrStore } from "./attr-store.js";
import type { DecisionOptions } from "./decision.js";
import { Changed, FamilyRib } from "./family-rib.js";
import { PathFlag } from "./path-pool.js";
import type { PeerFamily, PeerState } from "./peer-state.js";

/** pino-compatible logger subset. */
export interface RibLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Why a received path is not a candidate (`PathPool.status`). */
export const Ineligible = {
  NONE: 0,
  /** Our AS appears in AS_PATH more often than allowas-in permits (RFC 4271 §9.1.2). */
  AS_LOOP: 1,
  /** ORIGINATOR_ID is our BGP identifier (RFC 4456 §8). */
  ORIGINATOR_LOOP: 2,
  /** CLUSTER_LIST contains our cluster id (RFC 4456 §8). */
  CLUSTER_LOOP: 3,
  /** The import policy rejected it. */
  POLICY: 4,
  /** No usable next hop for the family (e.g. IPv6 next hop for IPv4 without RFC 8950). */
  NEXT_HOP: 5,
} as const;

export const FAMILIES: readonly Family[] = ["ipv4", "ipv6"];

export class RibCore {
  readonly clock: Clock;
  readonly log: RibLogger | null;
  readonly store = new AttrStore();
  /** Peers by index (0 = local pseudo-peer); also the decision process's path sources. */
  readonly peers: (PeerState | undefined)[] = [];
  readonly byName = new Map<string, PeerState>();
  readonly options: DecisionOptions & {
    maxPaths: number;
    multipathRelax: boolean;
    alwaysCompareMed: boolean;
  };
  readonly ribs: Record<Family, FamilyRib>;
  /** Peer families whose queues receive Loc-RIB changes, per family. */
  readonly exporters: Record<Family, PeerFamily[]> = { ipv4: [], ipv6: [] };
  /** Scratch route for policy evaluation. */
  readonly route = emptyPolicyRoute();
  config: SpeakerConfig | null = null;
  policies = new PolicySet([]);
  routerId = 0;
  routerIdText = "0.0.0.0";
  /** Cluster ids that mark a route as looped when found in CLUSTER_LIST (RFC 4456 §8). */
  clusterIds = new Set<string>();
  /** Interface of each locally originated prefix, per family (for `interface` policy matches). */
  readonly localInterfaces: Record<Family, Map<number, string | null>> = {
    ipv4: new Map(),
    ipv6: new Map(),
  };

  /** Set by the engine: a peer got export work (its queue or dump became non-empty). */
  onExportWork: (peer: PeerState) => void = () => {};
  sessionListeners: ((m: RibToSession) => void)[] = [];
  kernelListeners: ((b: BgpRouteBatch) => void)[] = [];

  constructor(clock: Clock, log: RibLogger | null) {
    this.clock = clock;
    this.log = log;
    this.options = { maxPaths: 1, multipathRelax: false, alwaysCompareMed: false };
    this.ribs = {
      ipv4: new FamilyRib("ipv4", this.store, this.peers, this.options),
      ipv6: new FamilyRib("ipv6", this.store, this.peers, this.options),
    };
  }

  /** Seconds on the engine clock (path ages). */
  seconds(): number {
    return Math.floor(this.clock.now() / 1000) >>> 0;
  }

  /** Path time stamp for changes of the current job (set once per job by the engine). */
  now = 0;

  tick(): void {
    this.now = this.seconds();
  }

  emitSession(m: RibToSession): void {
    for (const l of this.sessionListeners) {
      try {
        l(m);
      } catch (err) {
        this.log?.error({ err, peer: m.peerId, type: m.type }, "session listener failed");
      }
    }
  }

  emitKernel(b: BgpRouteBatch): void {
    for (const l of this.kernelListeners) {
      try {
        l(b);
      } catch (err) {
        this.log?.error({ err }, "kernel listener failed");
      }
    }
  }

  /**
   * Stores (or replaces) the path (prefix, pathId) of `peer`: `raw` as received, `eff` after
   * import (-1 when not a candidate, with `status` saying why). Clears stale marks: a path sent
   * again in a new session or refresh is fresh.
   */
  setPath(
    peer: PeerState,
    pf: PeerFamily,
    prefix: number,
    pathId: number,
    raw: number,
    eff: number,
    status: number,
  ): void {
    const rib = pf.rib;
    const pool = rib.pool;
    const store = this.store;
    // A prefix without any path (e.g. just interned) cannot have one of this peer.
    let rec = rib.head[prefix] < 0 ? -1 : pf.adjIn.get(prefix, pathId);
    const prevBest = rib.best[prefix];
    const prevBestEff = prevBest < 0 ? -1 : pool.eff[prevBest];
    if (rec < 0) {
      rec = rib.addPath(prefix, peer.index, pathId, this.now);
      pf.adjIn.insert(rec);
      pf.received++;
      pool.raw[rec] = raw;
      store.ref(raw);
      pool.status[rec] = status;
      if (eff < 0) return; // not a candidate: the Loc-RIB does not change
      pool.eff[rec] = eff;
      store.ref(eff);
      pf.accepted++;
    } else {
      const flags = pool.flags[rec];
      if ((flags & PathFlag.STALE) !== 0) {
        pool.flags[rec] = flags & ~PathFlag.STALE;
        pf.stale--;
      }
      if ((flags & PathFlag.REFRESH_STALE) !== 0) {
        pool.flags[rec] &= ~PathFlag.REFRESH_STALE;
        pf.refreshStale--;
      }
      const oldEff = pool.eff[rec];
      if (pool.raw[rec] === raw && oldEff === eff && pool.status[rec] === status) return;
      if (pool.raw[rec] !== raw) {
        store.ref(raw);
        store.unref(pool.raw[rec]);
        pool.raw[rec] = raw;
      }
      pool.status[rec] = status;
      pool.time[rec] = this.now;
      if (oldEff === eff) return;
      if (eff >= 0) {
        store.ref(eff);
        if (oldEff < 0) pf.accepted++;
      }
      if (oldEff >= 0) {
        store.unref(oldEff);
        if (eff < 0) pf.accepted--;
      }
      pool.eff[rec] = eff;
    }
    this.fanOut(rib, prefix, rib.decide(prefix, prevBest, prevBestEff));
  }

  /** Removes a path record of `peer` (Adj-RIB-In and Loc-RIB). */
  removePath(pf: PeerFamily, rec: number): void {
    const rib = pf.rib;
    const pool = rib.pool;
    const store = this.store;
    const prefix = pool.prefix[rec];
    const prevBest = rib.best[prefix];
    const prevBestEff = prevBest < 0 ? -1 : pool.eff[prevBest];
    pf.adjIn.remove(rec);
    pf.received--;
    const flags = pool.flags[rec];
    if ((flags & PathFlag.STALE) !== 0) pf.stale--;
    if ((flags & PathFlag.REFRESH_STALE) !== 0) pf.refreshStale--;
    const eff = pool.eff[rec];
    store.unref(pool.raw[rec]);
    if (eff >= 0) {
      store.unref(eff);
      pf.accepted--;
    }
    rib.unlinkPath(rec);
    if (eff >= 0) this.fanOut(rib, prefix, rib.decide(prefix, prevBest, prevBestEff));
    rib.prefixes.unref(prefix);
  }

  /** Re-runs the decision of a prefix (decision options changed) and fans out the result. */
  redecide(rib: FamilyRib, prefix: number): void {
    const prevBest = rib.best[prefix];
    const prevBestEff = prevBest < 0 ? -1 : rib.pool.eff[prevBest];
    this.fanOut(rib, prefix, rib.decide(prefix, prevBest, prevBestEff));
    // The ECMP set may have shrunk with maxPaths even when the best path stayed.
    rib.kernelDirty.push(prefix);
  }

  /** Queues `prefix` for the kernel and for every exporting peer family that must look at it. */
  fanOut(rib: FamilyRib, prefix: number, changed: number): void {
    if ((changed & Changed.BEST) !== 0 || this.options.maxPaths > 1) rib.kernelDirty.push(prefix);
    const list = this.exporters[rib.family];
    const best = (changed & Changed.BEST) !== 0;
    for (let i = 0; i < list.length; i++) {
      const pf = list[i];
      // A peer whose export policy rejects everything has nothing to re-evaluate (unless it
      // still holds routes sent under an earlier policy: its re-advertisement dump withdraws
      // them, and until it has, changes are queued as usual).
      if (pf.exportsNothing && pf.adjOut.size === 0) continue;
      if (best || pf.addPathSend) this.markDirty(pf, prefix);
    }
  }

  /** Queues a prefix for one peer family (re-advertisement after a local change). */
  markDirty(pf: PeerFamily, prefix: number): void {
    const wasEmpty = pf.dirty.length === 0;
    pf.dirty.push(prefix);
    if (wasEmpty) {
      const peer = this.peerOfFamily(pf);
      if (peer !== undefined) this.onExportWork(peer);
    }
  }

  private readonly familyOwner = new Map<PeerFamily, PeerState>();

  registerPeer(peer: PeerState): void {
    this.peers[peer.index] = peer;
    this.familyOwner.set(peer.families.ipv4, peer);
    this.familyOwner.set(peer.families.ipv6, peer);
  }

  unregisterPeer(peer: PeerState): void {
    if (this.peers[peer.index] === peer) this.peers[peer.index] = undefined;
    this.familyOwner.delete(peer.families.ipv4);
    this.familyOwner.delete(peer.families.ipv6);
  }

  peerOfFamily(pf: PeerFamily): PeerState | undefined {
    return this.familyOwner.get(pf);
  }

  /** Lets `pf` receive Loc-RIB changes (or stops it). */
  setExporting(pf: PeerFamily, on: boolean): void {
    if (pf.exporting === on) return;
    pf.exporting = on;
    const list = this.exporters[pf.family];
    if (on) list.push(pf);
    else {
      const i = list.indexOf(pf);
      if (i >= 0) list.splice(i, 1);
    }
  }

  /** Our cluster id when reflecting between `from` and `to` (RFC 4456 §7). */
  clusterIdFor(from: PeerConfig, to: PeerConfig): string {
    if (to.rrClient && to.clusterId !== null) return to.clusterId;
    if (from.rrClient && from.clusterId !== null) return from.clusterId;
    return this.config?.clusterId ?? this.routerIdText;
  }

  /** Local AS numbers (node AS and per-peer local AS) for AS-path loop detection. */
  ownAsns(peer: PeerState): readonly number[] {
    const node = this.config?.asNumber ?? peer.config.localAsNumber;
    return node === peer.config.localAsNumber ? [node] : [node, peer.config.localAsNumber];
  }
}
