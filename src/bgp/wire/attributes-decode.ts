/**
 * Decodes one path attribute's value into `PathAttributes` fields, applying the RFC 7606 §7
 * rule of that attribute when it is malformed (the rule table is attribute-rules.ts): ORIGIN,
 * AS_PATH, NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF, ATOMIC_AGGREGATE, AGGREGATOR (RFC 4271 §5.1),
 * COMMUNITIES (RFC 1997), ORIGINATOR_ID / CLUSTER_LIST (RFC 4456), MP_REACH_NLRI /
 * MP_UNREACH_NLRI (RFC 4760 §3–4, RFC 2545 §3 next hops, RFC 8950), EXTENDED_COMMUNITIES (RFC
 * 4360), AS4_PATH / AS4_AGGREGATOR (RFC 6793), LARGE_COMMUNITY (RFC 8092). Unknown optional
 * attributes are kept raw; an unknown well-known one is fatal (RFC 4271 §6.3).
 * Non-fatal problems are appended to `sink.errors`; fatal ones throw `BgpError`.
 */
import { type AfiSafiName, afiSafiName } from "../../common/contracts/families.js";
import { formatIPv4, formatIPv6 } from "../../common/ip/address.js";
import { decodeAsPath } from "./as-path.js";
import { attributeRule } from "./attribute-rules.js";
import { u32 } from "./bytes.js";
import { AttrFlag, AttrType, NotifyCode, UpdateErrorSubcode } from "./constants.js";
import { BgpError } from "./errors.js";
import { decodeNlriField } from "./nlri-wire.js";
import type {
  CodecContext,
  ErrorAction,
  ExtendedCommunity,
  LargeCommunity,
  MpReach,
  MpUnreach,
  NlriList,
  Origin,
  PathAttributes,
  UnknownAttribute,
} from "./types.js";

export type MutableAttributes = { -readonly [K in keyof PathAttributes]: PathAttributes[K] };

export interface AttributeSink {
  readonly ctx: CodecContext;
  readonly attrs: MutableAttributes;
  readonly errors: BgpError[];
  mpReachNlri: NlriList | null;
  mpUnreachNlri: NlriList | null;
  /** Family whose MP attribute was malformed (AFI/SAFI disable), for the caller. */
  disabledFamily: AfiSafiName | null;
}

const ORIGINS: readonly Origin[] = ["igp", "egp", "incomplete"];
const EMPTY: readonly never[] = Object.freeze([]);

function attrError(
  sink: AttributeSink,
  type: number,
  subcode: number,
  action: ErrorAction,
  reason: string,
  data: Uint8Array,
  afiSafi: AfiSafiName | null = null,
): false {
  const err = new BgpError({
    code: NotifyCode.UPDATE_MESSAGE_ERROR,
    subcode,
    action,
    reason,
    data,
    attributeType: type,
    afiSafi,
  });
  if (action === "session-reset") throw err;
  sink.errors.push(err);
  return false;
}

/** True for IPv4 next hops that cannot be a host: 0/8, 127/8, 224/4 and above (RFC 4271 §6.3). */
function martianIPv4(first: number): boolean {
  return first === 0 || first === 127 || first >= 224;
}

/**
 * Decodes the attribute whose header starts at `at` and whose value is `buf[vs, ve)`.
 * `flags` are the received flags; the Extended Length bit has already been used.
 */
