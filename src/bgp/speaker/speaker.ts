/**
 * The BGP speaker the daemon uses (`Speaker` of src/common/contracts/speaker.ts): the session
 * engine (sockets, FSMs) and the RIB engine (tables, decisions, UPDATE generation) composed
 * through the SessionToRib / RibToSession messages, each direction on its own asynchronous bus.
 *
 * Reconfiguration: the session engine applies the peer diff first (new peers start, removed ones
 * get Cease / Peer De-configured, reset-needing changes bounce only that session), then the RIB
 * gets the whole configuration (soft changes: export re-advertised, import re-evaluated).
 * Graceful restart: `restarting` puts the RIB into restart mode (RFC 4724 §4.1) and the R bit into
 * our OPENs until convergence; `stop("graceful")` detaches the RIB first (no withdrawals reach the
 * kernel) and closes sessions without NOTIFICATION so peers keep our routes; `stop("withdraw")`
 * sends Cease / Administrative Shutdown to everyone.
 */
import { type Clock, realClock } from "../../common/clock.js";
import type { RibToSession, SessionToRib } from "../../common/contracts/bgp-engines.js";
import type { BgpRouteBatch } from "../../common/contracts/dataplane.js";
import type {
  ConfigureResult,
  PeerStatus,
  ProtocolState,
  RouteQuery,
  RouteView,
  Speaker,
  SpeakerEvent,
  SpeakerStatus,
} from "../../common/contracts/speaker.js";
import type { SpeakerConfig } from "../../common/contracts/speaker-config.js";
import { familyOf } from "../../common/ip/address.js";
import {
  type Logger,
  SessionEngine,
  type SessionEngineOptions,
  silentLogger,
} from "../session/index.js";
import { CeaseSubcode, NotifyCode } from "../wire/index.js";
import { Bus } from "./bus.js";
import { defaultRibFactory, warmUpRibOnce } from "./default-rib.js";
import type { RibFactory, RibPort } from "./rib-port.js";

export interface CreateSpeakerOptions {
  readonly logger?: Logger;
  readonly clock?: Clock;
  /** We restarted gracefully (RFC 4724 §4.1). */
  readonly restarting?: boolean;
  /** The RIB engine; defaults to src/bgp/rib's RibEngine. */
  readonly rib?: RibFactory;
  /** Warm the default RIB engine's JIT up once per process, right after creation (default true;
   *  the environment variable WREN_RIB_WARMUP=0 turns it off, for benchmarks of a cold start). */
  readonly warmUp?: boolean;
  /** Session engine overrides (hostname, error back-off, random source for jitter). */
  readonly session?: Omit<SessionEngineOptions, "clock" | "logger" | "restarting">;
}

class BgpSpeaker implements Speaker {
  private readonly session: SessionEngine;
  private readonly rib: RibPort;
  private readonly toRib: Bus<SessionToRib>;
  private readonly toSession: Bus<RibToSession>;
  private readonly routeListeners: ((batch: BgpRouteBatch) => void)[] = [];
  private readonly eventListeners: ((event: SpeakerEvent) => void)[] = [];
  private config: SpeakerConfig | null = null;
  private restarting: boolean;
  private stopped = false;
  private configuring: Promise<unknown> = Promise.resolve();

  constructor(options: CreateSpeakerOptions, ribFactory: RibFactory) {
    const clock = options.clock ?? realClock;
    const logger = options.logger ?? silentLogger;
    this.restarting = options.restarting ?? false;
    this.session = new SessionEngine({
      ...options.session,
      clock,
      logger,
      restarting: this.restarting,
    });
    this.rib = ribFactory({ clock, logger });
    if (this.restarting) this.rib.startRestartMode();
    // A bug in one engine while handling a peer's message resets that peer's session (Cease /
    // Out of Resources) instead of taking the whole speaker down.
    const failed = (engine: string, m: { type: string; peerId: string }, err: unknown) => {
      const message = `${engine} failed on ${m.type} for peer ${m.peerId}: ${err instanceof Error ? err.message : String(err)}`;
      logger.error(
        { peer: m.peerId, err: err instanceof Error ? err.stack : String(err) },
        message,
      );
      this.emit({ type: "error", message });
      try {
        this.session.handle({
          type: "reset",
          peerId: m.peerId,
          notification: {
            code: NotifyCode.CEASE,
            subcode: CeaseSubcode.OUT_OF_RESOURCES,
            data: new Uint8Array(0),
          },
          holdDownSeconds: null,
        });
      } catch (resetErr) {
        logger.error({ peer: m.peerId, err: String(resetErr) }, "cannot reset the session");
      }
    };
    this.toRib = new Bus(
      (m) => this.rib.handle(m),
      (m, err) => failed("RIB", m, err),
    );
    this.toSession = new Bus(
      (m) => this.session.handle(m),
      (m, err) => failed("session engine", m, err),
    );
    this.session.onRibMessage((m) => this.toRib.post(m));
    this.rib.onSessionMessage((m) => this.toSession.post(m));
    this.rib.onKernelRoutes((batch) => {
      if (this.stopped) return;
      for (const l of this.routeListeners) l(batch);
    });
    this.rib.onConverged(() => {
      this.restarting = false;
      this.session.restartDone();
      this.emit({ type: "converged" });
    });
    this.session.onPeerState((e) =>
      this.emit({ type: "peerState", peer: e.peer, from: e.from, to: e.to, reason: e.reason }),
    );
  }

