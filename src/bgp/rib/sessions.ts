/**
 * Session lifecycle as the RIB sees it: session up/down, End-of-RIB, graceful restart as helper
 * (RFC 4724 §4.2, RFC 8538), route refresh in both directions (RFC 2918, RFC 7313), RFC 7606
 * AFI/SAFI disable, max-prefix (RFC 4486), and resets requested from the session engine.
 *
 * Graceful restart, helper side:
 *   - `sessionDown` with `retainRoutes` and GR negotiated on the lost session: the paths of the
 *     families the peer preserved are marked stale and kept; the others are flushed. A restart
 *     timer (the peer's restart time, at most our configured one) purges stale paths if the
 *     session does not come back. A second loss while stale paths are held purges those first.
 *   - `sessionUp` again: families the new OPEN does not list with the F bit lose their stale
 *     paths at once; the others keep them until that family's End-of-RIB or the stale-path timer.
 *   - Paths re-announced by the new session are fresh; End-of-RIB purges the still-stale rest.
 */
import type { NegotiatedSession, NotificationData } from "../../common/contracts/bgp-engines.js";
import {
  afiSafiName,
  afiSafiNameOfFamily,
  afiSafiOfName,
  type Family,
  familyOfAfiSafiName,
} from "../../common/contracts/families.js";
import { parseIPv4 } from "../../common/ip/address.js";
import { CeaseSubcode, NotifyCode, RouteRefreshSubtype } from "../wire/constants.js";
import { contextFromNegotiated } from "../wire/context.js";
import { FAMILIES, type RibCore } from "./core.js";
import { selfNextHopsFor } from "./export.js";
import { AdjOutTable } from "./hash-tables.js";
import { clearImportCache } from "./import.js";
import type { Job, WalkOp } from "./jobs.js";
import type { PeerFamily, PeerState } from "./peer-state.js";

/** How long stale paths survive after the session is back, waiting for End-of-RIB (FRR's default). */
export const STALE_PATH_TIME = 360;

export interface LifecycleHooks {
  /** Runs `jobs` right after the job being processed, before anything queued later. */
  insertNext(peer: PeerState, jobs: Job[]): void;
  enqueue(peer: PeerState, job: Job): void;
  /** Whether initial advertisements wait for convergence (we restarted, RFC 4724 §4.1). */
  exportDeferred(): boolean;
  /** A session came up while advertisements are deferred (the engine decides when it is fed). */
  deferredSessionUp(peer: PeerState): void;
  /** A peer sent End-of-RIB for every family of its session. */
  peerSynchronised(peer: PeerState): void;
  exportWork(peer: PeerState): void;
}

export function walk(op: WalkOp, family: Family): Job {
  return { kind: "walk", op, family, records: null, pos: 0 };
}

export class SessionLifecycle {
  constructor(
    private readonly core: RibCore,
    private readonly hooks: LifecycleHooks,
  ) {}

