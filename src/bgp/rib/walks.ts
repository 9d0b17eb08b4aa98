/**
 * Bounded walks over one peer's Adj-RIB-In (jobs.ts `walk`): the snapshot of its path records is
 * taken when the walk starts and processed `budget` records per call, so flushing or purging a
 * million paths never blocks the event loop. The walk runs at the head of the peer's inbox, so
 * no UPDATE of that peer can change its records meanwhile.
 */
import { Ineligible, type RibCore } from "./core.js";
import { importAtPrefix, importSet } from "./import.js";
import type { Job } from "./jobs.js";
import { PathFlag } from "./path-pool.js";
import type { PeerState } from "./peer-state.js";

type WalkJob = Extract<Job, { kind: "walk" }>;

/** Runs up to `budget` records of the walk; returns the records done (0 when finished). */
export function runWalk(
  core: RibCore,
  peer: PeerState,
  job: WalkJob,
  budget: number,
): { units: number; done: boolean } {
  const pf = peer.families[job.family];
  if (job.records === null) job.records = pf.adjIn.records();
  const recs = job.records;
  const pool = pf.rib.pool;
  let units = 0;
  while (job.pos < recs.length && units < budget) {
    const rec = recs[job.pos++];
    units++;
    if (pool.prefix[rec] < 0 || pool.peer[rec] !== peer.index) continue;
    const flags = pool.flags[rec];
    switch (job.op) {
      case "flush":
        core.removePath(pf, rec);
        break;
      case "markStale":
        if ((flags & PathFlag.STALE) === 0) {
          pool.flags[rec] = flags | PathFlag.STALE;
          pf.stale++;
        }
        break;
      case "purgeStale":
        if ((flags & PathFlag.STALE) !== 0) core.removePath(pf, rec);
        break;
      case "markRefresh":
        if ((flags & PathFlag.REFRESH_STALE) === 0) {
          pool.flags[rec] = flags | PathFlag.REFRESH_STALE;
          pf.refreshStale++;
        }
        break;
      case "purgeRefresh":
        if ((flags & PathFlag.REFRESH_STALE) !== 0) core.removePath(pf, rec);
        break;
      case "reimport":
        reimport(core, peer, rec, job.family);
        break;
    }
  }
  const done = job.pos >= recs.length;
  if (done) job.records = null;
  return { units, done };
}

function reimport(core: RibCore, peer: PeerState, rec: number, family: "ipv4" | "ipv6"): void {
  const pf = peer.families[family];
  const pool = pf.rib.pool;
  const raw = core.store.get(pool.raw[rec]);
  const prefix = pool.prefix[rec];
  const imp = importSet(core, peer, pf, raw);
  let eff = -1;
  let status = imp.status;
  if (status === Ineligible.NONE) {
    const set = imp.eff === undefined ? importAtPrefix(core, peer, pf, prefix, raw) : imp.eff;
    if (set === null) status = Ineligible.POLICY;
    else eff = set.id;
  }
  // Keep the stale marks: re-import is not a re-advertisement by the peer.
  const flags = pool.flags[rec] & (PathFlag.STALE | PathFlag.REFRESH_STALE);
  core.setPath(peer, pf, prefix, pool.pathIdOf(rec), raw.id, eff, status);
  if (flags !== 0 && pool.prefix[rec] === prefix) {
    if ((flags & PathFlag.STALE) !== 0 && (pool.flags[rec] & PathFlag.STALE) === 0) {
      pool.flags[rec] |= PathFlag.STALE;
      pf.stale++;
    }
    if (
      (flags & PathFlag.REFRESH_STALE) !== 0 &&
      (pool.flags[rec] & PathFlag.REFRESH_STALE) === 0
    ) {
      pool.flags[rec] |= PathFlag.REFRESH_STALE;
      pf.refreshStale++;
    }
  }
}
