/**
 * Synthetic peers for driving a RIB engine without a datastore or a session: a PeerConfig with
 * the defaults of a plain global unicast peer of local AS 64512, the NegotiatedSession such a
 * peer would end up with (4-octet ASes, route refresh, no ADD-PATH, no graceful restart), and the
 * SpeakerConfig around them (one accept-all policy named "all", single path).
 * Used by the JIT warm-up's throwaway engines (warm-up.ts), the RIB unit-test harness and the
 * RIB benchmark (scripts/bench/rib.bench.mjs, through dist/), so all three build them one way.
 * Implements no RFC section itself: it only fills in configuration and negotiation results.
 */
import type { NegotiatedSession } from "../../common/contracts/bgp-engines.js";
import type { RoutePolicy } from "../../common/contracts/policy.js";
import type { PeerConfig, SpeakerConfig } from "../../common/contracts/speaker-config.js";

/** The local AS every synthetic peer is configured against. */
export const SYNTHETIC_LOCAL_AS = 64512;

/** The policy synthetic peers export through by default: accept everything. */
export const SYNTHETIC_ACCEPT_ALL: RoutePolicy = {
  name: "all",
  statements: [{ result: "accept" }],
};

/**
 * A speaker with router ID 10.0.0.1 in AS 64512 and `peers`, the policy "all", graceful restart
 * on, one path per prefix; `overrides` replace any field.
 */
export function syntheticSpeakerConfig(
  peers: PeerConfig[],
  overrides: Partial<SpeakerConfig> = {},
): SpeakerConfig {
  return {
    routerId: "10.0.0.1",
    asNumber: SYNTHETIC_LOCAL_AS,
    listen: { address: null, port: 179 },
    clusterId: null,
    gracefulRestart: { enabled: true, restartTime: 120, convergenceTimeout: 300 },
    peers,
    policies: [SYNTHETIC_ACCEPT_ALL],
    originate: [],
    maxPaths: 1,
    multipathRelax: false,
    alwaysCompareMed: false,
    ...overrides,
  };
}

/**
 * A global peer at `address` (IPv4 or IPv6, which also picks its family) in `asNumber`,
 * exporting through the policy named "all"; `overrides` replace any field.
 */
export function syntheticPeer(
  name: string,
  address: string,
  asNumber: number,
  overrides: Partial<PeerConfig> = {},
): PeerConfig {
  return {
    name,
    type: "global",
    address,
    port: 179,
    asNumber,
    localAsNumber: SYNTHETIC_LOCAL_AS,
    families: [address.includes(":") ? "ipv6" : "ipv4"],
    passive: false,
    rrClient: false,
    clusterId: null,
    nextHop: "auto",
    sourceAddress: null,
    multihop: null,
    ttlSecurity: 0,
    gracefulRestartTime: 120,
    holdTime: 240,
    keepaliveTime: 80,
    connectRetryTime: 5,
    allowasIn: 0,
    password: null,
    addPaths: "off",
    importPolicy: [],
    exportPolicy: ["all"],
    maxPrefix: null,
    shutdown: false,
    description: "",
    ...overrides,
  };
}

/**
 * The session `peer` negotiated with us (router ID 10.0.0.1, local address 10.0.0.1 or
 * 2001:db8::1): unicast in the peer's address family, iBGP when its AS is its local AS, an IPv6
 * peer's router ID 192.0.2.1; `overrides` replace any field (localLinkLocalAddress is absent
 * unless given).
 */
export function syntheticSession(
  peer: PeerConfig,
  overrides: Partial<NegotiatedSession> = {},
): NegotiatedSession {
  const v6 = peer.address.includes(":");
  return {
    peerId: peer.name,
    localAs: peer.localAsNumber,
    remoteAs: peer.asNumber,
    localRouterId: "10.0.0.1",
    remoteRouterId: v6 ? "192.0.2.1" : peer.address,
    ibgp: peer.asNumber === peer.localAsNumber,
    holdTime: 90,
    keepaliveTime: 30,
    as4: true,
    families: [v6 ? "ipv6-unicast" : "ipv4-unicast"],
    addPathReceive: [],
    addPathSend: [],
    extendedMessage: false,
    extendedNextHop: [],
    routeRefresh: true,
    enhancedRouteRefresh: false,
    gracefulRestart: null,
    localAddress: v6 ? "2001:db8::1" : "10.0.0.1",
    remoteAddress: peer.address,
    remoteHostname: null,
    ...overrides,
  };
}
