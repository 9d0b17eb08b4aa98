/**
 * Export of one Loc-RIB path to one peer: the advertisement rules, export policy, and the
 * attribute changes of RFC 4271 §5.1 / RFC 4456. Returns the interned set to advertise, or null.
 *
 * Rules, in order:
 *   - never back to the peer the path came from;
 *   - NO_ADVERTISE → nobody; NO_EXPORT / NO_EXPORT_SUBCONFED → no eBGP peer (RFC 1997; without
 *     confederations both mean "stay inside the AS");
 *   - iBGP-learned to iBGP (RFC 4456 §6): only when the source or the target is a route-reflector
 *     client of ours (non-client → clients; client → everyone else); otherwise iBGP split horizon;
 *   - the target's export chain (BIRD semantics, default reject) with `source` local/bgp, the
 *     target's session type, the interface of a locally originated route.
 * Attribute changes (after the policy actions, as BIRD applies its own after the filter):
 *   - to eBGP: MED learned from another AS is not passed on unless the policy sets it (§5.1.4);
 *     our AS is prepended (§5.1.2; the codec writes AS_TRANS / AS4_PATH on 2-octet sessions);
 *     LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST are removed (§5.1.5, RFC 4456 §8);
 *   - to iBGP: LOCAL_PREF present (default 100); when reflecting, ORIGINATOR_ID is set to the
 *     source's BGP identifier if absent and our cluster id is prepended to CLUSTER_LIST;
 *   - next hop (§5.1.3): `self` → our session address; `keep` → unchanged; `auto` → self towards
 *     eBGP, unchanged towards iBGP (also when reflecting). Locally originated routes always carry
 *     our address. An unchanged IPv6 next hop is sent without its link-local part (only valid on
 *     the link it was learned on, RFC 2545 §3).
 */
import { parseIPv4 } from "../../common/ip/address.js";
import { applyActions, prependAsns, REJECT } from "../policy/index.js";
import type { PathAttributes } from "../wire/types.js";
import { type AttrSet, WellKnown } from "./attr-set.js";
import type { RibCore } from "./core.js";
import { DEFAULT_LOCAL_PREF, LOCAL_PEER } from "./decision.js";
import type { PeerFamily, PeerState } from "./peer-state.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const MEMO_MAX_SET = 2 ** 24;
const MEMO_MAX_OUTCOME = 4096;

/** The set `rec` is advertised with to `target`, or null when it is not advertised. */
export function exportPath(
  core: RibCore,
  target: PeerState,
  pf: PeerFamily,
  rec: number,
): AttrSet | null {
  const rib = pf.rib;
  const pool = rib.pool;
  const srcIndex = pool.peer[rec];
  if (srcIndex === target.index) return null;
  const src = core.peers[srcIndex];
  if (src === undefined) return null;
  const eff = core.store.get(pool.eff[rec]);
  const wk = eff.wellKnown;
  if ((wk & WellKnown.NO_ADVERTISE) !== 0) return null;
  if (target.ebgp && (wk & (WellKnown.NO_EXPORT | WellKnown.NO_EXPORT_SUBCONFED)) !== 0)
    return null;
  const local = srcIndex === LOCAL_PEER;
  let reflect = false;
  if (!local && !src.ebgp && !target.ebgp) {
    if (!src.config.rrClient && !target.config.rrClient) return null;
    reflect = true;
  }
  const chain = target.exportChain;
  let outcome = REJECT;
  if (!chain.trivial) {
    const r = core.route;
    const t = rib.prefixes;
    const prefix = pool.prefix[rec];
    r.family = rib.family;
    const o = prefix * t.width;
    r.w0 = t.words[o];
    if (t.width === 4) {
      r.w1 = t.words[o + 1];
      r.w2 = t.words[o + 2];
      r.w3 = t.words[o + 3];
    } else {
      r.w1 = 0;
      r.w2 = 0;
      r.w3 = 0;
    }
    r.length = t.lens[prefix];
    r.source = local ? "local" : "bgp";
    r.peerType = target.ebgp ? "ebgp" : "ibgp";
    r.interface = local ? (core.localInterfaces[rib.family].get(prefix) ?? null) : null;
    r.attrs = eff.attrs;
    outcome = chain.evaluate(r);
  }
  if (!outcome.accept) return null;
  const srcKind = reflect ? srcIndex + 2 : local ? 1 : 0;
  const memoable = eff.id < MEMO_MAX_SET && outcome.id < MEMO_MAX_OUTCOME;
  const key = (eff.id * MEMO_MAX_OUTCOME + outcome.id) * 131072 + srcKind;
  if (memoable) {
    // Consecutive prefixes usually share their attributes: one-entry cache before the map.
    // Entries remember their input set: ids are reused after a set is freed.
    if (pf.lastExportKey === key && pf.lastExportFrom === eff && pf.lastExport?.alive === true)
      return pf.lastExport;
    const hit = pf.exportMemo.get(key);
    if (hit !== undefined && hit.from === eff && hit.to.alive) {
      pf.lastExportKey = key;
      pf.lastExportFrom = eff;
      pf.lastExport = hit.to;
      return hit.to;
    }
  }
  const out = buildExport(
    core,
    target,
    pf,
    src,
    eff,
    outcome.actions.length > 0 ? outcome.actions : null,
    local,
    reflect,
  );
  if (out !== null && memoable) {
    if (pf.exportMemo.size > 65536) pf.exportMemo.clear();
    pf.exportMemo.set(key, { from: eff, to: out });
    pf.lastExportKey = key;
    pf.lastExportFrom = eff;
    pf.lastExport = out;
  }
  return out;
}