  up(peer: PeerState, n: NegotiatedSession): void {
    const core = this.core;
    if (peer.up) {
      // A new session without a sessionDown for the old one: the old one is gone.
      core.log?.warn(
        { peer: peer.name },
        "session up while the previous session was up: treating it as lost",
      );
      this.down(peer, false, "replaced by a new session");
    }
    peer.up = true;
    peer.resetPending = false;
    peer.negotiated = n;
    peer.rxCtx = contextFromNegotiated(n, "receive");
    peer.txCtx = contextFromNegotiated(n, "send");
    peer.wire = core.store.wireCache("");
    peer.ebgp = !n.ibgp;
    peer.routerId = parseIPv4(n.remoteRouterId) ?? 0;
    peer.lastGr = n.gracefulRestart;
    peer.inFlight = 0;
    peer.maxPrefixWarned = false;
    peer.sessionSerial++;
    this.cancel(peer, "restartTimer");
    const gr = n.gracefulRestart;
    const after: Job[] = [];
    let keepStale = false;
    for (const family of FAMILIES) {
      const pf = peer.families[family];
      const name = afiSafiNameOfFamily(family);
      pf.active = n.families.includes(name);
      pf.addPathReceive = n.addPathReceive.includes(name);
      pf.addPathSend = n.addPathSend.includes(name);
      pf.adjOut = new AdjOutTable(pf.addPathSend);
      pf.outPaths = pf.addPathSend ? new Map() : null;
      pf.disabled = false;
      pf.eorReceived = false;
      pf.eorSent = false;
      pf.dump = null;
      pf.dirty.clear();
      pf.exportMemo.clear();
      pf.lastExport = null;
      clearImportCache(pf);
      pf.selfNextHops = selfNextHopsFor(peer, family);
      if (pf.stale > 0) {
        // RFC 4724 §4.2: keep stale paths only for families listed again with the F bit.
        const kept = pf.active && gr?.families.some((f) => f.family === name && f.forwarding);
        if (kept) keepStale = true;
        else after.push(walk("purgeStale", family));
      }
      if (!pf.active && pf.adjIn.size > 0) after.push(walk("flush", family));
    }
    if (keepStale && peer.staleTimer === null) {
      peer.staleTimer = core.clock.setTimer(STALE_PATH_TIME * 1000, () => {
        peer.staleTimer = null;
        this.hooks.enqueue(peer, walk("purgeStale", "ipv4"));
        this.hooks.enqueue(peer, walk("purgeStale", "ipv6"));
      });
    }
    if (after.length > 0) this.hooks.insertNext(peer, after);
    if (!this.hooks.exportDeferred()) this.startInitialDumps(peer);
    else this.hooks.deferredSessionUp(peer);
    core.log?.info({ peer: peer.name, families: n.families, ibgp: n.ibgp }, "session up");
  }

  /** Starts the initial advertisement of every active family (RFC 4271 §9.2, then End-of-RIB). */
  startInitialDumps(peer: PeerState): void {
    if (!peer.up) return;
    for (const family of FAMILIES) {
      const pf = peer.families[family];
      if (!pf.active || pf.exporting) continue;
      pf.dump = { cursor: 0, force: false, initial: true, enhanced: false };
      this.core.setExporting(pf, true);
    }
    this.hooks.exportWork(peer);
  }

  /** Re-evaluates everything advertised to `peer` (export policy or next-hop mode changed). */
  readvertise(peer: PeerState): void {
    for (const family of FAMILIES) {
      const pf = peer.families[family];
      pf.exportMemo.clear();
      pf.lastExport = null;
      if (!pf.exporting) continue;
      const initial = pf.dump?.initial === true;
      pf.dump = { cursor: 0, force: false, initial, enhanced: false };
    }
    this.hooks.exportWork(peer);
  }

