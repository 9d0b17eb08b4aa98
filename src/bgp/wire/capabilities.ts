/**
 * BGP capabilities (RFC 5492 §4: <code (1)> <length (1)> <value>) inside the Capabilities
 * optional parameter of OPEN: multiprotocol (RFC 4760 §8), route refresh (RFC 2918, and the
 * pre-standard code 128), extended next hop (RFC 8950 §3), extended message (RFC 8654), graceful
 * restart (RFC 4724 §3 with the RFC 8538 N bit), 4-octet AS (RFC 6793 §3), ADD-PATH (RFC 7911
 * §4), enhanced route refresh (RFC 7313 §4) and hostname (draft-walton-bgp-hostname-capability).
 * A capability with an unknown code, or a known code whose value has the wrong length, is kept
 * as `unknown` with its raw value, so nothing a peer sends is lost or fatal here.
 */

import { ByteWriter, decodeUtf8, encodeUtf8, u16, u32 } from "./bytes.js";
import { CapabilityCode } from "./constants.js";
import type { AddPathDirection, Capability } from "./types.js";

const DIRECTIONS: Readonly<Record<number, AddPathDirection>> = {
  1: "receive",
  2: "send",
  3: "both",
};
const DIRECTION_CODES: Readonly<Record<AddPathDirection, number>> = {
  receive: 1,
  send: 2,
  both: 3,
};

/** Decodes one capability value; falls back to `unknown` when the value does not parse. */
export function decodeCapability(code: number, v: Uint8Array): Capability {
  const raw = (): Capability => ({ type: "unknown", code, value: v.slice() });
  switch (code) {
    case CapabilityCode.MULTIPROTOCOL:
      if (v.length !== 4) return raw();
      return { type: "multiprotocol", afi: u16(v, 0), safi: v[3] };
    case CapabilityCode.ROUTE_REFRESH:
      return v.length === 0 ? { type: "routeRefresh" } : raw();
    case CapabilityCode.ROUTE_REFRESH_CISCO:
      return v.length === 0 ? { type: "routeRefreshCisco" } : raw();
    case CapabilityCode.ENHANCED_ROUTE_REFRESH:
      return v.length === 0 ? { type: "enhancedRouteRefresh" } : raw();
    case CapabilityCode.EXTENDED_MESSAGE:
      return v.length === 0 ? { type: "extendedMessage" } : raw();
    case CapabilityCode.FOUR_OCTET_AS:
      return v.length === 4 ? { type: "fourOctetAs", asn: u32(v, 0) } : raw();
    case CapabilityCode.GRACEFUL_RESTART: {
      if (v.length < 2 || (v.length - 2) % 4 !== 0) return raw();
      const families = [];
      for (let i = 2; i < v.length; i += 4) {
        families.push({ afi: u16(v, i), safi: v[i + 2], forwarding: (v[i + 3] & 0x80) !== 0 });
      }
      return {
        type: "gracefulRestart",
        restarting: (v[0] & 0x80) !== 0,
        notification: (v[0] & 0x40) !== 0,
        restartTime: u16(v, 0) & 0x0fff,
        families,
      };
    }
    case CapabilityCode.ADD_PATH: {
      if (v.length === 0 || v.length % 4 !== 0) return raw();
      const families = [];
      for (let i = 0; i < v.length; i += 4) {
        const direction = DIRECTIONS[v[i + 3]];
        if (direction === undefined) return raw();
        families.push({ afi: u16(v, i), safi: v[i + 2], direction });
      }
      return { type: "addPath", families };
    }
    case CapabilityCode.EXTENDED_NEXT_HOP: {
      if (v.length === 0 || v.length % 6 !== 0) return raw();
      const entries = [];
      for (let i = 0; i < v.length; i += 6) {
        entries.push({ afi: u16(v, i), safi: u16(v, i + 2), nextHopAfi: u16(v, i + 4) });
      }
      return { type: "extendedNextHop", entries };
    }
    case CapabilityCode.FQDN: {
      if (v.length < 1) return raw();
      const hostLen = v[0];
      if (1 + hostLen + 1 > v.length) return raw();
      const domainLen = v[1 + hostLen];
      if (2 + hostLen + domainLen !== v.length) return raw();
      const hostname = decodeUtf8(v.subarray(1, 1 + hostLen));
      const domain = decodeUtf8(v.subarray(2 + hostLen));
      if (hostname === null || domain === null) return raw();
      return { type: "fqdn", hostname, domain };
    }
    default:
      return raw();
  }
}

