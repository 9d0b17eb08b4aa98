/**
 * Debug-level message traces (issue 6, "debug level traces messages"): one log line per BGP
 * message sent or received, with the peer, the direction, the message type and a short summary —
 * OPEN: AS, hold time, BGP identifier, capabilities (RFC 5492); UPDATE: NLRI and withdrawn counts
 * (NLRI field and MP_REACH/MP_UNREACH, RFC 4760), End-of-RIB (RFC 4724 §2), and the attributes
 * (origin, AS path, next hops, MED, LOCAL_PREF, communities, RFC 4456 reflection attributes);
 * NOTIFICATION: code and subcode names and the data (RFC 4271 §4.5, RFC 9003 texts, RFC 8538
 * Hard Reset contents); ROUTE-REFRESH: family and RFC 7313 subtype.
 *
 * Callers check `traceEnabled(logger)` first: with debug off nothing is decoded or formatted.
 */
import { bytesToHex } from "../../common/bytes/hex.js";
import type { NotificationData } from "../../common/contracts/bgp-engines.js";
import { afiSafiName } from "../../common/contracts/families.js";
import { notificationText } from "../fsm/index.js";
import {
  type AsPathSegment,
  type Capability,
  type CodecContext,
  DEFAULT_CONTEXT,
  decodeMessage,
  decodeUpdate,
  formatCommunity,
  HEADER_LENGTH,
  MESSAGE_TYPE_NAMES,
  MessageType,
  notificationCodeName,
  notificationSubcodeName,
  type PathAttributes,
} from "../wire/index.js";
import type { Logger } from "./logger.js";

/** Whether debug lines would be written (loggers without `isLevelEnabled` are assumed to). */
export function traceEnabled(logger: Logger): boolean {
  return logger.isLevelEnabled?.("debug") ?? true;
}

export interface MessageTrace {
  /** Structured fields for the log line. */
  readonly fields: Record<string, unknown>;
  /** One-line text, e.g. "UPDATE 3 NLRI, 0 withdrawn: origin igp, as-path 65001, ...". */
  readonly text: string;
}

/** At most this many communities are listed (the rest are counted). */
const MAX_LISTED = 8;

function asPathText(path: readonly AsPathSegment[] | undefined): string {
  if (path === undefined || path.length === 0) return "(empty)";
  return path
    .map((s) => {
      const asns = s.asns.join(" ");
      if (s.type === "set") return `{${s.asns.join(",")}}`;
      if (s.type === "confedSequence") return `(${asns})`;
      if (s.type === "confedSet") return `[${s.asns.join(",")}]`;
      return asns;
    })
    .join(" ");
}

function listed(values: readonly string[]): string {
  const shown = values.slice(0, MAX_LISTED).join(" ");
  return values.length > MAX_LISTED ? `${shown} (+${values.length - MAX_LISTED})` : shown;
}

function attributeSummary(a: PathAttributes): { fields: Record<string, unknown>; text: string } {
  const fields: Record<string, unknown> = {};
  const parts: string[] = [];
  if (a.origin !== undefined) {
    fields.origin = a.origin;
    parts.push(`origin ${a.origin}`);
  }
  if (a.asPath !== undefined) {
    fields.asPath = asPathText(a.asPath);
    parts.push(`as-path ${fields.asPath}`);
  }
  const nextHops = a.mpReach?.nextHops ?? (a.nextHop !== undefined ? [a.nextHop] : []);
  if (nextHops.length > 0) {
    fields.nextHop = nextHops.join(",");
    parts.push(`next-hop ${fields.nextHop}`);
  }
  if (a.med !== undefined) {
    fields.med = a.med;
    parts.push(`med ${a.med}`);
  }
  if (a.localPref !== undefined) {
    fields.localPref = a.localPref;
    parts.push(`local-pref ${a.localPref}`);
  }
  if (a.communities !== undefined && a.communities.length > 0) {
    const c = a.communities.map(formatCommunity);
    fields.communities = c.length;
    parts.push(`communities ${listed(c)}`);
  }
  if (a.largeCommunities !== undefined && a.largeCommunities.length > 0) {
    const c = a.largeCommunities.map(([g, l1, l2]) => `${g}:${l1}:${l2}`);
    fields.largeCommunities = c.length;
    parts.push(`large-communities ${listed(c)}`);
  }
  if (a.extendedCommunities !== undefined && a.extendedCommunities.length > 0) {
    fields.extendedCommunities = a.extendedCommunities.length;
    parts.push(`${a.extendedCommunities.length} extended communities`);
  }
  if (a.originatorId !== undefined) {
    fields.originatorId = a.originatorId;
    parts.push(`originator-id ${a.originatorId}`);
  }
  if (a.clusterList !== undefined && a.clusterList.length > 0) {
    fields.clusterList = a.clusterList.join(" ");
    parts.push(`cluster-list ${fields.clusterList}`);
  }
  if (a.atomicAggregate) parts.push("atomic-aggregate");
  if (a.unknown !== undefined && a.unknown.length > 0) {
    fields.unknownAttributes = a.unknown.length;
    parts.push(`${a.unknown.length} unknown attribute(s)`);
  }
  return { fields, text: parts.join(", ") };
}

