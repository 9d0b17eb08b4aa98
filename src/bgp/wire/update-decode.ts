/**
 * Decoding of UPDATE bodies (RFC 4271 §4.3) with the error handling of RFC 7606: session reset
 * when the Withdrawn Routes / Total Path Attribute lengths do not fit the message (§4) or an NLRI
 * field is malformed (§5.3), or MP_REACH_NLRI / MP_UNREACH_NLRI appear twice (§3 g);
 * treat-as-withdraw when an attribute runs past the attribute block (§4); later copies of other
 * duplicated attributes are discarded (§3 g); well-known mandatory attributes are required only
 * when the message carries NLRI (§3 d, RFC 4760 §3 for NEXT_HOP); each attribute's own rule is in
 * attributes-decode.ts. On 2-octet sessions AS4_PATH / AS4_AGGREGATOR are merged (RFC 6793
 * §4.2.3). End-of-RIB markers (RFC 4724 §2) are recognised for every family.
 *
 * Attribute sets are identified by `attrKey` (a context tag + the attribute octets, with the NLRI
 * parts of MP_REACH_NLRI / MP_UNREACH_NLRI left out) so that, with an `AttributeCache`, each
 * distinct set is decoded once and shared (frozen) between messages and routes.
 */
import { type AfiSafiName, afiSafiName } from "../../common/contracts/families.js";
import { mergeAs4Path } from "./as-path.js";
import {
  type AttributeSink,
  decodeAttribute,
  decodeMpReach,
  decodeMpUnreach,
  type MutableAttributes,
} from "./attributes-decode.js";
import { latin1 } from "./bytes.js";
import { AS_TRANS, AttrFlag, AttrType, NotifyCode, UpdateErrorSubcode } from "./constants.js";
import { BgpError, strongerAction } from "./errors.js";
import { decodeNlriField } from "./nlri-wire.js";
import type {
  AttributeCache,
  CodecContext,
  DecodedUpdate,
  ErrorAction,
  PathAttributes,
  UpdateMessage,
} from "./types.js";

function fatal(subcode: number, reason: string, data?: Uint8Array): BgpError {
  return new BgpError({ code: NotifyCode.UPDATE_MESSAGE_ERROR, subcode, reason, data });
}

// Scratch space for the attribute scan: 5 ints per attribute (header offset, value start, value
// end, flags, type; type -1 = duplicate to skip). Reused across calls (the codec is synchronous).
let scan = new Int32Array(5 * 64);
// Duplicate detection without clearing: seen[type] === generation means "already met".
const seen = new Uint32Array(256);
let generation = 0;

function nextGeneration(): number {
  generation = (generation + 1) >>> 0;
  if (generation === 0) {
    seen.fill(0);
    generation = 1;
  }
  return generation;
}

/** Context bits that change how attribute octets decode; they prefix `attrKey`. */
function contextTag(ctx: CodecContext): string {
  return String.fromCharCode(0x30 | (ctx.as4 ? 1 : 0) | (ctx.ebgp === true ? 2 : 0));
}

// Markers in attrKey standing for MP attributes (chars above 0xff never occur in latin1 slices).
const MP_REACH_MARK = "\u010e";
const MP_UNREACH_MARK = "\u010f";

/**
 * Decodes an UPDATE body (the message without its 19-octet header). Session-reset errors throw
 * `BgpError`; non-fatal ones are returned in `errors` with the strongest in `action`.
 */
