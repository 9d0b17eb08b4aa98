/**
 * The BGP-4 finite state machine of RFC 4271 §8, as a pure function:
 * `step(state, event) → { state, actions }`. Timers and sends are actions; timer expirations,
 * TCP results and received messages are events. The driver (src/bgp/session) owns sockets and
 * clocks and feeds the machine.
 *
 * Our implementation, compared with §8.2.2:
 * - One machine per peer holds up to two connections (our outgoing one and the peer's incoming
 *   one), each with its own phase; the peer's state is the most advanced connection's (see
 *   `bgpState`). Collisions (§6.8) are resolved when an OPEN arrives while the other connection
 *   is in OpenConfirm: the lower BGP identifier gives up the connection it initiated (equal
 *   identifiers: the lower AS, RFC 6286 §2.3); the loser gets Cease / Connection Collision
 *   Resolution. A connection that reaches Established closes the other one the same way.
 *   An OPEN on a new connection while a graceful-restart session is Established means the peer
 *   restarted (RFC 4724 §4.2): the old session goes down with its routes retained.
 * - A failed connect or a lost connection leads to Active with the ConnectRetry timer running
 *   (BIRD/FRR practice; §8.2.2 would go through Idle). Passive peers never dial.
 * - Errors (NOTIFICATION sent or received, hold timer expiry) lead to Idle with the IdleHold
 *   timer running (DampPeerOscillations, §8.1.1): the wait starts at errorWaitInitial and doubles
 *   per consecutive error up to errorWaitMax; errors are forgotten after errorForgetTime. While
 *   it runs no connection is made and incoming ones are refused. A RIB-requested reset may fix
 *   the wait (max-prefix restart interval). Cease subcodes that ask for a prompt reconnect
 *   (Administrative Reset, Other Configuration Change, Collision) skip it.
 * - DelayOpen (§8.1.1) is supported (delayOpenTime > 0).
 * - FSM errors use the RFC 6608 subcodes.
 * - Graceful restart: sessionDown carries retainRoutes when the peer advertised graceful restart
 *   for some family and the session ended by TCP loss, or (RFC 8538, N bit negotiated) by a
 *   NOTIFICATION other than Hard Reset (sent or received) or by hold timer expiry; which Cease
 *   subcodes we send as a Hard Reset is decided in notification-gr.ts (RFC 8538 §5).
 */
import type { NotificationData } from "../../common/contracts/bgp-engines.js";
import type { BgpState } from "../../common/contracts/speaker.js";
import { parseIPv4 } from "../../common/ip/address.js";
import { CeaseSubcode, FsmErrorSubcode, NotifyCode } from "../wire/constants.js";
import { lastErrorText, notificationText } from "./describe.js";
import { negotiate } from "./negotiate.js";
import { notificationOnWire, retainRoutes, retainsAfterSending } from "./notification-gr.js";
import { buildLocalOpen } from "./open.js";
import type {
  Conn,
  ConnPhase,
  FsmAction,
  FsmConfig,
  FsmEvent,
  FsmState,
  LastError,
  StepResult,
} from "./types.js";

const EMPTY = new Uint8Array(0);

export function initialState(config: FsmConfig, options: { restarting?: boolean } = {}): FsmState {
  return {
    config,
    running: false,
    idleHold: false,
    conns: [],
    nextConnId: 1,
    errorCount: 0,
    restarting: options.restarting ?? false,
    lastError: null,
  };
}

const PHASE_RANK: Readonly<Record<ConnPhase, number>> = {
  connecting: 0,
  delayOpen: 1,
  OpenSent: 2,
  OpenConfirm: 3,
  Established: 4,
};

/** The peer's RFC 4271 state: the most advanced connection's, Connect while we dial, else Active. */
export function bgpState(s: FsmState): BgpState {
  if (!s.running || s.idleHold) return "Idle";
  let best = -1;
  let dialing = false;
  for (const c of s.conns) {
    best = Math.max(best, PHASE_RANK[c.phase]);
    if (c.direction === "outbound" && PHASE_RANK[c.phase] <= 1) dialing = true;
  }
  if (best === 4) return "Established";
  if (best === 3) return "OpenConfirm";
  if (best === 2) return "OpenSent";
  return dialing ? "Connect" : "Active";
}

/** The connection carrying the Established session, if any. */
export function establishedConn(s: FsmState): Conn | null {
  return s.conns.find((c) => c.phase === "Established") ?? null;
}

/** Status line in calicoctl's style: state, then the last error ("Active Socket: Connection refused"). */
export function stateInfo(s: FsmState): string {
  const state = bgpState(s);
  if (state === "Established" || !s.lastError) return state;
  return `${state} ${lastErrorText(s.lastError)}`;
}

