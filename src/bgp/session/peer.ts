/**
 * Drives the pure FSM (src/bgp/fsm) for one configured peer: turns socket results, timer
 * expirations and received messages into FSM events and carries out the FSM's actions (dial,
 * accept, write OPEN / KEEPALIVE / NOTIFICATION, timers with RFC 4271 §10 jitter, session
 * up/down towards the RIB). UPDATE bodies go to the RIB verbatim (never decoded here); the RIB's
 * packed UPDATEs are written as they are, with `writable` reported when the socket drains.
 * Socket options (source address, TTL for multihop / eBGP, GTSM RFC 5082, TCP-MD5 RFC 2385) are
 * set before the SYN on our connections and at accept on theirs.
 */
import { closeSync } from "node:fs";
import net from "node:net";
import type { Clock } from "../../common/clock.js";
import type {
  NegotiatedSession,
  NotificationData,
  SessionToRib,
} from "../../common/contracts/bgp-engines.js";
import { afiSafiNameOfFamily } from "../../common/contracts/families.js";
import type { BgpState, MessageCounters, NegotiatedView } from "../../common/contracts/speaker.js";
import type { PeerConfig } from "../../common/contracts/speaker-config.js";
import { familyOf } from "../../common/ip/address.js";
import {
  bgpState,
  type Conn,
  type FsmAction,
  type FsmConfig,
  type FsmEvent,
  type FsmState,
  initialState,
  lastErrorText,
  notificationText,
  stateInfo,
  step,
} from "../fsm/index.js";
import {
  BgpError,
  CeaseSubcode,
  type CodecContext,
  contextFromNegotiated,
  DEFAULT_CONTEXT,
  decodeMessage,
  encodeMessage,
  HEADER_LENGTH,
  MAX_EXTENDED_MESSAGE,
  MessageType,
  NotifyCode,
} from "../wire/index.js";
import { Connection } from "./connection.js";
import { onLinkLinkLocal } from "./link-local.js";
import type { Logger } from "./logger.js";
import { plainAddress, socketErrorText } from "./socket-errors.js";
import { BGP_TOS, loadSockopt, requireSockopt, type SockoptAddon } from "./sockopt.js";
import { TimerSet } from "./timers.js";
import { notificationFields, traceEnabled, traceMessage } from "./trace.js";

export interface PeerContext {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  toRib(message: SessionToRib): void;
  stateChanged(peer: PeerSession, from: BgpState, to: BgpState, reason: string | null): void;
}

export interface GlobalSessionParams {
  readonly routerId: string;
  readonly gracefulRestart: boolean;
  readonly hostname: string | null;
  readonly errorWaitInitial: number;
  readonly errorWaitMax: number;
  readonly errorForgetTime: number;
  /** DelayOpenTime for peers whose config leaves `delayOpenTime` absent (0 = off). */
  readonly delayOpenTime: number;
}

export function fsmConfigFor(peer: PeerConfig, g: GlobalSessionParams): FsmConfig {
  return {
    passive: peer.passive,
    connectRetryTime: peer.connectRetryTime,
    delayOpenTime: peer.delayOpenTime ?? g.delayOpenTime,
    openSentHoldTime: 240,
    errorWaitInitial: g.errorWaitInitial,
    errorWaitMax: g.errorWaitMax,
    errorForgetTime: g.errorForgetTime,
    local: {
      peerId: peer.name,
      localAs: peer.localAsNumber,
      remoteAs: peer.asNumber,
      localRouterId: g.routerId,
      families: peer.families.map(afiSafiNameOfFamily),
      addPaths: peer.addPaths,
      holdTime: peer.holdTime,
      keepaliveTime: peer.keepaliveTime,
      gracefulRestart: g.gracefulRestart ? { restartTime: peer.gracefulRestartTime } : null,
      extendedNextHop: familyOf(peer.address) === "ipv6" && peer.families.includes("ipv4"),
      extendedMessage: true,
      hostname: g.hostname,
    },
  };
}

const KEEPALIVE = (() => {
  const m = new Uint8Array(HEADER_LENGTH).fill(0xff);
  m[16] = 0;
  m[17] = HEADER_LENGTH;
  m[18] = MessageType.KEEPALIVE;
  return m;
})();

