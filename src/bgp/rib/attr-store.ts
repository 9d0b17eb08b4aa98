/**
 * The attribute-set store: interning with reference counts (OpenBGPD rde_attr / rde_aspath,
 * holo AttrSets). Every attribute set a path, an Adj-RIB-Out entry or a memo refers to is stored
 * once, frozen, under a small integer id; paths hold ids in typed arrays.
 *
 * Freeing is deferred: a set whose count drops to zero (or that was interned and never
 * referenced) is only released by `sweep()`, which the engine runs at the end of each work slice.
 * A set that is dropped and taken again within one slice (a path replaced by an equal one) is
 * therefore not rebuilt.
 *
 * The decoder's `AttributeCache` (wire-api.md) is provided per codec-context signature by
 * `WireCache`: identical attribute bytes are decoded once, and each cache entry remembers the
 * interned set(s) it resolved to (one for the IPv4 NLRI field with NEXT_HOP, one for MP_REACH),
 * so a repeated UPDATE costs two map lookups and no attribute work at all. Entries whose sets
 * died are dropped in bulk (`dropDead`) once many sets were freed.
 */
import { parseIPv4 } from "../../common/ip/address.js";
import type { AttributeCache, PathAttributes } from "../wire/types.js";
import { hashAttrs, sameAttrs } from "./attr-equality.js";
import { AttrSet } from "./attr-set.js";

export interface WireEntry {
  readonly attrs: PathAttributes;
  /** Set for NLRI of the IPv4 NLRI field (next hop from NEXT_HOP). */
  nh: AttrSet | null;
  /** Set for MP_REACH_NLRI (next hops from MP_REACH). */
  mp: AttrSet | null;
}

/**
 * Entries kept by a WireCache. Its key is the attribute octets as a string (~100–200 bytes with
 * the entry), per distinct set; a table with tens of thousands of sets (ten full feeds) would
 * keep megabytes of keys that are seldom used again (a table sends each set about once; churn
 * repeats recent ones). Past the bound the oldest quarter is dropped: their next UPDATE is
 * decoded again and interning finds the existing set.
 */
const WIRE_CACHE_MAX = 16384;

export class WireCache implements AttributeCache {
  readonly entries = new Map<string, WireEntry>();
  private fresh: string[] = [];

  get(key: string): PathAttributes | undefined {
    return this.entries.get(key)?.attrs;
  }

  set(key: string, attrs: PathAttributes): void {
    if (this.entries.size >= WIRE_CACHE_MAX) this.evict();
    this.entries.set(key, { attrs, nh: null, mp: null });
    this.fresh.push(key);
  }

  /** The entry for `key`, creating it when the decoder did not (no cache use for that message). */
  entry(key: string, attrs: PathAttributes): WireEntry {
    let e = this.entries.get(key);
    if (e === undefined) {
      if (this.entries.size >= WIRE_CACHE_MAX) this.evict();
      e = { attrs, nh: null, mp: null };
      this.entries.set(key, e);
      this.fresh.push(key);
    }
    return e;
  }

  /** Drops the oldest quarter of the entries (a Map iterates in insertion order). */
  private evict(): void {
    let n = this.entries.size >> 2;
    for (const key of this.entries.keys()) {
      if (n-- <= 0) break;
      this.entries.delete(key);
    }
  }

  /** Drops every entry whose sets are all dead. */
  dropDead(): void {
    for (const [key, e] of this.entries) {
      if ((e.nh === null || !e.nh.alive) && (e.mp === null || !e.mp.alive))
        this.entries.delete(key);
    }
  }

