/**
 * What the BGP speaker is told to do: global settings, the peers, policies and originated
 * prefixes. The Calico renderer produces it (as part of the node plan, see plan.ts); the daemon
 * hands it to the speaker with `configure()`, again on every reload. The speaker diffs it against
 * the running configuration itself: peers are keyed by `name`, and only peers whose
 * session-relevant fields changed are reset (see `peerNeedsReset`).
 *
 * Text fields (addresses, CIDRs) are canonical: IPv4 dotted quad, IPv6 RFC 5952, CIDRs masked.
 * Times are seconds.
 */
import type { Family } from "./families.js";
import type { RoutePolicy } from "./policy.js";

/** `calicoctl node status` peer types. */
export type PeerType = "node-to-node mesh" | "global" | "node specific";

/** Calico nextHopMode: auto = BGP default (self on eBGP, unchanged on iBGP/RR). */
export type NextHopMode = "auto" | "self" | "keep";

export type AddPathMode = "off" | "receive" | "send" | "both";

export interface MaxPrefixConfig {
  readonly limit: number;
  /** warn: log and count only; restart: Cease/Maximum Number of Prefixes Reached (RFC 4486),
   *  then reconnect after `restartAfter` seconds. */
  readonly action: "warn" | "restart";
  readonly restartAfter: number;
}

export interface PeerConfig {
  /** Unique protocol name, Calico style: Mesh_10_0_0_12, Global_10_0_0_1_port_1179, Node_... */
  readonly name: string;
  readonly type: PeerType;
  readonly address: string;
  readonly port: number;
  readonly asNumber: number;
  /** Local AS on this session (BGPPeer localASNumber, else the node AS). */
  readonly localAsNumber: number;
  /** Families exchanged on this session (Calico: the peer address family). */
  readonly families: readonly Family[];
  /** Never dial; only accept the peer's connection (Calico's string-compare rule). */
  readonly passive: boolean;
  /** This peer is a route-reflector client of ours (RFC 4456). */
  readonly rrClient: boolean;
  /** Cluster ID we use towards this client (dotted quad) when rrClient. */
  readonly clusterId: string | null;
  readonly nextHop: NextHopMode;
  /** Local address to connect from / to expect the session on; null = kernel's choice. */
  readonly sourceAddress: string | null;
  /** TTL of our packets on this session (Calico: every peer multihop → 255-hop default). */
  readonly multihop: number | null;
  /** GTSM (RFC 5082): 0 = off, else accept only TTL ≥ 256 − N and send TTL 255. */
  readonly ttlSecurity: number;
  /** Restart time we ask the peer to keep our routes for, and we keep theirs at most. */
  readonly gracefulRestartTime: number;
  readonly holdTime: number;
  readonly keepaliveTime: number;
  readonly connectRetryTime: number;
  /** RFC 4271 §8.1.1 DelayOpenTime (FRR `neighbor X timers delayopen N`): after the TCP
   *  connection is up, wait this long for the peer's OPEN before sending ours (an OPEN received
   *  meanwhile is answered at once). 0 = off; absent = the session engine's default (off). */
  readonly delayOpenTime?: number;
  /** Accept routes whose AS_PATH contains our AS up to this many times (allowas-in). */
  readonly allowasIn: number;
  /** TCP-MD5 (RFC 2385) key; null = none. */
  readonly password: string | null;
  readonly addPaths: AddPathMode;
  readonly importPolicy: readonly string[];
  readonly exportPolicy: readonly string[];
  readonly maxPrefix: MaxPrefixConfig | null;
  /** Administratively shut: the session is torn down with a Cease/Administrative Shutdown. */
  readonly shutdown: boolean;
  readonly description: string;
}

export type OriginKind = "block" | "service" | "borrowed" | "static";

export interface OriginatedPrefix {
  readonly prefix: string;
  readonly kind: OriginKind;
  /** Interface the route points at, for BGPFilter `interface` matches (e.g. a cali* veth). */
  readonly interface?: string;
}

export interface GracefulRestartConfig {
  readonly enabled: boolean;
  /** Restart time advertised in our capability (BIRD/Calico default 120 s). */
  readonly restartTime: number;
  /** How long we wait for peers' End-of-RIB after our own restart before declaring convergence. */
  readonly convergenceTimeout: number;
}

export interface SpeakerConfig {
  readonly routerId: string;
  readonly asNumber: number;
  readonly listen: { readonly address: string | null; readonly port: number };
  /** Our cluster ID when this node is a route reflector (Node routeReflectorClusterID). */
  readonly clusterId: string | null;
  readonly gracefulRestart: GracefulRestartConfig;
  readonly peers: readonly PeerConfig[];
  readonly policies: readonly RoutePolicy[];
  readonly originate: readonly OriginatedPrefix[];
  /** ECMP: how many equal best paths go to the kernel as one multipath route (1 = off). */
  readonly maxPaths: number;
  /** Multipath across different neighbour ASes with equal AS_PATH length (FRR multipath-relax). */
  readonly multipathRelax: boolean;
  /** Compare MED between routes from different neighbour ASes (always-compare-med). */
  readonly alwaysCompareMed: boolean;
}

export const PEER_DEFAULTS = {
  port: 179,
  holdTime: 240,
  keepaliveTime: 80,
  connectRetryTime: 5,
  gracefulRestartTime: 120,
} as const;

/** Fields whose change needs the session re-established; any other change is applied softly
 *  (export policy → re-advertise, import policy → route refresh / soft reconfiguration). */
export const PEER_RESET_FIELDS = [
  "address",
  "port",
  "asNumber",
  "localAsNumber",
  "families",
  "passive",
  "rrClient",
  "clusterId",
  "sourceAddress",
  "multihop",
  "ttlSecurity",
  "gracefulRestartTime",
  "holdTime",
  "keepaliveTime",
  "password",
  "addPaths",
] as const satisfies readonly (keyof PeerConfig)[];

export function peerNeedsReset(a: PeerConfig, b: PeerConfig): boolean {
  return PEER_RESET_FIELDS.some((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f]));
}
