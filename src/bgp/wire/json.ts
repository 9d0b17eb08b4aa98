/**
 * JSON views of decoded messages for `wren decode`, logs and tests (documented in
 * docs/decode.md): prefixes as `a.b.c.d/len` (RFC 5952 text for IPv6), attribute names in
 * camelCase after their RFC names, communities as `AS:value` with the well-known ones named
 * (RFC 1997 and the IANA registry), large communities as `a:b:c`, octet strings as hex, and
 * End-of-RIB as `"endOfRib": true` with its `family`.
 */

import { bytesToHex } from "../../common/bytes/hex.js";
import { afiSafiName } from "../../common/contracts/families.js";
import { formatIPv4, formatIPv6 } from "../../common/ip/address.js";
import {
  notificationCodeName,
  notificationSubcodeName,
  WELL_KNOWN_COMMUNITIES,
} from "./constants.js";
import type { BgpError } from "./errors.js";
import type {
  BgpMessage,
  Capability,
  DecodedUpdate,
  ExtendedCommunity,
  NlriList,
  PathAttributes,
  UpdateMessage,
} from "./types.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Entry i of a packed list as text. */
export function formatNlriEntry(list: NlriList, i: number): string {
  const len = list.lengths[i];
  if (list.family === "ipv4") {
    const a = list.addrs;
    const b = i * 4;
    return `${a[b]}.${a[b + 1]}.${a[b + 2]}.${a[b + 3]}/${len}`;
  }
  return `${formatIPv6(list.addrs, i * 16)}/${len}`;
}

export function nlriToJson(list: NlriList): Json[] {
  const out: Json[] = [];
  for (let i = 0; i < list.count; i++) {
    const prefix = formatNlriEntry(list, i);
    out.push(list.pathIds === null ? prefix : { prefix, pathId: list.pathIds[i] });
  }
  return out;
}

/** `65000:100`, or the registered name of a well-known community (e.g. `NO_EXPORT`). */
export function formatCommunity(c: number): string {
  return WELL_KNOWN_COMMUNITIES.get(c) ?? `${c >>> 16}:${c & 0xffff}`;
}

function u16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}
function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

/**
 * Text of the common extended communities (RFC 4360 §4, RFC 5668, RFC 7153): route target
 * `RT:x:y` and route origin `SoO:x:y` for 2-octet AS, IPv4 and 4-octet AS administrators; null
 * for the others (shown as type/subtype/hex).
 */
export function formatExtendedCommunity(c: ExtendedCommunity): string | null {
  const kind = c.subtype === 0x02 ? "RT" : c.subtype === 0x03 ? "SoO" : null;
  if (kind === null) return null;
  const v = c.value;
  switch (c.type & 0xbf) {
    case 0x00:
      return `${kind}:${u16(v, 0)}:${u32(v, 2)}`;
    case 0x01:
      return `${kind}:${formatIPv4(u32(v, 0))}:${u16(v, 4)}`;
    case 0x02:
      return `${kind}:${u32(v, 0)}:${u16(v, 4)}`;
    default:
      return null;
  }
}

function familyJson(afi: number, safi: number): Json {
  return afiSafiName(afi, safi);
}

function segmentsJson(segs: PathAttributes["asPath"]): Json {
  return (segs ?? []).map((s) => ({ type: s.type, asns: [...s.asns] }));
}

export function attributesToJson(
  a: PathAttributes,
  mpReachNlri: NlriList | null = null,
  mpUnreachNlri: NlriList | null = null,
): { [key: string]: Json } {
  const o: { [key: string]: Json } = {};
  if (a.mpUnreach !== undefined) {
    const m = a.mpUnreach;
    const list = m.withdrawn ?? mpUnreachNlri;
    o.mpUnreachNlri = {
      afi: m.afi,
      safi: m.safi,
      family: familyJson(m.afi, m.safi),
      withdrawn: list === null ? [] : nlriToJson(list),
      ...(m.raw !== undefined ? { raw: bytesToHex(m.raw) } : {}),
    };
  }
  if (a.mpReach !== undefined) {
    const m = a.mpReach;
    const list = m.nlri ?? mpReachNlri;
    o.mpReachNlri = {
      afi: m.afi,
      safi: m.safi,
      family: familyJson(m.afi, m.safi),
      nextHops: [...m.nextHops],
      nlri: list === null ? [] : nlriToJson(list),
      ...(m.raw !== undefined ? { raw: bytesToHex(m.raw) } : {}),
    };
  }
  if (a.origin !== undefined) o.origin = a.origin;
  if (a.asPath !== undefined) o.asPath = segmentsJson(a.asPath);
  if (a.nextHop !== undefined) o.nextHop = a.nextHop;
  if (a.med !== undefined) o.multiExitDisc = a.med;
  if (a.localPref !== undefined) o.localPref = a.localPref;
  if (a.atomicAggregate === true) o.atomicAggregate = true;
  if (a.aggregator !== undefined)
    o.aggregator = { asn: a.aggregator.asn, address: a.aggregator.address };
  if (a.communities !== undefined) o.communities = a.communities.map(formatCommunity);
  if (a.originatorId !== undefined) o.originatorId = a.originatorId;
  if (a.clusterList !== undefined) o.clusterList = [...a.clusterList];
  if (a.extendedCommunities !== undefined) {
    o.extendedCommunities = a.extendedCommunities.map((c) => {
      const text = formatExtendedCommunity(c);
      const j: { [key: string]: Json } = {
        type: c.type,
        subtype: c.subtype,
        value: bytesToHex(c.value),
      };
      if (text !== null) j.text = text;
      return j;
    });
  }
  if (a.as4Path !== undefined) o.as4Path = segmentsJson(a.as4Path);
  if (a.as4Aggregator !== undefined) {
    o.as4Aggregator = { asn: a.as4Aggregator.asn, address: a.as4Aggregator.address };
  }
  if (a.largeCommunities !== undefined)
    o.largeCommunity = a.largeCommunities.map((c) => c.join(":"));
  if (a.unknown !== undefined) {
    o.unknown = a.unknown.map((u) => ({
      code: u.code,
      flags: u.flags,
      value: bytesToHex(u.value),
    }));
  }
  return o;
}

