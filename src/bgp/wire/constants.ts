/**
 * Numbers of the BGP-4 wire format: message types (RFC 4271 §4.1, RFC 2918), path attribute type
 * codes and flags (RFC 4271 §4.3/§5 and extension RFCs), capability codes (RFC 5492 and the IANA
 * "Capability Codes" registry), optional parameter types (RFC 5492, RFC 9072), and every
 * NOTIFICATION error code/subcode of RFC 4271 §4.5/§6, RFC 4486, RFC 7313, RFC 8203/9003 and
 * RFC 8654 (IANA "BGP Error (Notification) Codes" / "Subcodes"). Names of the values, used in
 * JSON and logs, are here too.
 */

export const MARKER_LENGTH = 16;
export const HEADER_LENGTH = 19;
/** RFC 4271 §4.1: maximum message size without RFC 8654. */
export const MAX_MESSAGE = 4096;
/** RFC 8654: maximum message size with the extended message capability. */
export const MAX_EXTENDED_MESSAGE = 65535;
/** RFC 4271 §4.2: smallest OPEN (no optional parameters). */
export const MIN_OPEN_LENGTH = 29;
/** RFC 4271 §4.3: smallest UPDATE (both length fields zero). */
export const MIN_UPDATE_LENGTH = 23;
export const KEEPALIVE_LENGTH = 19;
export const MIN_NOTIFICATION_LENGTH = 21;
/** RFC 2918 §3: ROUTE-REFRESH is exactly 23 octets. */
export const ROUTE_REFRESH_LENGTH = 23;

export const BGP_VERSION = 4;
/** RFC 6793 §9: the 2-octet AS number standing in for a 4-octet one. */
export const AS_TRANS = 23456;

export const MessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;
export type MessageTypeCode = (typeof MessageType)[keyof typeof MessageType];

// ---------------------------------------------------------------------------------------------
// Path attributes.

export const AttrFlag = {
  OPTIONAL: 0x80,
  TRANSITIVE: 0x40,
  PARTIAL: 0x20,
  EXTENDED_LENGTH: 0x10,
} as const;

export const AttrType = {
  ORIGIN: 1,
  AS_PATH: 2,
  NEXT_HOP: 3,
  MULTI_EXIT_DISC: 4,
  LOCAL_PREF: 5,
  ATOMIC_AGGREGATE: 6,
  AGGREGATOR: 7,
  COMMUNITIES: 8, // RFC 1997
  ORIGINATOR_ID: 9, // RFC 4456
  CLUSTER_LIST: 10, // RFC 4456
  MP_REACH_NLRI: 14, // RFC 4760
  MP_UNREACH_NLRI: 15, // RFC 4760
  EXTENDED_COMMUNITIES: 16, // RFC 4360
  AS4_PATH: 17, // RFC 6793
  AS4_AGGREGATOR: 18, // RFC 6793
  LARGE_COMMUNITY: 32, // RFC 8092
} as const;

/** camelCase names of the attribute type codes, as the JSON of `wren decode` spells them. */
export const ATTRIBUTE_NAMES: Readonly<Record<number, string>> = {
  1: "origin",
  2: "asPath",
  3: "nextHop",
  4: "multiExitDisc",
  5: "localPref",
  6: "atomicAggregate",
  7: "aggregator",
  8: "communities",
  9: "originatorId",
  10: "clusterList",
  14: "mpReachNlri",
  15: "mpUnreachNlri",
  16: "extendedCommunities",
  17: "as4Path",
  18: "as4Aggregator",
  32: "largeCommunity",
};

export const OriginCode = { IGP: 0, EGP: 1, INCOMPLETE: 2 } as const;

export const AsPathSegmentCode = {
  AS_SET: 1,
  AS_SEQUENCE: 2,
  AS_CONFED_SEQUENCE: 3, // RFC 5065
  AS_CONFED_SET: 4, // RFC 5065
} as const;