interface Counters {
  updatesIn: number;
  updatesOut: number;
  notificationsIn: number;
  notificationsOut: number;
  keepalivesIn: number;
  keepalivesOut: number;
}

export interface PeerSessionStatus {
  readonly bgpState: BgpState;
  readonly since: string;
  readonly info: string;
  readonly lastError: string | null;
  readonly messages: MessageCounters;
  readonly negotiated: NegotiatedView | null;
}

export class PeerSession {
  private state: FsmState;
  private readonly conns = new Map<number, Connection>();
  /** Connections the FSM closed whose sockets are still flushing (NOTIFICATION, FIN). */
  private readonly closing = new Set<Connection>();
  private readonly timers: TimerSet;
  private pendingInbound: net.Socket | null = null;
  /** The ROUTE-REFRESH being handled, for deliverRouteRefresh. */
  private current: Uint8Array | null = null;
  /** The run of UPDATEs being handled (one FSM event for all of them), for deliverUpdate. */
  private currentUpdates: Uint8Array[] | null = null;
  private readonly counters: Counters = {
    updatesIn: 0,
    updatesOut: 0,
    notificationsIn: 0,
    notificationsOut: 0,
    keepalivesIn: 0,
    keepalivesOut: 0,
  };
  private sinceMs: number;
  private upConnId: number | null = null;
  private waitingDrain = false;

  constructor(
    public peer: PeerConfig,
    fsmConfig: FsmConfig,
    private readonly ctx: PeerContext,
    restarting: boolean,
  ) {
    this.state = initialState(fsmConfig, { restarting });
    this.timers = new TimerSet(ctx.clock, ctx.random);
    this.sinceMs = ctx.clock.wallNow();
  }

  get name(): string {
    return this.peer.name;
  }

  /** A change that does not need the session re-established (no `peerNeedsReset` field
   *  changed): the new config is kept, and the FSM's local timers (ConnectRetry, DelayOpen) take
   *  the new values from their next start on; a running session is left alone. */
  applySoftChange(peer: PeerConfig, fsmConfig: FsmConfig): void {
    this.peer = peer;
    this.state = { ...this.state, config: fsmConfig };
  }

  get bgpState(): BgpState {
    return bgpState(this.state);
  }

  /** Checks that this machine can honour the peer's socket options (throws SessionError). */
  static checkSupported(peer: PeerConfig): void {
    if (peer.password) requireSockopt(`peer ${peer.name}: password (TCP-MD5)`);
    if (peer.ttlSecurity > 0) requireSockopt(`peer ${peer.name}: ttlSecurity (GTSM)`);
  }

  start(): void {
    this.fire({ type: "ManualStart" });
  }

  /** Our graceful restart is over: no R bit in later OPENs (RFC 4724 §4.1). */
  restartDone(): void {
    this.fire({ type: "RestartDone" });
  }

  stop(notification: NotificationData | null, reason: string, retainRoutes: boolean): void {
    this.fire({ type: "ManualStop", notification, reason, retainRoutes });
  }

  reset(
    notification: NotificationData,
    kind: "error" | "admin",
    holdDownSeconds: number | null,
    reason: string,
  ): void {
    this.fire({ type: "Reset", notification, kind, holdDownSeconds, reason });
  }

  /** An incoming connection from this peer's address. */
  incoming(socket: net.Socket): void {
    this.pendingInbound = socket;
    this.fire({
      type: "TcpConnectionConfirmed",
      localAddress: plainAddress(socket.localAddress),
      remoteAddress: plainAddress(socket.remoteAddress),
    });
    if (this.pendingInbound) {
      socket.destroy();
      this.pendingInbound = null;
    }
  }