/** Capability code of a capability value. */
export function capabilityCode(cap: Capability): number {
  switch (cap.type) {
    case "multiprotocol":
      return CapabilityCode.MULTIPROTOCOL;
    case "routeRefresh":
      return CapabilityCode.ROUTE_REFRESH;
    case "routeRefreshCisco":
      return CapabilityCode.ROUTE_REFRESH_CISCO;
    case "enhancedRouteRefresh":
      return CapabilityCode.ENHANCED_ROUTE_REFRESH;
    case "fourOctetAs":
      return CapabilityCode.FOUR_OCTET_AS;
    case "gracefulRestart":
      return CapabilityCode.GRACEFUL_RESTART;
    case "addPath":
      return CapabilityCode.ADD_PATH;
    case "extendedNextHop":
      return CapabilityCode.EXTENDED_NEXT_HOP;
    case "extendedMessage":
      return CapabilityCode.EXTENDED_MESSAGE;
    case "fqdn":
      return CapabilityCode.FQDN;
    case "unknown":
      return cap.code;
  }
}

function checkRange(what: string, v: number, max: number): number {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RangeError(`capability ${what} ${v} out of range [0, ${max}]`);
  }
  return v;
}

/** The value octets of a capability (without code and length). */
export function encodeCapabilityValue(cap: Capability): Uint8Array {
  const w = new ByteWriter(16);
  switch (cap.type) {
    case "multiprotocol":
      w.u16(checkRange("AFI", cap.afi, 0xffff));
      w.u8(0);
      w.u8(checkRange("SAFI", cap.safi, 255));
      break;
    case "routeRefresh":
    case "routeRefreshCisco":
    case "enhancedRouteRefresh":
    case "extendedMessage":
      break;
    case "fourOctetAs":
      w.u32(checkRange("AS", cap.asn, 0xffffffff));
      break;
    case "gracefulRestart":
      w.u16(
        (cap.restarting ? 0x8000 : 0) |
          (cap.notification ? 0x4000 : 0) |
          checkRange("restart time", cap.restartTime, 0x0fff),
      );
      for (const f of cap.families) {
        w.u16(checkRange("AFI", f.afi, 0xffff));
        w.u8(checkRange("SAFI", f.safi, 255));
        w.u8(f.forwarding ? 0x80 : 0);
      }
      break;
    case "addPath":
      for (const f of cap.families) {
        w.u16(checkRange("AFI", f.afi, 0xffff));
        w.u8(checkRange("SAFI", f.safi, 255));
        w.u8(DIRECTION_CODES[f.direction]);
      }
      break;
    case "extendedNextHop":
      for (const e of cap.entries) {
        w.u16(checkRange("AFI", e.afi, 0xffff));
        w.u16(checkRange("SAFI", e.safi, 0xffff));
        w.u16(checkRange("next hop AFI", e.nextHopAfi, 0xffff));
      }
      break;
    case "fqdn": {
      const host = encodeUtf8(cap.hostname);
      const domain = encodeUtf8(cap.domain);
      w.u8(checkRange("hostname length", host.length, 255));
      w.bytes(host);
      w.u8(checkRange("domain length", domain.length, 255));
      w.bytes(domain);
      break;
    }
    case "unknown":
      checkRange("code", cap.code, 255);
      w.bytes(cap.value);
      break;
  }
  const value = w.finish();
  if (value.length > 255)
    throw new RangeError(`capability ${cap.type} is ${value.length} octets (max 255)`);
  return value;
}

/** Decodes the capabilities in a Capabilities optional parameter value; null if malformed. */
export function decodeCapabilities(v: Uint8Array): Capability[] | string {
  const out: Capability[] = [];
  let pos = 0;
  while (pos < v.length) {
    if (pos + 2 > v.length) return `capability header truncated at offset ${pos}`;
    const code = v[pos];
    const len = v[pos + 1];
    if (pos + 2 + len > v.length) {
      return `capability ${code} length ${len} runs past its optional parameter`;
    }
    out.push(decodeCapability(code, v.subarray(pos + 2, pos + 2 + len)));
    pos += 2 + len;
  }
  return out;
}
