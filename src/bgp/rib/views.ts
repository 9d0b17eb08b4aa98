/**
 * Route views for `wren show routes` (contracts/speaker.ts `RouteView`/`PathView`): prefixes in
 * address order, paths best first with their explanation (explain.ts). A query may name an exact
 * prefix, or an address for a longest-prefix match; `peer` filters by peer address or name;
 * `all` includes paths that are not candidates (loops, import policy).
 */
import type { Family } from "../../common/contracts/families.js";
import type { PathView, RouteQuery, RouteView } from "../../common/contracts/speaker.js";
import { formatPrefix, parsePrefixDetailed } from "../../common/ip/prefix.js";
import { formatCommunity, formatExtendedCommunity, formatLargeCommunity } from "../policy/index.js";
import type { AsPathSegment } from "../wire/types.js";
import type { RibCore } from "./core.js";
import { LOCAL_PEER } from "./decision.js";
import { explainPath } from "./explain.js";
import type { FamilyRib } from "./family-rib.js";
import { PathFlag } from "./path-pool.js";

export function formatAsPath(path: readonly AsPathSegment[] | undefined): string {
  if (path === undefined) return "";
  return path
    .map((s) => {
      const asns = s.asns.join(s.type === "set" ? "," : " ");
      if (s.type === "set") return `{${asns}}`;
      if (s.type === "confedSequence") return `(${asns})`;
      if (s.type === "confedSet") return `[${s.asns.join(",")}]`;
      return asns;
    })
    .filter((x) => x !== "")
    .join(" ");
}

function wordsOf(bytes: Uint8Array): number[] {
  const out = [0, 0, 0, 0];
  for (let i = 0; i < bytes.length / 4; i++) {
    out[i] =
      ((bytes[i * 4] << 24) |
        (bytes[i * 4 + 1] << 16) |
        (bytes[i * 4 + 2] << 8) |
        bytes[i * 4 + 3]) >>>
      0;
  }
  return out;
}

function maskWords(w: number[], len: number): number[] {
  return w.map((x, i) => {
    const bits = len - 32 * i;
    if (bits >= 32) return x;
    if (bits <= 0) return 0;
    return (x & (0xffffffff << (32 - bits))) >>> 0;
  });
}

/** Prefix indexes matching the query's prefix text in `rib` (exact, or longest match for an address). */
function findPrefixes(rib: FamilyRib, text: string): number[] {
  const parsed = parsePrefixDetailed(text);
  if (!parsed.ok || parsed.prefix.family !== rib.family) return [];
  const w = wordsOf(parsed.prefix.bytes);
  const t = rib.prefixes;
  if (text.includes("/")) {
    const idx = t.find(w[0], w[1], w[2], w[3], parsed.prefix.length);
    return idx >= 0 ? [idx] : [];
  }
  for (let len = parsed.prefix.length; len >= 0; len--) {
    const m = maskWords(w, len);
    const idx = t.find(m[0], m[1], m[2], m[3], len);
    if (idx >= 0 && rib.best[idx] >= 0) return [idx];
  }
  return [];
}

function pathView(core: RibCore, rib: FamilyRib, rec: number, best: number, now: number): PathView {
  const pool = rib.pool;
  const peerIndex = pool.peer[rec];
  const set = core.store.get(pool.eff[rec] >= 0 ? pool.eff[rec] : pool.raw[rec]);
  const a = set.attrs;
  const flags = pool.flags[rec];
  const peer = core.peers[peerIndex];
  return {
    peer: peerIndex === LOCAL_PEER ? null : (peer?.config.address ?? null),
    nexthop: peerIndex === LOCAL_PEER ? "self" : (set.nextHops[0] ?? ""),
    asPath: formatAsPath(a.asPath),
    origin: a.origin ?? "incomplete",
    med: a.med ?? null,
    localPref: a.localPref ?? null,
    communities: (a.communities ?? []).map(formatCommunity),
    largeCommunities: (a.largeCommunities ?? []).map(formatLargeCommunity),
    extendedCommunities: (a.extendedCommunities ?? []).map(formatExtendedCommunity),
    originatorId: a.originatorId ?? null,
    clusterList: [...(a.clusterList ?? [])],
    pathId: peer?.families[rib.family].addPathReceive === true ? pool.pathIdOf(rec) : null,
    best: (flags & PathFlag.BEST) !== 0,
    multipath: (flags & PathFlag.MULTIPATH) !== 0,
    stale: (flags & PathFlag.STALE) !== 0,
    reason: explainPath(core, rib, rec, best),
    age: Math.max(0, now - pool.time[rec]),
  };
}

/** Orders paths: best, multipath, then by how far they got in the decision, ineligible last. */
function pathRank(rib: FamilyRib, rec: number): number {
  const pool = rib.pool;
  if ((pool.flags[rec] & PathFlag.BEST) !== 0) return 1000;
  if (pool.eff[rec] < 0) return -1;
  return ((pool.flags[rec] & PathFlag.MULTIPATH) !== 0 ? 100 : 0) + pool.reason[rec];
}

export function routeViews(core: RibCore, query: RouteQuery): RouteView[] {
  const families: Family[] = query.family !== undefined ? [query.family] : ["ipv4", "ipv6"];
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  const now = core.seconds();
  const out: RouteView[] = [];
  for (const family of families) {
    const rib = core.ribs[family];
    const t = rib.prefixes;
    let idxs: number[];
    if (query.prefix !== undefined) idxs = findPrefixes(rib, query.prefix);
    else {
      idxs = [];
      for (let i = 0; i < t.highWater; i++) if (t.isLive(i) && rib.head[i] >= 0) idxs.push(i);
      idxs.sort((x, y) => t.compare(x, y));
    }
    for (const p of idxs) {
      if (out.length >= limit) return out;
      const best = rib.best[p];
      const recs: number[] = [];
      for (let r = rib.head[p]; r >= 0; r = rib.pool.next[r]) {
        if (!query.all && rib.pool.eff[r] < 0) continue;
        if (query.peer !== undefined) {
          const peer = core.peers[rib.pool.peer[r]];
          if (
            peer === undefined ||
            (peer.config.address !== query.peer && peer.name !== query.peer)
          )
            continue;
        }
        recs.push(r);
      }
      if (recs.length === 0) continue;
      const pool = rib.pool;
      recs.sort(
        (x, y) =>
          pathRank(rib, y) - pathRank(rib, x) ||
          (pool.eff[x] >= 0 && pool.eff[y] >= 0
            ? rib.decision.tieBreak(x, y)
            : pool.peer[x] - pool.peer[y]),
      );
      out.push({
        prefix: formatPrefix(t.prefixAt(p)),
        paths: recs.map((r) => pathView(core, rib, r, best, now)),
      });
    }
  }
  return out;
}