export function decodeAttribute(
  sink: AttributeSink,
  buf: Uint8Array,
  at: number,
  vs: number,
  ve: number,
  flags: number,
  type: number,
): boolean {
  const len = ve - vs;
  const a = sink.attrs;
  const ctx = sink.ctx;
  const rule = attributeRule(type);
  const whole = () => buf.slice(at, ve);
  if (rule === undefined) {
    if ((flags & AttrFlag.OPTIONAL) === 0) {
      attrError(
        sink,
        type,
        UpdateErrorSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE,
        "session-reset",
        `unrecognized well-known attribute type ${type}`,
        whole(),
      );
    }
    const unknown: UnknownAttribute = {
      flags: flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE | AttrFlag.PARTIAL),
      code: type,
      value: buf.slice(vs, ve),
    };
    if (a.unknown === undefined) a.unknown = [unknown];
    else (a.unknown as UnknownAttribute[]).push(unknown);
    return true;
  }
  const bad = (
    subcode: number,
    reason: string,
    action: ErrorAction = rule.action,
    family: AfiSafiName | null = null,
  ) => attrError(sink, type, subcode, action, reason, whole(), family);
  if ((flags & 0xc0) !== rule.flags) {
    if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
      // §7.11/§5.3: AFI/SAFI disable needs the AFI/SAFI; without it, session reset.
      const fam = len >= 3 ? afiSafiName((buf[vs] << 8) | buf[vs + 1], buf[vs + 2]) : null;
      if (fam !== null) sink.disabledFamily = fam;
      return bad(
        UpdateErrorSubcode.ATTRIBUTE_FLAGS_ERROR,
        `attribute ${type} flags 0x${flags.toString(16)} conflict with its definition`,
        fam === null ? "session-reset" : "afi-safi-disable",
        fam,
      );
    }
    return bad(
      UpdateErrorSubcode.ATTRIBUTE_FLAGS_ERROR,
      `attribute ${type} flags 0x${flags.toString(16)} conflict with its definition`,
    );
  }
  switch (type) {
    case AttrType.ORIGIN: {
      if (len !== 1)
        return bad(UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR, `ORIGIN length ${len} is not 1`);
      const o = ORIGINS[buf[vs]];
      if (o === undefined)
        return bad(
          UpdateErrorSubcode.INVALID_ORIGIN_ATTRIBUTE,
          `ORIGIN value ${buf[vs]} is undefined`,
        );
      a.origin = o;
      return true;
    }
    case AttrType.AS_PATH: {
      const segs = decodeAsPath(buf, vs, ve, ctx.as4 ? 4 : 2);
      if (typeof segs === "string")
        return bad(UpdateErrorSubcode.MALFORMED_AS_PATH, `AS_PATH: ${segs}`);
      a.asPath = segs;
      return true;
    }
    case AttrType.NEXT_HOP: {
      if (len !== 4)
        return bad(UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR, `NEXT_HOP length ${len} is not 4`);
      const nh = formatIPv4(u32(buf, vs));
      if (martianIPv4(buf[vs]))
        return bad(
          UpdateErrorSubcode.INVALID_NEXT_HOP_ATTRIBUTE,
          `NEXT_HOP ${nh} is not a host address`,
        );
      a.nextHop = nh;
      return true;
    }
    case AttrType.MULTI_EXIT_DISC:
      if (len !== 4)
        return bad(
          UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR,
          `MULTI_EXIT_DISC length ${len} is not 4`,
        );
      a.med = u32(buf, vs);
      return true;
    case AttrType.LOCAL_PREF:
      if (ctx.ebgp === true) {
        // RFC 4271 §5.1.5 / RFC 7606 §7.5: ignored from external peers.
        return bad(
          UpdateErrorSubcode.UNSPECIFIC,
          "LOCAL_PREF from an external peer is discarded",
          "attribute-discard",
        );
      }
      if (len !== 4)
        return bad(UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR, `LOCAL_PREF length ${len} is not 4`);
      a.localPref = u32(buf, vs);
      return true;
    case AttrType.ATOMIC_AGGREGATE:
      if (len !== 0)
        return bad(
          UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR,
          `ATOMIC_AGGREGATE length ${len} is not 0`,
        );
      a.atomicAggregate = true;
      return true;
    case AttrType.AGGREGATOR: {
      const asnSize = ctx.as4 ? 4 : 2;
      if (len !== asnSize + 4) {
        return bad(
          UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR,
          `AGGREGATOR length ${len} is not ${asnSize + 4}`,
        );
      }
      const asn = asnSize === 4 ? u32(buf, vs) : (buf[vs] << 8) | buf[vs + 1];
      if (asn === 0)
        return bad(UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR, "AGGREGATOR AS is 0 (RFC 7607)");
      a.aggregator = { asn, address: formatIPv4(u32(buf, vs + asnSize)) };
      return true;
    }
    case AttrType.COMMUNITIES: {
      if (len === 0 || len % 4 !== 0) {
        return bad(
          UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR,
          `COMMUNITIES length ${len} is not a non-zero multiple of 4`,
        );
      }
      const n = len >> 2;
      const c: number[] = new Array(n);
      for (let i = 0, p = vs; i < n; i++, p += 4) c[i] = u32(buf, p);
      a.communities = c;
      return true;
    }
    case AttrType.ORIGINATOR_ID:
      if (len !== 4)
        return bad(
          UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR,
          `ORIGINATOR_ID length ${len} is not 4`,
        );
      a.originatorId = formatIPv4(u32(buf, vs));
      return true;
    case AttrType.CLUSTER_LIST: {
      if (len === 0 || len % 4 !== 0) {
        return bad(
          UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR,
          `CLUSTER_LIST length ${len} is not a non-zero multiple of 4`,
        );
      }
      const ids: string[] = [];
      for (let p = vs; p < ve; p += 4) ids.push(formatIPv4(u32(buf, p)));
      a.clusterList = ids;
      return true;
    }
    case AttrType.MP_REACH_NLRI:
      return decodeMpReach(sink, buf, at, vs, ve, true);
    case AttrType.MP_UNREACH_NLRI:
      return decodeMpUnreach(sink, buf, at, vs, ve, true);
    case AttrType.EXTENDED_COMMUNITIES: {
      if (len === 0 || len % 8 !== 0) {
        return bad(
          UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR,
          `EXTENDED_COMMUNITIES length ${len} is not a non-zero multiple of 8`,
        );
      }
      const out: ExtendedCommunity[] = [];
      for (let p = vs; p < ve; p += 8) {
        out.push({ type: buf[p], subtype: buf[p + 1], value: buf.slice(p + 2, p + 8) });
      }
      a.extendedCommunities = out;
      return true;
    }
    case AttrType.AS4_PATH: {
      if (ctx.as4) return true; // RFC 6793 §3: only meaningful from 2-octet speakers; ignored.
      const segs = len === 0 ? "AS4_PATH is empty" : decodeAsPath(buf, vs, ve, 4);
      if (typeof segs === "string")
        return bad(UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR, `AS4_PATH: ${segs}`);
      a.as4Path = segs;
      return true;
    }
    case AttrType.AS4_AGGREGATOR: {
      if (ctx.as4) return true;
      if (len !== 8)
        return bad(
          UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR,
          `AS4_AGGREGATOR length ${len} is not 8`,
        );
      const asn = u32(buf, vs);
      if (asn === 0)
        return bad(
          UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR,
          "AS4_AGGREGATOR AS is 0 (RFC 7607)",
        );
      a.as4Aggregator = { asn, address: formatIPv4(u32(buf, vs + 4)) };
      return true;
    }
    case AttrType.LARGE_COMMUNITY: {
      if (len === 0 || len % 12 !== 0) {
        return bad(
          UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR,
          `LARGE_COMMUNITY length ${len} is not a non-zero multiple of 12`,
        );
      }
      const out: LargeCommunity[] = [];
      for (let p = vs; p < ve; p += 12) out.push([u32(buf, p), u32(buf, p + 4), u32(buf, p + 8)]);
      a.largeCommunities = out;
      return true;
    }
  }
  return true;
}

