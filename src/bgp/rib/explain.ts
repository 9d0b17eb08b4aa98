/**
 * Why a path is (not) the best one, in words, for `wren show routes --why`: the decision step
 * that eliminated it (decision.ts `Step`, kept per path) compared against the best path's value,
 * e.g. "lower local-pref than best (100 < 200)", or why it is not a candidate at all (AS-path
 * loop, route-reflection loop, import policy). The best path names the step that beat the
 * runner-up. Texts are built only when asked for; the decision process stores numbers.
 */
import { formatIPv4 } from "../../common/ip/address.js";
import type { AttrSet } from "./attr-set.js";
import { Ineligible, type RibCore } from "./core.js";
import { DEFAULT_LOCAL_PREF, LOCAL_PEER, Step } from "./decision.js";
import type { FamilyRib } from "./family-rib.js";
import { fillImportRoute } from "./import.js";
import { PathFlag } from "./path-pool.js";

const ORIGIN_NAMES = ["igp", "egp", "incomplete"];

function lp(s: AttrSet): number {
  return s.localPref < 0 ? DEFAULT_LOCAL_PREF : s.localPref;
}

function med(s: AttrSet): number {
  return Math.max(s.med, 0);
}

function peerName(core: RibCore, rib: FamilyRib, rec: number): string {
  const i = rib.pool.peer[rec];
  return i === LOCAL_PEER ? "local" : (core.peers[i]?.name ?? `peer ${i}`);
}

function peerAddress(core: RibCore, rib: FamilyRib, rec: number): string {
  return core.peers[rib.pool.peer[rec]]?.config.address ?? "";
}

/** "<this> than <other>" for the step on which `a` lost to (or beat) `b`. */
function compareText(
  core: RibCore,
  rib: FamilyRib,
  step: number,
  a: number,
  b: number,
  lost: boolean,
): string {
  const pool = rib.pool;
  const sa = core.store.get(pool.eff[a]);
  const sb = core.store.get(pool.eff[b]);
  const who = lost ? "best" : peerName(core, rib, b);
  const worse = (better: string, worseWord: string) => (lost ? worseWord : better);
  switch (step) {
    case Step.LOCAL:
      return lost
        ? "learned route; best is locally originated"
        : `locally originated (beats ${who})`;
    case Step.LOCAL_PREF:
      return `${worse("higher", "lower")} local-pref than ${who} (${lp(sa)} ${lost ? "<" : ">"} ${lp(sb)})`;
    case Step.AS_PATH:
      return `${worse("shorter", "longer")} AS path than ${who} (${sa.asPathLength} ${lost ? ">" : "<"} ${sb.asPathLength})`;
    case Step.ORIGIN:
      return `${worse("better", "worse")} origin than ${who} (${ORIGIN_NAMES[sa.origin]} ${lost ? ">" : "<"} ${ORIGIN_NAMES[sb.origin]})`;
    case Step.MED: {
      const scope = core.options.alwaysCompareMed
        ? ""
        : ` from the same neighbour AS ${sa.neighborAs}`;
      return `${worse("lower", "higher")} MED than ${who}${scope} (${med(sa)} ${lost ? ">" : "<"} ${med(sb)})`;
    }
    case Step.EBGP:
      return lost
        ? "iBGP-learned; best is eBGP-learned"
        : `eBGP-learned (beats iBGP-learned ${who})`;
    case Step.ROUTER_ID: {
      const ra = rib.decision.routerIdOf(a);
      const rb = rib.decision.routerIdOf(b);
      return `${worse("lower", "higher")} router id than ${who} (${formatIPv4(ra)} ${lost ? ">" : "<"} ${formatIPv4(rb)})`;
    }
    case Step.CLUSTER_LIST:
      return `${worse("shorter", "longer")} cluster list than ${who} (${sa.clusterListLength} ${lost ? ">" : "<"} ${sb.clusterListLength})`;
    case Step.ADDRESS:
      return `${worse("lower", "higher")} neighbour address than ${who} (${peerAddress(core, rib, a)} ${lost ? ">" : "<"} ${peerAddress(core, rib, b)})`;
    case Step.PATH_ID:
      return `${worse("lower", "higher")} path id than ${who} (${pool.pathIdOf(a)} ${lost ? ">" : "<"} ${pool.pathIdOf(b)})`;
    default:
      return "";
  }
}

function ineligibleText(core: RibCore, rib: FamilyRib, rec: number): string {
  const pool = rib.pool;
  const peer = core.peers[pool.peer[rec]];
  const raw = core.store.get(pool.raw[rec]);
  switch (pool.status[rec]) {
    case Ineligible.AS_LOOP: {
      const own = peer === undefined ? [] : core.ownAsns(peer);
      let n = 0;
      for (const seg of raw.attrs.asPath ?? [])
        for (const asn of seg.asns) if (own.includes(asn)) n++;
      return `AS path loop: own AS ${own.join("/")} appears ${n} time(s), allowas-in ${peer?.config.allowasIn ?? 0}`;
    }
    case Ineligible.ORIGINATOR_LOOP:
      return `ORIGINATOR_ID ${raw.attrs.originatorId} is our router id (route reflection loop)`;
    case Ineligible.CLUSTER_LOOP: {
      const id = raw.attrs.clusterList?.find((c) => core.clusterIds.has(c)) ?? "?";
      return `CLUSTER_LIST contains our cluster id ${id} (route reflection loop)`;
    }
    case Ineligible.POLICY: {
      if (peer === undefined) return "rejected by import policy";
      fillImportRoute(core, peer, rib, pool.prefix[rec], raw);
      const e = peer.importChain.explain(core.route);
      const last = e.matched[e.matched.length - 1];
      if (e.byDefault || last === undefined) return "rejected by import policy (default)";
      const what = last.comment !== null ? `: ${last.comment}` : "";
      return `rejected by import policy "${last.policy}" statement ${last.statement + 1}${what}`;
    }
    case Ineligible.NEXT_HOP:
      return "no usable next hop for the family";
    default:
      return "not a candidate";
  }
}

/** The explanation of path `rec` of its prefix (whose best path is `best`, or -1). */
export function explainPath(core: RibCore, rib: FamilyRib, rec: number, best: number): string {
  const pool = rib.pool;
  let text: string;
  if (pool.eff[rec] < 0) text = ineligibleText(core, rib, rec);
  else if (rec === best) {
    // The runner-up is the candidate eliminated at the latest step.
    let runner = -1;
    for (let r = rib.head[pool.prefix[rec]]; r >= 0; r = pool.next[r]) {
      if (r === rec || pool.eff[r] < 0) continue;
      if (
        runner < 0 ||
        pool.reason[r] > pool.reason[runner] ||
        (pool.reason[r] === pool.reason[runner] && rib.decision.tieBreak(r, runner) < 0)
      ) {
        runner = r;
      }
    }
    text =
      runner < 0
        ? "best path (only candidate)"
        : `best path: ${compareText(core, rib, pool.reason[runner], rec, runner, false)}`;
  } else {
    const step = pool.reason[rec];
    const lost = best < 0 ? "" : compareText(core, rib, step, rec, best, true);
    text =
      (pool.flags[rec] & PathFlag.MULTIPATH) !== 0
        ? `multipath, equal-cost with best; not best: ${lost}`
        : lost;
  }
  if ((pool.flags[rec] & PathFlag.STALE) !== 0) text += " [stale: graceful restart]";
  return text;
}