  /** Drops entries added since the last sweep that never resolved to a live set. */
  sweep(): void {
    for (const key of this.fresh) {
      const e = this.entries.get(key);
      if (e !== undefined && (e.nh === null || !e.nh.alive) && (e.mp === null || !e.mp.alive)) {
        this.entries.delete(key);
      }
    }
    this.fresh = [];
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The normal form of `attrs` with `nextHops` (see attr-set.ts); returns `attrs` when it already is. */
export function normalise(attrs: PathAttributes, nextHops: readonly string[]): PathAttributes {
  const v4 = nextHops.length > 0 && parseIPv4(nextHops[0]) !== null ? nextHops[0] : undefined;
  if (
    attrs.mpReach === undefined &&
    attrs.mpUnreach === undefined &&
    attrs.as4Path === undefined &&
    attrs.as4Aggregator === undefined &&
    attrs.nextHop === v4
  ) {
    return attrs;
  }
  const out: Mutable<PathAttributes> = { ...attrs };
  // Assigning undefined instead of `delete` keeps the object out of V8's slow dictionary mode.
  if (out.mpReach !== undefined) out.mpReach = undefined;
  if (out.mpUnreach !== undefined) out.mpUnreach = undefined;
  if (out.as4Path !== undefined) out.as4Path = undefined;
  if (out.as4Aggregator !== undefined) out.as4Aggregator = undefined;
  if (out.nextHop !== v4) out.nextHop = v4;
  return out;
}

export class AttrStore {
  private readonly sets: (AttrSet | undefined)[] = [];
  private readonly freeIds: number[] = [];
  private readonly byHash = new Map<number, AttrSet | AttrSet[]>();
  private zero: AttrSet[] = [];
  private freedSinceScan = 0;
  private readonly caches = new Map<string, WireCache>();
  private readonly nextHopLists = new Map<string, readonly string[]>();
  private _size = 0;

  get size(): number {
    return this._size;
  }

  get(id: number): AttrSet {
    return this.sets[id]!;
  }

  /** The decoder cache for sessions whose codec context has this signature. */
  wireCache(signature: string): WireCache {
    let c = this.caches.get(signature);
    if (c === undefined) {
      c = new WireCache();
      this.caches.set(signature, c);
    }
    return c;
  }

  /** The interned set equal to (attrs, nextHops); created with no references when new. */
  intern(attrs: PathAttributes, nextHops: readonly string[]): AttrSet {
    const norm = normalise(attrs, nextHops);
    const h = hashAttrs(norm, nextHops);
    const bucket = this.byHash.get(h);
    if (bucket !== undefined) {
      if (bucket instanceof AttrSet) {
        if (sameAttrs(bucket.attrs, bucket.nextHops, norm, nextHops)) return bucket;
      } else {
        for (const s of bucket) if (sameAttrs(s.attrs, s.nextHops, norm, nextHops)) return s;
      }
    }
    const id = this.freeIds.pop() ?? this.sets.length;
    const set = new AttrSet(
      id,
      Object.isFrozen(norm) ? norm : Object.freeze(norm),
      this.nextHopList(nextHops),
      h,
    );
    this.sets[id] = set;
    this._size++;
    if (bucket === undefined) this.byHash.set(h, set);
    else if (bucket instanceof AttrSet) this.byHash.set(h, [bucket, set]);
    else bucket.push(set);
    this.zero.push(set);
    return set;
  }

  /** A shared frozen copy of a next-hop list (many sets have the same next hops). */
  private nextHopList(nextHops: readonly string[]): readonly string[] {
    const key = nextHops.length === 1 ? nextHops[0] : nextHops.join(",");
    let list = this.nextHopLists.get(key);
    if (list === undefined) {
      list = Object.freeze([...nextHops]);
      if (this.nextHopLists.size >= 65536) this.nextHopLists.clear();
      this.nextHopLists.set(key, list);
    }
    return list;
  }

  /** Interns the set a decoded UPDATE's attributes give for NLRI reached via `viaMp`. */
  resolveWire(cache: WireCache, key: string, attrs: PathAttributes, viaMp: boolean): AttrSet {
    const e = cache.entry(key, attrs);
    const cur = viaMp ? e.mp : e.nh;
    if (cur?.alive) return cur;
    const nextHops = viaMp
      ? (attrs.mpReach?.nextHops ?? [])
      : attrs.nextHop === undefined
        ? []
        : [attrs.nextHop];
    const set = this.intern(attrs, nextHops);
    if (viaMp) e.mp = set;
    else e.nh = set;
    return set;
  }

  ref(id: number): void {
    this.sets[id]!.refs++;
  }

  unref(id: number): void {
    const s = this.sets[id]!;
    if (--s.refs === 0) this.zero.push(s);
  }

  /** Frees the sets left without references since the last sweep. */
  sweep(): void {
    if (this.zero.length > 0) {
      const zero = this.zero;
      this.zero = [];
      for (const s of zero) if (s.alive && s.refs === 0) this.free(s);
    }
    for (const c of this.caches.values()) c.sweep();
    // Decoder cache entries are not unlinked one by one when their set dies (that would cost a
    // back-reference per set); once many sets died, one scan drops the dead entries.
    if (this.freedSinceScan > 1024 && this.freedSinceScan * 2 > this._size) {
      this.freedSinceScan = 0;
      for (const c of this.caches.values()) c.dropDead();
    }
  }

  private free(s: AttrSet): void {
    s.alive = false;
    s.memo = null;
    this.sets[s.id] = undefined;
    this.freeIds.push(s.id);
    this._size--;
    const bucket = this.byHash.get(s.hash);
    if (bucket === s) this.byHash.delete(s.hash);
    else if (Array.isArray(bucket)) {
      const rest = bucket.filter((x) => x !== s);
      this.byHash.set(s.hash, rest.length === 1 ? rest[0] : rest);
    }
    this.freedSinceScan++;
  }
}
