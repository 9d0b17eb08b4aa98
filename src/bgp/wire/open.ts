/**
 * OPEN (RFC 4271 §4.2): version, My Autonomous System, Hold Time, BGP Identifier and optional
 * parameters, in the classic form (1-octet lengths) or the RFC 9072 extended form (Non-Ext OP
 * Len = 255, Non-Ext OP Type = 255, then 2-octet lengths). Capabilities (RFC 5492) are decoded by
 * capabilities.ts. Checks of RFC 4271 §6.2 that need nothing but the message (version, AS 0 per
 * RFC 7607, hold time 1–2, BGP Identifier 0 per RFC 6286, unsupported optional parameters) are in
 * `checkOpen`; those that need the session's configuration (expected peer AS, own identifier)
 * are in `validateOpen`, for the session engine.
 */
import { formatIPv4, parseIPv4 } from "../../common/ip/address.js";
import { ByteWriter, u16, u32 } from "./bytes.js";
import { capabilityCode, decodeCapabilities, encodeCapabilityValue } from "./capabilities.js";
import { AS_TRANS, BGP_VERSION, NotifyCode, OpenErrorSubcode, OptParamType } from "./constants.js";
import { BgpError } from "./errors.js";
import type { Capability, OpenMessage } from "./types.js";

function openError(subcode: number, reason: string, data?: Uint8Array): BgpError {
  return new BgpError({ code: NotifyCode.OPEN_MESSAGE_ERROR, subcode, reason, data });
}

/** Decodes an OPEN body (the message without its 19-octet header). Throws `BgpError`. */
export function decodeOpenBody(body: Uint8Array): OpenMessage {
  if (body.length < 10) {
    throw openError(OpenErrorSubcode.UNSPECIFIC, `OPEN body of ${body.length} octets is too short`);
  }
  const version = body[0];
  const myAs = u16(body, 1);
  const holdTime = u16(body, 3);
  const bgpId = formatIPv4(u32(body, 5));
  const optLen = body[9];
  let pos = 10;
  let end = 10 + optLen;
  let extended = false;
  // RFC 9072 §2: Non-Ext OP Len 255 with a first type of 255 announces the extended format.
  if (optLen === 255 && body.length > 10 && body[10] === OptParamType.EXTENDED_LENGTH) {
    if (body.length < 13) {
      throw openError(OpenErrorSubcode.UNSPECIFIC, "extended optional parameters length truncated");
    }
    extended = true;
    pos = 13;
    end = 13 + u16(body, 11);
  }
  if (end !== body.length) {
    throw openError(
      OpenErrorSubcode.UNSPECIFIC,
      `optional parameters length ${end - pos} does not match the ${body.length - pos} octets present`,
    );
  }
  const capabilities: Capability[] = [];
  const otherParameters: { type: number; value: Uint8Array }[] = [];
  const hdr = extended ? 3 : 2;
  while (pos < end) {
    if (pos + hdr > end) {
      throw openError(OpenErrorSubcode.UNSPECIFIC, "optional parameter header truncated");
    }
    const type = body[pos];
    const len = extended ? u16(body, pos + 1) : body[pos + 1];
    const vs = pos + hdr;
    if (vs + len > end) {
      throw openError(
        OpenErrorSubcode.UNSPECIFIC,
        `optional parameter ${type} length ${len} runs past the optional parameters`,
      );
    }
    const value = body.subarray(vs, vs + len);
    if (type === OptParamType.CAPABILITIES) {
      const caps = decodeCapabilities(value);
      if (typeof caps === "string") throw openError(OpenErrorSubcode.UNSPECIFIC, caps);
      for (const c of caps) capabilities.push(c);
    } else {
      otherParameters.push({ type, value: value.slice() });
    }
    pos = vs + len;
  }
  return { type: "OPEN", version, myAs, holdTime, bgpId, capabilities, otherParameters };
}

