/**
 * UPDATE generation in bulk: `packUpdates` turns one attribute set plus many prefixes into as few
 * UPDATE messages as the negotiated maximum size allows (4096, or 65535 with RFC 8654), encoding
 * the attributes once per call. IPv4 goes in the Withdrawn Routes / NLRI fields with NEXT_HOP
 * (RFC 4271 §4.3), or in MP_REACH_NLRI when the next hop is IPv6 and RFC 8950 extended next hop
 * is negotiated; IPv6 goes in MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760, RFC 2545 next hops).
 * `encodeEndOfRib` writes the RFC 4724 §2 End-of-RIB marker of a family.
 */
import {
  type AfiSafiName,
  afiSafiNameOfFamily,
  afiSafiOfName,
  type Family,
} from "../../common/contracts/families.js";
import { parseIPv4 } from "../../common/ip/address.js";
import {
  encodeNextHops,
  encodePathAttributes,
  writeMpReach,
  writeMpUnreach,
} from "./attributes-encode.js";
import { ByteWriter } from "./bytes.js";
import { HEADER_LENGTH, MAX_EXTENDED_MESSAGE, MAX_MESSAGE, MessageType } from "./constants.js";
import { writeHeader } from "./header.js";
import { writeNlri } from "./nlri-wire.js";
import type { CodecContext, NlriList, PathAttributes } from "./types.js";

export interface PackUpdatesInput {
  readonly family: Family;
  /** Attributes of the announced prefixes; null when only withdrawing. MP fields are ignored. */
  readonly attributes: PathAttributes | null;
  readonly announce?: NlriList;
  readonly withdraw?: NlriList;
  /**
   * Next hop(s): IPv6 global [, link-local] for IPv6 (default: `attributes.mpReach.nextHops`);
   * for IPv4 an IPv4 address overriding `attributes.nextHop`, or IPv6 ones (RFC 8950).
   */
  readonly nextHops?: readonly string[];
}

/** Largest message the context allows. */
export function maxMessageLength(ctx: CodecContext): number {
  return ctx.extendedMessage ? MAX_EXTENDED_MESSAGE : MAX_MESSAGE;
}

const MP_HEADER = 4; // flags, type, 2-octet length (budget; 1-octet length when it fits)

/** How many entries from `from` fit in `capacity` octets. */
function entriesThatFit(
  list: NlriList,
  from: number,
  capacity: number,
  addPath: boolean,
): [number, number] {
  const lengths = list.lengths;
  const per = addPath ? 5 : 1;
  let size = 0;
  let i = from;
  const n = list.count;
  while (i < n) {
    const s = per + ((lengths[i] + 7) >> 3);
    if (size + s > capacity) break;
    size += s;
    i++;
  }
  return [i, size];
}

function finishMessage(w: ByteWriter): Uint8Array {
  // Buffers are sized exactly (up to a 1-octet MP length); copy only when they are not.
  const msg = w.pos === w.buf.length ? w.buf : w.buf.slice(0, w.pos);
  writeHeader(msg, w.pos, MessageType.UPDATE);
  return msg;
}