  /** Writes the RIB's UPDATE messages on the Established connection. */
  sendUpdates(messages: readonly Uint8Array[]): void {
    const conn = this.upConn();
    if (!conn) return;
    if (traceEnabled(this.ctx.logger)) {
      const ctx = this.codecContext(conn.id, "send");
      for (const m of messages) traceMessage(this.ctx.logger, this.peer.name, "out", m, ctx);
    }
    // One write (one syscall) for the batch: a table dump is thousands of small UPDATEs.
    const ok = conn.write(messages.length === 1 ? messages[0] : Buffer.concat(messages));
    this.counters.updatesOut += messages.length;
    if (ok) this.reportWritableSoon();
    else this.waitingDrain = true;
  }

  sendRouteRefresh(afi: number, safi: number, subtype: number): void {
    const conn = this.upConn();
    if (!conn) return;
    this.write(conn, encodeMessage({ type: "ROUTE-REFRESH", afi, safi, subtype }, DEFAULT_CONTEXT));
  }

  status(): PeerSessionStatus {
    const up = this.state.conns.find((c) => c.phase === "Established");
    const n = up?.negotiated ?? null;
    return {
      bgpState: this.bgpState,
      since: new Date(this.sinceMs).toISOString(),
      info: stateInfo(this.state),
      lastError: this.state.lastError ? lastErrorText(this.state.lastError) : null,
      messages: { ...this.counters },
      negotiated: n && {
        holdTime: n.holdTime,
        keepaliveTime: n.keepaliveTime,
        as4: n.as4,
        families: n.families,
        addPathReceive: n.addPathReceive,
        addPathSend: n.addPathSend,
        routeRefresh: n.routeRefresh,
        enhancedRouteRefresh: n.enhancedRouteRefresh,
        gracefulRestart: n.gracefulRestart !== null,
        extendedMessage: n.extendedMessage,
        remoteRouterId: n.remoteRouterId,
        localAddress: n.localAddress,
        remoteHostname: n.remoteHostname,
      },
    };
  }

  /** Destroys every socket and timer at once (engine shutdown after stop). */
  dispose(): void {
    this.timers.stopAll();
    for (const c of this.conns.values()) c.destroy();
    for (const c of this.closing) c.destroy();
    this.conns.clear();
    this.closing.clear();
  }

  /** Sockets of this peer still open, including those flushing after a close. */
  get connectionCount(): number {
    let n = 0;
    for (const c of this.conns.values()) if (!c.socket.destroyed) n++;
    for (const c of this.closing) if (!c.socket.destroyed) n++;
    return n;
  }

  // ------------------------------------------------------------------------------------------

  /** Adds our link-local address for an on-link IPv6 peer (RFC 2545 §3 next hop self). */
  private withLinkLocal(n: NegotiatedSession): NegotiatedSession {
    if (familyOf(n.localAddress) !== "ipv6") return n;
    let ll: string | null = null;
    try {
      ll = onLinkLinkLocal(n.localAddress, n.remoteAddress);
    } catch (err) {
      this.ctx.logger.warn(
        { peer: this.peer.name, err: String(err) },
        "cannot read the interfaces for our link-local address",
      );
    }
    return ll === null ? n : { ...n, localLinkLocalAddress: ll };
  }

  /** Writes one message, traced at debug level. */
  private write(conn: Connection, message: Uint8Array): boolean {
    if (traceEnabled(this.ctx.logger))
      traceMessage(this.ctx.logger, this.peer.name, "out", message);
    return conn.write(message);
  }

  /** The codec context of a connection's negotiated session (defaults before OPEN). */
  private codecContext(connId: number, direction: "receive" | "send"): CodecContext {
    const n = this.state.conns.find((c) => c.id === connId)?.negotiated;
    return n ? contextFromNegotiated(n, direction) : DEFAULT_CONTEXT;
  }

  private upConn(): Connection | null {
    return this.upConnId === null ? null : (this.conns.get(this.upConnId) ?? null);
  }

  private reportWritableSoon(): void {
    queueMicrotask(() => this.ctx.toRib({ type: "writable", peerId: this.peer.name }));
  }

  private fire(event: FsmEvent): void {
    const result = step(this.state, event);
    this.state = result.state;
    for (const action of result.actions) this.execute(action);
  }

  private timerKey(timer: string, connId: number | null): string {
    return connId === null ? timer : `${timer}#${connId}`;
  }

