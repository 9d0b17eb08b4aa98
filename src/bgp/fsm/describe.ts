/**
 * Human-readable texts for NOTIFICATIONs and session errors in the wording BIRD uses in
 * `show protocols` and calicoctl repeats in its Info column ("Socket: Connection refused",
 * "Received: Hold timer expired", "BGP Error: Bad peer AS"), including the RFC 9003 shutdown
 * communication of Cease / Administrative Shutdown and Reset, and RFC 8538 Hard Reset payloads.
 */
import type { NotificationData } from "../../common/contracts/bgp-engines.js";
import {
  CeaseSubcode,
  MAX_SHUTDOWN_COMMUNICATION,
  NotifyCode,
  notificationCodeName,
  notificationSubcodeName,
} from "../wire/constants.js";
import type { LastError } from "./types.js";

/** Short texts like BIRD's, keyed "code/subcode" (subcode 0 = the code's generic text). */
const TEXTS: Readonly<Record<string, string>> = {
  "1/0": "Message header error",
  "1/1": "Connection not synchronized",
  "1/2": "Bad message length",
  "1/3": "Bad message type",
  "2/0": "OPEN message error",
  "2/1": "Unsupported version number",
  "2/2": "Bad peer AS",
  "2/3": "Bad BGP identifier",
  "2/4": "Unsupported optional parameter",
  "2/6": "Unacceptable hold time",
  "2/7": "Required capability missing",
  "3/0": "Invalid UPDATE message",
  "3/1": "Malformed attribute list",
  "3/2": "Unrecognized well-known attribute",
  "3/3": "Missing mandatory attribute",
  "3/4": "Invalid attribute flags",
  "3/5": "Invalid attribute length",
  "3/6": "Invalid ORIGIN attribute",
  "3/8": "Invalid NEXT_HOP attribute",
  "3/9": "Optional attribute error",
  "3/10": "Invalid network field",
  "3/11": "Malformed AS_PATH",
  "4/0": "Hold timer expired",
  "5/0": "Finite state machine error",
  "5/1": "Unexpected message in OpenSent state",
  "5/2": "Unexpected message in OpenConfirm state",
  "5/3": "Unexpected message in Established state",
  "6/0": "Cease",
  "6/1": "Maximum number of prefixes reached",
  "6/2": "Administrative shutdown",
  "6/3": "Peer de-configured",
  "6/4": "Administrative reset",
  "6/5": "Connection rejected",
  "6/6": "Other configuration change",
  "6/7": "Connection collision resolution",
  "6/8": "Out of resources",
  "6/9": "Hard reset",
  "6/10": "BFD session down",
  "7/0": "ROUTE-REFRESH message error",
  "7/1": "Invalid ROUTE-REFRESH message length",
};

const decoder = new TextDecoder("utf-8", { fatal: false });

/** RFC 9003 §2: one length octet, then that many octets of UTF-8. */
export function shutdownCommunication(data: Uint8Array): string | null {
  if (data.length < 1) return null;
  const len = data[0];
  if (len === 0 || len + 1 > data.length) return null;
  return decoder.decode(data.subarray(1, 1 + len));
}

/** Encodes a shutdown communication (truncated to 255 octets on a character boundary). */
export function encodeShutdownCommunication(text: string): Uint8Array {
  let bytes = new TextEncoder().encode(text);
  if (bytes.length > MAX_SHUTDOWN_COMMUNICATION) {
    let end = MAX_SHUTDOWN_COMMUNICATION;
    while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
    bytes = bytes.subarray(0, end);
  }
  const out = new Uint8Array(bytes.length + 1);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

export function notificationText(n: NotificationData): string {
  const base =
    TEXTS[`${n.code}/${n.subcode}`] ??
    `${notificationCodeName(n.code)} / ${notificationSubcodeName(n.code, n.subcode)}`;
  if (n.code === NotifyCode.CEASE) {
    if (n.subcode === CeaseSubcode.HARD_RESET && n.data.length >= 2) {
      const inner = notificationText({
        code: n.data[0],
        subcode: n.data[1],
        data: n.data.subarray(2),
      });
      return `${base} (${inner})`;
    }
    if (
      n.subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN ||
      n.subcode === CeaseSubcode.ADMINISTRATIVE_RESET
    ) {
      const text = shutdownCommunication(n.data);
      if (text) return `${base} "${text}"`;
    }
  }
  return base;
}

export function lastErrorText(e: LastError): string {
  switch (e.kind) {
    case "socket":
      return `Socket: ${e.text}`;
    case "received":
      return `Received: ${e.text}`;
    case "sent":
      return `BGP Error: ${e.text}`;
    default:
      return e.text;
  }
}
