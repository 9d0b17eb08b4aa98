/**
 * OPEN validation and capability negotiation: from our OPEN parameters and the peer's OPEN to the
 * `NegotiatedSession` both engines use, or to the NOTIFICATION that refuses the OPEN.
 *
 * Checks (RFC 4271 §6.2 unless noted): version 4 (data: the version we support); the peer's AS
 * (the 4-octet capability's AS when present, RFC 6793 §4.1; AS 0 (RFC 7607) and AS_TRANS in the
 * capability are Bad Peer AS, as is a 2-octet My AS that contradicts a capability AS ≤ 65535);
 * BGP identifier non-zero and, on iBGP, different from ours (RFC 6286 §2.2); hold time 0 or ≥ 3;
 * no optional parameters other than capabilities.
 *
 * Families: the intersection of ours and the peer's multiprotocol capabilities (a peer without
 * any multiprotocol capability implicitly does IPv4 unicast, RFC 4760 §8). Like FRR, an empty
 * intersection is refused with OPEN Message Error / Unsupported Capability carrying our
 * multiprotocol capabilities (RFC 5492 §5); a partial one brings the session up with the common
 * families only (FRR and BIRD both do).
 *
 * Hold time: the smaller of both (0 = no keepalives); keepalive = min(configured, hold / 3).
 * ADD-PATH per direction (RFC 7911 §4), graceful restart only when both advertised it (RFC 4724;
 * N bit only when both set it, RFC 8538), extended message (RFC 8654) and extended next hop
 * (RFC 8950) when both advertised them, route refresh in either encoding (RFC 2918 code 2 or the
 * pre-standard 128), enhanced route refresh (RFC 7313).
 */
import type {
  GracefulRestartView,
  NegotiatedSession,
  NotificationData,
} from "../../common/contracts/bgp-engines.js";
import { type AfiSafiName, afiSafiName, afiSafiOfName } from "../../common/contracts/families.js";
import { parseIPv4 } from "../../common/ip/address.js";
import {
  AS_TRANS,
  BGP_VERSION,
  CapabilityCode,
  NotifyCode,
  OpenErrorSubcode,
} from "../wire/constants.js";
import type { Capability, OpenMessage } from "../wire/types.js";
import type { LocalSessionParams } from "./types.js";

export type NegotiationResult =
  | { readonly ok: true; readonly negotiated: NegotiatedSession }
  | { readonly ok: false; readonly notification: NotificationData; readonly reason: string };

const EMPTY = new Uint8Array(0);

function openError(subcode: number, reason: string, data: Uint8Array = EMPTY): NegotiationResult {
  return {
    ok: false,
    notification: { code: NotifyCode.OPEN_MESSAGE_ERROR, subcode, data },
    reason,
  };
}

/** Capability TLVs (code, length 4, AFI, 0, SAFI) for the Unsupported Capability data. */
function multiprotocolTlvs(families: readonly AfiSafiName[]): Uint8Array {
  const out = new Uint8Array(families.length * 6);
  families.forEach((name, i) => {
    const { afi, safi } = afiSafiOfName(name);
    out.set([CapabilityCode.MULTIPROTOCOL, 4, afi >> 8, afi & 0xff, 0, safi], i * 6);
  });
  return out;
}

function find<T extends Capability["type"]>(
  caps: readonly Capability[],
  type: T,
): Extract<Capability, { type: T }> | undefined {
  return caps.find((c) => c.type === type) as Extract<Capability, { type: T }> | undefined;
}

/** The AS the peer claims: the 4-octet capability's when present, else the My AS field. */
export function remoteAsOf(open: OpenMessage): number {
  return find(open.capabilities, "fourOctetAs")?.asn ?? open.myAs;
}