  private execute(a: FsmAction): void {
    switch (a.type) {
      case "connect":
        this.connect(a.connId);
        return;
      case "accept": {
        const socket = this.pendingInbound!;
        this.pendingInbound = null;
        this.applyInboundOptions(socket);
        this.attach(a.connId, socket);
        return;
      }
      case "refuse": {
        const socket = this.pendingInbound!;
        this.pendingInbound = null;
        this.ctx.logger.info(
          { peer: this.peer.name, remote: plainAddress(socket.remoteAddress), reason: a.reason },
          "incoming connection refused",
        );
        if (a.notification)
          socket.end(encodeMessage({ type: "NOTIFICATION", ...a.notification }, DEFAULT_CONTEXT));
        else socket.end();
        socket.on("error", () => {});
        this.ctx.clock.setTimer(2000, () => socket.destroy());
        return;
      }
      case "close": {
        const conn = this.conns.get(a.connId);
        this.timers.stopSuffix(`#${a.connId}`);
        if (!conn) return;
        this.conns.delete(a.connId);
        if (this.upConnId === a.connId) this.upConnId = null;
        if (conn.socket.connecting) conn.destroy();
        else {
          conn.close();
          this.closing.add(conn);
          conn.socket.once("close", () => this.closing.delete(conn));
        }
        return;
      }
      case "sendOpen": {
        const conn = this.conns.get(a.connId);
        if (conn) this.write(conn, encodeMessage(a.open, DEFAULT_CONTEXT));
        return;
      }
      case "sendKeepalive": {
        const conn = this.conns.get(a.connId);
        if (!conn) return;
        this.write(conn, KEEPALIVE);
        this.counters.keepalivesOut++;
        return;
      }
      case "sendNotification": {
        const conn = this.conns.get(a.connId);
        if (!conn) return;
        // Logged at warn (every level shows it), so not traced again at debug.
        conn.write(encodeMessage({ type: "NOTIFICATION", ...a.notification }, DEFAULT_CONTEXT));
        this.counters.notificationsOut++;
        this.ctx.logger.warn(
          { peer: this.peer.name, dir: "out", ...notificationFields(a.notification) },
          `sent NOTIFICATION: ${notificationText(a.notification)}`,
        );
        return;
      }
      case "startTimer":
        this.timers.start(this.timerKey(a.timer, a.connId), a.seconds, a.jitter, () =>
          this.fire({ type: "TimerExpired", timer: a.timer, connId: a.connId }),
        );
        return;
      case "stopTimer":
        this.timers.stop(this.timerKey(a.timer, a.connId));
        return;
      case "sessionUp": {
        this.upConnId = a.connId;
        const conn = this.conns.get(a.connId);
        if (conn && a.negotiated.extendedMessage)
          conn.framer.setMaxMessageLength(MAX_EXTENDED_MESSAGE);
        const negotiated = this.withLinkLocal(a.negotiated);
        this.ctx.logger.info(
          {
            peer: this.peer.name,
            families: negotiated.families,
            holdTime: negotiated.holdTime,
            localAddress: negotiated.localAddress,
            ...(negotiated.localLinkLocalAddress
              ? { localLinkLocalAddress: negotiated.localLinkLocalAddress }
              : {}),
          },
          "session established",
        );
        this.ctx.toRib({ type: "sessionUp", peerId: this.peer.name, negotiated });
        return;
      }
      case "sessionDown":
        this.upConnId = null;
        this.waitingDrain = false;
        this.ctx.logger.info(
          { peer: this.peer.name, reason: a.reason, retainRoutes: a.retainRoutes },
          "session down",
        );
        this.ctx.toRib({
          type: "sessionDown",
          peerId: this.peer.name,
          reason: a.reason,
          retainRoutes: a.retainRoutes,
        });
        return;
      case "deliverUpdate": {
        const run = this.currentUpdates;
        if (run === null) return;
        const peerId = this.peer.name;
        for (let i = 0; i < run.length; i++)
          this.ctx.toRib({ type: "update", peerId, body: run[i].subarray(HEADER_LENGTH) });
        return;
      }
      case "deliverRouteRefresh": {
        if (!this.current) return;
        const m = this.current;
        this.ctx.toRib({
          type: "routeRefresh",
          peerId: this.peer.name,
          afi: (m[19] << 8) | m[20],
          safi: m[22],
          subtype: m[21],
        });
        return;
      }
      case "stateChange":
        this.sinceMs = this.ctx.clock.wallNow();
        this.ctx.stateChanged(this, a.from, a.to, a.reason);
        return;
    }
  }

