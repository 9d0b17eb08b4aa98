/**
 * BGP next-hop sets (one best path, or the paths of an ECMP set), interned: the speaker sends a
 * route as a prefix plus a list of next hops, and a table of a million routes has a handful of
 * distinct lists. Each route keeps only the small id of its set; what the set becomes in the
 * kernel is computed once per set (bgp-routes.ts).
 *
 * Lookup is by the list's identity first (the speaker's RIB shares one frozen list between all
 * the routes of a set, so consecutive routes usually hit the last one seen), then by content.
 * Ids are reference counted and reused after they are freed.
 */
import type { BgpNexthop } from "../common/contracts/dataplane.js";
import { type BgpHop, bgpHop } from "./route-plan.js";

export interface NexthopSet {
  readonly id: number;
  /** Content key ("address%interface,…"), also the text shown in logs. */
  readonly key: string;
  readonly hops: readonly BgpHop[];
  refs: number;
}

function contentKey(hops: readonly BgpNexthop[]): string {
  let key = "";
  for (let i = 0; i < hops.length; i++) {
    const h = hops[i];
    if (i > 0) key += ",";
    key += h.interface ? `${h.address}%${h.interface}` : h.address;
  }
  return key;
}

export class NexthopSets {
  private readonly byId: (NexthopSet | undefined)[] = [undefined];
  private readonly byKey = new Map<string, NexthopSet>();
  private readonly byList = new WeakMap<readonly BgpNexthop[], NexthopSet>();
  private readonly freeIds: number[] = [];
  private lastList: readonly BgpNexthop[] | null = null;
  private lastSet: NexthopSet | null = null;

  /** Called when a set's last reference goes (its id may be reused afterwards). */
  constructor(private readonly onFree: (id: number) => void = () => {}) {}

  get(id: number): NexthopSet {
    return this.byId[id]!;
  }

  /** The id of the set `hops` describes, with one reference taken for the caller. */
  intern(hops: readonly BgpNexthop[]): number {
    let s = hops === this.lastList ? this.lastSet : this.byList.get(hops);
    if (s === undefined || s === null || s.refs === 0) {
      const key = contentKey(hops);
      s = this.byKey.get(key);
      if (s === undefined) {
        const id = this.freeIds.pop() ?? this.byId.length;
        s = {
          id,
          key,
          hops: Object.freeze(hops.map((h) => Object.freeze(bgpHop(h)))),
          refs: 0,
        };
        this.byId[id] = s;
        this.byKey.set(key, s);
      }
      this.byList.set(hops, s);
    }
    this.lastList = hops;
    this.lastSet = s;
    s.refs++;
    return s.id;
  }

  release(id: number): void {
    if (id === 0) return;
    const s = this.byId[id]!;
    if (--s.refs > 0) return;
    this.byKey.delete(s.key);
    this.byId[id] = undefined;
    this.freeIds.push(id);
    if (this.lastSet === s) {
      this.lastSet = null;
      this.lastList = null;
    }
    this.onFree(id);
  }
}