/** The AS the peer claims: its 4-octet AS capability, else My Autonomous System. */
export function peerAsOf(open: OpenMessage): number {
  for (const c of open.capabilities) if (c.type === "fourOctetAs") return c.asn;
  return open.myAs;
}

/**
 * RFC 4271 §6.2 checks that need only the message. Throws the OPEN Message Error `BgpError`.
 */
export function checkOpen(open: OpenMessage): void {
  if (open.version !== BGP_VERSION) {
    throw openError(
      OpenErrorSubcode.UNSUPPORTED_VERSION_NUMBER,
      `version ${open.version} is not supported (only ${BGP_VERSION})`,
      Uint8Array.of(0, BGP_VERSION),
    );
  }
  if (open.myAs === 0) {
    throw openError(
      OpenErrorSubcode.BAD_PEER_AS,
      "My Autonomous System is 0 (RFC 7607)",
      Uint8Array.of(0, 0),
    );
  }
  for (const c of open.capabilities) {
    if (c.type === "fourOctetAs" && c.asn === 0) {
      throw openError(
        OpenErrorSubcode.BAD_PEER_AS,
        "4-octet AS capability carries AS 0 (RFC 7607)",
        Uint8Array.of(0, 0),
      );
    }
  }
  if (open.holdTime === 1 || open.holdTime === 2) {
    throw openError(
      OpenErrorSubcode.UNACCEPTABLE_HOLD_TIME,
      `hold time ${open.holdTime} s is neither 0 nor at least 3 s`,
    );
  }
  if (open.bgpId === "0.0.0.0") {
    throw openError(
      OpenErrorSubcode.BAD_BGP_IDENTIFIER,
      "BGP Identifier is 0 (RFC 6286 §2.1)",
      Uint8Array.of(0, 0, 0, 0),
    );
  }
  if (open.otherParameters.length > 0) {
    const t = open.otherParameters[0].type;
    throw openError(
      OpenErrorSubcode.UNSUPPORTED_OPTIONAL_PARAMETER,
      `optional parameter type ${t} is not supported`,
    );
  }
}

export interface OpenExpectations {
  /** The configured peer AS (or the accepted ones, for dynamic neighbors). */
  readonly peerAs?: number | readonly number[];
  /** Our BGP Identifier: an internal peer must not use the same (RFC 6286 §2.1). */
  readonly localBgpId?: string;
  /** Our AS: a peer with the same AS is internal. */
  readonly localAs?: number;
  /** Smallest hold time we accept other than 0 (RFC 4271 §6.2 allows refusing short ones). */
  readonly minHoldTime?: number;
}

/**
 * RFC 4271 §6.2 checks against the session's configuration: Bad Peer AS (data = the 2-octet My
 * Autonomous System field), Bad BGP Identifier for an internal peer using our identifier, and
 * an optional local minimum hold time. Also runs `checkOpen`. Throws `BgpError`.
 */