/** Cease subcodes after which the peer expects a prompt reconnect (no error back-off). */
function promptReconnect(n: NotificationData): boolean {
  return (
    n.code === NotifyCode.CEASE &&
    (n.subcode === CeaseSubcode.ADMINISTRATIVE_RESET ||
      n.subcode === CeaseSubcode.OTHER_CONFIGURATION_CHANGE ||
      n.subcode === CeaseSubcode.CONNECTION_COLLISION_RESOLUTION)
  );
}

function cease(subcode: number): NotificationData {
  return { code: NotifyCode.CEASE, subcode, data: EMPTY };
}

/** Mutable working copy used inside one step. */
class Draft {
  running: boolean;
  idleHold: boolean;
  conns: Conn[];
  nextConnId: number;
  errorCount: number;
  restarting: boolean;
  lastError: LastError | null;
  readonly actions: FsmAction[] = [];

  constructor(
    readonly config: FsmConfig,
    s: FsmState,
  ) {
    this.running = s.running;
    this.idleHold = s.idleHold;
    this.conns = [...s.conns];
    this.nextConnId = s.nextConnId;
    this.errorCount = s.errorCount;
    this.restarting = s.restarting;
    this.lastError = s.lastError;
  }

  freeze(): FsmState {
    return {
      config: this.config,
      running: this.running,
      idleHold: this.idleHold,
      conns: this.conns,
      nextConnId: this.nextConnId,
      errorCount: this.errorCount,
      restarting: this.restarting,
      lastError: this.lastError,
    };
  }

  conn(id: number): Conn | undefined {
    return this.conns.find((c) => c.id === id);
  }

  update(id: number, patch: Partial<Conn>): Conn {
    const i = this.conns.findIndex((c) => c.id === id);
    const next = { ...this.conns[i], ...patch };
    this.conns[i] = next;
    return next;
  }

  /** Closes and forgets a connection, optionally sending a NOTIFICATION first. */
  drop(conn: Conn, notification: NotificationData | null): void {
    if (notification && conn.phase !== "connecting") {
      this.actions.push({
        type: "sendNotification",
        connId: conn.id,
        // RFC 8538: on an Established session some Cease subcodes go inside a Hard Reset.
        notification:
          conn.phase === "Established"
            ? notificationOnWire(conn.negotiated, notification)
            : notification,
      });
    }
    this.actions.push({ type: "close", connId: conn.id });
    this.conns = this.conns.filter((c) => c.id !== conn.id);
  }

  startTimer(
    timer: Extract<FsmAction, { type: "startTimer" }>["timer"],
    connId: number | null,
    seconds: number,
    jitter = false,
  ): void {
    this.actions.push({ type: "startTimer", timer, connId, seconds, jitter });
  }

  stopTimer(
    timer: Extract<FsmAction, { type: "stopTimer" }>["timer"],
    connId: number | null,
  ): void {
    this.actions.push({ type: "stopTimer", timer, connId });
  }

  sessionDown(reason: string, retain: boolean): void {
    this.actions.push({ type: "sessionDown", reason, retainRoutes: retain });
  }

  startConnecting(): void {
    const id = this.nextConnId++;
    this.conns.push({
      id,
      direction: "outbound",
      phase: "connecting",
      localAddress: "",
      remoteAddress: "",
      remoteOpen: null,
      negotiated: null,
    });
    this.actions.push({ type: "connect", connId: id });
    this.startTimer("connectRetry", null, this.config.connectRetryTime, true);
  }

  sendOpen(conn: Conn): void {
    this.actions.push({
      type: "sendOpen",
      connId: conn.id,
      open: buildLocalOpen(this.config.local, this.restarting),
    });
    this.startTimer("hold", conn.id, this.config.openSentHoldTime);
    this.update(conn.id, { phase: "OpenSent" });
  }

  /** Nothing is left: wait for the peer (Active), retrying our own connection on the timer. */
  goActive(): void {
    if (!this.config.passive)
      this.startTimer("connectRetry", null, this.config.connectRetryTime, true);
  }

  /** Nothing is left after an error: Idle with the IdleHold timer (back-off or a fixed wait). */
  enterIdleHold(fixedSeconds: number | null): void {
    let seconds = fixedSeconds;
    if (seconds === null) {
      this.errorCount++;
      seconds = Math.min(
        this.config.errorWaitMax,
        this.config.errorWaitInitial * 2 ** Math.min(30, this.errorCount - 1),
      );
      this.startTimer("errorForget", null, this.config.errorForgetTime);
    }
    this.idleHold = true;
    this.stopTimer("connectRetry", null);
    this.startTimer("idleHold", null, seconds);
  }

