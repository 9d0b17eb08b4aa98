/**
 * The route decision engine (rib-api.md): Adj-RIB-In per peer (unfiltered), import policy,
 * Loc-RIB with the RFC 4271 §9.1 decision and ECMP, export policy, Adj-RIB-Out per peer and
 * UPDATE generation, graceful restart, route refresh, max-prefix, and the kernel view.
 *
 * It talks to the session engine only through `handle()` (SessionToRib) and the session
 * listener (RibToSession), so it could move to a worker thread. Work is done in slices of the
 * event loop (OpenBGPD's RDE runners, bounded per turn):
 *
 *     handle() ──► per-peer inbox (messages and walks, in order)
 *                    │  inbound slice: round robin over peers, ≤ IN_SLICE_MS
 *                    ▼
 *               setPath/removePath ─► decision ─► kernel queue ─► onKernelRoutes batch
 *                    │
 *                    └─► per-peer dirty queues (+ Loc-RIB dumps)
 *                           │  outbound slice: round robin over peers with flow-control credit
 *                           ▼
 *                        export + packUpdates ─► onSessionMessage("updates")
 *
 * then setImmediate for the next slice while work remains. One peer's million-prefix table thus
 * never holds the event loop for more than a few milliseconds at a time.
 */

import { type Clock, realClock } from "../../common/clock.js";
import type { RibToSession, SessionToRib } from "../../common/contracts/bgp-engines.js";
import type { BgpRoute, BgpRouteBatch } from "../../common/contracts/dataplane.js";
import type { RouteQuery, RouteView } from "../../common/contracts/speaker.js";
import type { PeerConfig, SpeakerConfig } from "../../common/contracts/speaker-config.js";
import type { Prefix } from "../../common/ip/prefix.js";
import { PolicySet } from "../policy/index.js";
import { Convergence } from "./convergence.js";
import { FAMILIES, RibCore, type RibLogger } from "./core.js";
import { LOCAL_PEER } from "./decision.js";
import { RibError } from "./errors.js";
import { processUpdate } from "./inbound.js";
import type { Job } from "./jobs.js";
import { KernelOut } from "./kernel-out.js";
import { applyOriginate, type OriginatedRoute, validateOriginate } from "./originate.js";
import { generate, hasExportWork } from "./outbound.js";
import { addressKey, PeerState } from "./peer-state.js";
import { SessionLifecycle, walk } from "./sessions.js";
import { syntheticPeer } from "./synthetic-peer.js";
import { routeViews } from "./views.js";
import { runWalk } from "./walks.js";
import { warmUpEngine } from "./warm-up.js";

export interface RibEngineOptions {
  readonly clock: Clock;
  readonly logger?: RibLogger;
  /** Tuning of the work slices (tests and benchmarks). */
  readonly limits?: Partial<RibLimits>;
}

export interface RibLimits {
  /** Time budget of inbound processing per slice (ms). */
  readonly inSliceMs: number;
  /** Time budget of UPDATE generation per slice (ms). */
  readonly outSliceMs: number;
  /** Work units (NLRI, records, prefixes) per peer turn before the next peer's turn. */
  readonly peerTurn: number;
  /** Messages handed to the session engine per peer before waiting for `writable`. */
  readonly maxInFlight: number;
  /**
   * While received work is still queued at the end of a slice, UPDATE generation runs only in
   * every `outEvery`-th slice (inbound priority: a table load completes the Loc-RIB first;
   * peers still get UPDATEs, in fewer, fuller messages). 1 = every slice.
   */
  readonly outEvery: number;
  /**
   * Prefixes turned into kernel route changes per slice at most (the dataplane's work per route
   * follows each batch on the same thread, so this bounds that slice too). Kernel batches follow
   * the same inbound priority as UPDATE generation: while received work is queued they are made
   * every `outEvery`-th slice only, so a table load reaches the Loc-RIB first and the kernel
   * right after, and a steady inbound stream cannot starve the kernel.
   */
  readonly kernelPerSlice: number;
}

