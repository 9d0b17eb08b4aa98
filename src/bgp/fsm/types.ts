/**
 * Types of the pure BGP finite state machine (RFC 4271 §8): its per-peer state, the events that
 * drive it and the actions it asks its driver (src/bgp/session) to carry out. The machine never
 * touches sockets or clocks: timers and sends are actions, expirations and received messages are
 * events. One machine per configured peer holds up to two transport connections at once (ours
 * and the peer's) so that connection collisions (§6.8) can be resolved inside it.
 */
import type { NegotiatedSession, NotificationData } from "../../common/contracts/bgp-engines.js";
import type { AfiSafiName } from "../../common/contracts/families.js";
import type { BgpState } from "../../common/contracts/speaker.js";
import type { AddPathMode } from "../../common/contracts/speaker-config.js";
import type { OpenMessage } from "../wire/types.js";

/** What this speaker advertises and expects on one session (from PeerConfig + global config). */
export interface LocalSessionParams {
  readonly peerId: string;
  readonly localAs: number;
  /** The AS the peer must announce (Bad Peer AS otherwise). */
  readonly remoteAs: number;
  readonly localRouterId: string;
  readonly families: readonly AfiSafiName[];
  readonly addPaths: AddPathMode;
  /** Hold time put in our OPEN (0 = no keepalives; otherwise ≥ 3). */
  readonly holdTime: number;
  /** Upper bound of the keepalive interval; the negotiated hold time / 3 caps it. */
  readonly keepaliveTime: number;
  /** null = graceful restart capability not advertised. */
  readonly gracefulRestart: { readonly restartTime: number } | null;
  /** RFC 8950: advertise IPv6 next hops for IPv4 unicast (sessions over IPv6). */
  readonly extendedNextHop: boolean;
  readonly extendedMessage: boolean;
  /** Hostname capability (FQDN, code 73); null = not advertised. */
  readonly hostname: string | null;
}

export interface FsmConfig {
  readonly local: LocalSessionParams;
  /** Never dial; only accept the peer's connection. */
  readonly passive: boolean;
  readonly connectRetryTime: number;
  /** RFC 4271 §8.1.1 DelayOpen: wait this long for the peer's OPEN before sending ours; 0 = off. */
  readonly delayOpenTime: number;
  /** Hold timer while waiting for the peer's OPEN (RFC 4271 suggests 4 minutes). */
  readonly openSentHoldTime: number;
  /** Idle hold after errors: first wait, doubled per consecutive error up to max (BIRD's
   *  `error wait time 5,30`). */
  readonly errorWaitInitial: number;
  readonly errorWaitMax: number;
  /** Consecutive errors are forgotten after this long without a new one (BIRD `error forget`). */
  readonly errorForgetTime: number;
}

/** Per-connection progress. `connecting`: our TCP SYN is out; `delayOpen`: TCP up, DelayOpen
 *  timer running, our OPEN not sent yet. The other names are RFC 4271's. */
export type ConnPhase = "connecting" | "delayOpen" | "OpenSent" | "OpenConfirm" | "Established";

export type ConnDirection = "outbound" | "inbound";

export interface Conn {
  readonly id: number;
  readonly direction: ConnDirection;
  readonly phase: ConnPhase;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly remoteOpen: OpenMessage | null;
  readonly negotiated: NegotiatedSession | null;
}

/** How the last session ended, in BIRD's words: class + message (e.g. "Socket: Connection refused"). */
export interface LastError {
  readonly kind: "socket" | "received" | "sent" | "misc";
  readonly text: string;
}

export interface FsmState {
  readonly config: FsmConfig;
  /** ManualStart seen and no ManualStop since. */
  readonly running: boolean;
  /** IdleHold timer running: no connects, incoming connections refused. */
  readonly idleHold: boolean;
  readonly conns: readonly Conn[];
  readonly nextConnId: number;
  /** Consecutive errors, for the growing idle hold time. */
  readonly errorCount: number;
  /** RFC 4724 §4.1: we restarted; the R bit goes into our OPENs until our routing has converged
   *  (`RestartDone`), as BIRD keeps it for its whole recovery: a session that flaps before then
   *  still tells the peer not to wait for our End-of-RIB. */
  readonly restarting: boolean;
  readonly lastError: LastError | null;
}

export type TimerName =
  | "connectRetry"
  | "idleHold"
  | "errorForget"
  | "delayOpen"
  | "hold"
  | "keepalive";

