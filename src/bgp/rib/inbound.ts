/**
 * Received UPDATEs (RFC 4271 §9.1, RFC 4760, RFC 7911, RFC 7606): decode with the session's
 * receive context and the shared attribute cache, apply the RFC 7606 action, then withdraw and
 * announce every NLRI into the peer's Adj-RIB-In (kept unfiltered) and, through import, the
 * Loc-RIB. End-of-RIB markers (RFC 4724 §2) are passed to the graceful-restart logic.
 *
 * RFC 7606 actions:
 *   session-reset       the codec throws; we ask the session engine to reset with its NOTIFICATION
 *   afi-safi-disable    the family is withdrawn and ignored for the rest of the session (§5.2)
 *   treat-as-withdraw   every NLRI of the message (NLRI field and MP_REACH) is withdrawn (§2)
 *   attribute-discard   the codec dropped the attribute; the rest is used as is
 *
 * The per-prefix loop reads the packed NLRI arrays directly (no Prefix objects).
 */

import type { Family } from "../../common/contracts/families.js";
import { afiSafiName, familyOfAfiSafiName } from "../../common/contracts/families.js";
import { AttrType, NotifyCode, UpdateErrorSubcode } from "../wire/constants.js";
import { isBgpError } from "../wire/errors.js";
import type { DecodedUpdate, NlriList, PathAttributes } from "../wire/types.js";
import { decodeUpdate } from "../wire/update-decode.js";
import { Ineligible, type RibCore } from "./core.js";
import { importAtPrefix, importSet } from "./import.js";
import type { PeerFamily, PeerState } from "./peer-state.js";

export interface InboundHooks {
  endOfRib(peer: PeerState, family: Family): void;
  disableFamily(peer: PeerState, family: Family): void;
  reset(
    peer: PeerState,
    notification: { code: number; subcode: number; data: Uint8Array },
    reason: string,
    holdDown: number | null,
  ): void;
  /** Acts when the peer's paths (plus `pending` new ones) exceed its max-prefix limit. */
  maxPrefixCheck(peer: PeerState, family: Family, pending: number): void;
}

/** AFI/SAFI of the MP attribute an afi-safi-disable error is about (from its data octets). */
function disabledFamilyOf(d: DecodedUpdate): Family | null {
  for (const e of d.errors) {
    if (e.action !== "afi-safi-disable") continue;
    const data = e.notification.data;
    if (e.attributeType !== AttrType.MP_REACH_NLRI && e.attributeType !== AttrType.MP_UNREACH_NLRI)
      continue;
    const hdr = data.length > 0 && (data[0] & 0x10) !== 0 ? 4 : 3;
    if (data.length < hdr + 3) continue;
    const name = afiSafiName((data[hdr] << 8) | data[hdr + 1], data[hdr + 2]);
    if (name !== null) return familyOfAfiSafiName(name);
  }
  return null;
}

/** Processes one UPDATE body; returns the number of NLRI handled (work units). */
export function processUpdate(
  core: RibCore,
  hooks: InboundHooks,
  peer: PeerState,
  body: Uint8Array,
): number {
  if (!peer.up || peer.resetPending || peer.rxCtx === null || peer.wire === null) return 1;
  let d: DecodedUpdate;
  try {
    d = decodeUpdate(body, peer.rxCtx, peer.wire);
  } catch (err) {
    if (isBgpError(err)) {
      hooks.reset(peer, err.notification, `malformed UPDATE: ${err.reason}`, null);
    } else {
      core.log?.error({ peer: peer.name, err }, "UPDATE decoding failed unexpectedly");
      hooks.reset(
        peer,
        {
          code: NotifyCode.UPDATE_MESSAGE_ERROR,
          subcode: UpdateErrorSubcode.UNSPECIFIC,
          data: new Uint8Array(0),
        },
        "UPDATE decoding failed",
        null,
      );
    }
    return 1;
  }
  if (d.errors.length > 0) {
    core.log?.warn(
      { peer: peer.name, action: d.action, errors: d.errors.map((e) => e.reason) },
      "UPDATE with errors (RFC 7606)",
    );
  }
  if (d.endOfRib !== null) {
    hooks.endOfRib(peer, familyOfAfiSafiName(d.endOfRib));
    return 1;
  }
  if (d.action === "afi-safi-disable") {
    const fam = disabledFamilyOf(d);
    if (fam !== null) hooks.disableFamily(peer, fam);
  }
  const u = d.update;
  const withdrawAll = d.action === "treat-as-withdraw" || d.action === "afi-safi-disable";
  let units = 0;
  if (u.withdrawn.count > 0) units += withdraw(core, peer, u.withdrawn);
  if (d.mpUnreachNlri !== null && d.mpUnreachNlri.count > 0)
    units += withdraw(core, peer, d.mpUnreachNlri);
  if (u.nlri.count > 0) {
    units += withdrawAll
      ? withdraw(core, peer, u.nlri)
      : announce(core, hooks, peer, u.nlri, u.attributes, d.attrKey, false);
  }
  const mp = d.mpReachNlri;
  if (mp !== null && mp.count > 0) {
    units += withdrawAll
      ? withdraw(core, peer, mp)
      : announce(core, hooks, peer, mp, u.attributes, d.attrKey, true);
  }
  return Math.max(1, units);
}

