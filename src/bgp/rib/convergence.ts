/**
 * Convergence of the RIB after start-up, and route-selection deferral after wren's own graceful
 * restart (RFC 4724 §4.1): which peers' End-of-RIB we wait for, when the deferred initial
 * advertisements start, and when `converged` is announced (the dataplane then sweeps stale kernel
 * routes).
 *
 * - Every initially configured, not shut down peer is waited for until it sent End-of-RIB for
 *   all its families, bounded by `gracefulRestart.convergenceTimeout`. Peers that come up without
 *   graceful restart promise no End-of-RIB and are not waited for.
 * - After our own restart (restart mode), initial advertisements to every peer wait for
 *   convergence — except to peers that set the R bit themselves, see `sessionUp`.
 */
import type { TimerHandle } from "../../common/clock.js";
import type { SpeakerConfig } from "../../common/contracts/speaker-config.js";
import type { RibCore } from "./core.js";
import type { PeerState } from "./peer-state.js";

export interface ConvergenceHooks {
  /** Starts the initial advertisement (table, then End-of-RIB) to `peer`. */
  startInitialDumps(peer: PeerState): void;
  /** Work was queued outside a slice: schedule one. */
  schedule(): void;
}

export class Convergence {
  private restartMode = false;
  private converged = false;
  /** Peers whose End-of-RIB is awaited; null before the first configuration. */
  private waiting: Set<string> | null = null;
  /** R-bit peers whose initial advertisement is still held back (see `sessionUp`). */
  private readonly restartingPeers = new Set<PeerState>();
  private timer: TimerHandle | null = null;
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly core: RibCore,
    private readonly hooks: ConvergenceHooks,
  ) {}

  /** Before the first configuration after our own restart (RFC 4724 §4.1). */
  startRestartMode(): void {
    this.restartMode = true;
  }

  onConverged(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Initial advertisements wait for convergence (we restarted and have not converged yet). */
  get deferring(): boolean {
    return this.restartMode && !this.converged;
  }

  /** The first configuration: the peers to wait for, and the timeout. */
  start(config: SpeakerConfig): void {
    this.waiting = new Set(config.peers.filter((p) => !p.shutdown).map((p) => p.name));
    const timeout = Math.max(0, config.gracefulRestart.convergenceTimeout);
    this.timer = this.core.clock.setTimer(timeout * 1000, () => {
      this.timer = null;
      if (this.converged) return;
      this.core.log?.info(
        { waiting: [...(this.waiting ?? [])] },
        "convergence timeout: proceeding without End-of-RIB from every peer",
      );
      this.converge();
    });
    this.check();
  }

  /**
   * A session came up while our initial advertisements are deferred (RFC 4724 §4.1).
   *
   * - No graceful restart: the peer promises no End-of-RIB, so it is not waited for.
   * - R bit set (the peer restarted too): RFC 4724 §4.1 excludes such peers from the wait so two
   *   restarting speakers never wait for each other. BIRD and FRR wait for them anyway, and so do
   *   we: FRR sets the R bit for its first restart-time seconds after bgpd starts even when it
   *   kept our routes as a helper, and declaring convergence before its End-of-RIB would send our
   *   End-of-RIB to the others (and let the dataplane sweep) with its routes still missing. The
   *   deadlock the RFC avoids is avoided differently: such a peer is fed our table and End-of-RIB
   *   without waiting for its own End-of-RIB (`feedRestartingPeers`), so a peer that waits for our
   *   End-of-RIB first (BIRD in recovery, FRR preserving forwarding state, another restarting
   *   wren) gets it. Convergence still waits for its End-of-RIB, bounded by the timeout.
   * - Otherwise the peer is waited for and fed at convergence.
   */
  sessionUp(peer: PeerState): void {
    const gr = peer.negotiated?.gracefulRestart ?? null;
    if (gr === null) {
      this.synchronised(peer);
      return;
    }
    if (gr.restarting) {
      this.restartingPeers.add(peer);
      this.feedRestartingPeers();
    }
  }

  /** A session change of `peer` is about to be processed (its R bit is not known any more). */
  sessionChange(peer: PeerState): void {
    this.restartingPeers.delete(peer);
  }

  /** A session went down: a peer we were waiting for may no longer hold R-bit peers back. */
  sessionDown(): void {
    this.feedRestartingPeers();
  }

  /** The engine is disposed: no timeout any more. */
  dispose(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** `peer` sent End-of-RIB for every family of its session. */
  synchronised(peer: PeerState): void {
    if (this.waiting?.delete(peer.name)) this.check();
  }

  /** `peer` was removed from the configuration: not waited for any more. */
  removed(peer: PeerState): void {
    this.waiting?.delete(peer.name);
    this.restartingPeers.delete(peer);
    this.check();
  }

  /**
   * Starts the initial advertisement to R-bit peers once no established peer without the R bit
   * is awaited. Peers not connected yet do not hold them back, nor do other R-bit peers: two
   * R-bit peers holding each other back (e.g. the IPv4 and IPv6 sessions to one restarting
   * speaker, fed one at a time) would be the deadlock again.
   */
  private feedRestartingPeers(): void {
    if (this.restartingPeers.size === 0 || this.converged || this.waiting === null) return;
    for (const name of this.waiting) {
      const p = this.core.byName.get(name);
      if (p === undefined) continue;
      // A session change is queued (its R bit is not known yet), or an established peer
      // without the R bit: its routes are awaited first.
      const restarting = p.negotiated?.gracefulRestart?.restarting === true;
      if (p.sessionEventsQueued > 0 || (p.up && !restarting)) return;
    }
    const peers = [...this.restartingPeers];
    this.restartingPeers.clear();
    for (const p of peers) {
      if (!p.up) continue;
      this.core.log?.info(
        { peer: p.name },
        "peer restarted too (R bit): sending our table before its End-of-RIB",
      );
      this.hooks.startInitialDumps(p);
    }
  }

  private check(): void {
    this.feedRestartingPeers();
    if (this.converged || this.waiting === null || this.waiting.size > 0) return;
    // Let the slice that got the last End-of-RIB finish first.
    queueMicrotask(() => this.converge());
  }

  private converge(): void {
    if (this.converged) return;
    this.converged = true;
    this.restartingPeers.clear();
    this.timer?.cancel();
    this.timer = null;
    this.core.log?.info({ restart: this.restartMode }, "RIB converged");
    if (this.restartMode) {
      for (const peer of this.core.byName.values()) this.hooks.startInitialDumps(peer);
      this.hooks.schedule();
    }
    for (const l of this.listeners) {
      try {
        l();
      } catch (err) {
        this.core.log?.error({ err }, "converged listener failed");
      }
    }
  }
}
