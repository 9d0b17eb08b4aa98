/**
 * ROUTE-REFRESH (RFC 2918 §3, RFC 7313 §3): AFI (2), message subtype (1: 0 normal request,
 * 1 Beginning of Route Refresh, 2 End of Route Refresh; RFC 2918's reserved octet), SAFI (1).
 * RFC 7313 §5: a BoRR/EoRR whose length is not 23 is a ROUTE-REFRESH Message Error / Invalid
 * Message Length carrying the whole message. Octets after a request are ORF entries (RFC 5291),
 * kept raw.
 */
import { u16 } from "./bytes.js";
import {
  HEADER_LENGTH,
  NotifyCode,
  RouteRefreshErrorSubcode,
  RouteRefreshSubtype,
} from "./constants.js";
import { BgpError } from "./errors.js";
import type { RouteRefreshMessage } from "./types.js";

/** `message` is the whole message (header included), for the error data. */
export function decodeRouteRefresh(message: Uint8Array): RouteRefreshMessage {
  const body = message.subarray(HEADER_LENGTH);
  const subtype = body[2];
  if (body.length !== 4 && subtype !== RouteRefreshSubtype.REQUEST) {
    throw new BgpError({
      code: NotifyCode.ROUTE_REFRESH_MESSAGE_ERROR,
      subcode: RouteRefreshErrorSubcode.INVALID_MESSAGE_LENGTH,
      reason: `ROUTE-REFRESH subtype ${subtype} of ${message.length} octets (must be 23)`,
      data: message.slice(),
    });
  }
  const base = { type: "ROUTE-REFRESH" as const, afi: u16(body, 0), safi: body[3], subtype };
  return body.length > 4 ? { ...base, orfEntries: body.slice(4) } : base;
}

export function encodeRouteRefreshBody(msg: RouteRefreshMessage): Uint8Array {
  const orf = msg.orfEntries ?? new Uint8Array(0);
  const out = new Uint8Array(4 + orf.length);
  out[0] = msg.afi >>> 8;
  out[1] = msg.afi & 255;
  out[2] = msg.subtype;
  out[3] = msg.safi;
  out.set(orf, 4);
  return out;
}