/** RFC 1997 and the IANA "BGP Well-known Communities" registry: value → JSON name. */
export const WELL_KNOWN_COMMUNITIES: ReadonlyMap<number, string> = new Map([
  [0xffff0000, "GRACEFUL_SHUTDOWN"], // RFC 8326
  [0xffff0001, "ACCEPT_OWN"], // RFC 7611
  [0xffff0002, "ROUTE_FILTER_TRANSLATED_v4"],
  [0xffff0003, "ROUTE_FILTER_v4"],
  [0xffff0004, "ROUTE_FILTER_TRANSLATED_v6"],
  [0xffff0005, "ROUTE_FILTER_v6"],
  [0xffff0006, "LLGR_STALE"],
  [0xffff0007, "NO_LLGR"],
  [0xffff0008, "accept-own-nexthop"],
  [0xffff029a, "BLACKHOLE"], // RFC 7999
  [0xffffff01, "NO_EXPORT"], // RFC 1997
  [0xffffff02, "NO_ADVERTISE"], // RFC 1997
  [0xffffff03, "NO_EXPORT_SUBCONFED"], // RFC 1997
  [0xffffff04, "NOPEER"], // RFC 3765
]);

// ---------------------------------------------------------------------------------------------
// OPEN optional parameters and capabilities.

export const OptParamType = {
  CAPABILITIES: 2, // RFC 5492
  /** RFC 9072 §2: Non-Ext OP Type 255 marks the extended optional parameters format. */
  EXTENDED_LENGTH: 255,
} as const;

export const CapabilityCode = {
  MULTIPROTOCOL: 1, // RFC 4760
  ROUTE_REFRESH: 2, // RFC 2918
  EXTENDED_NEXT_HOP: 5, // RFC 8950
  EXTENDED_MESSAGE: 6, // RFC 8654
  GRACEFUL_RESTART: 64, // RFC 4724
  FOUR_OCTET_AS: 65, // RFC 6793
  ADD_PATH: 69, // RFC 7911
  ENHANCED_ROUTE_REFRESH: 70, // RFC 7313
  FQDN: 73, // draft-walton-bgp-hostname-capability
  ROUTE_REFRESH_CISCO: 128, // pre-standard route refresh
} as const;

// ---------------------------------------------------------------------------------------------
// NOTIFICATION codes and subcodes.

export const NotifyCode = {
  MESSAGE_HEADER_ERROR: 1,
  OPEN_MESSAGE_ERROR: 2,
  UPDATE_MESSAGE_ERROR: 3,
  HOLD_TIMER_EXPIRED: 4,
  FSM_ERROR: 5, // RFC 6608 subcodes
  CEASE: 6, // RFC 4486 subcodes
  ROUTE_REFRESH_MESSAGE_ERROR: 7, // RFC 7313
} as const;

/** RFC 4271 §6.1. */
export const HeaderErrorSubcode = {
  UNSPECIFIC: 0,
  CONNECTION_NOT_SYNCHRONIZED: 1,
  BAD_MESSAGE_LENGTH: 2,
  BAD_MESSAGE_TYPE: 3,
} as const;

/** RFC 4271 §6.2 (5 and 8–10 are deprecated or assigned by later RFCs). */
export const OpenErrorSubcode = {
  UNSPECIFIC: 0,
  UNSUPPORTED_VERSION_NUMBER: 1,
  BAD_PEER_AS: 2,
  BAD_BGP_IDENTIFIER: 3,
  UNSUPPORTED_OPTIONAL_PARAMETER: 4,
  /** Deprecated (RFC 4271 Appendix A). */
  AUTHENTICATION_FAILURE: 5,
  UNACCEPTABLE_HOLD_TIME: 6,
  /** RFC 5492 §5. */
  UNSUPPORTED_CAPABILITY: 7,
  /** RFC 9234. */
  ROLE_MISMATCH: 11,
} as const;

/** RFC 4271 §6.3. */
export const UpdateErrorSubcode = {
  UNSPECIFIC: 0,
  MALFORMED_ATTRIBUTE_LIST: 1,
  UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE: 2,
  MISSING_WELL_KNOWN_ATTRIBUTE: 3,
  ATTRIBUTE_FLAGS_ERROR: 4,
  ATTRIBUTE_LENGTH_ERROR: 5,
  INVALID_ORIGIN_ATTRIBUTE: 6,
  /** Deprecated (RFC 4271 Appendix A). */
  AS_ROUTING_LOOP: 7,
  INVALID_NEXT_HOP_ATTRIBUTE: 8,
  OPTIONAL_ATTRIBUTE_ERROR: 9,
  INVALID_NETWORK_FIELD: 10,
  MALFORMED_AS_PATH: 11,
} as const;