const DEFAULT_LIMITS: RibLimits = {
  inSliceMs: 4,
  outSliceMs: 3,
  peerTurn: 1024,
  maxInFlight: 256,
  outEvery: 8,
  kernelPerSlice: 8192,
};

/** The pseudo-peer that owns locally originated routes (no session, exports nothing). */
const LOCAL_PEER_CONFIG: PeerConfig = syntheticPeer("(local)", "0.0.0.0", 0, {
  port: 0,
  localAsNumber: 0,
  families: ["ipv4", "ipv6"],
  passive: true,
  gracefulRestartTime: 0,
  holdTime: 0,
  keepaliveTime: 0,
  connectRetryTime: 0,
  exportPolicy: [],
  description: "locally originated routes",
});

export class RibEngine {
  private readonly core: RibCore;
  private readonly lifecycle: SessionLifecycle;
  private readonly kernel: KernelOut;
  private readonly limits: RibLimits;
  private readonly local: PeerState;
  private readonly freeIndexes: number[] = [];
  private nextIndex = 1;
  private readonly inQueue: PeerState[] = [];
  private readonly inQueued = new Set<PeerState>();
  private readonly outQueue: PeerState[] = [];
  private readonly outQueued = new Set<PeerState>();
  private scheduled = false;
  /** Slices since UPDATE generation last ran while inbound work was pending. */
  private outDeferred = 0;
  private disposed = false;
  private idleWaiters: (() => void)[] = [];
  private originate: OriginatedRoute[] = [];
  /** Convergence (RFC 4724 §4.1 and the dataplane's stale-route sweep). */
  private readonly convergence: Convergence;

  constructor(options: RibEngineOptions) {
    this.core = new RibCore(options.clock, options.logger ?? null);
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.kernel = new KernelOut(this.core);
    this.core.onExportWork = (peer) => this.queueOut(peer);
    this.lifecycle = new SessionLifecycle(this.core, {
      insertNext: (peer, jobs) => {
        if (jobs.length > 0) peer.inbox.splice(peer.inboxHead + 1, 0, ...jobs);
      },
      enqueue: (peer, job) => this.enqueue(peer, job),
      exportDeferred: () => this.convergence.deferring,
      deferredSessionUp: (peer) => this.convergence.sessionUp(peer),
      peerSynchronised: (peer) => this.convergence.synchronised(peer),
      exportWork: (peer) => this.queueOut(peer),
    });
    this.convergence = new Convergence(this.core, {
      startInitialDumps: (peer) => this.lifecycle.startInitialDumps(peer),
      schedule: () => this.schedule(),
    });
    const policies = new PolicySet([]);
    this.local = new PeerState(
      LOCAL_PEER,
      LOCAL_PEER_CONFIG,
      { importChain: policies.chain([], "import"), exportChain: policies.chain([], "export") },
      this.core.ribs,
    );
    this.local.up = true;
    this.local.families.ipv4.active = true;
    this.local.families.ipv6.active = true;
    this.core.registerPeer(this.local);
  }

  /**
   * Warms V8's JIT with synthetic table loads through throwaway engines (warm-up.ts), so the
   * first real table load runs compiled code. Call once at daemon start-up; takes a few hundred
   * milliseconds of CPU.
   */
  static async warmUp(options: { prefixes?: number; rounds?: number } = {}): Promise<void> {
    await warmUpEngine(() => new RibEngine({ clock: realClock }), options.prefixes, options.rounds);
  }

  // ---------------------------------------------------------------------------------------------
  // Configuration.