function remoteFamilies(open: OpenMessage): AfiSafiName[] {
  const mp = open.capabilities.filter((c) => c.type === "multiprotocol");
  if (mp.length === 0) return ["ipv4-unicast"];
  const out: AfiSafiName[] = [];
  for (const c of mp) {
    const name = afiSafiName(c.afi, c.safi);
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

function addPathNegotiation(
  local: LocalSessionParams,
  open: OpenMessage,
  families: readonly AfiSafiName[],
): { receive: AfiSafiName[]; send: AfiSafiName[] } {
  const receive: AfiSafiName[] = [];
  const send: AfiSafiName[] = [];
  const theirs = find(open.capabilities, "addPath");
  if (!theirs || local.addPaths === "off") return { receive, send };
  for (const f of theirs.families) {
    const name = afiSafiName(f.afi, f.safi);
    if (!name || !families.includes(name)) continue;
    const weReceive = local.addPaths === "receive" || local.addPaths === "both";
    const weSend = local.addPaths === "send" || local.addPaths === "both";
    if (weReceive && (f.direction === "send" || f.direction === "both")) receive.push(name);
    if (weSend && (f.direction === "receive" || f.direction === "both")) send.push(name);
  }
  return { receive, send };
}

function gracefulRestartView(
  local: LocalSessionParams,
  open: OpenMessage,
  families: readonly AfiSafiName[],
): GracefulRestartView | null {
  const theirs = find(open.capabilities, "gracefulRestart");
  if (!theirs || !local.gracefulRestart) return null;
  const grFamilies: { family: AfiSafiName; forwarding: boolean }[] = [];
  for (const f of theirs.families) {
    const name = afiSafiName(f.afi, f.safi);
    if (name && families.includes(name))
      grFamilies.push({ family: name, forwarding: f.forwarding });
  }
  return {
    restartTime: theirs.restartTime,
    restarting: theirs.restarting,
    // We always set N (see open.ts), so N is negotiated exactly when the peer set it.
    notification: theirs.notification,
    families: grFamilies,
  };
}

function extendedNextHopFamilies(
  local: LocalSessionParams,
  open: OpenMessage,
  families: readonly AfiSafiName[],
): AfiSafiName[] {
  const theirs = find(open.capabilities, "extendedNextHop");
  if (!theirs || !local.extendedNextHop || !families.includes("ipv4-unicast")) return [];
  return theirs.entries.some((e) => e.afi === 1 && e.safi === 1 && e.nextHopAfi === 2)
    ? ["ipv4-unicast"]
    : [];
}

export interface ConnectionAddresses {
  readonly localAddress: string;
  readonly remoteAddress: string;
}

/** Validates the peer's OPEN and negotiates the session parameters. */
export function negotiate(
  local: LocalSessionParams,
  open: OpenMessage,
  addresses: ConnectionAddresses,
): NegotiationResult {
  if (open.version !== BGP_VERSION) {
    return openError(
      OpenErrorSubcode.UNSUPPORTED_VERSION_NUMBER,
      `unsupported BGP version ${open.version}`,
      new Uint8Array([0, BGP_VERSION]),
    );
  }
  if (open.otherParameters.length > 0) {
    return openError(
      OpenErrorSubcode.UNSUPPORTED_OPTIONAL_PARAMETER,
      `unsupported optional parameter type ${open.otherParameters[0].type}`,
    );
  }
  const as4 = find(open.capabilities, "fourOctetAs");
  if (as4 && (as4.asn === 0 || as4.asn === AS_TRANS)) {
    return openError(OpenErrorSubcode.BAD_PEER_AS, `4-octet AS capability carries AS ${as4.asn}`);
  }
  if (as4 && as4.asn <= 0xffff && open.myAs !== as4.asn) {
    return openError(
      OpenErrorSubcode.BAD_PEER_AS,
      `My AS ${open.myAs} contradicts the 4-octet AS capability (${as4.asn})`,
    );
  }
  const remoteAs = remoteAsOf(open);
  if (remoteAs === 0 || remoteAs !== local.remoteAs) {
    return openError(
      OpenErrorSubcode.BAD_PEER_AS,
      `peer announced AS ${remoteAs}, expected ${local.remoteAs}`,
    );
  }
  const remoteId = parseIPv4(open.bgpId);
  const ibgp = remoteAs === local.localAs;
  if (remoteId === null || remoteId === 0) {
    return openError(OpenErrorSubcode.BAD_BGP_IDENTIFIER, `invalid BGP identifier ${open.bgpId}`);
  }
  if (ibgp && open.bgpId === local.localRouterId) {
    return openError(
      OpenErrorSubcode.BAD_BGP_IDENTIFIER,
      `iBGP peer uses our own BGP identifier ${open.bgpId}`,
    );
  }
  if (open.holdTime === 1 || open.holdTime === 2) {
    return openError(
      OpenErrorSubcode.UNACCEPTABLE_HOLD_TIME,
      `unacceptable hold time ${open.holdTime}`,
    );
  }
  const theirFamilies = remoteFamilies(open);
  const families = local.families.filter((f) => theirFamilies.includes(f));
  if (families.length === 0) {
    return openError(
      OpenErrorSubcode.UNSUPPORTED_CAPABILITY,
      `no common address family (ours: ${local.families.join(", ")}; peer's: ${theirFamilies.join(", ") || "none"})`,
      multiprotocolTlvs(local.families),
    );
  }
  const holdTime = Math.min(local.holdTime, open.holdTime);
  const keepaliveTime =
    holdTime === 0
      ? 0
      : Math.max(1, Math.min(local.keepaliveTime || holdTime, Math.floor(holdTime / 3)));
  const addPath = addPathNegotiation(local, open, families);
  const has = (type: Capability["type"]) => open.capabilities.some((c) => c.type === type);
  const fqdn = find(open.capabilities, "fqdn");
  const negotiated: NegotiatedSession = {
    peerId: local.peerId,
    localAs: local.localAs,
    remoteAs,
    localRouterId: local.localRouterId,
    remoteRouterId: open.bgpId,
    ibgp,
    holdTime,
    keepaliveTime,
    as4: as4 !== undefined,
    families,
    addPathReceive: addPath.receive,
    addPathSend: addPath.send,
    extendedMessage: local.extendedMessage && has("extendedMessage"),
    extendedNextHop: extendedNextHopFamilies(local, open, families),
    routeRefresh: has("routeRefresh") || has("routeRefreshCisco"),
    enhancedRouteRefresh: has("enhancedRouteRefresh"),
    gracefulRestart: gracefulRestartView(local, open, families),
    localAddress: addresses.localAddress,
    remoteAddress: addresses.remoteAddress,
    remoteHostname: fqdn ? fqdn.hostname : null,
  };
  return { ok: true, negotiated };
}
