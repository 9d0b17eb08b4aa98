/**
 * The 19-octet message header (RFC 4271 §4.1) and its checks (§6.1 Message Header Error
 * handling): the marker must be all ones (else Connection Not Synchronized), the length must lie
 * between 19 and the negotiated maximum and suit the type (else Bad Message Length, data = the
 * length field), and the type must be known (else Bad Message Type, data = the type octet).
 * RFC 8654: OPEN and KEEPALIVE never exceed 4096 octets, even with extended messages.
 */
import {
  HEADER_LENGTH,
  HeaderErrorSubcode,
  KEEPALIVE_LENGTH,
  MARKER_LENGTH,
  MAX_MESSAGE,
  MessageType,
  MIN_NOTIFICATION_LENGTH,
  MIN_OPEN_LENGTH,
  MIN_UPDATE_LENGTH,
  NotifyCode,
  ROUTE_REFRESH_LENGTH,
} from "./constants.js";
import { BgpError } from "./errors.js";

export interface MessageHeader {
  readonly length: number;
  readonly type: number;
}

function headerError(subcode: number, reason: string, data?: Uint8Array): BgpError {
  return new BgpError({ code: NotifyCode.MESSAGE_HEADER_ERROR, subcode, reason, data });
}

/** True when the 16 octets at `at` are all 0xff. */
export function markerValid(buf: Uint8Array, at: number): boolean {
  for (let i = 0; i < MARKER_LENGTH; i++) if (buf[at + i] !== 0xff) return false;
  return true;
}

/**
 * Checks the header at `buf[at]` (at least 19 octets must be present) and returns its length
 * and type; throws a Message Header Error `BgpError` as RFC 4271 §6.1 says.
 */
export function readHeader(buf: Uint8Array, at: number, maxMessageLength: number): MessageHeader {
  if (!markerValid(buf, at)) {
    throw headerError(HeaderErrorSubcode.CONNECTION_NOT_SYNCHRONIZED, "marker is not all ones");
  }
  const length = (buf[at + 16] << 8) | buf[at + 17];
  const type = buf[at + 18];
  const lengthField = buf.slice(at + 16, at + 18);
  const bad = (why: string) =>
    headerError(HeaderErrorSubcode.BAD_MESSAGE_LENGTH, `length ${length}: ${why}`, lengthField);
  if (length < HEADER_LENGTH) throw bad(`below the minimum of ${HEADER_LENGTH}`);
  if (length > maxMessageLength) throw bad(`above the maximum of ${maxMessageLength}`);
  switch (type) {
    case MessageType.OPEN:
      if (length < MIN_OPEN_LENGTH) throw bad(`OPEN shorter than ${MIN_OPEN_LENGTH}`);
      if (length > MAX_MESSAGE) throw bad(`OPEN longer than ${MAX_MESSAGE} (RFC 8654 §3)`);
      break;
    case MessageType.UPDATE:
      if (length < MIN_UPDATE_LENGTH) throw bad(`UPDATE shorter than ${MIN_UPDATE_LENGTH}`);
      break;
    case MessageType.NOTIFICATION:
      if (length < MIN_NOTIFICATION_LENGTH) {
        throw bad(`NOTIFICATION shorter than ${MIN_NOTIFICATION_LENGTH}`);
      }
      break;
    case MessageType.KEEPALIVE:
      if (length !== KEEPALIVE_LENGTH) throw bad(`KEEPALIVE must be ${KEEPALIVE_LENGTH}`);
      break;
    case MessageType.ROUTE_REFRESH:
      // RFC 7313 §5 handles other lengths in the message itself; shorter cannot carry AFI/SAFI.
      if (length < ROUTE_REFRESH_LENGTH) {
        throw bad(`ROUTE-REFRESH shorter than ${ROUTE_REFRESH_LENGTH}`);
      }
      break;
    default:
      throw headerError(
        HeaderErrorSubcode.BAD_MESSAGE_TYPE,
        `unknown message type ${type}`,
        Uint8Array.of(type),
      );
  }
  return { length, type };
}

/** Writes the marker, length and type into the first 19 octets of `out`. */
export function writeHeader(out: Uint8Array, length: number, type: number): void {
  out.fill(0xff, 0, MARKER_LENGTH);
  out[16] = length >>> 8;
  out[17] = length & 255;
  out[18] = type;
}
