/**
 * The session engine (OpenBGPD's SE): owns the listener and one PeerSession per configured peer,
 * applies configuration changes peer by peer, routes incoming connections to their peer (unknown
 * addresses get Cease / Connection Rejected, RFC 4486, and are logged), and exchanges the
 * SessionToRib / RibToSession messages of src/common/contracts/bgp-engines.ts with the RIB.
 *
 * Configuration changes touch only the peers concerned: new peers start; removed peers get Cease
 * / Peer De-configured (RFC 4486 subcode 3); peers with `shutdown` get Cease / Administrative
 * Shutdown with an RFC 9003 shutdown communication (RFC 9003 defines the communication only for
 * subcodes 2 and 4, so de-configured peers get none); peers whose session-relevant fields changed
 * (`peerNeedsReset`) are bounced with Cease / Other Configuration Change; other changes are soft.
 */
import type net from "node:net";
import { hostname as osHostname } from "node:os";
import { type Clock, realClock } from "../../common/clock.js";
import type { RibToSession, SessionToRib } from "../../common/contracts/bgp-engines.js";
import type { BgpState, ConfigureResult } from "../../common/contracts/speaker.js";
import {
  type PeerConfig,
  peerNeedsReset,
  type SpeakerConfig,
} from "../../common/contracts/speaker-config.js";
import { errorMessage } from "../../common/errors.js";
import { encodeShutdownCommunication } from "../fsm/index.js";
import { CeaseSubcode, DEFAULT_CONTEXT, encodeMessage, NotifyCode } from "../wire/index.js";
import { Listener, type ListenSpec } from "./listener.js";
import { type Logger, silentLogger } from "./logger.js";
import {
  fsmConfigFor,
  type GlobalSessionParams,
  PeerSession,
  type PeerSessionStatus,
} from "./peer.js";
import { plainAddress } from "./socket-errors.js";

export interface SessionEngineOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly random?: () => number;
  /** We restarted gracefully: the R bit goes into each peer's OPENs until it is Established. */
  readonly restarting?: boolean;
  /** Hostname capability value; default the machine's hostname, null = not advertised. */
  readonly hostname?: string | null;
  readonly errorWaitInitial?: number;
  readonly errorWaitMax?: number;
  readonly errorForgetTime?: number;
  /** DelayOpenTime (RFC 4271 §8.1.1) for peers whose PeerConfig has no `delayOpenTime`;
   *  default 0 = off. */
  readonly delayOpenTime?: number;
}

export interface PeerStateEvent {
  readonly peer: string;
  readonly from: BgpState;
  readonly to: BgpState;
  readonly reason: string | null;
}

interface Entry {
  session: PeerSession;
  /** Why the peer cannot run here (missing socket-option addon), or null. */
  disabled: string | null;
}

const SHUTDOWN_TEXT = "shut down by wren configuration";

function cease(subcode: number, communication?: string) {
  return {
    code: NotifyCode.CEASE,
    subcode,
    data: communication ? encodeShutdownCommunication(communication) : new Uint8Array(0),
  };
}

function globalsKey(c: SpeakerConfig): string {
  return JSON.stringify([c.routerId, c.gracefulRestart.enabled]);
}

export class SessionEngine {
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly params: Omit<GlobalSessionParams, "routerId" | "gracefulRestart">;
  private restarting: boolean;
  private readonly peers = new Map<string, Entry>();
  private readonly listener: Listener;
  private listenSpec: ListenSpec | null = null;
  private config: SpeakerConfig | null = null;
  private ribListeners: ((m: SessionToRib) => void)[] = [];
  private stateListeners: ((e: PeerStateEvent) => void)[] = [];
  private stopped = false;

  constructor(options: SessionEngineOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.logger = options.logger ?? silentLogger;
    this.random = options.random ?? Math.random;
    this.restarting = options.restarting ?? false;
    this.params = {
      hostname: options.hostname === undefined ? osHostname() : options.hostname,
      errorWaitInitial: options.errorWaitInitial ?? 5,
      errorWaitMax: options.errorWaitMax ?? 30,
      errorForgetTime: options.errorForgetTime ?? 300,
      delayOpenTime: options.delayOpenTime ?? 0,
    };
    this.listener = new Listener((socket) => this.onIncoming(socket), this.logger);
  }