  private emit(event: SpeakerEvent): void {
    for (const l of this.eventListeners) l(event);
  }

  configure(config: SpeakerConfig): Promise<ConfigureResult> {
    // Serialise reloads: each one diffs against the result of the previous one.
    const run = this.configuring.then(async () => {
      if (this.stopped) throw new Error("speaker is stopped");
      // Listener first (port in use fails the reload), then the RIB, which validates policies
      // and originated prefixes before changing anything, then the sessions.
      await this.session.listen(config);
      this.rib.configure(config);
      const result = this.session.applyPeers(config);
      this.config = config;
      for (const name of this.session.peerConfigs().map((p) => p.name)) {
        const s = this.session.status(name);
        if (s?.disabled) this.emit({ type: "error", message: `peer ${name}: ${s.disabled}` });
      }
      return result;
    });
    this.configuring = run.catch(() => {});
    return run;
  }

  onRoutes(listener: (batch: BgpRouteBatch) => void): void {
    this.routeListeners.push(listener);
  }

  onEvent(listener: (event: SpeakerEvent) => void): void {
    this.eventListeners.push(listener);
  }

  status(): SpeakerStatus {
    const peers: PeerStatus[] = [];
    for (const p of this.session.peerConfigs()) {
      const s = this.session.status(p.name);
      if (!s) continue;
      const counters = this.rib.peerCounters(p.name);
      const state: ProtocolState =
        s.bgpState === "Established" ? "up" : p.shutdown || s.disabled ? "down" : "start";
      peers.push({
        name: p.name,
        address: p.address,
        port: p.port,
        asNumber: p.asNumber,
        localAsNumber: p.localAsNumber,
        type: p.type,
        family: familyOf(p.address) ?? "ipv4",
        state,
        bgpState: s.bgpState,
        since: s.since,
        info: s.info,
        lastError: s.lastError,
        prefixes: {
          received: counters.received,
          accepted: counters.accepted,
          advertised: counters.advertised,
        },
        messages: s.messages,
        negotiated: s.negotiated,
        staleRoutes: counters.stale,
        passive: p.passive,
        rrClient: p.rrClient,
        endOfRibReceived: s.bgpState === "Established" && this.rib.endOfRibReceived(p.name),
      });
    }
    return {
      routerId: this.config?.routerId ?? "",
      asNumber: this.config?.asNumber ?? 0,
      peers,
      gracefulRestartInProgress: this.restarting,
      locRibPrefixes: this.rib.locRibSize(),
    };
  }

  routes(query: RouteQuery): RouteView[] {
    return this.rib.routes(query);
  }

  async stop(mode: "graceful" | "withdraw"): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (mode === "graceful") {
      // Peers keep our routes (we close without NOTIFICATION) and the kernel keeps theirs: the
      // RIB must not see the sessions go down, or it would withdraw routes from the kernel.
      this.toRib.close();
    }
    await this.session.stop(mode);
    this.toRib.close();
    this.toSession.close();
  }

  /** Resolves when both buses and the RIB's queued work are drained (tests). */
  async idle(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setImmediate(r));
      await this.rib.idle();
    }
  }
}

export type { BgpSpeaker };

export function createSpeakerWith(
  options: CreateSpeakerOptions,
  ribFactory: RibFactory,
): Speaker & {
  idle(): Promise<void>;
} {
  return new BgpSpeaker(options, ribFactory);
}

/** The speaker with src/bgp/rib's RIB engine (or `options.rib`). */
export function createSpeaker(
  options: CreateSpeakerOptions = {},
): Speaker & { idle(): Promise<void> } {
  const speaker = createSpeakerWith(options, options.rib ?? defaultRibFactory);
  const warm = options.warmUp ?? process.env.WREN_RIB_WARMUP !== "0";
  if (options.rib === undefined && warm) void warmUpRibOnce(options.logger ?? silentLogger);
  return speaker;
}