  /**
   * Applies a whole configuration (again on every reload). Everything is validated first: an
   * invalid policy or originated prefix throws (PolicyError / RibError) and nothing changes.
   */
  configure(config: SpeakerConfig): void {
    const core = this.core;
    const policies = new PolicySet(config.policies);
    const names = new Set<string>();
    const chains = new Map<
      string,
      { importChain: PeerState["importChain"]; exportChain: PeerState["exportChain"] }
    >();
    for (const p of config.peers) {
      if (names.has(p.name))
        throw new RibError("ERR_RIB_DUPLICATE_PEER", `peer name "${p.name}" is used twice`);
      names.add(p.name);
      chains.set(p.name, {
        importChain: policies.chain(p.importPolicy, "import", `peer ${p.name}`),
        exportChain: policies.chain(p.exportPolicy, "export", `peer ${p.name}`),
      });
    }
    const originate = validateOriginate(config.originate);
    const routerId = addressValue(config.routerId);
    if (!Number.isInteger(config.maxPaths) || config.maxPaths < 1) {
      throw new RibError(
        "ERR_RIB_BAD_CONFIG",
        `maxPaths must be an integer ≥ 1, got ${config.maxPaths}`,
      );
    }

    const added = config.peers.filter((p) => !core.byName.has(p.name)).length;
    if (this.nextIndex + Math.max(0, added - this.freeIndexes.length) > 0x10000) {
      throw new RibError("ERR_RIB_TOO_MANY_PEERS", "more than 65535 peers");
    }

    const prev = core.config;
    const first = prev === null;
    core.config = config;
    core.policies = policies;
    core.routerIdText = config.routerId;
    core.routerId = routerId;
    const clusterIds = new Set<string>();
    if (config.clusterId !== null) clusterIds.add(config.clusterId);
    for (const p of config.peers) {
      if (!p.rrClient) continue;
      clusterIds.add(p.clusterId ?? config.clusterId ?? config.routerId);
    }
    const identityChanged =
      prev !== null &&
      (prev.routerId !== config.routerId ||
        prev.asNumber !== config.asNumber ||
        [...clusterIds].sort().join() !== [...core.clusterIds].sort().join());
    core.clusterIds = clusterIds;
    const o = core.options;
    const decisionChanged =
      o.maxPaths !== config.maxPaths ||
      o.multipathRelax !== config.multipathRelax ||
      o.alwaysCompareMed !== config.alwaysCompareMed;
    o.maxPaths = config.maxPaths;
    o.multipathRelax = config.multipathRelax;
    o.alwaysCompareMed = config.alwaysCompareMed;
    this.local.config = {
      ...LOCAL_PEER_CONFIG,
      asNumber: config.asNumber,
      localAsNumber: config.asNumber,
    };
    this.local.routerId = core.routerId;

    // Peers: added, changed (soft), removed.
    for (const pc of config.peers) {
      const c = chains.get(pc.name)!;
      const existing = core.byName.get(pc.name);
      if (existing === undefined) {
        const index = this.freeIndexes.pop() ?? this.nextIndex++;
        const peer = new PeerState(index, pc, c, core.ribs);
        core.registerPeer(peer);
        core.byName.set(pc.name, peer);
        continue;
      }
      const importChanged =
        existing.importChain.signature !== c.importChain.signature ||
        existing.config.allowasIn !== pc.allowasIn;
      const exportChanged =
        existing.exportChain.signature !== c.exportChain.signature ||
        existing.config.nextHop !== pc.nextHop ||
        existing.config.rrClient !== pc.rrClient ||
        existing.config.clusterId !== pc.clusterId;
      const allowasOnly = existing.importChain.signature === c.importChain.signature;
      const maxPrefixChanged =
        JSON.stringify(existing.config.maxPrefix) !== JSON.stringify(pc.maxPrefix);
      existing.config = pc;
      existing.importChain = c.importChain;
      existing.exportChain = c.exportChain;
      if (!existing.up) {
        existing.ebgp = pc.asNumber !== pc.localAsNumber;
        existing.addressKey = addressKey(pc.address);
      }
      if (importChanged && !identityChanged) {
        if (allowasOnly) this.reimport(existing);
        else this.lifecycle.refreshImport(existing);
      }
      if (exportChanged && !identityChanged) this.lifecycle.readvertise(existing);
      // A lowered limit applies at once (as FRR re-checks maximum-prefix on configuration).
      if (maxPrefixChanged && existing.up)
        this.lifecycle.maxPrefixCheck(
          existing,
          existing.families.ipv6.received > existing.families.ipv4.received ? "ipv6" : "ipv4",
          0,
        );
    }
    for (const peer of [...core.byName.values()]) if (!names.has(peer.name)) this.removePeer(peer);

    if (identityChanged) {
      for (const peer of core.byName.values()) {
        this.reimport(peer);
        this.lifecycle.readvertise(peer);
      }
    }
    if (decisionChanged && !first) {
      for (const family of FAMILIES)
        this.enqueue(this.local, { kind: "redecide", family, cursor: 0 });
    }
    if (first || JSON.stringify(prev.originate) !== JSON.stringify(config.originate)) {
      this.originate = originate;
      this.enqueue(this.local, { kind: "originate" });
    }
    if (first) this.convergence.start(config);
    this.schedule();
  }

