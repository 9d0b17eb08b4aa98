/**
 * The BGP speaker as the daemon sees it: configure it with a SpeakerConfig (again on every
 * reload), listen for kernel-bound route batches and state changes, ask it for status and routes.
 * The implementation (src/bgp/speaker) composes the session engine and the RIB engine.
 */
import type { BgpRouteBatch } from "./dataplane.js";
import type { Family } from "./families.js";
import type { PeerType, SpeakerConfig } from "./speaker-config.js";

/** RFC 4271 §8.2.2 state names. */
export type BgpState = "Idle" | "Connect" | "Active" | "OpenSent" | "OpenConfirm" | "Established";

/** BIRD's protocol state column, used in `wren status` ("up" when Established). */
export type ProtocolState = "down" | "start" | "up" | "stop";

export interface PrefixCounters {
  /** In Adj-RIB-In now (a withdrawal lowers it). */
  readonly received: number;
  /** Accepted by import policy. */
  readonly accepted: number;
  /** In Adj-RIB-Out now. */
  readonly advertised: number;
}

export interface MessageCounters {
  readonly updatesIn: number;
  readonly updatesOut: number;
  readonly notificationsIn: number;
  readonly notificationsOut: number;
  readonly keepalivesIn: number;
  readonly keepalivesOut: number;
}

export interface NegotiatedView {
  readonly holdTime: number;
  readonly keepaliveTime: number;
  readonly as4: boolean;
  readonly families: readonly string[];
  readonly addPathReceive: readonly string[];
  readonly addPathSend: readonly string[];
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  readonly gracefulRestart: boolean;
  readonly extendedMessage: boolean;
  readonly remoteRouterId: string;
  readonly localAddress: string;
  readonly remoteHostname: string | null;
}

export interface PeerStatus {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly asNumber: number;
  readonly localAsNumber: number;
  readonly type: PeerType;
  readonly family: Family;
  readonly state: ProtocolState;
  readonly bgpState: BgpState;
  /** ISO 8601 time of the last state change. */
  readonly since: string;
  /** calicoctl-style Info: bgpState plus the last error, e.g. "Active Socket: Connection refused". */
  readonly info: string;
  readonly lastError: string | null;
  readonly prefixes: PrefixCounters;
  readonly messages: MessageCounters;
  readonly negotiated: NegotiatedView | null;
  /** Graceful restart helper state: peer's routes held as stale until EoR or timer. */
  readonly staleRoutes: number;
  readonly passive: boolean;
  readonly rrClient: boolean;
  /** The peer sent End-of-RIB (RFC 4724 §2) for every family of the current session: its
   *  initial table is complete. Undefined when the speaker does not track it. The daemon uses it
   *  after wren's own graceful restart to sweep stale kernel routes only once every peer has
   *  re-sent its routes (also peers that set the R bit, which the RIB does not wait for). */
  readonly endOfRibReceived?: boolean;
}

export interface SpeakerStatus {
  readonly routerId: string;
  readonly asNumber: number;
  readonly peers: readonly PeerStatus[];
  /** True while we wait for peers' End-of-RIB after our own restart. */
  readonly gracefulRestartInProgress: boolean;
  readonly locRibPrefixes: { readonly ipv4: number; readonly ipv6: number };
}

export interface PathView {
  readonly peer: string | null; // null = originated locally
  readonly nexthop: string;
  readonly asPath: string;
  readonly origin: "igp" | "egp" | "incomplete";
  readonly med: number | null;
  readonly localPref: number | null;
  readonly communities: readonly string[];
  readonly largeCommunities: readonly string[];
  readonly extendedCommunities: readonly string[];
  readonly originatorId: string | null;
  readonly clusterList: readonly string[];
  readonly pathId: number | null;
  readonly best: boolean;
  readonly multipath: boolean;
  readonly stale: boolean;
  /** Why this path is not (or is) the best one, e.g. "lower local-pref than best (100 < 200)". */
  readonly reason: string;
  readonly age: number;
}

export interface RouteView {
  readonly prefix: string;
  readonly paths: readonly PathView[];
}

export interface RouteQuery {
  readonly prefix?: string;
  /** Only paths learned from this peer address. */
  readonly peer?: string;
  /** Include paths rejected by import policy / not selected. */
  readonly all?: boolean;
  readonly family?: Family;
  readonly limit?: number;
}

export type SpeakerEvent =
  | {
      readonly type: "peerState";
      readonly peer: string;
      readonly from: BgpState;
      readonly to: BgpState;
      readonly reason: string | null;
    }
  | { readonly type: "converged" }
  | { readonly type: "error"; readonly message: string };

export interface ConfigureResult {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly reset: readonly string[];
  readonly softChanged: readonly string[];
}

export interface Speaker {
  /** Applies a configuration (first call starts listening). Only changed sessions are touched. */
  configure(config: SpeakerConfig): Promise<ConfigureResult>;
  onRoutes(listener: (batch: BgpRouteBatch) => void): void;
  onEvent(listener: (event: SpeakerEvent) => void): void;
  status(): SpeakerStatus;
  routes(query: RouteQuery): RouteView[];
  /** graceful: close sockets without Cease so peers keep our routes (GR); withdraw: Cease to all. */
  stop(mode: "graceful" | "withdraw"): Promise<void>;
}