  /** After a connection ended: if none is left, go on per the cause. */
  afterLoss(cause: "error" | "quiet"): void {
    if (this.conns.length > 0 || !this.running) return;
    if (cause === "error") this.enterIdleHold(null);
    else this.goActive();
  }

  fsmError(conn: Conn): void {
    const subcode =
      conn.phase === "OpenSent"
        ? FsmErrorSubcode.UNEXPECTED_IN_OPENSENT
        : conn.phase === "OpenConfirm"
          ? FsmErrorSubcode.UNEXPECTED_IN_OPENCONFIRM
          : FsmErrorSubcode.UNEXPECTED_IN_ESTABLISHED;
    const n: NotificationData = { code: NotifyCode.FSM_ERROR, subcode, data: EMPTY };
    this.errorOn(conn, n);
  }

  /** We detected an error on `conn`: NOTIFICATION, close, session down, back-off. */
  errorOn(conn: Conn, n: NotificationData): void {
    if (conn.phase === "connecting" || conn.phase === "delayOpen") {
      this.drop(conn, null);
      this.afterLoss("quiet");
      return;
    }
    this.lastError = { kind: "sent", text: notificationText(n) };
    this.drop(conn, n);
    if (conn.phase === "Established") {
      this.sessionDown(lastErrorText(this.lastError), retainsAfterSending(conn.negotiated, n));
    }
    this.afterLoss("error");
  }
}

function compareIds(a: string, b: string): number {
  return (parseIPv4(a) ?? 0) - (parseIPv4(b) ?? 0);
}

/** §6.8: which of two connections survives (the other gets Cease / Collision Resolution). */
function collisionLoser(d: Draft, a: Conn, b: Conn, remoteId: string): Conn {
  if (a.direction === b.direction) return a.id < b.id ? a : b; // keep the newer one
  const local = d.config.local;
  const byId = compareIds(local.localRouterId, remoteId);
  const localLower = byId !== 0 ? byId < 0 : local.localAs < local.remoteAs;
  // The side with the lower identifier gives up the connection it initiated (outbound for us).
  const loserDirection = localLower ? "outbound" : "inbound";
  return a.direction === loserDirection ? a : b;
}

function onOpen(d: Draft, conn: Conn, open: FsmEvent & { type: "BGPOpen" }): void {
  if (conn.phase === "OpenConfirm" || conn.phase === "Established") {
    d.fsmError(conn);
    return;
  }
  if (conn.phase === "connecting") return;
  const result = negotiate(d.config.local, open.open, conn);
  if (!result.ok) {
    d.lastError = { kind: "sent", text: notificationText(result.notification) };
    d.drop(conn, result.notification);
    d.afterLoss("error");
    return;
  }
  for (const other of [...d.conns]) {
    if (other.id === conn.id) continue;
    if (other.phase === "connecting" || other.phase === "delayOpen") {
      d.drop(other, null);
    } else if (other.phase === "OpenConfirm") {
      const loser = collisionLoser(d, conn, other, open.open.bgpId);
      d.drop(loser, cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION));
      if (loser.id === conn.id) return;
    } else if (other.phase === "Established") {
      if (other.negotiated?.gracefulRestart) {
        d.drop(other, null);
        d.sessionDown(
          "Peer restarted (graceful restart)",
          retainRoutes(other.negotiated, { kind: "tcp" }),
        );
      } else {
        d.drop(conn, cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION));
        return;
      }
    }
  }
  d.stopTimer("connectRetry", null);
  const wasDelayed = conn.phase === "delayOpen";
  if (wasDelayed) {
    d.stopTimer("delayOpen", conn.id);
    d.actions.push({
      type: "sendOpen",
      connId: conn.id,
      open: buildLocalOpen(d.config.local, d.restarting),
    });
  }
  const negotiated = result.negotiated;
  d.update(conn.id, { phase: "OpenConfirm", remoteOpen: open.open, negotiated });
  d.actions.push({ type: "sendKeepalive", connId: conn.id });
  if (negotiated.holdTime > 0) {
    d.startTimer("hold", conn.id, negotiated.holdTime);
    d.startTimer("keepalive", conn.id, negotiated.keepaliveTime, true);
  } else {
    d.stopTimer("hold", conn.id);
  }
}