  down(peer: PeerState, retainRoutes: boolean, reason: string): void {
    const core = this.core;
    if (!peer.up) return; // no session to lose (e.g. a duplicate report)
    const wasUp = true;
    peer.up = false;
    peer.resetPending = false;
    const gr = peer.lastGr;
    const jobs: Job[] = [];
    for (const family of FAMILIES) {
      const pf = peer.families[family];
      pf.active = false;
      pf.dump = null;
      pf.dirty.clear();
      pf.eorReceived = false;
      pf.eorSent = false;
      core.setExporting(pf, false);
      jobs.push(...this.releaseAdjOut(pf));
    }
    if (retainRoutes && gr !== null && wasUp) {
      const restart = Math.min(gr.restartTime, peer.config.gracefulRestartTime);
      for (const family of FAMILIES) {
        const pf = peer.families[family];
        if (pf.adjIn.size === 0) continue;
        const preserved = gr.families.some((f) => f.family === afiSafiNameOfFamily(family));
        // A second loss while stale paths are held: those go first (consecutive restarts).
        if (pf.stale > 0) jobs.push(walk("purgeStale", family));
        jobs.push(walk(preserved && restart > 0 ? "markStale" : "flush", family));
      }
      this.cancel(peer, "staleTimer");
      this.cancel(peer, "restartTimer");
      if (restart > 0) {
        peer.restartTimer = core.clock.setTimer(restart * 1000, () => {
          peer.restartTimer = null;
          if (peer.up) return;
          core.log?.info(
            { peer: peer.name },
            "graceful restart timer expired: stale routes purged",
          );
          this.hooks.enqueue(peer, walk("purgeStale", "ipv4"));
          this.hooks.enqueue(peer, walk("purgeStale", "ipv6"));
        });
      }
      core.log?.info(
        { peer: peer.name, reason, restartTime: restart },
        "session down, routes kept as stale (graceful restart)",
      );
    } else {
      this.cancel(peer, "staleTimer");
      this.cancel(peer, "restartTimer");
      for (const family of FAMILIES) {
        if (peer.families[family].adjIn.size > 0) jobs.push(walk("flush", family));
      }
      this.cancel(peer, "refreshTimer");
      if (wasUp) core.log?.info({ peer: peer.name, reason }, "session down, routes withdrawn");
    }
    this.hooks.insertNext(peer, jobs);
  }

  /** Moves the Adj-RIB-Out aside (a fresh table for the next session) and releases it in slices. */
  releaseAdjOut(pf: PeerFamily): Job[] {
    const old = pf.adjOut;
    pf.adjOut = new AdjOutTable(pf.addPathSend);
    pf.outPaths = pf.addPathSend ? new Map() : null;
    pf.advertised = 0;
    pf.exportMemo.clear();
    pf.lastExport = null;
    if (old.size === 0) return [];
    const entries = new Int32Array(old.size * 2);
    let k = 0;
    old.forEach((prefix, _pathId, value) => {
      entries[k++] = prefix;
      entries[k++] = value;
    });
    return [{ kind: "releaseOut", family: pf.family, entries, pos: 0 }];
  }

  endOfRib(peer: PeerState, family: Family): void {
    const pf = peer.families[family];
    pf.eorReceived = true;
    this.core.log?.debug({ peer: peer.name, family }, "End-of-RIB received");
    if (pf.stale > 0) this.hooks.insertNext(peer, [walk("purgeStale", family)]);
    if (FAMILIES.every((f) => !peer.families[f].active || peer.families[f].eorReceived)) {
      if (FAMILIES.every((f) => peer.families[f].stale === 0 || f === family))
        this.cancel(peer, "staleTimer");
      this.hooks.peerSynchronised(peer);
    }
  }

  /** RFC 7606 §5.2: withdraw the family's routes and ignore it until the session resets. */
  disableFamily(peer: PeerState, family: Family): void {
    const pf = peer.families[family];
    if (pf.disabled) return;
    pf.disabled = true;
    this.core.log?.warn(
      { peer: peer.name, family },
      "family disabled for this session (RFC 7606 AFI/SAFI disable)",
    );
    if (pf.adjIn.size > 0) this.hooks.insertNext(peer, [walk("flush", family)]);
  }

  reset(
    peer: PeerState,
    notification: NotificationData,
    reason: string,
    holdDownSeconds: number | null,
  ): void {
    if (peer.resetPending) return;
    peer.resetPending = true;
    this.core.log?.warn(
      { peer: peer.name, code: notification.code, subcode: notification.subcode, reason },
      "session reset requested",
    );
    this.core.emitSession({ type: "reset", peerId: peer.name, notification, holdDownSeconds });
  }

