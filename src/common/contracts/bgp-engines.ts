/**
 * Messages between the two halves of the speaker (OpenBGPD's SE/RDE split): the session engine
 * (src/bgp/session: sockets, FSM, timers, framing) and the RIB engine (src/bgp/rib: Adj-RIB-In,
 * decision process, Loc-RIB, Adj-RIB-Out, UPDATE generation). They share no objects: UPDATE
 * bodies cross as bytes, everything else as plain data, so the RIB could move to a worker thread.
 * src/bgp/speaker wires them together.
 */
import type { AfiSafiName } from "./families.js";

export interface GracefulRestartView {
  /** Peer's advertised restart time (s). */
  readonly restartTime: number;
  /** R bit: the peer has restarted (its previous routes are stale until its End-of-RIB). */
  readonly restarting: boolean;
  /** N bit (RFC 8538): NOTIFICATIONs/hold expiry also trigger GR helper mode. */
  readonly notification: boolean;
  /** Families the peer preserves forwarding state for (F bit), with GR negotiated. */
  readonly families: readonly { readonly family: AfiSafiName; readonly forwarding: boolean }[];
}

/** What OPEN negotiation produced (RFC 4271 §4.2, RFC 5492, and the capability RFCs). */
export interface NegotiatedSession {
  readonly peerId: string;
  readonly localAs: number;
  readonly remoteAs: number;
  readonly localRouterId: string;
  readonly remoteRouterId: string;
  readonly ibgp: boolean;
  readonly holdTime: number;
  readonly keepaliveTime: number;
  readonly as4: boolean;
  /** Families both sides agreed to exchange (MP-BGP), or ipv4-unicast implicitly. */
  readonly families: readonly AfiSafiName[];
  /** We receive path identifiers in these families (RFC 7911). */
  readonly addPathReceive: readonly AfiSafiName[];
  /** We send path identifiers in these families. */
  readonly addPathSend: readonly AfiSafiName[];
  readonly extendedMessage: boolean;
  /** Families whose NLRI may carry an IPv6 next hop (RFC 8950), e.g. ipv4-unicast. */
  readonly extendedNextHop: readonly AfiSafiName[];
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  /** null when either side did not advertise graceful restart. */
  readonly gracefulRestart: GracefulRestartView | null;
  readonly localAddress: string;
  /** IPv6 link-local address of our interface towards an on-link peer: the RIB sends it after
   *  the global address as "next hop self" for IPv6 (RFC 2545 §3). Absent/null when the peer is
   *  not on-link or the address is unknown. */
  readonly localLinkLocalAddress?: string | null;
  readonly remoteAddress: string;
  readonly remoteHostname: string | null;
}

export interface NotificationData {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

// session → rib
export type SessionToRib =
  | { readonly type: "sessionUp"; readonly peerId: string; readonly negotiated: NegotiatedSession }
  | {
      readonly type: "sessionDown";
      readonly peerId: string;
      readonly reason: string;
      /** Keep the peer's routes as stale (GR helper, RFC 4724 §4.2 / RFC 8538). */
      readonly retainRoutes: boolean;
    }
  | { readonly type: "update"; readonly peerId: string; readonly body: Uint8Array }
  | {
      readonly type: "routeRefresh";
      readonly peerId: string;
      readonly afi: number;
      readonly safi: number;
      /** RFC 7313: 0 normal request, 1 BoRR, 2 EoRR. */
      readonly subtype: number;
    }
  /** The socket drained its write buffer (flow control for UPDATE generation). */
  | { readonly type: "writable"; readonly peerId: string };

// rib → session
export type RibToSession =
  /** Complete UPDATE messages (with the 19-octet header), in order; written as they are. */
  | { readonly type: "updates"; readonly peerId: string; readonly messages: readonly Uint8Array[] }
  | {
      readonly type: "routeRefresh";
      readonly peerId: string;
      readonly afi: number;
      readonly safi: number;
      readonly subtype: number;
    }
  /** Tear the session down with this NOTIFICATION (RFC 7606 session reset, max-prefix). */
  | {
      readonly type: "reset";
      readonly peerId: string;
      readonly notification: NotificationData;
      /** Reconnect no sooner than this many seconds (max-prefix restart interval); null = normal. */
      readonly holdDownSeconds: number | null;
    };