export function packUpdates(input: PackUpdatesInput, ctx: CodecContext): Uint8Array[] {
  const max = maxMessageLength(ctx);
  const familyName = afiSafiNameOfFamily(input.family);
  const { afi, safi } = afiSafiOfName(familyName);
  const addPath = ctx.addPath.includes(familyName);
  const out: Uint8Array[] = [];
  const withdraw = input.withdraw;
  const announce = input.announce;
  for (const [what, list] of [
    ["withdraw", withdraw],
    ["announce", announce],
  ] as const) {
    if (list !== undefined && list.family !== input.family) {
      throw new RangeError(
        `packUpdates: ${what} list is ${list.family}, family is ${input.family}`,
      );
    }
  }

  // Withdrawals: Withdrawn Routes field (IPv4) or MP_UNREACH_NLRI (others), no other attributes.
  if (withdraw !== undefined && withdraw.count > 0) {
    const mp = input.family !== "ipv4";
    const capacity = max - HEADER_LENGTH - 4 - (mp ? MP_HEADER + 3 : 0);
    for (let i = 0; i < withdraw.count; ) {
      const [to, size] = entriesThatFit(withdraw, i, capacity, addPath);
      if (to === i)
        throw new RangeError("packUpdates: a withdrawn prefix does not fit in a message");
      const w = new ByteWriter(HEADER_LENGTH + 4 + size + (mp ? MP_HEADER + 3 : 0));
      w.pos = HEADER_LENGTH;
      if (!mp) {
        w.u16(size);
        w.pos = writeNlri(withdraw, i, to, addPath, w.buf, w.pos);
        w.u16(0);
      } else {
        w.u16(0);
        const lenAt = w.reserveU16();
        writeMpUnreach(w, afi, safi, withdraw, i, to, addPath);
        w.patchU16(lenAt, w.pos - lenAt - 2);
      }
      out.push(finishMessage(w));
      i = to;
    }
  }

  if (announce !== undefined && announce.count > 0) {
    const attrs = input.attributes;
    if (attrs === null) throw new RangeError("packUpdates: announcements need attributes");
    const nextHops =
      input.nextHops ?? (input.family === "ipv4" ? undefined : attrs.mpReach?.nextHops);
    let mpNextHop: Uint8Array | null = null;
    let attrBlock: Uint8Array;
    if (input.family === "ipv4") {
      const nh = nextHops?.[0] ?? attrs.nextHop;
      if (nh === undefined) throw new RangeError("packUpdates: IPv4 announcements need a next hop");
      if (parseIPv4(nh) !== null && (nextHops === undefined || nextHops.length === 1)) {
        attrBlock = encodePathAttributes(attrs, ctx, { nextHop: nh });
      } else {
        if (!ctx.extendedNextHop.includes("ipv4-unicast")) {
          throw new RangeError(
            `packUpdates: IPv6 next hop ${nh} for IPv4 needs RFC 8950 extended next hop`,
          );
        }
        mpNextHop = encodeNextHops(nextHops ?? [nh]);
        attrBlock = encodePathAttributes(attrs, ctx, { omitNextHop: true });
      }
    } else {
      if (nextHops === undefined)
        throw new RangeError("packUpdates: IPv6 announcements need next hops");
      mpNextHop = encodeNextHops(nextHops);
      attrBlock = encodePathAttributes(attrs, ctx, { omitNextHop: true });
    }
    const mpOverhead = mpNextHop === null ? 0 : MP_HEADER + 5 + mpNextHop.length;
    const capacity = max - HEADER_LENGTH - 4 - attrBlock.length - mpOverhead;
    for (let i = 0; i < announce.count; ) {
      const [to, size] = entriesThatFit(announce, i, capacity, addPath);
      if (to === i) throw new RangeError("packUpdates: attributes leave no room for a prefix");
      const w = new ByteWriter(HEADER_LENGTH + 4 + attrBlock.length + mpOverhead + size);
      w.pos = HEADER_LENGTH;
      w.u16(0);
      const lenAt = w.reserveU16();
      if (mpNextHop !== null) writeMpReach(w, afi, safi, mpNextHop, announce, i, to, addPath);
      w.bytes(attrBlock);
      w.patchU16(lenAt, w.pos - lenAt - 2);
      if (mpNextHop === null) w.pos = writeNlri(announce, i, to, addPath, w.buf, w.pos);
      out.push(finishMessage(w));
      i = to;
    }
  }
  return out;
}

/** The End-of-RIB marker (RFC 4724 §2): an empty UPDATE for IPv4 unicast, else MP_UNREACH_NLRI without NLRI. */
export function encodeEndOfRib(family: AfiSafiName, _ctx?: CodecContext): Uint8Array {
  const w = new ByteWriter(32);
  w.pos = HEADER_LENGTH;
  w.u16(0);
  if (family === "ipv4-unicast") {
    w.u16(0);
  } else {
    const { afi, safi } = afiSafiOfName(family);
    w.u16(6);
    writeMpUnreach(w, afi, safi, null, 0, 0, false);
  }
  return finishMessage(w);
}
