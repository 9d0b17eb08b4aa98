/**
 * RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK messages (rtnetlink(7): struct ifinfomsg, IFLA_*,
 * IFLA_LINKINFO with IFLA_INFO_KIND/IFLA_INFO_DATA, the VXLAN data of <linux/if_link.h>)
 * ⇄ `KernelLink`. Requests are laid out like iproute2's (`ip link add … type vxlan …`,
 * `ip link set dev … mtu … address … up`) so they compare byte for byte with what `ip` sends.
 * IFLA_INFO_KIND is sent without a terminating NUL, as iproute2 does; the kernel accepts both.
 */
import { formatAddress } from "../../common/ip/address.js";
import { formatMac, type KernelLink, type VxlanInfo } from "../model.js";
import {
  AF_UNSPEC,
  IFF_UP,
  IFINFO_LEN,
  IFLA_ADDRESS,
  IFLA_EXT_MASK,
  IFLA_IFNAME,
  IFLA_INFO_DATA,
  IFLA_INFO_KIND,
  IFLA_LINKINFO,
  IFLA_MTU,
  IFLA_OPERSTATE,
  IFLA_VXLAN_ID,
  IFLA_VXLAN_LEARNING,
  IFLA_VXLAN_LINK,
  IFLA_VXLAN_LOCAL,
  IFLA_VXLAN_LOCAL6,
  IFLA_VXLAN_PORT,
  NLA_F_MASK,
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_DUMP,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RTEXT_FILTER_SKIP_STATS,
  RTEXT_FILTER_VF,
  RTM_DELLINK,
  RTM_GETLINK,
  RTM_NEWLINK,
} from "./constants.js";
import { type NlHeader, readString, readU16, readU32 } from "./reader.js";
import type { NlWriter } from "./writer.js";

function writeIfinfo(w: NlWriter, index: number, flags: number, change: number): void {
  w.u8(AF_UNSPEC);
  w.u8(0);
  w.u16(0); // ifi_type
  w.i32(index);
  w.u32(flags);
  w.u32(change);
}

function attrKind(w: NlWriter, kind: string): void {
  w.attrBytes(IFLA_INFO_KIND, Buffer.from(kind, "ascii"));
}

export interface VxlanLinkSpec {
  readonly name: string;
  readonly vni: number;
  readonly port: number;
  /** Local (VTEP source) address bytes: 4 → IFLA_VXLAN_LOCAL, 16 → IFLA_VXLAN_LOCAL6. */
  readonly local: Uint8Array;
  readonly parentIndex: number;
  readonly mac: Uint8Array | null;
  readonly mtu: number | null;
}

/** `ip link add <name> [address <mac>] [mtu <n>] type vxlan id <vni> local <ip> dev <parent>
 *  dstport <port> nolearning`. */
export function encodeNewVxlan(w: NlWriter, spec: VxlanLinkSpec, seq: number): void {
  const start = w.beginMessage(
    RTM_NEWLINK,
    NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
    seq,
  );
  writeIfinfo(w, 0, 0, 0);
  if (spec.mac !== null) w.attrBytes(IFLA_ADDRESS, spec.mac);
  if (spec.mtu !== null) w.attrU32(IFLA_MTU, spec.mtu);
  w.attrString(IFLA_IFNAME, spec.name);
  const info = w.beginNested(IFLA_LINKINFO);
  attrKind(w, "vxlan");
  const data = w.beginNested(IFLA_INFO_DATA);
  if (spec.parentIndex > 0) w.attrU32(IFLA_VXLAN_LINK, spec.parentIndex);
  w.attrU32(IFLA_VXLAN_ID, spec.vni);
  w.attrBytes(spec.local.length === 4 ? IFLA_VXLAN_LOCAL : IFLA_VXLAN_LOCAL6, spec.local);
  w.attrU8(IFLA_VXLAN_LEARNING, 0);
  w.attrU16BE(IFLA_VXLAN_PORT, spec.port);
  w.endNested(data);
  w.endNested(info);
  w.endMessage(start);
}

/** `ip link add <name> type ipip` (Calico's tunl0: no local, no remote). */
export function encodeNewIpip(w: NlWriter, name: string, seq: number): void {
  const start = w.beginMessage(
    RTM_NEWLINK,
    NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL,
    seq,
  );
  writeIfinfo(w, 0, 0, 0);
  w.attrString(IFLA_IFNAME, name);
  const info = w.beginNested(IFLA_LINKINFO);
  attrKind(w, "ipip");
  w.endNested(info);
  w.endMessage(start);
}

export interface LinkChange {
  readonly mtu?: number;
  readonly mac?: Uint8Array;
  /** Set (true) or clear (false) IFF_UP; undefined leaves it. */
  readonly up?: boolean;
}

