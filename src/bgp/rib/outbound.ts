/**
 * UPDATE generation for one peer (RFC 4271 §9.2, RFC 4724 §2, RFC 7911, RFC 7313): walks the
 * peer's queue of changed prefixes (and the Loc-RIB dump after session start or a route
 * refresh), computes what should be advertised (export.ts), compares it with the Adj-RIB-Out,
 * and groups the differences by attribute set, so each `packUpdates` call fills messages with
 * every prefix that shares one set (OpenBGPD's pending queues, BIRD's buckets). Withdrawals go
 * first. End-of-RIB follows the initial dump of each family; EoRR follows an enhanced refresh.
 *
 * The Adj-RIB-Out holds, per (prefix[, path id]), the set last sent; entries reference their
 * prefix and set. ADD-PATH send advertises every exportable path, identified by its record
 * number + 1, and remembers per prefix which identifiers it sent.
 */
import type { Family } from "../../common/contracts/families.js";
import { afiSafiNameOfFamily, afiSafiOfName } from "../../common/contracts/families.js";
import { RouteRefreshSubtype } from "../wire/constants.js";
import { NlriBuilder } from "../wire/nlri.js";
import { encodeEndOfRib, packUpdates } from "../wire/pack.js";
import type { AttrSet } from "./attr-set.js";
import type { RibCore } from "./core.js";
import { exportPath } from "./export.js";
import type { FamilyRib } from "./family-rib.js";
import type { PeerFamily, PeerState } from "./peer-state.js";

const NO_IDS: readonly number[] = [];

class OutBatch {
  private withdrawals: NlriBuilder | null = null;
  private readonly groups = new Map<number, { set: AttrSet; nlri: NlriBuilder }>();
  private readonly scratch = new Uint8Array(16);
  count = 0;

  constructor(
    private readonly rib: FamilyRib,
    private readonly withPathIds: boolean,
  ) {}

  private append(b: NlriBuilder, prefix: number, pathId: number): void {
    const t = this.rib.prefixes;
    const id = this.withPathIds ? pathId : undefined;
    if (t.width === 1) b.appendIPv4(t.words[prefix], t.lens[prefix], id);
    else {
      t.writeBytes(prefix, this.scratch, 0);
      b.append(this.scratch, t.lens[prefix], id);
    }
    this.count++;
  }

  withdraw(prefix: number, pathId: number): void {
    if (this.withdrawals === null)
      this.withdrawals = new NlriBuilder(this.rib.family, this.withPathIds, 64);
    this.append(this.withdrawals, prefix, pathId);
  }

  announce(set: AttrSet, prefix: number, pathId: number): void {
    let g = this.groups.get(set.id);
    if (g === undefined) {
      g = { set, nlri: new NlriBuilder(this.rib.family, this.withPathIds, 64) };
      this.groups.set(set.id, g);
    }
    this.append(g.nlri, prefix, pathId);
  }

