/**
 * From a received attribute set to a Loc-RIB candidate: eligibility checks and import policy.
 *
 *  - AS-path loop detection (RFC 4271 §9.1.2): our AS (the node AS and the session's local AS)
 *    may appear at most `allowasIn` times.
 *  - Route reflection loops (RFC 4456 §8): ORIGINATOR_ID equal to our BGP identifier, or one of
 *    our cluster ids in CLUSTER_LIST.
 *  - The peer's import chain (BIRD semantics, default accept); its actions give a new interned
 *    set, memoised on the received set per outcome.
 *
 * Results that do not depend on the prefix are cached per received set in `ImportCache` (per
 * peer and family, cleared when the chain or our identifiers change), so a 100k-prefix feed with
 * a few thousand attribute sets runs the checks a few thousand times.
 */
import { applyActions, type Outcome } from "../policy/index.js";
import type { AttrSet } from "./attr-set.js";
import { Ineligible, type RibCore } from "./core.js";
import type { FamilyRib } from "./family-rib.js";
import type { PeerFamily, PeerState } from "./peer-state.js";

/** Per received set: the status and, when prefix-independent, the resulting set (null = none). */
export interface ImportResult {
  status: number;
  /** Candidate set when the outcome does not depend on the prefix; undefined = evaluate per prefix. */
  eff: AttrSet | null | undefined;
}

export function clearImportCache(pf: PeerFamily): void {
  pf.importCache.clear();
}

/** Bound of the per-peer import cache (entries are small; sets not in use are dropped on clear). */
const IMPORT_CACHE_MAX = 1 << 17;

/** Eligibility of a received set on this session (prefix independent). */
export function eligibility(core: RibCore, peer: PeerState, raw: AttrSet): number {
  const a = raw.attrs;
  const path = a.asPath;
  if (path !== undefined && path.length > 0) {
    const own = core.ownAsns(peer);
    let count = 0;
    for (let i = 0; i < path.length; i++) {
      const asns = path[i].asns;
      for (let k = 0; k < asns.length; k++) if (own.includes(asns[k])) count++;
    }
    if (count > peer.config.allowasIn) return Ineligible.AS_LOOP;
  }
  if (raw.originatorId >= 0 && raw.originatorId === core.routerId)
    return Ineligible.ORIGINATOR_LOOP;
  const cl = a.clusterList;
  if (cl !== undefined) {
    for (let i = 0; i < cl.length; i++)
      if (core.clusterIds.has(cl[i])) return Ineligible.CLUSTER_LOOP;
  }
  if (raw.nextHops.length === 0) return Ineligible.NEXT_HOP;
  return Ineligible.NONE;
}

/** The set `raw` becomes after an accepting outcome (memoised on `raw`). */
export function transformed(core: RibCore, raw: AttrSet, outcome: Outcome): AttrSet {
  if (outcome.actions.length === 0) return raw;
  const key = outcome.id * 2;
  const hit = raw.memoGet(key);
  if (hit !== undefined) return hit;
  const out = core.store.intern(applyActions(raw.attrs, outcome.actions), raw.nextHops);
  raw.memoSet(key, out);
  return out;
}

/** Fills the scratch policy route for a received path of `peer` at `prefix`. */
export function fillImportRoute(
  core: RibCore,
  peer: PeerState,
  rib: FamilyRib,
  prefix: number,
  raw: AttrSet,
): void {
  const r = core.route;
  const t = rib.prefixes;
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
  r.source = "bgp";
  r.peerType = peer.ebgp ? "ebgp" : "ibgp";
  r.interface = null;
  r.attrs = raw.attrs;
}

/** Prefix-independent part of importing `raw` from `peer` (cached). */
export function importSet(
  core: RibCore,
  peer: PeerState,
  pf: PeerFamily,
  raw: AttrSet,
): ImportResult {
  if (peer.importChain.trivial) {
    // No import policy: the checks are cheaper than a cache entry per set.
    const status = eligibility(core, peer, raw);
    return status === Ineligible.NONE ? { status, eff: raw } : { status, eff: null };
  }
  const cache = pf.importCache;
  const hit = cache.get(raw);
  if (hit !== undefined && (hit.eff === undefined || hit.eff === null || hit.eff.alive)) return hit;
  const status = eligibility(core, peer, raw);
  let eff: AttrSet | null | undefined;
  const chain = peer.importChain;
  if (status !== Ineligible.NONE) eff = null;
  else if (chain.trivial) eff = raw;
  else if (chain.routeSpecific) eff = undefined;
  else {
    // The outcome depends only on attributes, family and session type: evaluate once.
    const r = core.route;
    r.family = pf.family;
    r.source = "bgp";
    r.peerType = peer.ebgp ? "ebgp" : "ibgp";
    r.interface = null;
    r.attrs = raw.attrs;
    const outcome = chain.evaluate(r);
    eff = outcome.accept ? transformed(core, raw, outcome) : null;
  }
  const result: ImportResult = {
    status: status === Ineligible.NONE && eff === null ? Ineligible.POLICY : status,
    eff,
  };
  if (cache.size >= IMPORT_CACHE_MAX) cache.clear();
  cache.set(raw, result);
  return result;
}

/** Candidate set of `raw` at `prefix` (per-prefix policy evaluation); null when rejected. */
export function importAtPrefix(
  core: RibCore,
  peer: PeerState,
  pf: PeerFamily,
  prefix: number,
  raw: AttrSet,
): AttrSet | null {
  fillImportRoute(core, peer, pf.rib, prefix, raw);
  const outcome = peer.importChain.evaluate(core.route);
  return outcome.accept ? transformed(core, raw, outcome) : null;
}