  private reimport(peer: PeerState): void {
    for (const family of FAMILIES) {
      const pf = peer.families[family];
      if (pf.adjIn.size > 0) this.enqueue(peer, walk("reimport", family));
    }
  }

  private removePeer(peer: PeerState): void {
    const core = this.core;
    core.byName.delete(peer.name);
    peer.removed = true;
    peer.up = false;
    peer.cancelTimers();
    for (const family of FAMILIES) {
      const pf = peer.families[family];
      pf.active = false;
      pf.dump = null;
      pf.dirty.clear();
      core.setExporting(pf, false);
      for (const j of this.lifecycle.releaseAdjOut(pf)) this.enqueue(peer, j);
      if (pf.adjIn.size > 0) this.enqueue(peer, walk("flush", family));
    }
    this.enqueue(peer, { kind: "free" });
    this.convergence.removed(peer);
  }

  // ---------------------------------------------------------------------------------------------
  // Messages from the session engine.

  handle(message: SessionToRib): void {
    const peer = this.core.byName.get(message.peerId);
    if (peer === undefined) {
      this.core.log?.debug(
        { peer: message.peerId, type: message.type },
        "message for an unknown peer ignored",
      );
      return;
    }
    switch (message.type) {
      case "writable":
        peer.inFlight = 0;
        this.queueOut(peer);
        return;
      case "sessionUp":
        peer.sessionEventsQueued++;
        this.enqueue(peer, { kind: "up", negotiated: message.negotiated });
        return;
      case "sessionDown":
        peer.sessionEventsQueued++;
        this.enqueue(peer, {
          kind: "down",
          retainRoutes: message.retainRoutes,
          reason: message.reason,
        });
        return;
      case "update":
        if (peer.resetPending) return;
        this.enqueue(peer, { kind: "update", body: message.body });
        return;
      case "routeRefresh":
        this.enqueue(peer, {
          kind: "refresh",
          afi: message.afi,
          safi: message.safi,
          subtype: message.subtype,
        });
        return;
    }
  }

  onSessionMessage(listener: (message: RibToSession) => void): void {
    this.core.sessionListeners.push(listener);
  }

  onKernelRoutes(listener: (batch: BgpRouteBatch) => void): void {
    this.core.kernelListeners.push(listener);
  }

  // ---------------------------------------------------------------------------------------------
  // Graceful restart of wren itself and convergence.

  /** Call before the first configure() after our own restart (RFC 4724 §4.1). */
  startRestartMode(): void {
    this.convergence.startRestartMode();
  }

  onConverged(listener: () => void): void {
    this.convergence.onConverged(listener);
  }

  /** True while initial advertisements wait for peers' End-of-RIB after our restart. */
  restartInProgress(): boolean {
    return this.convergence.deferring;
  }

  // ---------------------------------------------------------------------------------------------
  // Queries.

  /**
   * The peer's current session sent End-of-RIB (RFC 4724 §2) for every negotiated family. False
   * while the session is down and from the moment a session change is reported until the new
   * session's End-of-RIBs are processed.
   */
  endOfRibReceived(peerId: string): boolean {
    const peer = this.core.byName.get(peerId);
    if (peer === undefined || !peer.up || peer.sessionEventsQueued > 0) return false;
    return FAMILIES.every((f) => !peer.families[f].active || peer.families[f].eorReceived);
  }