export function validateOpen(open: OpenMessage, expect: OpenExpectations): void {
  checkOpen(open);
  const asn = peerAsOf(open);
  const myAsField = Uint8Array.of(open.myAs >>> 8, open.myAs & 255);
  if (expect.peerAs !== undefined) {
    const allowed = typeof expect.peerAs === "number" ? [expect.peerAs] : expect.peerAs;
    if (!allowed.includes(asn)) {
      throw openError(
        OpenErrorSubcode.BAD_PEER_AS,
        `peer AS ${asn} is not the expected ${allowed.join(" or ")}`,
        myAsField,
      );
    }
  }
  const has4 = open.capabilities.some((c) => c.type === "fourOctetAs");
  if (has4 && asn <= 0xffff && open.myAs !== asn) {
    throw openError(
      OpenErrorSubcode.BAD_PEER_AS,
      `My Autonomous System ${open.myAs} disagrees with the 4-octet AS capability ${asn}`,
      myAsField,
    );
  }
  if (has4 && asn > 0xffff && open.myAs !== AS_TRANS) {
    throw openError(
      OpenErrorSubcode.BAD_PEER_AS,
      `My Autonomous System ${open.myAs} should be AS_TRANS for 4-octet AS ${asn}`,
      myAsField,
    );
  }
  if (
    expect.localBgpId !== undefined &&
    expect.localAs !== undefined &&
    asn === expect.localAs &&
    parseIPv4(expect.localBgpId) === parseIPv4(open.bgpId)
  ) {
    throw openError(
      OpenErrorSubcode.BAD_BGP_IDENTIFIER,
      `internal peer uses our BGP Identifier ${open.bgpId}`,
      u32Bytes(parseIPv4(open.bgpId) ?? 0),
    );
  }
  if (
    expect.minHoldTime !== undefined &&
    open.holdTime !== 0 &&
    open.holdTime < expect.minHoldTime
  ) {
    throw openError(
      OpenErrorSubcode.UNACCEPTABLE_HOLD_TIME,
      `hold time ${open.holdTime} s is below our minimum of ${expect.minHoldTime} s`,
    );
  }
}

function u32Bytes(v: number): Uint8Array {
  return Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
}

export interface OpenEncodeOptions {
  /**
   * How capabilities are grouped into optional parameters: all in one (BIRD, GoBGP; default)
   * or one optional parameter per capability (FRR, and older Cisco/Juniper).
   */
  readonly capabilityParameters?: "single" | "perCapability";
  /** Force the RFC 9072 extended format even when the parameters fit in 255 octets. */
  readonly extendedParameters?: boolean;
}

/** Encodes an OPEN body (without header). Throws `RangeError` for values out of range. */
export function encodeOpenBody(open: OpenMessage, options: OpenEncodeOptions = {}): Uint8Array {
  const params: { type: number; value: Uint8Array }[] = [];
  const capValues = open.capabilities.map((c) => {
    const v = encodeCapabilityValue(c);
    const out = new Uint8Array(2 + v.length);
    out[0] = capabilityCode(c);
    out[1] = v.length;
    out.set(v, 2);
    return out;
  });
  if (options.capabilityParameters === "perCapability") {
    for (const v of capValues) params.push({ type: OptParamType.CAPABILITIES, value: v });
  } else if (capValues.length > 0) {
    const w = new ByteWriter();
    for (const v of capValues) w.bytes(v);
    params.push({ type: OptParamType.CAPABILITIES, value: w.finish() });
  }
  for (const p of open.otherParameters) params.push(p);
  let classicLen = 0;
  let fitsClassic = true;
  for (const p of params) {
    classicLen += 2 + p.value.length;
    if (p.value.length > 255) fitsClassic = false;
  }
  const extended = options.extendedParameters === true || !fitsClassic || classicLen > 255;
  const w = new ByteWriter(64);
  w.u8(checkU(open.version, 255, "version"));
  w.u16(checkU(open.myAs, 0xffff, "My Autonomous System"));
  w.u16(checkU(open.holdTime, 0xffff, "hold time"));
  const id = parseIPv4(open.bgpId);
  if (id === null) throw new RangeError(`BGP Identifier "${open.bgpId}" is not a dotted quad`);
  w.u32(id);
  if (!extended) {
    w.u8(classicLen);
    for (const p of params) {
      w.u8(p.type);
      w.u8(p.value.length);
      w.bytes(p.value);
    }
  } else {
    let extLen = 0;
    for (const p of params) extLen += 3 + p.value.length;
    w.u8(255);
    w.u8(OptParamType.EXTENDED_LENGTH);
    w.u16(checkU(extLen, 0xffff, "optional parameters length"));
    for (const p of params) {
      w.u8(p.type);
      w.u16(p.value.length);
      w.bytes(p.value);
    }
  }
  return w.finish();
}

function checkU(v: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max)
    throw new RangeError(`${what} ${v} out of range [0, ${max}]`);
  return v;
}
