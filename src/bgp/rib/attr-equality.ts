/**
 * Structural hashing and equality of (path attributes, next hops) for interning. A 32-bit hash
 * selects the bucket; equality is checked field by field, so no canonical key string has to be
 * kept per set. Covers every field of the normal form (see attr-set.ts).
 */
import type { AsPathSegment, PathAttributes } from "../wire/types.js";

const SEGMENT_CODE: Readonly<Record<AsPathSegment["type"], number>> = {
  set: 1,
  sequence: 2,
  confedSequence: 3,
  confedSet: 4,
};

function mix(h: number, v: number): number {
  h = Math.imul(h ^ (v | 0), 0x01000193);
  return h ^ (h >>> 15);
}

function mixStr(h: number, s: string): number {
  h = mix(h, s.length);
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

function mixBytes(h: number, b: Uint8Array): number {
  h = mix(h, b.length);
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h;
}

export function hashAttrs(a: PathAttributes, nextHops: readonly string[]): number {
  // Indexed loops: this runs once per new attribute set (thousands per table) and for-of would
  // allocate an iterator per list until V8 optimises it.
  let h = 0x811c9dc5;
  h = mixStr(h, a.origin ?? "");
  const path = a.asPath;
  if (path !== undefined) {
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      h = mix(h, SEGMENT_CODE[seg.type]);
      const asns = seg.asns;
      h = mix(h, asns.length);
      for (let k = 0; k < asns.length; k++) h = mix(h, asns[k]);
    }
  }
  h = mix(h, 0x55);
  for (let i = 0; i < nextHops.length; i++) h = mixStr(h, nextHops[i]);
  h = mix(h, a.med ?? -1);
  h = mix(h, a.localPref ?? -1);
  h = mix(h, a.atomicAggregate === true ? 1 : 0);
  if (a.aggregator !== undefined) h = mixStr(mix(h, a.aggregator.asn), a.aggregator.address);
  const c = a.communities;
  if (c !== undefined) for (let i = 0; i < c.length; i++) h = mix(h, c[i]);
  h = mix(h, 0x77);
  if (a.originatorId !== undefined) h = mixStr(h, a.originatorId);
  const cl = a.clusterList;
  if (cl !== undefined) for (let i = 0; i < cl.length; i++) h = mixStr(h, cl[i]);
  const ext = a.extendedCommunities;
  if (ext !== undefined) {
    for (let i = 0; i < ext.length; i++) {
      const e = ext[i];
      h = mixBytes(mix(mix(h, e.type), e.subtype), e.value);
    }
  }
  const large = a.largeCommunities;
  if (large !== undefined) {
    for (let i = 0; i < large.length; i++) {
      const l = large[i];
      h = mix(mix(mix(h, l[0]), l[1]), l[2]);
    }
  }
  const unknown = a.unknown;
  if (unknown !== undefined) {
    for (let i = 0; i < unknown.length; i++) {
      const u = unknown[i];
      h = mixBytes(mix(mix(h, u.flags), u.code), u.value);
    }
  }
  // int32: a small integer for V8, so neither AttrSet.hash nor the store's bucket key is boxed.
  return h | 0;
}

function sameList<T>(
  a: readonly T[] | undefined,
  b: readonly T[] | undefined,
  eq: (x: T, y: T) => boolean,
): boolean {
  if (a === b) return true;
  const la = a?.length ?? 0;
  const lb = b?.length ?? 0;
  if (la !== lb) return false;
  for (let i = 0; i < la; i++) if (!eq(a![i], b![i])) return false;
  return true;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const same = <T>(x: T, y: T): boolean => x === y;

export function sameAttrs(
  a: PathAttributes,
  aNextHops: readonly string[],
  b: PathAttributes,
  bNextHops: readonly string[],
): boolean {
  if (a === b) return sameList(aNextHops, bNextHops, same);
  return (
    (a.origin ?? "") === (b.origin ?? "") &&
    sameList(a.asPath, b.asPath, (x, y) => x.type === y.type && sameList(x.asns, y.asns, same)) &&
    sameList(aNextHops, bNextHops, same) &&
    (a.med ?? -1) === (b.med ?? -1) &&
    (a.localPref ?? -1) === (b.localPref ?? -1) &&
    (a.atomicAggregate === true) === (b.atomicAggregate === true) &&
    (a.aggregator === b.aggregator ||
      (a.aggregator !== undefined &&
        b.aggregator !== undefined &&
        a.aggregator.asn === b.aggregator.asn &&
        a.aggregator.address === b.aggregator.address)) &&
    sameList(a.communities, b.communities, same) &&
    a.originatorId === b.originatorId &&
    sameList(a.clusterList, b.clusterList, same) &&
    sameList(
      a.extendedCommunities,
      b.extendedCommunities,
      (x, y) => x.type === y.type && x.subtype === y.subtype && sameBytes(x.value, y.value),
    ) &&
    sameList(
      a.largeCommunities,
      b.largeCommunities,
      (x, y) => x[0] === y[0] && x[1] === y[1] && x[2] === y[2],
    ) &&
    sameList(
      a.unknown,
      b.unknown,
      (x, y) => x.flags === y.flags && x.code === y.code && sameBytes(x.value, y.value),
    )
  );
}
