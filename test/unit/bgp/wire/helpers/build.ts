// Hand-built wire bytes for tests: attributes and UPDATE bodies assembled from hex pieces, so
// malformed inputs can be written exactly as a broken peer would send them.

import { hexToBytes } from "../../../../../src/common/bytes/hex.js";

/** One attribute: flags, type, value (hex); the length is computed unless given. */
export function attr(flags: number, type: number, valueHex: string, length?: number): string {
  const v = valueHex.replace(/\s/g, "");
  const len = length ?? v.length / 2;
  const ext = (flags & 0x10) !== 0;
  const h = (n: number, w: number) => n.toString(16).padStart(w, "0");
  return h(flags, 2) + h(type, 2) + (ext ? h(len, 4) : h(len, 2)) + v;
}

/** UPDATE body: withdrawn routes, attributes and NLRI given as hex; lengths computed. */
export function updateBody(parts: {
  withdrawn?: string;
  attrs?: string[];
  nlri?: string;
}): Uint8Array {
  const w = (parts.withdrawn ?? "").replace(/\s/g, "");
  const a = (parts.attrs ?? []).join("");
  const n = (parts.nlri ?? "").replace(/\s/g, "");
  const h = (x: number) => x.toString(16).padStart(4, "0");
  return hexToBytes(h(w.length / 2) + w + h(a.length / 2) + a + n);
}

/** A full message (header included) around `body`. */
export function message(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(19 + body.length);
  out.fill(0xff, 0, 16);
  out[16] = out.length >> 8;
  out[17] = out.length & 255;
  out[18] = type;
  out.set(body, 19);
  return out;
}

// Well-formed attributes for a 2-octet-AS session, to build on.
export const ORIGIN_IGP = attr(0x40, 1, "00");
export const AS_PATH_2 = attr(0x40, 2, "0201 fde8"); // AS_SEQUENCE 65000
export const AS_PATH_4 = attr(0x40, 2, "0201 0000fde8"); // AS_SEQUENCE 65000, 4-octet
export const NEXT_HOP = attr(0x40, 3, "c0000201"); // 192.0.2.1
export const NLRI_24 = "18 0a0000"; // 10.0.0.0/24
export const MANDATORY_2 = [ORIGIN_IGP, AS_PATH_2, NEXT_HOP];
export const MANDATORY_4 = [ORIGIN_IGP, AS_PATH_4, NEXT_HOP];
