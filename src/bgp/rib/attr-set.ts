/**
 * One interned attribute set: frozen path attributes plus the next hop(s), shared by every path
 * that carries them (OpenBGPD rde_aspath, holo AttrSets). The fields the decision process reads
 * are computed once here, so comparing two paths reads numbers, not attribute lists.
 *
 * Normal form: no MP_REACH/MP_UNREACH (the next hops are in `nextHops`: one IPv4 address, or an
 * IPv6 global address optionally followed by a link-local one, RFC 2545 §3), no AS4_PATH /
 * AS4_AGGREGATOR (the codec already merged them into AS_PATH / AGGREGATOR, RFC 6793 §4.2.3; the
 * encoder re-creates them for 2-octet sessions). `attrs.nextHop` is set when the first next hop
 * is IPv4, so IPv4 sets encode directly.
 */
import { parseIPv4 } from "../../common/ip/address.js";
import type { AsPathSegment, Origin, PathAttributes } from "../wire/types.js";

export const WellKnown = {
  NO_EXPORT: 1,
  NO_ADVERTISE: 2,
  NO_EXPORT_SUBCONFED: 4,
} as const;

const ORIGIN_CODE: Readonly<Record<Origin, number>> = { igp: 0, egp: 1, incomplete: 2 };

/** RFC 4271 §9.1.2.2 (a): an AS_SET counts as one; RFC 5065 §5.3: confederation segments 0. */
export function asPathLength(path: readonly AsPathSegment[] | undefined): number {
  if (path === undefined) return 0;
  let n = 0;
  for (const seg of path) {
    if (seg.type === "sequence") n += seg.asns.length;
    else if (seg.type === "set") n += 1;
  }
  return n;
}

/** The neighbour AS for MED comparison: the leftmost AS outside confederation segments; 0 = ours. */
export function neighborAs(path: readonly AsPathSegment[] | undefined): number {
  if (path === undefined) return 0;
  for (const seg of path) {
    if (seg.type === "confedSequence" || seg.type === "confedSet") continue;
    if (seg.type === "sequence" && seg.asns.length > 0) return seg.asns[0];
    return 0;
  }
  return 0;
}

export class AttrSet {
  readonly id: number;
  readonly attrs: PathAttributes;
  readonly nextHops: readonly string[];
  readonly hash: number;
  refs = 0;
  alive = true;
  /** LOCAL_PREF as received/set, -1 when absent. */
  readonly localPref: number;
  readonly asPathLength: number;
  /** 0 IGP, 1 EGP, 2 INCOMPLETE (RFC 4271 §5.1.1 order). */
  readonly origin: number;
  /** MULTI_EXIT_DISC, -1 when absent (compared as 0). */
  readonly med: number;
  readonly neighborAs: number;
  /** ORIGINATOR_ID as uint32, -1 when absent. */
  readonly originatorId: number;
  readonly clusterListLength: number;
  /** `WellKnown` bits of the communities. */
  readonly wellKnown: number;
  /** Memoised transforms of this set (import/export): key → result set. */
  memo: Map<number, AttrSet> | null = null;
  /** Kernel next-hop set of a single path with this set from peer `kernelPeer` (kernel-out.ts). */
  kernelPeer = -1;
  kernelNh: object | null = null;

  constructor(id: number, attrs: PathAttributes, nextHops: readonly string[], hash: number) {
    this.id = id;
    this.attrs = attrs;
    this.nextHops = nextHops;
    this.hash = hash;
    this.localPref = attrs.localPref ?? -1;
    this.asPathLength = asPathLength(attrs.asPath);
    this.origin = ORIGIN_CODE[attrs.origin ?? "incomplete"];
    this.med = attrs.med ?? -1;
    this.neighborAs = neighborAs(attrs.asPath);
    this.originatorId =
      attrs.originatorId === undefined ? -1 : (parseIPv4(attrs.originatorId) ?? -1);
    this.clusterListLength = attrs.clusterList?.length ?? 0;
    let wk = 0;
    const c = attrs.communities;
    if (c !== undefined) {
      for (let i = 0; i < c.length; i++) {
        const v = c[i];
        if (v === 0xffffff01) wk |= WellKnown.NO_EXPORT;
        else if (v === 0xffffff02) wk |= WellKnown.NO_ADVERTISE;
        else if (v === 0xffffff03) wk |= WellKnown.NO_EXPORT_SUBCONFED;
      }
    }
    this.wellKnown = wk;
  }

  memoGet(key: number): AttrSet | undefined {
    const r = this.memo?.get(key);
    return r?.alive ? r : undefined;
  }

  memoSet(key: number, value: AttrSet): void {
    if (this.memo === null) this.memo = new Map();
    else if (this.memo.size > 256) this.memo.clear();
    this.memo.set(key, value);
  }
}