export function decodeUpdate(
  body: Uint8Array,
  ctx: CodecContext,
  cache?: AttributeCache,
): DecodedUpdate {
  const len = body.length;
  if (len < 4) {
    throw fatal(
      UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST,
      `UPDATE body of ${len} octets is too short`,
    );
  }
  const wlen = (body[0] << 8) | body[1];
  if (4 + wlen > len) {
    throw fatal(
      UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST,
      `Withdrawn Routes Length ${wlen} runs past the message`,
    );
  }
  const alen = (body[2 + wlen] << 8) | body[3 + wlen];
  const attrStart = 4 + wlen;
  const attrEnd = attrStart + alen;
  if (attrEnd > len) {
    throw fatal(
      UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST,
      `Total Path Attribute Length ${alen} runs past the message (RFC 7606 §4)`,
    );
  }
  const addPath4 = ctx.addPath.includes("ipv4-unicast");
  const withdrawn = decodeNlriField(body, 2, 2 + wlen, "ipv4", addPath4);
  if (typeof withdrawn === "string") {
    throw fatal(UpdateErrorSubcode.INVALID_NETWORK_FIELD, `Withdrawn Routes: ${withdrawn}`);
  }
  const nlri = decodeNlriField(body, attrEnd, len, "ipv4", addPath4);
  if (typeof nlri === "string")
    throw fatal(UpdateErrorSubcode.INVALID_NETWORK_FIELD, `NLRI: ${nlri}`);

  const errors: BgpError[] = [];
  // Pass 1: locate the attributes (RFC 7606 §4), detect duplicates (§3 g), build the key.
  const gen = nextGeneration();
  let count = 0;
  let pos = attrStart;
  let key = contextTag(ctx);
  let runStart = attrStart;
  let framingError = false;
  while (pos < attrEnd) {
    const flags = body[pos];
    const hdr = (flags & AttrFlag.EXTENDED_LENGTH) !== 0 ? 4 : 3;
    if (pos + hdr > attrEnd) {
      errors.push(
        new BgpError({
          code: NotifyCode.UPDATE_MESSAGE_ERROR,
          subcode: UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST,
          action: "treat-as-withdraw",
          reason: `${attrEnd - pos} octet(s) left at the end of the path attributes, too few for an attribute header (RFC 7606 §4)`,
        }),
      );
      framingError = true;
      break;
    }
    const type = body[pos + 1];
    const vlen = hdr === 4 ? (body[pos + 2] << 8) | body[pos + 3] : body[pos + 2];
    const vs = pos + hdr;
    const ve = vs + vlen;
    if (ve > attrEnd) {
      errors.push(
        new BgpError({
          code: NotifyCode.UPDATE_MESSAGE_ERROR,
          subcode: UpdateErrorSubcode.ATTRIBUTE_LENGTH_ERROR,
          action: "treat-as-withdraw",
          reason: `attribute ${type} length ${vlen} runs past the path attributes (RFC 7606 §4)`,
          data: body.slice(pos, attrEnd),
          attributeType: type,
        }),
      );
      framingError = true;
      break;
    }
    let storedType = type;
    if (seen[type] === gen) {
      if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
        throw fatal(
          UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST,
          `${type === AttrType.MP_REACH_NLRI ? "MP_REACH_NLRI" : "MP_UNREACH_NLRI"} appears more than once (RFC 7606 §3 g)`,
        );
      }
      errors.push(
        new BgpError({
          code: NotifyCode.UPDATE_MESSAGE_ERROR,
          subcode: UpdateErrorSubcode.MALFORMED_ATTRIBUTE_LIST,
          action: "attribute-discard",
          reason: `attribute ${type} appears more than once; later copies discarded (RFC 7606 §3 g)`,
          data: body.slice(pos, ve),
          attributeType: type,
        }),
      );
      storedType = -1;
    }
    seen[type] = gen;
    if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
      if (pos > runStart) key += latin1(body, runStart, pos);
      key += mpKeyPart(body, type, vs, ve);
      runStart = ve;
    }
    if (5 * count + 5 > scan.length) {
      const bigger = new Int32Array(scan.length * 2);
      bigger.set(scan);
      scan = bigger;
    }
    const s = 5 * count++;
    scan[s] = pos;
    scan[s + 1] = vs;
    scan[s + 2] = ve;
    scan[s + 3] = flags;
    scan[s + 4] = storedType;
    pos = ve;
  }
  if (pos > runStart) key += latin1(body, runStart, pos);

  // Pass 2: decode the attributes, or take them from the cache and decode only MP NLRI.
  const sink: AttributeSink = {
    ctx,
    attrs: {},
    errors,
    mpReachNlri: null,
    mpUnreachNlri: null,
    disabledFamily: null,
  };
  let attributes: PathAttributes;
  const cached = cache !== undefined && !framingError ? cache.get(key) : undefined;
  if (cached !== undefined) {
    for (let i = 0; i < count; i++) {
      const s = 5 * i;
      const type = scan[s + 4];
      if (type === AttrType.MP_REACH_NLRI) {
        decodeMpReach(sink, body, scan[s], scan[s + 1], scan[s + 2], false);
      } else if (type === AttrType.MP_UNREACH_NLRI) {
        decodeMpUnreach(sink, body, scan[s], scan[s + 1], scan[s + 2], false);
      }
    }
    attributes = cached;
  } else {
    for (let i = 0; i < count; i++) {
      const s = 5 * i;
      const type = scan[s + 4];
      if (type < 0) continue;
      decodeAttribute(sink, body, scan[s], scan[s + 1], scan[s + 2], scan[s + 3], type);
    }
    if (!ctx.as4) applyAs4(sink.attrs);
    const attrErrors = errors.length;
    if (cache !== undefined) {
      attributes = shareable(sink.attrs);
      if (attrErrors === 0 && !framingError) cache.set(key, attributes);
    } else {
      attributes = Object.freeze(sink.attrs);
    }
  }

  // Per-message checks: well-known mandatory attributes when there is NLRI (RFC 7606 §3 d).
  const mpCount = sink.mpReachNlri === null ? 0 : sink.mpReachNlri.count;
  if (nlri.count > 0 || mpCount > 0) {
    const missing = (type: number, name: string) =>
      errors.push(
        new BgpError({
          code: NotifyCode.UPDATE_MESSAGE_ERROR,
          subcode: UpdateErrorSubcode.MISSING_WELL_KNOWN_ATTRIBUTE,
          action: "treat-as-withdraw",
          reason: `well-known mandatory attribute ${name} is missing`,
          data: Uint8Array.of(type),
          attributeType: type,
        }),
      );
    if (seen[AttrType.ORIGIN] !== gen) missing(AttrType.ORIGIN, "ORIGIN");
    if (seen[AttrType.AS_PATH] !== gen) missing(AttrType.AS_PATH, "AS_PATH");
    if (nlri.count > 0 && seen[AttrType.NEXT_HOP] !== gen) missing(AttrType.NEXT_HOP, "NEXT_HOP");
  }

  let action: ErrorAction | null = null;
  for (const e of errors) action = strongerAction(action, e.action);

  let endOfRib: AfiSafiName | null = null;
  if (wlen === 0 && nlri.count === 0) {
    if (alen === 0) endOfRib = "ipv4-unicast";
    else if (count === 1 && scan[4] === AttrType.MP_UNREACH_NLRI && scan[2] - scan[1] === 3) {
      const vs = scan[1];
      endOfRib = afiSafiName((body[vs] << 8) | body[vs + 1], body[vs + 2]);
    }
  }

  const update: UpdateMessage = { type: "UPDATE", withdrawn, attributes, nlri };
  return {
    update,
    action,
    errors,
    endOfRib,
    attrKey: key,
    mpReachNlri: sink.mpReachNlri,
    mpUnreachNlri: sink.mpUnreachNlri,
  };
}