  pack(core: RibCore, peer: PeerState, family: Family): Uint8Array[] {
    const ctx = peer.txCtx!;
    const out: Uint8Array[] = [];
    if (this.withdrawals !== null) {
      out.push(
        ...packUpdates({ family, attributes: null, withdraw: this.withdrawals.build() }, ctx),
      );
    }
    for (const { set, nlri } of this.groups.values()) {
      try {
        out.push(
          ...packUpdates(
            { family, attributes: set.attrs, announce: nlri.build(), nextHops: set.nextHops },
            ctx,
          ),
        );
      } catch (err) {
        core.log?.error(
          { peer: peer.name, family, err },
          "cannot encode an UPDATE; prefixes not advertised",
        );
      }
    }
    return out;
  }
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Brings the Adj-RIB-Out of `pf` for `prefix` up to date, adding the differences to `batch`. */
function syncPrefix(
  core: RibCore,
  peer: PeerState,
  pf: PeerFamily,
  prefix: number,
  force: boolean,
  batch: OutBatch,
): void {
  const rib = pf.rib;
  const store = core.store;
  const out = pf.adjOut;
  if (!pf.addPathSend) {
    const best = rib.best[prefix];
    const want = best < 0 ? null : exportPath(core, peer, pf, best);
    const cur = out.get(prefix, 0);
    if (want === null) {
      if (cur < 0) return;
      batch.withdraw(prefix, 0);
      out.delete(prefix, 0);
      store.unref(cur);
      pf.advertised--;
      rib.prefixes.unref(prefix);
      return;
    }
    if (cur === want.id && !force) return;
    batch.announce(want, prefix, 0);
    if (cur === want.id) return;
    store.ref(want.id);
    out.set(prefix, 0, want.id, rib.prefixes.capacity);
    if (cur >= 0) store.unref(cur);
    else {
      pf.advertised++;
      rib.prefixes.ref(prefix);
    }
    return;
  }
  // ADD-PATH send: every exportable candidate, path id = record + 1.
  const pool = rib.pool;
  const sent = pf.outPaths!.get(prefix) ?? NO_IDS;
  const ids: number[] = [];
  for (let r = rib.head[prefix]; r >= 0; r = pool.next[r]) {
    if (pool.eff[r] < 0) continue;
    const want = exportPath(core, peer, pf, r);
    if (want === null) continue;
    const id = r + 1;
    ids.push(id);
    const cur = out.get(prefix, id);
    if (cur === want.id && !force) continue;
    batch.announce(want, prefix, id);
    if (cur === want.id) continue;
    store.ref(want.id);
    out.set(prefix, id, want.id, rib.prefixes.capacity);
    if (cur >= 0) store.unref(cur);
    else {
      pf.advertised++;
      rib.prefixes.ref(prefix);
    }
  }
  for (const id of sent) {
    if (ids.includes(id)) continue;
    const cur = out.delete(prefix, id);
    if (cur < 0) continue;
    batch.withdraw(prefix, id);
    store.unref(cur);
    pf.advertised--;
    rib.prefixes.unref(prefix);
  }
  if (ids.length === 0) {
    if (sent.length > 0) pf.outPaths!.delete(prefix);
  } else if (!sameIds(ids, sent)) pf.outPaths!.set(prefix, ids);
}

export interface OutboundResult {
  units: number;
  messages: number;
}

/**
 * Generates up to `budget` prefixes of UPDATEs for `peer` (all families), emitting them to the
 * session engine. Returns the work done and the number of messages emitted.
 */
export function generate(core: RibCore, peer: PeerState, budget: number): OutboundResult {
  let units = 0;
  let messages = 0;
  for (const family of ["ipv4", "ipv6"] as const) {
    const pf = peer.families[family];
    if (!pf.exporting || units >= budget) continue;
    const rib = pf.rib;
    const batch = new OutBatch(rib, pf.addPathSend);
    const dump = pf.dump;
    let dumpDone = false;
    if (dump !== null) {
      const t = rib.prefixes;
      // Nothing to advertise and nothing advertised: the dump is only its End-of-RIB.
      if (pf.exportsNothing && pf.adjOut.size === 0) dump.cursor = t.highWater;
      while (units < budget && dump.cursor < t.highWater) {
        const p = dump.cursor++;
        if (!t.isLive(p)) continue;
        syncPrefix(core, peer, pf, p, dump.force, batch);
        units++;
      }
      dumpDone = dump.cursor >= t.highWater;
    }
    while (units < budget) {
      const p = pf.dirty.shift();
      if (p < 0) break;
      if (!rib.prefixes.isLive(p)) continue;
      syncPrefix(core, peer, pf, p, false, batch);
      units++;
    }
    const msgs = batch.count > 0 ? batch.pack(core, peer, family) : [];
    const name = afiSafiNameOfFamily(family);
    if (dump !== null && dumpDone) {
      pf.dump = null;
      if (dump.initial) {
        msgs.push(encodeEndOfRib(name, peer.txCtx!));
        pf.eorSent = true;
      }
    }
    if (msgs.length > 0) {
      messages += msgs.length;
      core.emitSession({ type: "updates", peerId: peer.name, messages: msgs });
    }
    if (dump !== null && dumpDone && dump.enhanced) {
      const { afi, safi } = afiSafiOfName(name);
      core.emitSession({
        type: "routeRefresh",
        peerId: peer.name,
        afi,
        safi,
        subtype: RouteRefreshSubtype.END_OF_ROUTE_REFRESH,
      });
    }
  }
  return { units, messages };
}

/** True when `peer` has UPDATEs to generate. */
export function hasExportWork(peer: PeerState): boolean {
  for (const family of ["ipv4", "ipv6"] as const) {
    const pf = peer.families[family];
    if (pf.exporting && (pf.dump !== null || pf.dirty.length > 0)) return true;
  }
  return false;
}
