/**
 * Whole messages: `decodeMessage` checks the header (RFC 4271 §6.1) and dispatches on the type
 * (OPEN §4.2 + §6.2 checks, UPDATE §4.3 + RFC 7606, NOTIFICATION §4.5, KEEPALIVE §4.4,
 * ROUTE-REFRESH RFC 2918 / RFC 7313); `encodeMessage` is its inverse and adds the header.
 */
import { HEADER_LENGTH, HeaderErrorSubcode, MessageType, NotifyCode } from "./constants.js";
import { BgpError } from "./errors.js";
import { readHeader, writeHeader } from "./header.js";
import { decodeNotificationBody, encodeNotificationBody } from "./notification.js";
import { checkOpen, decodeOpenBody, encodeOpenBody, type OpenEncodeOptions } from "./open.js";
import { maxMessageLength } from "./pack.js";
import { decodeRouteRefresh, encodeRouteRefreshBody } from "./route-refresh.js";
import type { BgpMessage, CodecContext } from "./types.js";
import { decodeUpdate } from "./update-decode.js";
import { encodeUpdateBody } from "./update-encode.js";

/**
 * Decodes one complete message (header included). Throws `BgpError` for header errors, OPEN
 * errors (§6.2) and session-reset UPDATE errors; an UPDATE with non-fatal RFC 7606 problems is
 * returned with them applied (discarded attributes removed). Use `decodeUpdate` to see them.
 */
export function decodeMessage(message: Uint8Array, ctx: CodecContext): BgpMessage {
  if (message.length < HEADER_LENGTH) {
    throw new BgpError({
      code: NotifyCode.MESSAGE_HEADER_ERROR,
      subcode: HeaderErrorSubcode.BAD_MESSAGE_LENGTH,
      reason: `message of ${message.length} octets is shorter than the header`,
    });
  }
  const { length, type } = readHeader(message, 0, maxMessageLength(ctx));
  if (length !== message.length) {
    throw new BgpError({
      code: NotifyCode.MESSAGE_HEADER_ERROR,
      subcode: HeaderErrorSubcode.BAD_MESSAGE_LENGTH,
      reason: `length field ${length} but ${message.length} octets given`,
      data: message.slice(16, 18),
    });
  }
  const body = message.subarray(HEADER_LENGTH);
  switch (type) {
    case MessageType.OPEN: {
      const open = decodeOpenBody(body);
      checkOpen(open);
      return open;
    }
    case MessageType.UPDATE:
      return decodeUpdate(body, ctx).update;
    case MessageType.NOTIFICATION:
      return decodeNotificationBody(body);
    case MessageType.KEEPALIVE:
      return { type: "KEEPALIVE" };
    default:
      return decodeRouteRefresh(message);
  }
}

function withHeader(type: number, body: Uint8Array, max: number): Uint8Array {
  const length = HEADER_LENGTH + body.length;
  if (length > max)
    throw new RangeError(`message of ${length} octets exceeds the maximum of ${max}`);
  const out = new Uint8Array(length);
  writeHeader(out, length, type);
  out.set(body, HEADER_LENGTH);
  return out;
}

export interface EncodeOptions {
  /** OPEN only: how capabilities are grouped into optional parameters. */
  readonly open?: OpenEncodeOptions;
}

/** Encodes a message with its header. Throws `RangeError` for values that cannot be encoded. */
export function encodeMessage(
  msg: BgpMessage,
  ctx: CodecContext,
  options: EncodeOptions = {},
): Uint8Array {
  const max = maxMessageLength(ctx);
  switch (msg.type) {
    case "OPEN":
      // RFC 8654 §3: OPEN never exceeds 4096 octets.
      return withHeader(MessageType.OPEN, encodeOpenBody(msg, options.open), 4096);
    case "UPDATE":
      return withHeader(MessageType.UPDATE, encodeUpdateBody(msg, ctx), max);
    case "NOTIFICATION":
      return withHeader(
        MessageType.NOTIFICATION,
        encodeNotificationBody(msg, max - HEADER_LENGTH),
        max,
      );
    case "KEEPALIVE":
      return withHeader(MessageType.KEEPALIVE, new Uint8Array(0), max);
    case "ROUTE-REFRESH":
      return withHeader(MessageType.ROUTE_REFRESH, encodeRouteRefreshBody(msg), max);
    default:
      throw new RangeError(`unknown message type ${(msg as { type: unknown }).type}`);
  }
}