function capabilityToJson(c: Capability): Json {
  switch (c.type) {
    case "multiprotocol":
      return { type: c.type, afi: c.afi, safi: c.safi, family: familyJson(c.afi, c.safi) };
    case "gracefulRestart":
      return {
        type: c.type,
        restarting: c.restarting,
        notification: c.notification,
        restartTime: c.restartTime,
        families: c.families.map((f) => ({
          afi: f.afi,
          safi: f.safi,
          family: familyJson(f.afi, f.safi),
          forwarding: f.forwarding,
        })),
      };
    case "addPath":
      return {
        type: c.type,
        families: c.families.map((f) => ({
          afi: f.afi,
          safi: f.safi,
          family: familyJson(f.afi, f.safi),
          direction: f.direction,
        })),
      };
    case "extendedNextHop":
      return { type: c.type, entries: c.entries.map((e) => ({ ...e })) };
    case "unknown":
      return { type: c.type, code: c.code, value: bytesToHex(c.value) };
    default:
      return { ...c };
  }
}

export function errorToJson(e: BgpError): { [key: string]: Json } {
  const o: { [key: string]: Json } = {
    code: e.notification.code,
    subcode: e.notification.subcode,
    action: e.action,
    reason: e.reason,
  };
  if (e.notification.data.length > 0) o.data = bytesToHex(e.notification.data);
  return o;
}

function updateToJson(
  u: UpdateMessage,
  mpReachNlri: NlriList | null,
  mpUnreachNlri: NlriList | null,
): { [key: string]: Json } {
  return {
    type: "UPDATE",
    withdrawn: nlriToJson(u.withdrawn),
    attributes: attributesToJson(u.attributes, mpReachNlri, mpUnreachNlri),
    nlri: nlriToJson(u.nlri),
  };
}

function isDecodedUpdate(x: BgpMessage | DecodedUpdate): x is DecodedUpdate {
  return (x as DecodedUpdate).update !== undefined && (x as DecodedUpdate).attrKey !== undefined;
}

/** The JSON view of a message, or of a decoded UPDATE with its End-of-RIB and errors. */
export function toJson(msg: BgpMessage | DecodedUpdate): { [key: string]: Json } {
  if (isDecodedUpdate(msg)) {
    const o = updateToJson(msg.update, msg.mpReachNlri, msg.mpUnreachNlri);
    if (msg.endOfRib !== null) {
      o.endOfRib = true;
      o.family = msg.endOfRib;
    }
    if (msg.errors.length > 0) {
      const strongest = msg.errors.find((e) => e.action === msg.action) ?? msg.errors[0];
      o.error = errorToJson(strongest);
      if (msg.errors.length > 1) o.errors = msg.errors.map(errorToJson);
    }
    return o;
  }
  switch (msg.type) {
    case "OPEN":
      return {
        type: "OPEN",
        version: msg.version,
        myAs: msg.myAs,
        holdTime: msg.holdTime,
        bgpId: msg.bgpId,
        capabilities: msg.capabilities.map(capabilityToJson),
        otherParameters: msg.otherParameters.map((p) => ({
          type: p.type,
          value: bytesToHex(p.value),
        })),
      };
    case "UPDATE":
      return updateToJson(msg, null, null);
    case "NOTIFICATION": {
      const o: { [key: string]: Json } = {
        type: "NOTIFICATION",
        code: msg.code,
        subcode: msg.subcode,
        codeName: notificationCodeName(msg.code),
        subcodeName: notificationSubcodeName(msg.code, msg.subcode),
        data: bytesToHex(msg.data),
      };
      if (msg.shutdownCommunication !== undefined)
        o.shutdownCommunication = msg.shutdownCommunication;
      return o;
    }
    case "KEEPALIVE":
      return { type: "KEEPALIVE" };
    case "ROUTE-REFRESH": {
      const o: { [key: string]: Json } = {
        type: "ROUTE-REFRESH",
        afi: msg.afi,
        safi: msg.safi,
        family: familyJson(msg.afi, msg.safi),
        subtype: msg.subtype,
        subtypeName: ["request", "BoRR", "EoRR"][msg.subtype] ?? `reserved (${msg.subtype})`,
      };
      if (msg.orfEntries !== undefined) o.orfEntries = bytesToHex(msg.orfEntries);
      return o;
    }
  }
}