  private attach(connId: number, socket: net.Socket): Connection {
    const conn = new Connection(connId, socket, this.ctx.clock, {
      onMessage: (c, m) => this.onMessage(c, m),
      onUpdates: (c, ms) => this.onUpdates(c, ms),
      onFramingError: (c, err) => this.onMessageError(c, err),
      onInternalError: (c, err) => {
        this.ctx.logger.error(
          { peer: this.peer.name, err: err instanceof Error ? err.stack : String(err) },
          "internal error while handling a message; resetting the session",
        );
        this.fire({
          type: "MessageError",
          connId: c.id,
          notification: {
            code: NotifyCode.CEASE,
            subcode: CeaseSubcode.OUT_OF_RESOURCES,
            data: new Uint8Array(0),
          },
          reason: "internal error",
        });
      },
      onLost: (c, error) => {
        if (this.conns.get(c.id) === c)
          this.fire({ type: "TcpConnectionFails", connId: c.id, error });
      },
      onDrain: (c) => {
        if (c.id === this.upConnId && this.waitingDrain) {
          this.waitingDrain = false;
          this.ctx.toRib({ type: "writable", peerId: this.peer.name });
        }
      },
    });
    this.conns.set(connId, conn);
    return conn;
  }

  private sentTtl(): number | null {
    if (this.peer.ttlSecurity > 0) return 255;
    if (this.peer.multihop !== null) return this.peer.multihop;
    if (this.peer.asNumber !== this.peer.localAsNumber) return 1;
    return null;
  }

  private applyOptions(addon: SockoptAddon | null, fd: number, outbound: boolean): void {
    if (!addon) return;
    addon.setTos?.(fd, BGP_TOS);
    const ttl = this.sentTtl();
    if (ttl !== null) addon.setTtl(fd, ttl);
    if (this.peer.ttlSecurity > 0) addon.setMinTtl(fd, 256 - this.peer.ttlSecurity);
    if (outbound && this.peer.password) addon.setMd5Key(fd, this.peer.address, this.peer.password);
  }

  private applyInboundOptions(socket: net.Socket): void {
    const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
    if (fd === undefined || fd < 0) return;
    try {
      this.applyOptions(loadSockopt(), fd, false);
    } catch (err) {
      this.ctx.logger.warn(
        { peer: this.peer.name, err: socketErrorText(err) },
        "cannot set socket options",
      );
    }
  }

  private connect(connId: number): void {
    const family = familyOf(this.peer.address) === "ipv6" ? 6 : 4;
    const needsAddon = this.peer.password !== null || this.peer.ttlSecurity > 0;
    let socket: net.Socket;
    try {
      const addon = needsAddon ? requireSockopt(`peer ${this.peer.name}`) : loadSockopt();
      if (addon) {
        const fd = addon.tcpSocket(family);
        try {
          this.applyOptions(addon, fd, true);
        } catch (err) {
          closeSync(fd);
          throw err;
        }
        socket = new net.Socket({
          fd,
          readable: true,
          writable: true,
          manualStart: true,
        } as net.SocketConstructorOpts);
      } else {
        socket = new net.Socket();
      }
    } catch (err) {
      const error = socketErrorText(err);
      this.ctx.logger.error({ peer: this.peer.name, err: error }, "cannot create the connection");
      queueMicrotask(() => this.fire({ type: "TcpConnectionFails", connId, error }));
      return;
    }
    const conn = this.attach(connId, socket);
    socket.once("connect", () => {
      if (this.conns.get(connId) !== conn) return;
      this.fire({
        type: "TcpCrAcked",
        connId,
        localAddress: plainAddress(socket.localAddress),
        remoteAddress: plainAddress(socket.remoteAddress),
      });
    });
    socket.connect({
      host: this.peer.address,
      port: this.peer.port,
      ...(this.peer.sourceAddress ? { localAddress: this.peer.sourceAddress } : {}),
    });
  }