function onKeepalive(d: Draft, conn: Conn): void {
  switch (conn.phase) {
    case "OpenConfirm": {
      const negotiated = conn.negotiated!;
      if (negotiated.holdTime > 0) d.startTimer("hold", conn.id, negotiated.holdTime);
      const up = d.update(conn.id, { phase: "Established" });
      for (const other of [...d.conns]) {
        if (other.id !== up.id) d.drop(other, cease(CeaseSubcode.CONNECTION_COLLISION_RESOLUTION));
      }
      d.lastError = null;
      d.actions.push({ type: "sessionUp", connId: conn.id, negotiated });
      return;
    }
    case "Established":
      if (conn.negotiated!.holdTime > 0) d.startTimer("hold", conn.id, conn.negotiated!.holdTime);
      return;
    case "OpenSent":
      d.fsmError(conn);
      return;
    default:
      d.drop(conn, null);
      d.afterLoss("quiet");
  }
}

function onUpdateOrRefresh(
  d: Draft,
  conn: Conn,
  deliver: "deliverUpdate" | "deliverRouteRefresh",
): void {
  if (conn.phase === "Established") {
    const hold = conn.negotiated!.holdTime;
    if (hold > 0) d.startTimer("hold", conn.id, hold);
    d.actions.push({ type: deliver, connId: conn.id });
    return;
  }
  if (conn.phase === "OpenSent" || conn.phase === "OpenConfirm") {
    d.fsmError(conn);
    return;
  }
  d.drop(conn, null);
  d.afterLoss("quiet");
}

function onTimer(d: Draft, event: FsmEvent & { type: "TimerExpired" }): void {
  const { config } = d;
  switch (event.timer) {
    case "connectRetry": {
      if (!d.running || d.idleHold || config.passive) return;
      if (d.conns.some((c) => c.phase !== "connecting")) return;
      const stuck = d.conns.filter((c) => c.phase === "connecting");
      for (const c of stuck) d.drop(c, null);
      if (stuck.length > 0) d.lastError = { kind: "socket", text: "Connection timed out" };
      d.startConnecting();
      return;
    }
    case "idleHold":
      if (!d.running || !d.idleHold) return;
      d.idleHold = false;
      if (!config.passive) d.startConnecting();
      return;
    case "errorForget":
      d.errorCount = 0;
      return;
    case "delayOpen": {
      const conn = event.connId === null ? undefined : d.conn(event.connId);
      if (conn?.phase === "delayOpen") d.sendOpen(conn);
      return;
    }
    case "hold": {
      const conn = event.connId === null ? undefined : d.conn(event.connId);
      if (!conn || PHASE_RANK[conn.phase] < PHASE_RANK.OpenSent) return;
      const n: NotificationData = { code: NotifyCode.HOLD_TIMER_EXPIRED, subcode: 0, data: EMPTY };
      d.lastError = { kind: "sent", text: notificationText(n) };
      d.drop(conn, n);
      if (conn.phase === "Established") {
        d.sessionDown(lastErrorText(d.lastError), retainRoutes(conn.negotiated, { kind: "hold" }));
      }
      d.afterLoss("error");
      return;
    }
    case "keepalive": {
      const conn = event.connId === null ? undefined : d.conn(event.connId);
      if (!conn || (conn.phase !== "OpenConfirm" && conn.phase !== "Established")) return;
      const keepalive = conn.negotiated!.keepaliveTime;
      d.actions.push({ type: "sendKeepalive", connId: conn.id });
      if (keepalive > 0) d.startTimer("keepalive", conn.id, keepalive, true);
      return;
    }
  }
}

