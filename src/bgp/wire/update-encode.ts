/**
 * Encodes an `UpdateMessage` (RFC 4271 §4.3) into an UPDATE body: Withdrawn Routes, path
 * attributes (MP_UNREACH_NLRI and MP_REACH_NLRI first, RFC 7606 §5.1, then the others in
 * canonical order, attributes-encode.ts) and the IPv4 NLRI field, with ADD-PATH identifiers for
 * the families the context lists (RFC 7911 §3). packUpdates (pack.ts) is the bulk path.
 */
import { afiSafiName } from "../../common/contracts/families.js";
import {
  encodeNextHops,
  encodePathAttributes,
  writeMpReach,
  writeMpUnreach,
  writeRawAttribute,
} from "./attributes-encode.js";
import { ByteWriter } from "./bytes.js";
import { AttrType } from "./constants.js";
import { nlriFieldSize, writeNlri } from "./nlri-wire.js";
import type { CodecContext, UpdateMessage } from "./types.js";

export function encodeUpdateBody(update: UpdateMessage, ctx: CodecContext): Uint8Array {
  const addPath4 = ctx.addPath.includes("ipv4-unicast");
  const a = update.attributes;
  const w = new ByteWriter(256);
  const wlen = nlriFieldSize(update.withdrawn, addPath4);
  if (update.withdrawn.family !== "ipv4" || update.nlri.family !== "ipv4") {
    throw new RangeError("the Withdrawn Routes and NLRI fields carry IPv4 prefixes only");
  }
  w.u16(wlen);
  w.ensure(wlen);
  w.pos = writeNlri(update.withdrawn, 0, update.withdrawn.count, addPath4, w.buf, w.pos);
  const lenAt = w.reserveU16();
  const attrStart = w.pos;
  if (a.mpUnreach !== undefined) {
    const m = a.mpUnreach;
    const fam = afiSafiName(m.afi, m.safi);
    if (m.withdrawn === null && m.raw !== undefined)
      writeRawAttribute(w, AttrType.MP_UNREACH_NLRI, m.raw);
    else {
      const list = m.withdrawn;
      writeMpUnreach(
        w,
        m.afi,
        m.safi,
        list,
        0,
        list === null ? 0 : list.count,
        fam !== null && ctx.addPath.includes(fam),
      );
    }
  }
  if (a.mpReach !== undefined) {
    const m = a.mpReach;
    const fam = afiSafiName(m.afi, m.safi);
    if (m.nlri === null && m.raw !== undefined) writeRawAttribute(w, AttrType.MP_REACH_NLRI, m.raw);
    else {
      const list = m.nlri;
      writeMpReach(
        w,
        m.afi,
        m.safi,
        encodeNextHops(m.nextHops),
        list,
        0,
        list === null ? 0 : list.count,
        fam !== null && ctx.addPath.includes(fam),
      );
    }
  }
  w.bytes(encodePathAttributes(a, ctx));
  const alen = w.pos - attrStart;
  if (alen > 0xffff) throw new RangeError(`path attributes of ${alen} octets exceed 65535`);
  w.patchU16(lenAt, alen);
  const nlen = nlriFieldSize(update.nlri, addPath4);
  w.ensure(nlen);
  w.pos = writeNlri(update.nlri, 0, update.nlri.count, addPath4, w.buf, w.pos);
  return w.finish();
}