  onRibMessage(listener: (m: SessionToRib) => void): void {
    this.ribListeners.push(listener);
  }

  onPeerState(listener: (e: PeerStateEvent) => void): void {
    this.stateListeners.push(listener);
  }

  /** Where the listener is bound (tests listen on port 0). */
  get listening(): { address: string; port: number }[] {
    return this.listener.addresses;
  }

  private globals(c: SpeakerConfig): GlobalSessionParams {
    return { ...this.params, routerId: c.routerId, gracefulRestart: c.gracefulRestart.enabled };
  }

  private toRib(m: SessionToRib): void {
    for (const l of this.ribListeners) l(m);
  }

  private makeSession(peer: PeerConfig, c: SpeakerConfig): Entry {
    const session = new PeerSession(
      peer,
      fsmConfigFor(peer, this.globals(c)),
      {
        clock: this.clock,
        logger: this.logger,
        random: this.random,
        toRib: (m) => this.toRib(m),
        stateChanged: (_p, from, to, reason) => {
          for (const l of this.stateListeners) l({ peer: peer.name, from, to, reason });
        },
      },
      this.restarting,
    );
    let disabled: string | null = null;
    try {
      PeerSession.checkSupported(peer);
      this.listener.setKey(peer.address, peer.password);
    } catch (err) {
      disabled = errorMessage(err);
      this.logger.error({ peer: peer.name, err: disabled }, "peer cannot be started");
    }
    return { session, disabled };
  }

  private startEntry(e: Entry): void {
    if (!e.disabled && !e.session.peer.shutdown) e.session.start();
  }

  private removeEntry(name: string, e: Entry, subcode: number, reason: string): void {
    e.session.stop(cease(subcode), reason, false);
    this.peers.delete(name);
    if (![...this.peers.values()].some((o) => o.session.peer.address === e.session.peer.address)) {
      try {
        this.listener.setKey(e.session.peer.address, null);
      } catch {
        // no addon: no key was installed
      }
    }
    // The FSM has closed its connections (flushing the NOTIFICATION); drop timers and sockets
    // once they had time to go out.
    this.clock.setTimer(3000, () => e.session.dispose());
  }

  /** Applies a configuration; the first call starts the listener. */
  async configure(c: SpeakerConfig): Promise<ConfigureResult> {
    await this.listen(c);
    return this.applyPeers(c);
  }

  /** (Re)binds the listener when the listen address or port changed (throws SessionError). */
  async listen(c: SpeakerConfig): Promise<void> {
    const listen: ListenSpec = { address: c.listen.address, port: c.listen.port };
    if (JSON.stringify(listen) === JSON.stringify(this.listenSpec)) return;
    await this.listener.close();
    this.listenSpec = null;
    await this.listener.listen(listen);
    this.listenSpec = listen;
  }

  /** Applies the peer part of a configuration: only the peers concerned are touched. */
  applyPeers(c: SpeakerConfig): ConfigureResult {
    const allReset = this.config !== null && globalsKey(this.config) !== globalsKey(c);
    const added: string[] = [];
    const removed: string[] = [];
    const reset: string[] = [];
    const softChanged: string[] = [];
    const wanted = new Map(c.peers.map((p) => [p.name, p]));
    for (const [name, e] of [...this.peers]) {
      if (!wanted.has(name)) {
        this.removeEntry(name, e, CeaseSubcode.PEER_DE_CONFIGURED, "Peer de-configured");
        removed.push(name);
      }
    }
    for (const peer of c.peers) {
      const e = this.peers.get(peer.name);
      if (!e) {
        const entry = this.makeSession(peer, c);
        this.peers.set(peer.name, entry);
        this.startEntry(entry);
        added.push(peer.name);
        continue;
      }
      const old = e.session.peer;
      if (allReset || peerNeedsReset(old, peer)) {
        this.removeEntry(
          peer.name,
          e,
          CeaseSubcode.OTHER_CONFIGURATION_CHANGE,
          "Other configuration change",
        );
        const entry = this.makeSession(peer, c);
        this.peers.set(peer.name, entry);
        this.startEntry(entry);
        reset.push(peer.name);
        continue;
      }
      if (JSON.stringify(old) === JSON.stringify(peer)) continue;
      e.session.applySoftChange(peer, fsmConfigFor(peer, this.globals(c)));
      if (old.shutdown !== peer.shutdown) {
        if (peer.shutdown) {
          e.session.stop(
            cease(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, SHUTDOWN_TEXT),
            "Administrative shutdown",
            false,
          );
        } else this.startEntry(e);
        reset.push(peer.name);
      } else softChanged.push(peer.name);
    }
    this.config = c;
    return { added, removed, reset, softChanged };
  }