  peerCounters(peerId: string): {
    received: number;
    accepted: number;
    advertised: number;
    stale: number;
  } {
    const peer = this.core.byName.get(peerId);
    return peer === undefined
      ? { received: 0, accepted: 0, advertised: 0, stale: 0 }
      : peer.counts();
  }

  routes(query: RouteQuery): RouteView[] {
    return routeViews(this.core, query);
  }

  locRibSize(): { ipv4: number; ipv6: number } {
    return { ipv4: this.core.ribs.ipv4.routes, ipv6: this.core.ribs.ipv6.routes };
  }

  /** Resolves when no work is queued (peers waiting for `writable` do not count). */
  idle(): Promise<void> {
    if (!this.hasRunnableWork() && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Bytes held by the RIB's typed arrays (not the attribute objects), for status and benchmarks. */
  tableBytes(): number {
    let n = this.core.ribs.ipv4.byteSize() + this.core.ribs.ipv6.byteSize();
    for (const p of this.core.peers) {
      if (p === undefined) continue;
      for (const f of FAMILIES)
        n +=
          p.families[f].adjIn.byteSize() +
          p.families[f].adjOut.byteSize() +
          p.families[f].dirty.byteSize();
    }
    return n;
  }

  /** Interned attribute sets currently stored. */
  attributeSets(): number {
    return this.core.store.size;
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduling.

  private enqueue(peer: PeerState, job: Job): void {
    peer.push(job);
    if (!this.inQueued.has(peer)) {
      this.inQueued.add(peer);
      this.inQueue.push(peer);
    }
    this.schedule();
  }

  private queueOut(peer: PeerState): void {
    if (!this.outQueued.has(peer)) {
      this.outQueued.add(peer);
      this.outQueue.push(peer);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.disposed) return;
    this.scheduled = true;
    setImmediate(() => this.runSlice());
  }

  private hasRunnableWork(): boolean {
    if (this.inQueue.length > 0) return true;
    if (this.core.ribs.ipv4.kernelDirty.length > 0 || this.core.ribs.ipv6.kernelDirty.length > 0)
      return true;
    for (const p of this.outQueue)
      if (p.inFlight < this.limits.maxInFlight && p.up && hasExportWork(p)) return true;
    return false;
  }

  /**
   * Stops the engine for good: timers cancelled, queued work dropped, no further slices. For
   * throwaway engines (the JIT warm-up), whose timers would otherwise keep them alive.
   */
  dispose(): void {
    this.disposed = true;
    this.convergence.dispose();
    for (const peer of this.core.peers) peer?.cancelTimers();
    this.inQueue.length = 0;
    this.inQueued.clear();
    this.outQueue.length = 0;
    this.outQueued.clear();
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private runSlice(): void {
    this.scheduled = false;
    if (this.disposed) return;
    try {
      this.runInbound();
      // Inbound priority: while received messages are still queued, UPDATE generation and the
      // kernel batch get every `outEvery`-th slice only, so a table load reaches the Loc-RIB
      // sooner (the dataplane's per-route work runs on this thread after each kernel batch);
      // both run every slice again as soon as the inboxes are empty (the sockets have nothing
      // more for us). A kernel batch is at most `kernelPerSlice` prefixes, so no slice is long.
      if (this.inQueue.length === 0 || ++this.outDeferred >= this.limits.outEvery) {
        this.outDeferred = 0;
        this.runOutbound();
        this.flushKernel();
      }
      this.core.store.sweep();
    } catch (err) {
      this.core.log?.error({ err }, "RIB work slice failed");
    }
    if (this.hasRunnableWork()) this.schedule();
    else {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private runInbound(): void {
    const deadline = performance.now() + this.limits.inSliceMs;
    while (this.inQueue.length > 0) {
      const peer = this.inQueue.shift()!;
      let turn = 0;
      let late = false;
      while (peer.hasWork && turn < this.limits.peerTurn) {
        const r = this.runJob(peer, this.limits.peerTurn - turn);
        turn += Math.max(1, r.units);
        if (r.done) peer.shift();
        late = performance.now() >= deadline;
        if (late) break;
      }
      if (peer.hasWork) this.inQueue.push(peer);
      else this.inQueued.delete(peer);
      if (late) break;
    }
  }

  private runOutbound(): void {
    const deadline =
      performance.now() +
      (this.inQueue.length > 0 ? this.limits.outSliceMs : this.limits.outSliceMs * 2);
    let n = this.outQueue.length;
    while (n-- > 0) {
      const peer = this.outQueue.shift()!;
      if (!peer.up || !hasExportWork(peer)) {
        this.outQueued.delete(peer);
        continue;
      }
      if (peer.inFlight >= this.limits.maxInFlight) {
        // Waits for `writable`; stays queued.
        this.outQueue.push(peer);
        continue;
      }
      const r = generate(this.core, peer, this.limits.peerTurn);
      peer.inFlight += r.messages;
      this.outQueue.push(peer);
      if (performance.now() >= deadline) break;
    }
  }

  private flushKernel(): void {
    const upserts: BgpRoute[] = [];
    const withdrawals: Prefix[] = [];
    let budget = this.limits.kernelPerSlice;
    for (const family of FAMILIES)
      budget = this.kernel.flush(this.core.ribs[family], upserts, withdrawals, budget);
    if (upserts.length > 0 || withdrawals.length > 0)
      this.core.emitKernel({ upserts, withdrawals });
  }

  private runJob(peer: PeerState, budget: number): { units: number; done: boolean } {
    const job = peer.peek()!;
    const core = this.core;
    core.tick();
    switch (job.kind) {
      case "up":
        peer.sessionEventsQueued--;
        this.convergence.sessionChange(peer);
        this.lifecycle.up(peer, job.negotiated);
        return { units: 1, done: true };
      case "down":
        peer.sessionEventsQueued--;
        this.convergence.sessionChange(peer);
        this.lifecycle.down(peer, job.retainRoutes, job.reason);
        this.convergence.sessionDown();
        return { units: 1, done: true };
      case "update":
        return { units: processUpdate(core, this.lifecycle, peer, job.body), done: true };
      case "refresh":
        this.lifecycle.routeRefresh(peer, job.afi, job.safi, job.subtype);
        return { units: 1, done: true };
      case "walk":
        return runWalk(core, peer, job, budget);
      case "releaseOut": {
        const rib = core.ribs[job.family];
        let units = 0;
        const e = job.entries;
        while (job.pos < e.length && units < budget) {
          core.store.unref(e[job.pos + 1]);
          rib.prefixes.unref(e[job.pos]);
          job.pos += 2;
          units++;
        }
        return { units, done: job.pos >= e.length };
      }
      case "free":
        core.unregisterPeer(peer);
        if (peer.index !== LOCAL_PEER) this.freeIndexes.push(peer.index);
        this.inQueued.delete(peer);
        return { units: 1, done: true };
      case "originate":
        applyOriginate(core, this.local, this.originate);
        return { units: this.originate.length + 1, done: true };
      case "redecide": {
        const rib = core.ribs[job.family];
        let units = 0;
        while (job.cursor < rib.prefixes.highWater && units < budget) {
          const p = job.cursor++;
          if (rib.prefixes.isLive(p) && rib.head[p] >= 0) core.redecide(rib, p);
          units++;
        }
        return { units, done: job.cursor >= rib.prefixes.highWater };
      }
    }
  }
}

function addressValue(text: string): number {
  const parts = text.split(".").map(Number);
  if (parts.length !== 4 || parts.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) {
    throw new RibError(
      "ERR_RIB_BAD_CONFIG",
      `routerId "${text}" is not a dotted-quad IPv4 address`,
    );
  }
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}