function usable(core: RibCore, peer: PeerState, pf: PeerFamily): boolean {
  if (pf.active && !pf.disabled) return true;
  if (!pf.active) {
    core.log?.debug(
      { peer: peer.name, family: pf.family },
      "NLRI of a family not negotiated on this session ignored",
    );
  }
  return false;
}

function withdraw(core: RibCore, peer: PeerState, list: NlriList): number {
  const pf = peer.families[list.family];
  if (!usable(core, peer, pf)) return list.count;
  const t = pf.rib.prefixes;
  const addrs = list.addrs;
  const lens = list.lengths;
  const ids = list.pathIds;
  const v4 = list.family === "ipv4";
  for (let i = 0; i < list.count; i++) {
    let prefix: number;
    if (v4) {
      const o = i * 4;
      prefix = t.find(
        ((addrs[o] << 24) | (addrs[o + 1] << 16) | (addrs[o + 2] << 8) | addrs[o + 3]) >>> 0,
        0,
        0,
        0,
        lens[i],
      );
    } else {
      const o = i * 16;
      prefix = t.find(
        word(addrs, o),
        word(addrs, o + 4),
        word(addrs, o + 8),
        word(addrs, o + 12),
        lens[i],
      );
    }
    if (prefix < 0) continue;
    const rec = pf.adjIn.get(prefix, ids === null ? 0 : ids[i]);
    if (rec >= 0) core.removePath(pf, rec);
  }
  return list.count;
}

function word(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

function announce(
  core: RibCore,
  hooks: InboundHooks,
  peer: PeerState,
  list: NlriList,
  attrs: PathAttributes,
  key: string,
  viaMp: boolean,
): number {
  const pf = peer.families[list.family];
  if (!usable(core, peer, pf)) return list.count;
  const rib = pf.rib;
  const raw = core.store.resolveWire(peer.wire!, key, attrs, viaMp);
  const imp = importSet(core, peer, pf, raw);
  let status = imp.status;
  // An IPv6 next hop for IPv4 NLRI is only usable with RFC 8950 extended next hop.
  if (
    status === Ineligible.NONE &&
    list.family === "ipv4" &&
    raw.attrs.nextHop === undefined &&
    !peer.rxCtx!.extendedNextHop.includes("ipv4-unicast")
  ) {
    status = Ineligible.NEXT_HOP;
  }
  const fixed =
    status !== Ineligible.NONE
      ? -1
      : imp.eff === undefined
        ? -2
        : imp.eff === null
          ? -1
          : imp.eff.id;
  const addrs = list.addrs;
  const lens = list.lengths;
  const ids = list.pathIds;
  const v4 = list.family === "ipv4";
  // With max-prefix "restart", stop before the path that would exceed the limit (RFC 4486).
  const mp = peer.config.maxPrefix;
  const limit = mp !== null && mp.action === "restart" ? mp.limit : -1;
  for (let i = 0; i < list.count; i++) {
    let prefix: number;
    if (v4) {
      const o = i * 4;
      prefix = rib.intern(
        ((addrs[o] << 24) | (addrs[o + 1] << 16) | (addrs[o + 2] << 8) | addrs[o + 3]) >>> 0,
        0,
        0,
        0,
        lens[i],
      );
    } else {
      const o = i * 16;
      prefix = rib.intern(
        word(addrs, o),
        word(addrs, o + 4),
        word(addrs, o + 8),
        word(addrs, o + 12),
        lens[i],
      );
    }
    let eff = fixed;
    let st = status;
    if (fixed === -2) {
      const set = importAtPrefix(core, peer, pf, prefix, raw);
      eff = set === null ? -1 : set.id;
      if (set === null) st = Ineligible.POLICY;
    }
    const pathId = ids === null ? 0 : ids[i];
    if (limit >= 0 && pf.adjIn.get(prefix, pathId) < 0) {
      hooks.maxPrefixCheck(peer, list.family, 1);
      if (peer.resetPending) {
        rib.prefixes.releaseIfUnused(prefix);
        return list.count;
      }
    }
    core.setPath(peer, pf, prefix, pathId, raw.id, eff, st);
  }
  hooks.maxPrefixCheck(peer, list.family, 0);
  return list.count;
}