function updateTrace(message: Uint8Array, ctx: CodecContext): MessageTrace {
  let d: ReturnType<typeof decodeUpdate>;
  try {
    d = decodeUpdate(message.subarray(HEADER_LENGTH), ctx);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      fields: { length: message.length, error: reason },
      text: `UPDATE (${message.length} octets, undecodable: ${reason})`,
    };
  }
  if (d.endOfRib !== null) {
    return { fields: { endOfRib: d.endOfRib }, text: `UPDATE End-of-RIB ${d.endOfRib}` };
  }
  const u = d.update;
  const nlri = u.nlri.count + (d.mpReachNlri?.count ?? 0);
  const withdrawn = u.withdrawn.count + (d.mpUnreachNlri?.count ?? 0);
  const family = d.mpReachNlri?.family ?? d.mpUnreachNlri?.family ?? "ipv4";
  const fields: Record<string, unknown> = { family, nlri, withdrawn, length: message.length };
  let text = `UPDATE ${family} ${nlri} NLRI, ${withdrawn} withdrawn`;
  if (nlri > 0) {
    const attrs = attributeSummary(u.attributes);
    Object.assign(fields, attrs.fields);
    if (attrs.text !== "") text += `: ${attrs.text}`;
  }
  if (d.errors.length > 0) {
    fields.rfc7606 = d.action;
    text += ` [RFC 7606 ${d.action}: ${d.errors.map((e) => e.reason).join("; ")}]`;
  }
  return { fields, text };
}

/** "ipv4-unicast", or "AFI/SAFI" for families wren does not name. */
function familyText(afi: number, safi: number): string {
  return afiSafiName(afi, safi) ?? `${afi}/${safi}`;
}

function capabilityText(c: Capability): string {
  switch (c.type) {
    case "multiprotocol":
      return `mp ${familyText(c.afi, c.safi)}`;
    case "routeRefresh":
      return "route-refresh";
    case "routeRefreshCisco":
      return "route-refresh(old)";
    case "enhancedRouteRefresh":
      return "enhanced-route-refresh";
    case "fourOctetAs":
      return `as4 ${c.asn}`;
    case "gracefulRestart": {
      const flags = `${c.restarting ? "R" : ""}${c.notification ? "N" : ""}`;
      return `graceful-restart ${c.restartTime}s${flags ? ` ${flags}` : ""}`;
    }
    case "addPath":
      return `add-path ${c.families.map((f) => `${familyText(f.afi, f.safi)} ${f.direction}`).join(",")}`;
    case "extendedNextHop":
      return "extended-next-hop";
    case "extendedMessage":
      return "extended-message";
    case "fqdn":
      return `hostname ${c.hostname}`;
    case "unknown":
      return `capability ${c.code}`;
  }
}

/** Log fields of a NOTIFICATION: code and subcode with their names, and the data in hex. */
export function notificationFields(n: NotificationData): {
  code: number;
  subcode: number;
  codeName: string;
  subcodeName: string;
  data: string;
} {
  return {
    code: n.code,
    subcode: n.subcode,
    codeName: notificationCodeName(n.code),
    subcodeName: notificationSubcodeName(n.code, n.subcode),
    data: bytesToHex(n.data),
  };
}

function notificationTrace(message: Uint8Array): MessageTrace {
  const n: NotificationData = {
    code: message[HEADER_LENGTH] ?? 0,
    subcode: message[HEADER_LENGTH + 1] ?? 0,
    data: message.subarray(HEADER_LENGTH + 2),
  };
  const fields = notificationFields(n);
  return {
    fields,
    text: `NOTIFICATION ${n.code}/${n.subcode} ${fields.codeName} / ${fields.subcodeName}: ${notificationText(n)}${n.data.length > 0 ? ` (data ${fields.data})` : ""}`,
  };
}

const REFRESH_SUBTYPES = ["request", "BoRR", "EoRR"];

/** Summary of one complete message (header included), decoded with the session's context. */
export function describeMessage(
  message: Uint8Array,
  ctx: CodecContext = DEFAULT_CONTEXT,
): MessageTrace {
  const type = message[18];
  switch (type) {
    case MessageType.UPDATE:
      return updateTrace(message, ctx);
    case MessageType.KEEPALIVE:
      return { fields: {}, text: "KEEPALIVE" };
    case MessageType.NOTIFICATION:
      return notificationTrace(message);
    case MessageType.OPEN:
    case MessageType.ROUTE_REFRESH: {
      let m: ReturnType<typeof decodeMessage>;
      try {
        m = decodeMessage(message, DEFAULT_CONTEXT);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        return {
          fields: { error: reason },
          text: `${MESSAGE_TYPE_NAMES[type]} (undecodable: ${reason})`,
        };
      }
      if (m.type === "OPEN") {
        const caps = m.capabilities.map(capabilityText);
        return {
          fields: { as: m.myAs, holdTime: m.holdTime, bgpId: m.bgpId, capabilities: caps },
          text: `OPEN as ${m.myAs}, hold ${m.holdTime}, id ${m.bgpId}, capabilities: ${caps.join(", ")}`,
        };
      }
      if (m.type === "ROUTE-REFRESH") {
        const family = familyText(m.afi, m.safi);
        const subtype = REFRESH_SUBTYPES[m.subtype] ?? `subtype ${m.subtype}`;
        return { fields: { family, subtype }, text: `ROUTE-REFRESH ${family} ${subtype}` };
      }
      return { fields: {}, text: m.type };
    }
    default:
      return { fields: { typeCode: type }, text: `message type ${type}` };
  }
}

/** Logs one message at debug level (callers check `traceEnabled` first). */
export function traceMessage(
  logger: Logger,
  peer: string,
  direction: "in" | "out",
  message: Uint8Array,
  ctx: CodecContext = DEFAULT_CONTEXT,
): void {
  const t = describeMessage(message, ctx);
  logger.debug(
    { peer, dir: direction, type: MESSAGE_TYPE_NAMES[message[18]] ?? "unknown", ...t.fields },
    `${direction === "in" ? "received" : "sent"} ${t.text}`,
  );
}