export type FsmEvent =
  | { readonly type: "ManualStart" }
  /** Our graceful restart is over (the RIB converged): later OPENs carry no R bit. */
  | { readonly type: "RestartDone" }
  /** Stop the peer. `notification` null closes the connections silently (graceful restart of
   *  wren itself: peers keep our routes) and `retainRoutes` is passed on in sessionDown; with a
   *  NOTIFICATION, RFC 8538 decides (notification-gr.ts). */
  | {
      readonly type: "ManualStop";
      readonly notification: NotificationData | null;
      readonly reason: string;
      readonly retainRoutes: boolean;
    }
  /** Tear the session down and start again: `error` (RFC 7606 session reset, max-prefix) waits
   *  in Idle (holdDownSeconds, else the error back-off); `admin` (configuration change) restarts
   *  at once. */
  | {
      readonly type: "Reset";
      readonly notification: NotificationData;
      readonly kind: "error" | "admin";
      readonly holdDownSeconds: number | null;
      readonly reason: string;
    }
  /** An incoming TCP connection from this peer's address was accepted by the listener. */
  | {
      readonly type: "TcpConnectionConfirmed";
      readonly localAddress: string;
      readonly remoteAddress: string;
    }
  /** Our outgoing connection `connId` completed its handshake. */
  | {
      readonly type: "TcpCrAcked";
      readonly connId: number;
      readonly localAddress: string;
      readonly remoteAddress: string;
    }
  /** Connect failed, or the connection was closed/reset by the peer. `error` is the socket
   *  error text ("Connection refused", "Connection closed"). */
  | { readonly type: "TcpConnectionFails"; readonly connId: number; readonly error: string }
  | { readonly type: "TimerExpired"; readonly timer: TimerName; readonly connId: number | null }
  | { readonly type: "BGPOpen"; readonly connId: number; readonly open: OpenMessage }
  /** A message that must reset the session: header error, OPEN error, malformed NOTIFICATION /
   *  ROUTE-REFRESH, UPDATE session-reset found by the session engine. */
  | {
      readonly type: "MessageError";
      readonly connId: number;
      readonly notification: NotificationData;
      readonly reason: string;
    }
  | { readonly type: "NotifMsg"; readonly connId: number; readonly notification: NotificationData }
  | { readonly type: "KeepAliveMsg"; readonly connId: number }
  | { readonly type: "UpdateMsg"; readonly connId: number }
  | { readonly type: "RouteRefreshMsg"; readonly connId: number };

export type FsmAction =
  | { readonly type: "connect"; readonly connId: number }
  /** Bind the accepted incoming connection to `connId`. */
  | { readonly type: "accept"; readonly connId: number }
  /** Refuse the incoming connection (send the NOTIFICATION if any, then close). */
  | {
      readonly type: "refuse";
      readonly notification: NotificationData | null;
      readonly reason: string;
    }
  /** Close the connection after flushing what was written; cancels the connection's timers. */
  | { readonly type: "close"; readonly connId: number }
  | { readonly type: "sendOpen"; readonly connId: number; readonly open: OpenMessage }
  | { readonly type: "sendKeepalive"; readonly connId: number }
  | {
      readonly type: "sendNotification";
      readonly connId: number;
      readonly notification: NotificationData;
    }
  | {
      readonly type: "startTimer";
      readonly timer: TimerName;
      readonly connId: number | null;
      readonly seconds: number;
      /** RFC 4271 §10: multiply by a random factor in [0.75, 1]. */
      readonly jitter: boolean;
    }
  | { readonly type: "stopTimer"; readonly timer: TimerName; readonly connId: number | null }
  | { readonly type: "sessionUp"; readonly connId: number; readonly negotiated: NegotiatedSession }
  | { readonly type: "sessionDown"; readonly reason: string; readonly retainRoutes: boolean }
  /** Forward the UPDATE just received on `connId` to the RIB (verbatim). */
  | { readonly type: "deliverUpdate"; readonly connId: number }
  | { readonly type: "deliverRouteRefresh"; readonly connId: number }
  | {
      readonly type: "stateChange";
      readonly from: BgpState;
      readonly to: BgpState;
      readonly reason: string | null;
    };

export interface StepResult {
  readonly state: FsmState;
  readonly actions: readonly FsmAction[];
}