function handle(d: Draft, event: FsmEvent): void {
  const { config } = d;
  switch (event.type) {
    case "RestartDone":
      d.restarting = false;
      return;

    case "ManualStart":
      if (d.running) return;
      d.running = true;
      d.idleHold = false;
      d.errorCount = 0;
      if (!config.passive) d.startConnecting();
      return;

    case "ManualStop": {
      if (!d.running && d.conns.length === 0) return;
      for (const conn of [...d.conns]) {
        d.drop(conn, event.notification);
        if (conn.phase === "Established") {
          // With a NOTIFICATION, RFC 8538 decides (Hard Reset flushes, others keep the routes).
          d.sessionDown(
            event.reason,
            event.notification === null
              ? event.retainRoutes
              : retainsAfterSending(conn.negotiated, event.notification),
          );
        }
      }
      d.stopTimer("connectRetry", null);
      d.stopTimer("idleHold", null);
      d.stopTimer("errorForget", null);
      d.running = false;
      d.idleHold = false;
      d.errorCount = 0;
      d.lastError = { kind: "misc", text: event.reason };
      return;
    }

    case "Reset": {
      if (!d.running) return;
      // A RIB reset refers to the session it saw; if that session is already gone, it is stale.
      if (event.kind === "error" && !d.conns.some((c) => c.phase === "Established")) return;
      for (const conn of [...d.conns]) {
        d.drop(conn, event.notification);
        if (conn.phase === "Established") {
          d.sessionDown(event.reason, retainsAfterSending(conn.negotiated, event.notification));
        }
      }
      d.lastError = { kind: "sent", text: notificationText(event.notification) };
      d.stopTimer("connectRetry", null);
      if (event.kind === "admin") {
        d.idleHold = false;
        d.stopTimer("idleHold", null);
        if (!config.passive) d.startConnecting();
      } else {
        d.enterIdleHold(event.holdDownSeconds);
      }
      return;
    }

    case "TcpConnectionConfirmed": {
      if (!d.running || d.idleHold) {
        d.actions.push({
          type: "refuse",
          notification: cease(CeaseSubcode.CONNECTION_REJECTED),
          reason: d.running
            ? "peer is in idle hold after an error"
            : "peer is administratively down",
        });
        return;
      }
      for (const old of [...d.conns]) {
        if (old.direction === "inbound" && old.phase !== "Established") d.drop(old, null);
      }
      const id = d.nextConnId++;
      const conn: Conn = {
        id,
        direction: "inbound",
        phase: "delayOpen",
        localAddress: event.localAddress,
        remoteAddress: event.remoteAddress,
        remoteOpen: null,
        negotiated: null,
      };
      d.conns.push(conn);
      d.actions.push({ type: "accept", connId: id });
      if (config.delayOpenTime > 0) d.startTimer("delayOpen", id, config.delayOpenTime);
      else d.sendOpen(conn);
      return;
    }

    case "TcpCrAcked": {
      const conn = d.conn(event.connId);
      if (conn?.phase !== "connecting") return;
      const up = d.update(conn.id, {
        phase: "delayOpen",
        localAddress: event.localAddress,
        remoteAddress: event.remoteAddress,
      });
      if (config.delayOpenTime > 0) d.startTimer("delayOpen", up.id, config.delayOpenTime);
      else d.sendOpen(up);
      return;
    }

    case "TcpConnectionFails": {
      const conn = d.conn(event.connId);
      if (!conn) return;
      d.drop(conn, null);
      if (conn.phase === "Established" || d.conns.length === 0) {
        d.lastError = { kind: "socket", text: event.error };
      }
      if (conn.phase === "Established") {
        d.sessionDown(lastErrorText(d.lastError!), retainRoutes(conn.negotiated, { kind: "tcp" }));
      }
      d.afterLoss("quiet");
      return;
    }

    case "TimerExpired":
      onTimer(d, event);
      return;

    case "BGPOpen": {
      const conn = d.conn(event.connId);
      if (conn) onOpen(d, conn, event);
      return;
    }

    case "MessageError": {
      const conn = d.conn(event.connId);
      if (conn) d.errorOn(conn, event.notification);
      return;
    }

    case "NotifMsg": {
      const conn = d.conn(event.connId);
      if (!conn) return;
      d.drop(conn, null);
      const matters = conn.phase === "Established" || d.conns.length === 0;
      if (matters) d.lastError = { kind: "received", text: notificationText(event.notification) };
      if (conn.phase === "Established") {
        d.sessionDown(
          lastErrorText(d.lastError!),
          retainRoutes(conn.negotiated, { kind: "notification", notification: event.notification }),
        );
      }
      d.afterLoss(promptReconnect(event.notification) ? "quiet" : "error");
      return;
    }

    case "KeepAliveMsg": {
      const conn = d.conn(event.connId);
      if (conn) onKeepalive(d, conn);
      return;
    }

    case "UpdateMsg": {
      const conn = d.conn(event.connId);
      if (conn) onUpdateOrRefresh(d, conn, "deliverUpdate");
      return;
    }

    case "RouteRefreshMsg": {
      const conn = d.conn(event.connId);
      if (conn) onUpdateOrRefresh(d, conn, "deliverRouteRefresh");
      return;
    }
  }
}

export function step(state: FsmState, event: FsmEvent): StepResult {
  const d = new Draft(state.config, state);
  handle(d, event);
  const next = d.freeze();
  const from = bgpState(state);
  const to = bgpState(next);
  if (from !== to) {
    const reason = to === "Established" || !next.lastError ? null : lastErrorText(next.lastError);
    d.actions.push({ type: "stateChange", from, to, reason });
  }
  return { state: next, actions: d.actions };
}