  /** Messages from the RIB. */
  handle(m: RibToSession): void {
    const e = this.peers.get(m.peerId);
    if (!e) return;
    switch (m.type) {
      case "updates":
        e.session.sendUpdates(m.messages);
        return;
      case "routeRefresh":
        e.session.sendRouteRefresh(m.afi, m.safi, m.subtype);
        return;
      case "reset":
        e.session.reset(m.notification, "error", m.holdDownSeconds, "reset by the RIB");
        return;
    }
  }

  status(name: string): (PeerSessionStatus & { readonly disabled: string | null }) | null {
    const e = this.peers.get(name);
    if (!e) return null;
    const s = e.session.status();
    if (e.disabled)
      return {
        ...s,
        info: `Idle Error: ${e.disabled}`,
        lastError: e.disabled,
        disabled: e.disabled,
      };
    if (e.session.peer.shutdown)
      return { ...s, info: "Idle Administrative shutdown", disabled: null };
    return { ...s, disabled: null };
  }

  peerConfigs(): PeerConfig[] {
    return [...this.peers.values()].map((e) => e.session.peer);
  }

  private onIncoming(socket: net.Socket): void {
    socket.on("error", () => {});
    const remote = plainAddress(socket.remoteAddress);
    if (this.stopped) {
      socket.destroy();
      return;
    }
    let match: Entry | undefined;
    for (const e of this.peers.values()) {
      if (e.session.peer.address === remote) {
        match = e;
        if (e.session.bgpState !== "Established") break;
      }
    }
    if (!match || match.disabled) {
      this.logger.warn(
        { remote, port: socket.remotePort },
        match
          ? "connection from a peer that cannot run refused"
          : "connection from an unknown address refused",
      );
      socket.end(
        encodeMessage(
          { type: "NOTIFICATION", ...cease(CeaseSubcode.CONNECTION_REJECTED) },
          DEFAULT_CONTEXT,
        ),
      );
      this.clock.setTimer(2000, () => socket.destroy());
      return;
    }
    match.session.incoming(socket);
  }

  /** graceful: close without NOTIFICATION (peers keep our routes, RFC 4724); withdraw: Cease /
   *  Administrative Shutdown to every peer. Resolves once the connections are closed. */
  async stop(mode: "graceful" | "withdraw"): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const e of this.peers.values()) {
      if (mode === "graceful") e.session.stop(null, "Graceful shutdown", true);
      else
        e.session.stop(
          cease(CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, "wren is shutting down"),
          "Administrative shutdown",
          false,
        );
    }
    const deadline = Date.now() + 2500;
    while (
      Date.now() < deadline &&
      [...this.peers.values()].some((e) => e.session.connectionCount > 0)
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const e of this.peers.values()) e.session.dispose();
    await this.listener.close();
  }

  /** Marks the end of our own restart (RIB converged): OPENs from now on carry no R bit. Until
   *  then every OPEN does, also after a session flapped (BIRD keeps it for its whole recovery). */
  restartDone(): void {
    this.restarting = false;
    for (const e of this.peers.values()) e.session.restartDone();
  }
}