/** RFC 6608. */
export const FsmErrorSubcode = {
  UNSPECIFIED: 0,
  UNEXPECTED_IN_OPENSENT: 1,
  UNEXPECTED_IN_OPENCONFIRM: 2,
  UNEXPECTED_IN_ESTABLISHED: 3,
} as const;

/** RFC 4486 §4 (+ RFC 8538 hard reset, RFC 9384 BFD down). */
export const CeaseSubcode = {
  UNSPECIFIC: 0,
  MAXIMUM_PREFIXES_REACHED: 1,
  ADMINISTRATIVE_SHUTDOWN: 2,
  PEER_DE_CONFIGURED: 3,
  ADMINISTRATIVE_RESET: 4,
  CONNECTION_REJECTED: 5,
  OTHER_CONFIGURATION_CHANGE: 6,
  CONNECTION_COLLISION_RESOLUTION: 7,
  OUT_OF_RESOURCES: 8,
  HARD_RESET: 9,
  BFD_DOWN: 10,
} as const;

/** RFC 7313 §5. */
export const RouteRefreshErrorSubcode = {
  RESERVED: 0,
  INVALID_MESSAGE_LENGTH: 1,
} as const;

/** RFC 7313 §3: ROUTE-REFRESH message subtypes. */
export const RouteRefreshSubtype = {
  REQUEST: 0,
  BEGINNING_OF_ROUTE_REFRESH: 1,
  END_OF_ROUTE_REFRESH: 2,
} as const;

/** RFC 8203 / RFC 9003: a shutdown communication is at most 255 octets of UTF-8. */
export const MAX_SHUTDOWN_COMMUNICATION = 255;

const CODE_NAMES: Readonly<Record<number, string>> = {
  1: "Message Header Error",
  2: "OPEN Message Error",
  3: "UPDATE Message Error",
  4: "Hold Timer Expired",
  5: "Finite State Machine Error",
  6: "Cease",
  7: "ROUTE-REFRESH Message Error",
};

const SUBCODE_NAMES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  1: {
    0: "Unspecific",
    1: "Connection Not Synchronized",
    2: "Bad Message Length",
    3: "Bad Message Type",
  },
  2: {
    0: "Unspecific",
    1: "Unsupported Version Number",
    2: "Bad Peer AS",
    3: "Bad BGP Identifier",
    4: "Unsupported Optional Parameter",
    5: "Authentication Failure (deprecated)",
    6: "Unacceptable Hold Time",
    7: "Unsupported Capability",
    11: "Role Mismatch",
  },
  3: {
    0: "Unspecific",
    1: "Malformed Attribute List",
    2: "Unrecognized Well-known Attribute",
    3: "Missing Well-known Attribute",
    4: "Attribute Flags Error",
    5: "Attribute Length Error",
    6: "Invalid ORIGIN Attribute",
    7: "AS Routing Loop (deprecated)",
    8: "Invalid NEXT_HOP Attribute",
    9: "Optional Attribute Error",
    10: "Invalid Network Field",
    11: "Malformed AS_PATH",
  },
  4: { 0: "Unspecific" },
  5: {
    0: "Unspecified Error",
    1: "Receive Unexpected Message in OpenSent State",
    2: "Receive Unexpected Message in OpenConfirm State",
    3: "Receive Unexpected Message in Established State",
  },
  6: {
    0: "Unspecific",
    1: "Maximum Number of Prefixes Reached",
    2: "Administrative Shutdown",
    3: "Peer De-configured",
    4: "Administrative Reset",
    5: "Connection Rejected",
    6: "Other Configuration Change",
    7: "Connection Collision Resolution",
    8: "Out of Resources",
    9: "Hard Reset",
    10: "BFD Down",
  },
  7: { 0: "Reserved", 1: "Invalid Message Length" },
};

/** Name of a NOTIFICATION error code, e.g. "Cease"; `Unknown (N)` when unassigned. */
export function notificationCodeName(code: number): string {
  return CODE_NAMES[code] ?? `Unknown (${code})`;
}

/** Name of a subcode under `code`, e.g. "Administrative Shutdown"; `Unknown (N)` when unassigned. */
export function notificationSubcodeName(code: number, subcode: number): string {
  return SUBCODE_NAMES[code]?.[subcode] ?? `Unknown (${subcode})`;
}

export const MESSAGE_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: "OPEN",
  2: "UPDATE",
  3: "NOTIFICATION",
  4: "KEEPALIVE",
  5: "ROUTE-REFRESH",
};
