/**
 * RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR messages (rtnetlink(7): struct ifaddrmsg, IFA_*)
 * ⇄ `KernelAddress`. Requests match `ip addr add|del <ip>/<len> dev <if>` byte for byte
 * (IFA_LOCAL then IFA_ADDRESS, scope global).
 */
import type { Family } from "../../common/contracts/families.js";
import { formatAddress } from "../../common/ip/address.js";
import type { KernelAddress } from "../model.js";
import {
  AF_INET,
  AF_INET6,
  IFA_ADDRESS,
  IFA_LOCAL,
  IFADDR_LEN,
  NLA_F_MASK,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RT_SCOPE_UNIVERSE,
  RTM_DELADDR,
  RTM_GETADDR,
  RTM_NEWADDR,
} from "./constants.js";
import { type NlHeader, readU16, readU32 } from "./reader.js";
import type { NlWriter } from "./writer.js";

function writeAddr(
  w: NlWriter,
  type: number,
  flags: number,
  seq: number,
  index: number,
  address: Uint8Array,
  prefixLen: number,
): void {
  const start = w.beginMessage(type, flags, seq);
  w.u8(address.length === 4 ? AF_INET : AF_INET6);
  w.u8(prefixLen);
  w.u8(0); // ifa_flags
  w.u8(RT_SCOPE_UNIVERSE);
  w.i32(index);
  w.attrBytes(IFA_LOCAL, address);
  w.attrBytes(IFA_ADDRESS, address);
  w.endMessage(start);
}

export function encodeNewAddress(
  w: NlWriter,
  index: number,
  address: Uint8Array,
  prefixLen: number,
  seq: number,
): void {
  writeAddr(
    w,
    RTM_NEWADDR,
    NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
    seq,
    index,
    address,
    prefixLen,
  );
}

export function encodeDelAddress(
  w: NlWriter,
  index: number,
  address: Uint8Array,
  prefixLen: number,
  seq: number,
): void {
  writeAddr(w, RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, seq, index, address, prefixLen);
}

export function encodeAddressDump(w: NlWriter, family: Family, seq: number): void {
  const start = w.beginMessage(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq);
  w.u8(family === "ipv4" ? AF_INET : AF_INET6);
  w.zeros(IFADDR_LEN - 1);
  w.endMessage(start);
}

export function decodeAddress(buf: Uint8Array, h: NlHeader): KernelAddress | null {
  if (h.end - h.payload < IFADDR_LEN) return null;
  const p = h.payload;
  const af = buf[p];
  if (af !== AF_INET && af !== AF_INET6) return null;
  const alen = af === AF_INET ? 4 : 16;
  let local: string | null = null;
  let address: string | null = null;
  let off = p + IFADDR_LEN;
  while (off + 4 <= h.end) {
    const nlaLen = readU16(buf, off);
    if (nlaLen < 4 || off + nlaLen > h.end) break;
    const type = readU16(buf, off + 2) & NLA_F_MASK;
    if (nlaLen - 4 === alen) {
      if (type === IFA_LOCAL) local = formatAddress(buf, off + 4, alen);
      else if (type === IFA_ADDRESS) address = formatAddress(buf, off + 4, alen);
    }
    off += (nlaLen + 3) & ~3;
  }
  const text = local ?? address;
  if (text === null) return null;
  return {
    family: af === AF_INET ? "ipv4" : "ipv6",
    index: readU32(buf, p + 4) | 0,
    prefixLen: buf[p + 1],
    address: text,
    scope: buf[p + 3],
  };
}
