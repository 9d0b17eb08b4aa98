/**
 * RTM_NEWNEIGH / RTM_DELNEIGH / RTM_GETNEIGH messages (rtnetlink(7): struct ndmsg, NDA_*) for
 * permanent ARP/NDP entries and VXLAN bridge forwarding (FDB, AF_BRIDGE with NTF_SELF) entries
 * ⇄ `KernelNeighbour`. Requests match `ip neigh replace … nud permanent` and
 * `bridge fdb replace <mac> dev <vxlan> dst <ip> self permanent` byte for byte.
 */
import { formatAddress } from "../../common/ip/address.js";
import { formatMac, type KernelNeighbour } from "../model.js";
import {
  AF_BRIDGE,
  AF_INET,
  AF_INET6,
  NDA_DST,
  NDA_LLADDR,
  NDMSG_LEN,
  NLA_F_MASK,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_REPLACE,
  NLM_F_REQUEST,
  NTF_SELF,
  NUD_NOARP,
  NUD_PERMANENT,
  RTM_DELNEIGH,
  RTM_GETNEIGH,
  RTM_NEWNEIGH,
} from "./constants.js";
import { type NlHeader, readU16, readU32 } from "./reader.js";
import type { NlWriter } from "./writer.js";

function writeNdmsg(w: NlWriter, family: number, ifindex: number, state: number, flags: number) {
  w.u8(family);
  w.u8(0);
  w.u16(0);
  w.i32(ifindex);
  w.u16(state);
  w.u8(flags);
  w.u8(0); // ndm_type
}

/** `ip neigh replace <ip> lladdr <mac> dev <if> nud permanent`. */
export function encodeSetNeighbour(
  w: NlWriter,
  ifindex: number,
  ip: Uint8Array,
  mac: Uint8Array,
  seq: number,
): void {
  const start = w.beginMessage(
    RTM_NEWNEIGH,
    NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
    seq,
  );
  writeNdmsg(w, ip.length === 4 ? AF_INET : AF_INET6, ifindex, NUD_PERMANENT, 0);
  w.attrBytes(NDA_DST, ip);
  w.attrBytes(NDA_LLADDR, mac);
  w.endMessage(start);
}

/** `ip neigh del <ip> dev <if>`. */
export function encodeDelNeighbour(w: NlWriter, ifindex: number, ip: Uint8Array, seq: number) {
  const start = w.beginMessage(RTM_DELNEIGH, NLM_F_REQUEST | NLM_F_ACK, seq);
  writeNdmsg(w, ip.length === 4 ? AF_INET : AF_INET6, ifindex, NUD_PERMANENT, 0);
  w.attrBytes(NDA_DST, ip);
  w.endMessage(start);
}

/** `bridge fdb replace <mac> dev <if> dst <ip> self permanent`. */
export function encodeSetFdb(
  w: NlWriter,
  ifindex: number,
  mac: Uint8Array,
  dst: Uint8Array,
  seq: number,
): void {
  const start = w.beginMessage(
    RTM_NEWNEIGH,
    NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE,
    seq,
  );
  writeNdmsg(w, AF_BRIDGE, ifindex, NUD_NOARP | NUD_PERMANENT, NTF_SELF);
  w.attrBytes(NDA_LLADDR, mac);
  w.attrBytes(NDA_DST, dst);
  w.endMessage(start);
}

/** `bridge fdb del <mac> dev <if> dst <ip> self`. */
export function encodeDelFdb(
  w: NlWriter,
  ifindex: number,
  mac: Uint8Array,
  dst: Uint8Array | null,
  seq: number,
): void {
  const start = w.beginMessage(RTM_DELNEIGH, NLM_F_REQUEST | NLM_F_ACK, seq);
  writeNdmsg(w, AF_BRIDGE, ifindex, NUD_NOARP | NUD_PERMANENT, NTF_SELF);
  w.attrBytes(NDA_LLADDR, mac);
  if (dst !== null) w.attrBytes(NDA_DST, dst);
  w.endMessage(start);
}

/** Dump request for one neighbour family ("bridge" = the FDB of bridges and VXLAN devices). */
export function encodeNeighbourDump(
  w: NlWriter,
  family: "ipv4" | "ipv6" | "bridge",
  seq: number,
): void {
  const start = w.beginMessage(RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, seq);
  writeNdmsg(w, family === "ipv4" ? AF_INET : family === "ipv6" ? AF_INET6 : AF_BRIDGE, 0, 0, 0);
  w.endMessage(start);
}

export function decodeNeighbour(buf: Uint8Array, h: NlHeader): KernelNeighbour | null {
  if (h.end - h.payload < NDMSG_LEN) return null;
  const p = h.payload;
  const af = buf[p];
  const family =
    af === AF_INET ? "ipv4" : af === AF_INET6 ? "ipv6" : af === AF_BRIDGE ? "bridge" : null;
  if (family === null) return null;
  let dst: string | null = null;
  let lladdr: string | null = null;
  let off = p + NDMSG_LEN;
  while (off + 4 <= h.end) {
    const nlaLen = readU16(buf, off);
    if (nlaLen < 4 || off + nlaLen > h.end) break;
    const type = readU16(buf, off + 2) & NLA_F_MASK;
    const len = nlaLen - 4;
    if (type === NDA_DST && (len === 4 || len === 16)) dst = formatAddress(buf, off + 4, len);
    else if (type === NDA_LLADDR && len === 6) lladdr = formatMac(buf.subarray(off + 4, off + 10));
    off += (nlaLen + 3) & ~3;
  }
  return {
    family,
    ifindex: readU32(buf, p + 4) | 0,
    state: readU16(buf, p + 8),
    flags: buf[p + 10],
    dst,
    lladdr,
  };
}