  /** Max-prefix (RFC 4486 §4): warn, or Cease "Maximum Number of Prefixes Reached" with AFI/SAFI/limit. */
  maxPrefixCheck(peer: PeerState, family: Family, pending: number): void {
    const mp = peer.config.maxPrefix;
    if (mp === null) return;
    const total = peer.families.ipv4.received + peer.families.ipv6.received + pending;
    if (total <= mp.limit) {
      peer.maxPrefixWarned = false;
      return;
    }
    if (mp.action === "warn") {
      if (!peer.maxPrefixWarned) {
        peer.maxPrefixWarned = true;
        this.core.log?.warn(
          { peer: peer.name, received: total, limit: mp.limit },
          "maximum prefix count exceeded",
        );
      }
      return;
    }
    const { afi, safi } = afiSafiOfName(afiSafiNameOfFamily(family));
    const data = new Uint8Array(7);
    const v = new DataView(data.buffer);
    v.setUint16(0, afi);
    v.setUint8(2, safi);
    v.setUint32(3, mp.limit);
    this.reset(
      peer,
      { code: NotifyCode.CEASE, subcode: CeaseSubcode.MAXIMUM_PREFIXES_REACHED, data },
      `maximum prefix count ${mp.limit} exceeded (${total})`,
      mp.restartAfter,
    );
  }

  /** An incoming ROUTE-REFRESH (RFC 2918 request, RFC 7313 BoRR/EoRR). */
  routeRefresh(peer: PeerState, afi: number, safi: number, subtype: number): void {
    const name = afiSafiName(afi, safi);
    if (name === null || !peer.up) return;
    const family = familyOfAfiSafiName(name);
    const pf = peer.families[family];
    if (!pf.active) return;
    const enhanced = peer.negotiated?.enhancedRouteRefresh === true;
    if (subtype === RouteRefreshSubtype.REQUEST) {
      // Not exporting yet (deferred) or the initial table is still being sent: that covers it.
      if (!pf.exporting || pf.dump?.initial === true) return;
      if (enhanced) {
        this.core.emitSession({
          type: "routeRefresh",
          peerId: peer.name,
          afi,
          safi,
          subtype: RouteRefreshSubtype.BEGINNING_OF_ROUTE_REFRESH,
        });
      }
      pf.dump = { cursor: 0, force: true, initial: false, enhanced };
      this.hooks.exportWork(peer);
    } else if (subtype === RouteRefreshSubtype.BEGINNING_OF_ROUTE_REFRESH && enhanced) {
      this.hooks.insertNext(peer, [walk("markRefresh", family)]);
      // RFC 7313 §4: without EoRR in time, the paths not re-announced are purged anyway.
      this.cancel(peer, "refreshTimer");
      peer.refreshTimer = this.core.clock.setTimer(STALE_PATH_TIME * 1000, () => {
        peer.refreshTimer = null;
        this.hooks.enqueue(peer, walk("purgeRefresh", family));
      });
    } else if (subtype === RouteRefreshSubtype.END_OF_ROUTE_REFRESH && enhanced) {
      this.cancel(peer, "refreshTimer");
      this.hooks.insertNext(peer, [walk("purgeRefresh", family)]);
    }
  }

  /** Asks the peer to re-send its routes (import policy changed), or re-imports locally. */
  refreshImport(peer: PeerState): void {
    for (const family of FAMILIES) clearImportCache(peer.families[family]);
    const n = peer.negotiated;
    if (peer.up && n?.routeRefresh) {
      for (const family of FAMILIES) {
        if (!peer.families[family].active) continue;
        const { afi, safi } = afiSafiOfName(afiSafiNameOfFamily(family));
        this.core.emitSession({
          type: "routeRefresh",
          peerId: peer.name,
          afi,
          safi,
          subtype: RouteRefreshSubtype.REQUEST,
        });
      }
      return;
    }
    for (const family of FAMILIES) {
      if (peer.families[family].adjIn.size > 0) this.hooks.enqueue(peer, walk("reimport", family));
    }
  }

  private cancel(peer: PeerState, which: "restartTimer" | "staleTimer" | "refreshTimer"): void {
    const t = peer[which];
    if (t !== null) {
      t.cancel();
      peer[which] = null;
    }
  }
}