function buildExport(
  core: RibCore,
  target: PeerState,
  pf: PeerFamily,
  src: PeerState,
  eff: AttrSet,
  actions: Parameters<typeof applyActions>[1] | null,
  local: boolean,
  reflect: boolean,
): AttrSet | null {
  const nextHops = exportNextHops(target, pf, eff, local);
  if (nextHops === null) return null;
  let a: Mutable<PathAttributes> = { ...eff.attrs };
  // Fields are cleared by assigning undefined: `delete` would turn the object into a slow
  // dictionary-mode one, and these objects are kept (interned) and read by the encoder.
  if (target.ebgp && !local && a.med !== undefined) a.med = undefined;
  if (actions !== null) a = applyActions(a, actions);
  if (target.ebgp) {
    a.asPath = prependAsns(a.asPath, [target.config.localAsNumber]);
    // Only fields that are present are cleared (assigning would add a property otherwise).
    if (a.localPref !== undefined) a.localPref = undefined;
    if (a.originatorId !== undefined) a.originatorId = undefined;
    if (a.clusterList !== undefined) a.clusterList = undefined;
  } else {
    if (a.localPref === undefined) a.localPref = DEFAULT_LOCAL_PREF;
    if (reflect) {
      if (a.originatorId === undefined)
        a.originatorId = src.negotiated?.remoteRouterId ?? src.config.address;
      a.clusterList = [core.clusterIdFor(src.config, target.config), ...(a.clusterList ?? [])];
    }
  }
  if (a.origin === undefined) a.origin = "igp";
  if (a.asPath === undefined) a.asPath = [];
  return core.store.intern(a, nextHops);
}

function exportNextHops(
  target: PeerState,
  pf: PeerFamily,
  eff: AttrSet,
  local: boolean,
): readonly string[] | null {
  const mode = target.config.nextHop;
  const self =
    local || mode === "self" || (mode === "auto" && target.ebgp) || eff.nextHops.length === 0;
  if (self) return pf.selfNextHops;
  const hops = eff.nextHops;
  if (pf.family === "ipv4") {
    if (parseIPv4(hops[0]) !== null) return hops.length === 1 ? hops : [hops[0]];
    // An IPv6 next hop for IPv4 NLRI needs RFC 8950 on the target session.
    return target.txCtx?.extendedNextHop.includes("ipv4-unicast") === true
      ? [hops[0]]
      : pf.selfNextHops;
  }
  if (hops.length > 1 && hops[0] !== "::") return [hops[0]];
  return hops;
}

/** Our next hop(s) on `peer`'s session for the family, from the session's local address. */
export function selfNextHopsFor(
  peer: PeerState,
  family: "ipv4" | "ipv6",
): readonly string[] | null {
  const local = peer.negotiated?.localAddress ?? null;
  if (local === null || local === "") return null;
  const v4 = parseIPv4(local) !== null;
  if (family === "ipv4") {
    if (v4) return [local];
    return peer.txCtx?.extendedNextHop.includes("ipv4-unicast") === true ? [local] : null;
  }
  if (!v4) {
    const ll = peer.negotiated?.localLinkLocalAddress ?? null;
    return ll !== null && ll !== local ? [local, ll] : [local];
  }
  // IPv6 routes over an IPv4 session: the IPv4-mapped address (what FRR sends).
  return [`::ffff:${local}`];
}