function mpError(
  sink: AttributeSink,
  type: number,
  family: AfiSafiName | null,
  subcode: number,
  reason: string,
  data: Uint8Array,
): false {
  if (family !== null) sink.disabledFamily = family;
  return attrError(
    sink,
    type,
    subcode,
    family === null ? "session-reset" : "afi-safi-disable",
    reason,
    data,
    family,
  );
}

function formatNextHop(buf: Uint8Array, at: number, len: number): string[] {
  if (len === 4) return [formatIPv4(u32(buf, at))];
  if (len === 16) return [formatIPv6(buf, at)];
  return [formatIPv6(buf, at), formatIPv6(buf, at + 16)];
}

/**
 * MP_REACH_NLRI (RFC 4760 §3): AFI (2), SAFI (1), next hop length (1), next hop, reserved (1),
 * NLRI. IPv4 and IPv6 unicast are decoded (next hop of 4 octets, or 16/32 for IPv6 and for IPv4
 * with RFC 8950); other AFI/SAFIs are kept raw. With `setAttribute` false only the NLRI is
 * decoded (cache hits: the rest is in the cached attribute set).
 */
export function decodeMpReach(
  sink: AttributeSink,
  buf: Uint8Array,
  at: number,
  vs: number,
  ve: number,
  setAttribute: boolean,
): boolean {
  const type = AttrType.MP_REACH_NLRI;
  const len = ve - vs;
  const whole = () => buf.slice(at, ve);
  if (len < 5) {
    return mpError(
      sink,
      type,
      null,
      UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR,
      `MP_REACH_NLRI length ${len} is too short`,
      whole(),
    );
  }
  const afi = (buf[vs] << 8) | buf[vs + 1];
  const safi = buf[vs + 2];
  const family = afiSafiName(afi, safi);
  if (family === null) {
    if (setAttribute)
      sink.attrs.mpReach = { afi, safi, nextHops: EMPTY, nlri: null, raw: buf.slice(vs, ve) };
    return true;
  }
  const nhLen = buf[vs + 3];
  const nlriStart = vs + 5 + nhLen;
  if (nlriStart > ve) {
    return mpError(
      sink,
      type,
      family,
      UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR,
      `MP_REACH_NLRI next hop length ${nhLen} runs past the attribute`,
      whole(),
    );
  }
  const okLen =
    family === "ipv6-unicast"
      ? nhLen === 16 || nhLen === 32
      : nhLen === 4 || nhLen === 16 || nhLen === 32;
  if (!okLen) {
    return mpError(
      sink,
      type,
      family,
      UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR,
      `MP_REACH_NLRI next hop length ${nhLen} is invalid for ${family}`,
      whole(),
    );
  }
  const addPath = sink.ctx.addPath.includes(family);
  const nlri = decodeNlriField(
    buf,
    nlriStart,
    ve,
    family === "ipv4-unicast" ? "ipv4" : "ipv6",
    addPath,
  );
  if (typeof nlri === "string") {
    return mpError(
      sink,
      type,
      family,
      UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR,
      `MP_REACH_NLRI: ${nlri}`,
      whole(),
    );
  }
  sink.mpReachNlri = nlri;
  if (setAttribute) {
    const mp: MpReach = { afi, safi, nextHops: formatNextHop(buf, vs + 4, nhLen), nlri };
    sink.attrs.mpReach = mp;
  }
  return true;
}