/** The part of an MP attribute that belongs to the attribute set (not its NLRI). */
function mpKeyPart(body: Uint8Array, type: number, vs: number, ve: number): string {
  const len = ve - vs;
  const family = len >= 3 ? afiSafiName((body[vs] << 8) | body[vs + 1], body[vs + 2]) : null;
  if (family === null) {
    // Unknown family or too short: everything is kept raw, so everything is identity.
    return (
      (type === AttrType.MP_REACH_NLRI ? MP_REACH_MARK : MP_UNREACH_MARK) + latin1(body, vs, ve)
    );
  }
  if (type === AttrType.MP_UNREACH_NLRI) return MP_UNREACH_MARK + latin1(body, vs, vs + 3);
  const nlriStart = len >= 4 ? Math.min(ve, vs + 5 + body[vs + 3]) : ve;
  return MP_REACH_MARK + latin1(body, vs, nlriStart);
}

/** RFC 6793 §4.2.3 on a 2-octet session: fold AS4_AGGREGATOR and AS4_PATH into the real ones. */
function applyAs4(a: MutableAttributes): void {
  if (a.as4Path === undefined && a.as4Aggregator === undefined) return;
  if (a.aggregator !== undefined && a.aggregator.asn !== AS_TRANS) return; // ignore both AS4_*
  if (a.aggregator !== undefined && a.as4Aggregator !== undefined) a.aggregator = a.as4Aggregator;
  if (a.asPath !== undefined && a.as4Path !== undefined)
    a.asPath = mergeAs4Path(a.asPath, a.as4Path);
}

/** A frozen copy without per-message NLRI, safe to share through an AttributeCache. */
function shareable(a: MutableAttributes): PathAttributes {
  if (a.mpReach !== undefined && a.mpReach.nlri !== null) a.mpReach = { ...a.mpReach, nlri: null };
  if (a.mpUnreach !== undefined && a.mpUnreach.withdrawn !== null) {
    a.mpUnreach = { ...a.mpUnreach, withdrawn: null };
  }
  return deepFreeze(a);
}

/** Freezes the attribute set and everything in it except octet arrays (cheaper than a walk). */
function deepFreeze(a: MutableAttributes): PathAttributes {
  if (a.asPath !== undefined) freezeSegments(a.asPath);
  if (a.as4Path !== undefined) freezeSegments(a.as4Path);
  if (a.aggregator !== undefined) Object.freeze(a.aggregator);
  if (a.as4Aggregator !== undefined) Object.freeze(a.as4Aggregator);
  if (a.communities !== undefined) Object.freeze(a.communities);
  if (a.clusterList !== undefined) Object.freeze(a.clusterList);
  if (a.extendedCommunities !== undefined) {
    for (const c of a.extendedCommunities) Object.freeze(c);
    Object.freeze(a.extendedCommunities);
  }
  if (a.largeCommunities !== undefined) {
    for (const c of a.largeCommunities) Object.freeze(c);
    Object.freeze(a.largeCommunities);
  }
  if (a.mpReach !== undefined) {
    Object.freeze(a.mpReach.nextHops);
    Object.freeze(a.mpReach);
  }
  if (a.mpUnreach !== undefined) Object.freeze(a.mpUnreach);
  if (a.unknown !== undefined) {
    for (const u of a.unknown) Object.freeze(u);
    Object.freeze(a.unknown);
  }
  return Object.freeze(a);
}

function freezeSegments(segs: PathAttributes["asPath"] & object): void {
  for (const s of segs) {
    Object.freeze(s.asns);
    Object.freeze(s);
  }
  Object.freeze(segs);
}

/**
 * The family whose End-of-RIB marker (RFC 4724 §2) `decoded` is, or null: an UPDATE with no
 * withdrawn routes, no attributes and no NLRI for IPv4 unicast, an UPDATE holding only an empty
 * MP_UNREACH_NLRI for the other families. Same as `decoded.endOfRib`.
 */
export function endOfRibFamily(decoded: DecodedUpdate): AfiSafiName | null {
  return decoded.endOfRib;
}