/** `ip link set dev <index> [mtu <n>] [address <mac>] [up|down]`. */
export function encodeSetLink(w: NlWriter, index: number, change: LinkChange, seq: number): void {
  const start = w.beginMessage(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
  const flagsChange = change.up === undefined ? 0 : IFF_UP;
  writeIfinfo(w, index, change.up ? IFF_UP : 0, flagsChange);
  if (change.mtu !== undefined) w.attrU32(IFLA_MTU, change.mtu);
  if (change.mac !== undefined) w.attrBytes(IFLA_ADDRESS, change.mac);
  w.endMessage(start);
}

export function encodeDelLink(w: NlWriter, index: number, seq: number): void {
  const start = w.beginMessage(RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK, seq);
  writeIfinfo(w, index, 0, 0);
  w.endMessage(start);
}

export function encodeLinkDump(w: NlWriter, seq: number): void {
  const start = w.beginMessage(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq);
  writeIfinfo(w, 0, 0, 0);
  w.attrU32(IFLA_EXT_MASK, RTEXT_FILTER_VF | RTEXT_FILTER_SKIP_STATS);
  w.endMessage(start);
}

/** Decodes RTM_NEWLINK/RTM_DELLINK; null when malformed or nameless. */
export function decodeLink(buf: Uint8Array, h: NlHeader): KernelLink | null {
  if (h.end - h.payload < IFINFO_LEN) return null;
  const p = h.payload;
  const index = readU32(buf, p + 4) | 0;
  const flags = readU32(buf, p + 8);
  let name: string | null = null;
  let mtu = 0;
  let operstate = 0;
  let mac: string | null = null;
  let kind: string | null = null;
  let vxlan: VxlanInfo | null = null;
  let off = p + IFINFO_LEN;
  while (off + 4 <= h.end) {
    const nlaLen = readU16(buf, off);
    if (nlaLen < 4 || off + nlaLen > h.end) break;
    const at = off + 4;
    const len = nlaLen - 4;
    switch (readU16(buf, off + 2) & NLA_F_MASK) {
      case IFLA_IFNAME:
        name = readString(buf, at, len);
        break;
      case IFLA_MTU:
        if (len >= 4) mtu = readU32(buf, at);
        break;
      case IFLA_OPERSTATE:
        if (len >= 1) operstate = buf[at];
        break;
      case IFLA_ADDRESS:
        if (len === 6) mac = formatMac(buf.subarray(at, at + 6));
        break;
      case IFLA_LINKINFO: {
        const info = decodeLinkInfo(buf, at, at + len);
        kind = info.kind;
        vxlan = info.vxlan;
        break;
      }
    }
    off += (nlaLen + 3) & ~3;
  }
  if (name === null) return null;
  return { index, name, flags, mtu, operstate, mac, kind, vxlan };
}

function decodeLinkInfo(
  buf: Uint8Array,
  start: number,
  end: number,
): { kind: string | null; vxlan: VxlanInfo | null } {
  let kind: string | null = null;
  let dataAt = -1;
  let dataEnd = -1;
  let off = start;
  while (off + 4 <= end) {
    const nlaLen = readU16(buf, off);
    if (nlaLen < 4 || off + nlaLen > end) break;
    const type = readU16(buf, off + 2) & NLA_F_MASK;
    if (type === IFLA_INFO_KIND) kind = readString(buf, off + 4, nlaLen - 4);
    else if (type === IFLA_INFO_DATA) {
      dataAt = off + 4;
      dataEnd = off + nlaLen;
    }
    off += (nlaLen + 3) & ~3;
  }
  if (kind !== "vxlan" || dataAt < 0) return { kind, vxlan: null };
  let vni = 0;
  let port = 0;
  let local: string | null = null;
  let link = 0;
  let learning = true;
  off = dataAt;
  while (off + 4 <= dataEnd) {
    const nlaLen = readU16(buf, off);
    if (nlaLen < 4 || off + nlaLen > dataEnd) break;
    const at = off + 4;
    const len = nlaLen - 4;
    switch (readU16(buf, off + 2) & NLA_F_MASK) {
      case IFLA_VXLAN_ID:
        if (len >= 4) vni = readU32(buf, at);
        break;
      case IFLA_VXLAN_PORT:
        if (len >= 2) port = (buf[at] << 8) | buf[at + 1];
        break;
      case IFLA_VXLAN_LOCAL:
        if (len === 4) local = formatAddress(buf, at, 4);
        break;
      case IFLA_VXLAN_LOCAL6:
        if (len === 16) local = formatAddress(buf, at, 16);
        break;
      case IFLA_VXLAN_LINK:
        if (len >= 4) link = readU32(buf, at);
        break;
      case IFLA_VXLAN_LEARNING:
        if (len >= 1) learning = buf[at] !== 0;
        break;
    }
    off += (nlaLen + 3) & ~3;
  }
  return { kind, vxlan: { vni, port, local, link, learning } };
}
