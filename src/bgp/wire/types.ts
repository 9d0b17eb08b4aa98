/**
 * The typed model of BGP-4 messages that the codec decodes to and encodes from (RFC 4271 §4 and
 * the extension RFCs named at each type). This file is the contract between the codec (owned by
 * src/bgp/wire) and its users (session engine, RIB, `wren decode`). Values are plain data:
 * addresses as canonical text, NLRI as packed lists (no object per prefix on the hot path).
 */
import type { AfiSafiName, Family } from "../../common/contracts/families.js";
import type { BgpError } from "./errors.js";

// ---------------------------------------------------------------------------------------------
// Context: the negotiated session state the codec needs. No hidden per-peer state elsewhere.

export interface CodecContext {
  /** RFC 6793: 4-octet AS numbers in AS_PATH/AGGREGATOR (both sides advertised the capability). */
  readonly as4: boolean;
  /** RFC 7911: families whose NLRI carry a 4-octet path identifier in this direction. */
  readonly addPath: readonly AfiSafiName[];
  /** RFC 8654: messages up to 65535 octets (else 4096). */
  readonly extendedMessage: boolean;
  /** RFC 8950: families whose NLRI may have an IPv6 next hop. */
  readonly extendedNextHop: readonly AfiSafiName[];
  /**
   * The peer is external (eBGP). Received LOCAL_PREF is then discarded (RFC 4271 §5.1.5, RFC 7606
   * §7.5). Absent means internal or unknown (`wren decode`).
   */
  readonly ebgp?: boolean;
}

export const DEFAULT_CONTEXT: CodecContext = Object.freeze({
  as4: false,
  addPath: [],
  extendedMessage: false,
  extendedNextHop: [],
});

// ---------------------------------------------------------------------------------------------
// NLRI (RFC 4271 §4.3, RFC 4760 §5, RFC 7911 §3): packed, one allocation per list.

export interface NlriList {
  readonly family: Family;
  readonly count: number;
  /** Prefix length of entry i. */
  readonly lengths: Uint8Array;
  /** count × 4 (IPv4) or count × 16 (IPv6) bytes; entry i at i × width, host bits zero. */
  readonly addrs: Uint8Array;
  /** ADD-PATH path identifier of entry i, when the context has ADD-PATH for the family. */
  readonly pathIds: Uint32Array | null;
}

// ---------------------------------------------------------------------------------------------
// OPEN (RFC 4271 §4.2) and capabilities (RFC 5492).

export type AddPathDirection = "receive" | "send" | "both";

export type Capability =
  | { readonly type: "multiprotocol"; readonly afi: number; readonly safi: number } // RFC 4760, code 1
  | { readonly type: "routeRefresh" } // RFC 2918, code 2
  | { readonly type: "routeRefreshCisco" } // pre-standard, code 128 (FRR still sends it)
  | { readonly type: "enhancedRouteRefresh" } // RFC 7313, code 70
  | { readonly type: "fourOctetAs"; readonly asn: number } // RFC 6793, code 65
  | {
      // RFC 4724 (+ RFC 8538 N bit), code 64
      readonly type: "gracefulRestart";
      readonly restarting: boolean;
      readonly notification: boolean;
      readonly restartTime: number;
      readonly families: readonly {
        readonly afi: number;
        readonly safi: number;
        readonly forwarding: boolean;
      }[];
    }
  | {
      // RFC 7911, code 69
      readonly type: "addPath";
      readonly families: readonly {
        readonly afi: number;
        readonly safi: number;
        readonly direction: AddPathDirection;
      }[];
    }
  | {
      // RFC 8950, code 5
      readonly type: "extendedNextHop";
      readonly entries: readonly {
        readonly afi: number;
        readonly safi: number;
        readonly nextHopAfi: number;
      }[];
    }
  | { readonly type: "extendedMessage" } // RFC 8654, code 6
  | { readonly type: "fqdn"; readonly hostname: string; readonly domain: string } // code 73
  | { readonly type: "unknown"; readonly code: number; readonly value: Uint8Array };

export interface OpenMessage {
  readonly type: "OPEN";
  readonly version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS 23456 when the real AS is > 65535). */
  readonly myAs: number;
  readonly holdTime: number;
  readonly bgpId: string;
  readonly capabilities: readonly Capability[];
  /** Optional parameters other than capabilities (type ≠ 2), kept raw. */
  readonly otherParameters: readonly { readonly type: number; readonly value: Uint8Array }[];
}

// ---------------------------------------------------------------------------------------------
// UPDATE (RFC 4271 §4.3) and path attributes (§5 and extension RFCs).

export type Origin = "igp" | "egp" | "incomplete";

export type AsPathSegmentType = "sequence" | "set" | "confedSequence" | "confedSet";

export interface AsPathSegment {
  readonly type: AsPathSegmentType;
  readonly asns: readonly number[];
}