/** MP_UNREACH_NLRI (RFC 4760 §4): AFI (2), SAFI (1), withdrawn routes. */
export function decodeMpUnreach(
  sink: AttributeSink,
  buf: Uint8Array,
  at: number,
  vs: number,
  ve: number,
  setAttribute: boolean,
): boolean {
  const type = AttrType.MP_UNREACH_NLRI;
  const len = ve - vs;
  if (len < 3) {
    return mpError(
      sink,
      type,
      null,
      UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR,
      `MP_UNREACH_NLRI length ${len} is too short`,
      buf.slice(at, ve),
    );
  }
  const afi = (buf[vs] << 8) | buf[vs + 1];
  const safi = buf[vs + 2];
  const family = afiSafiName(afi, safi);
  if (family === null) {
    if (setAttribute) sink.attrs.mpUnreach = { afi, safi, withdrawn: null, raw: buf.slice(vs, ve) };
    return true;
  }
  const addPath = sink.ctx.addPath.includes(family);
  const nlri = decodeNlriField(
    buf,
    vs + 3,
    ve,
    family === "ipv4-unicast" ? "ipv4" : "ipv6",
    addPath,
  );
  if (typeof nlri === "string") {
    return mpError(
      sink,
      type,
      family,
      UpdateErrorSubcode.OPTIONAL_ATTRIBUTE_ERROR,
      `MP_UNREACH_NLRI: ${nlri}`,
      buf.slice(at, ve),
    );
  }
  sink.mpUnreachNlri = nlri;
  if (setAttribute) {
    const mp: MpUnreach = { afi, safi, withdrawn: nlri };
    sink.attrs.mpUnreach = mp;
  }
  return true;
}