  private onMessageError(conn: Connection, err: BgpError): void {
    this.ctx.logger.warn({ peer: this.peer.name, err: err.message }, "malformed message");
    this.fire({
      type: "MessageError",
      connId: conn.id,
      notification: err.notification,
      reason: err.reason,
    });
  }

  /**
   * A run of consecutive UPDATEs from one read: one FSM event for the run. In Established that
   * restarts the hold timer and delivers them all, exactly what one event per message would do
   * (the clock does not move within the run); elsewhere the first one is the FSM error and the
   * connection is gone, so the rest are dropped, as they would have been.
   */
  private onUpdates(conn: Connection, messages: Uint8Array[]): void {
    if (traceEnabled(this.ctx.logger)) {
      const ctx = this.codecContext(conn.id, "receive");
      for (const m of messages) traceMessage(this.ctx.logger, this.peer.name, "in", m, ctx);
    }
    this.counters.updatesIn += messages.length;
    this.currentUpdates = messages;
    try {
      this.fire({ type: "UpdateMsg", connId: conn.id });
    } finally {
      this.currentUpdates = null;
    }
  }

  private onMessage(conn: Connection, m: Uint8Array): void {
    const type = m[18];
    // NOTIFICATIONs are logged at warn below; everything else is traced at debug.
    if (type !== MessageType.NOTIFICATION && traceEnabled(this.ctx.logger)) {
      traceMessage(this.ctx.logger, this.peer.name, "in", m, this.codecContext(conn.id, "receive"));
    }
    switch (type) {
      case MessageType.KEEPALIVE:
        this.counters.keepalivesIn++;
        this.fire({ type: "KeepAliveMsg", connId: conn.id });
        return;
      case MessageType.OPEN:
      case MessageType.NOTIFICATION:
      case MessageType.ROUTE_REFRESH:
        break;
      default:
        return;
    }
    let decoded: ReturnType<typeof decodeMessage>;
    try {
      decoded = decodeMessage(m, DEFAULT_CONTEXT);
    } catch (err) {
      if (type === MessageType.NOTIFICATION) {
        // A malformed NOTIFICATION still ends the session (RFC 4271 §6.4).
        const notification = { code: m[19] ?? 0, subcode: m[20] ?? 0, data: m.subarray(21) };
        this.onNotification(conn, notification, true);
        return;
      }
      if (err instanceof BgpError) {
        this.onMessageError(conn, err);
        return;
      }
      throw err;
    }
    switch (decoded.type) {
      case "OPEN":
        this.fire({ type: "BGPOpen", connId: conn.id, open: decoded });
        return;
      case "NOTIFICATION":
        this.onNotification(
          conn,
          { code: decoded.code, subcode: decoded.subcode, data: decoded.data },
          false,
        );
        return;
      case "ROUTE-REFRESH":
        this.current = m;
        this.fire({ type: "RouteRefreshMsg", connId: conn.id });
        this.current = null;
        return;
      default:
        this.fire({
          type: "MessageError",
          connId: conn.id,
          notification: {
            code: NotifyCode.MESSAGE_HEADER_ERROR,
            subcode: 3,
            data: new Uint8Array([type]),
          },
          reason: `unexpected message type ${type}`,
        });
    }
  }

  /** A NOTIFICATION received (logged at warn, every level shows it) ends the session. */
  private onNotification(conn: Connection, notification: NotificationData, malformed: boolean) {
    this.counters.notificationsIn++;
    this.ctx.logger.warn(
      {
        peer: this.peer.name,
        dir: "in",
        ...(malformed ? { malformed: true } : {}),
        ...notificationFields(notification),
      },
      `received NOTIFICATION: ${notificationText(notification)}`,
    );
    this.fire({ type: "NotifMsg", connId: conn.id, notification });
  }

  /** The Conn records of the FSM (for tests and status). */
  get fsmConns(): readonly Conn[] {
    return this.state.conns;
  }
}