export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  /** Next hop(s): one address, or IPv6 global + link-local (RFC 2545 §3). */
  readonly nextHops: readonly string[];
  /** Decoded NLRI for IPv4/IPv6 unicast; null for other AFI/SAFIs (kept in `raw`). */
  readonly nlri: NlriList | null;
  readonly raw?: Uint8Array;
}

export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: NlriList | null;
  readonly raw?: Uint8Array;
}

/** RFC 4360: 8 octets, shown as type/subtype/value (e.g. route target "rt 65000:1"). */
export interface ExtendedCommunity {
  readonly type: number;
  readonly subtype: number;
  /** The remaining 6 octets. */
  readonly value: Uint8Array;
}

export type LargeCommunity = readonly [number, number, number];

export interface UnknownAttribute {
  readonly flags: number;
  readonly code: number;
  readonly value: Uint8Array;
}

/**
 * Decoded path attributes. On a 2-octet session, AS4_PATH/AS4_AGGREGATOR are merged into
 * `asPath`/`aggregator` (RFC 6793 §4.2.3) and also kept as received in `as4Path`/`as4Aggregator`.
 * Decoded sets are frozen and may be shared between routes (the RIB interns them).
 */
export interface PathAttributes {
  readonly origin?: Origin;
  readonly asPath?: readonly AsPathSegment[];
  readonly nextHop?: string;
  readonly med?: number;
  readonly localPref?: number;
  readonly atomicAggregate?: boolean;
  readonly aggregator?: { readonly asn: number; readonly address: string };
  /** RFC 1997 values as uint32 (high 16 bits = AS). */
  readonly communities?: readonly number[];
  readonly originatorId?: string;
  readonly clusterList?: readonly string[];
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  readonly extendedCommunities?: readonly ExtendedCommunity[];
  readonly as4Path?: readonly AsPathSegment[];
  readonly as4Aggregator?: { readonly asn: number; readonly address: string };
  readonly largeCommunities?: readonly LargeCommunity[];
  /** Attributes we do not interpret; optional transitive ones are re-sent with Partial set. */
  readonly unknown?: readonly UnknownAttribute[];
}

export interface UpdateMessage {
  readonly type: "UPDATE";
  /** IPv4 unicast Withdrawn Routes field. */
  readonly withdrawn: NlriList;
  readonly attributes: PathAttributes;
  /** IPv4 unicast NLRI field. */
  readonly nlri: NlriList;
}

// ---------------------------------------------------------------------------------------------
// NOTIFICATION (RFC 4271 §4.5), KEEPALIVE (§4.4), ROUTE-REFRESH (RFC 2918, RFC 7313).

export interface NotificationMessage {
  readonly type: "NOTIFICATION";
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  /**
   * RFC 8203 / RFC 9003 shutdown communication (Cease, Administrative Shutdown or Reset), decoded
   * from `data`; when encoding with empty `data`, this text is encoded instead.
   */
  readonly shutdownCommunication?: string;
}

export interface KeepaliveMessage {
  readonly type: "KEEPALIVE";
}

export interface RouteRefreshMessage {
  readonly type: "ROUTE-REFRESH";
  readonly afi: number;
  readonly safi: number;
  /** RFC 7313 message subtype: 0 request, 1 BoRR, 2 EoRR. */
  readonly subtype: number;
  /** Octets after a request (RFC 5291 ORF entries), kept raw. */
  readonly orfEntries?: Uint8Array;
}

export type BgpMessage =
  | OpenMessage
  | UpdateMessage
  | NotificationMessage
  | KeepaliveMessage
  | RouteRefreshMessage;

// ---------------------------------------------------------------------------------------------
// Errors (RFC 4271 §6, RFC 7606 §2 and §7).

export type ErrorAction =
  | "session-reset"
  | "afi-safi-disable"
  | "treat-as-withdraw"
  | "attribute-discard";

// ---------------------------------------------------------------------------------------------
// Decoding UPDATE bodies for the RIB (wire-api.md: decodeUpdate, AttributeCache).

/**
 * Shares decoded attribute sets between UPDATEs carrying identical attribute bytes. The key is
 * `DecodedUpdate.attrKey`; cached values are frozen and must not carry per-message NLRI.
 */
export interface AttributeCache {
  get(key: string): PathAttributes | undefined;
  set(key: string, attrs: PathAttributes): void;
}

export interface DecodedUpdate {
  readonly update: UpdateMessage;
  /** Strongest non-fatal RFC 7606 action found (session-reset errors throw instead). */
  readonly action: ErrorAction | null;
  /** Every non-fatal error found, in the order met. */
  readonly errors: readonly BgpError[];
  /** The family whose End-of-RIB marker this is (RFC 4724 §2), else null. */
  readonly endOfRib: AfiSafiName | null;
  /** Identifies the attribute set: attribute bytes without MP_REACH/MP_UNREACH NLRI (latin1). */
  readonly attrKey: string;
  /** NLRI of MP_REACH_NLRI in this message (also when the attributes came from the cache). */
  readonly mpReachNlri: NlriList | null;
  /** Withdrawn routes of MP_UNREACH_NLRI in this message. */
  readonly mpUnreachNlri: NlriList | null;
}
