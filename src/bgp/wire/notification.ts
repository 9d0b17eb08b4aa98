/**
 * NOTIFICATION (RFC 4271 §4.5): error code, subcode, data. For Cease / Administrative Shutdown
 * and Administrative Reset the data may hold a shutdown communication (RFC 8203, extended to 255
 * octets by RFC 9003): a length octet and that many octets of UTF-8. A malformed communication is
 * not an error (RFC 9003 §2): the data is kept and no text is decoded.
 */
import { decodeUtf8, encodeUtf8 } from "./bytes.js";
import { CeaseSubcode, MAX_SHUTDOWN_COMMUNICATION, NotifyCode } from "./constants.js";
import type { NotificationMessage } from "./types.js";

function carriesCommunication(code: number, subcode: number): boolean {
  return (
    code === NotifyCode.CEASE &&
    (subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN ||
      subcode === CeaseSubcode.ADMINISTRATIVE_RESET)
  );
}

/** The shutdown communication in `data`, or null when there is none or it is malformed. */
export function decodeShutdownCommunication(data: Uint8Array): string | null {
  if (data.length < 1) return null;
  const len = data[0];
  if (len === 0 || 1 + len > data.length) return null;
  return decodeUtf8(data.subarray(1, 1 + len));
}

/** Length octet + UTF-8 of `text`; throws RangeError beyond 255 octets (RFC 9003 §2). */
export function encodeShutdownCommunication(text: string): Uint8Array {
  const bytes = encodeUtf8(text);
  if (bytes.length > MAX_SHUTDOWN_COMMUNICATION) {
    throw new RangeError(
      `shutdown communication is ${bytes.length} octets of UTF-8, the maximum is ${MAX_SHUTDOWN_COMMUNICATION}`,
    );
  }
  const out = new Uint8Array(1 + bytes.length);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

/** A Cease NOTIFICATION (Administrative Shutdown by default) carrying `text`. */
export function shutdownNotification(
  text: string,
  subcode: number = CeaseSubcode.ADMINISTRATIVE_SHUTDOWN,
): NotificationMessage {
  const data = text === "" ? new Uint8Array(0) : encodeShutdownCommunication(text);
  return text === ""
    ? { type: "NOTIFICATION", code: NotifyCode.CEASE, subcode, data }
    : { type: "NOTIFICATION", code: NotifyCode.CEASE, subcode, data, shutdownCommunication: text };
}

export function decodeNotificationBody(body: Uint8Array): NotificationMessage {
  const code = body[0];
  const subcode = body[1];
  const data = body.slice(2);
  if (carriesCommunication(code, subcode)) {
    const text = decodeShutdownCommunication(data);
    if (text !== null)
      return { type: "NOTIFICATION", code, subcode, data, shutdownCommunication: text };
  }
  return { type: "NOTIFICATION", code, subcode, data };
}

/**
 * The NOTIFICATION body. `data` is written as is; when it is empty and `shutdownCommunication`
 * is set, the communication is encoded. Data that would exceed `maxBody` octets is truncated
 * (a NOTIFICATION must still go out; RFC 8654 §5).
 */
export function encodeNotificationBody(msg: NotificationMessage, maxBody: number): Uint8Array {
  for (const [what, v] of [
    ["code", msg.code],
    ["subcode", msg.subcode],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > 255)
      throw new RangeError(`NOTIFICATION ${what} ${v} out of range`);
  }
  let data = msg.data;
  if (
    data.length === 0 &&
    msg.shutdownCommunication !== undefined &&
    msg.shutdownCommunication !== ""
  ) {
    data = encodeShutdownCommunication(msg.shutdownCommunication);
  }
  if (2 + data.length > maxBody) data = data.subarray(0, maxBody - 2);
  const out = new Uint8Array(2 + data.length);
  out[0] = msg.code;
  out[1] = msg.subcode;
  out.set(data, 2);
  return out;
}
