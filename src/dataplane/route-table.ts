/**
 * The agent's per-route state, by route identity (`RouteKey`), in compact form: for each identity
 * the interned body the kernel has there (route-body.ts; 0 = none), the BGP next-hop set the
 * speaker wants there (nexthop-sets.ts; 0 = none) and a few flags (queued for a diff, claimed
 * since start, seen in a check dump). Numeric keys — IPv4 routes of the main table with TOS 0
 * and metric 0, i.e. every IPv4 BGP route — live in an `IntKeyTable`: about 17 bytes per slot,
 * no object per route. Other identities (IPv6, other tables or metrics) use string keys in Maps.
 *
 * Identities to diff are queued once (the DIRTY flag deduplicates) in arrival order. Routes of
 * protocols other than bird are also indexed on their own (`nonBird`): they are the inputs of
 * next-hop resolution, a handful among a million BGP routes.
 */
import { IntKeyTable } from "../common/collections/int-key-table.js";
import type { RouteKey } from "./model.js";
import { RTPROT_BIRD } from "./netlink/constants.js";
import type { RouteBodies } from "./route-body.js";

const KERNEL = 0;
const BGP = 1;
const FLAGS = 0;

export const F_DIRTY = 1;
export const F_CLAIMED = 2;
const F_SEEN = 4;

const SMALL_QUEUE = 1024;

export class RouteTable {
  private readonly num = new IntKeyTable({ int32Columns: 2, uint8Columns: 1 });
  private readonly kernelStr = new Map<string, number>();
  private readonly bgpStr = new Map<string, number>();
  private readonly flagsStr = new Map<string, number>();
  private queue = new Float64Array(SMALL_QUEUE);
  private queueHead = 0;
  private queueTail = 0;
  private readonly queueStr: string[] = [];
  private queueStrHead = 0;
  private kernelCount = 0;
  private bgpCount = 0;
  /** Kernel routes whose protocol is not bird, with their body (next-hop resolution inputs). */
  readonly nonBird = new Map<RouteKey, number>();

  constructor(private readonly bodies: RouteBodies) {}

  /** Identities with a kernel route. */
  get kernelSize(): number {
    return this.kernelCount;
  }

  /** Identities with a BGP route. */
  get bgpSize(): number {
    return this.bgpCount;
  }

  /** Identities queued for a diff. */
  get dirtySize(): number {
    return this.queueTail - this.queueHead + (this.queueStr.length - this.queueStrHead);
  }

  // ---------------------------------------------------------------------------------------------
  // Columns

  /** Body id of the kernel route at `key`, 0 when none. */
  kernel(key: RouteKey): number {
    if (typeof key === "number") {
      const s = this.num.find(key);
      return s < 0 ? 0 : this.num.i32[KERNEL][s];
    }
    return this.kernelStr.get(key) ?? 0;
  }

  /** Records the kernel route at `key` (body 0: none); takes its own reference on the body. */
  setKernel(key: RouteKey, body: number): void {
    let prev: number;
    if (typeof key === "number") {
      let s = this.num.find(key);
      if (s < 0) {
        if (body === 0) return;
        s = this.num.insert(key);
      }
      const col = this.num.i32[KERNEL];
      prev = col[s];
      if (prev === body) return;
      col[s] = body;
      if (body === 0) this.dropIfEmpty(s);
    } else {
      prev = this.kernelStr.get(key) ?? 0;
      if (prev === body) return;
      if (body === 0) this.kernelStr.delete(key);
      else this.kernelStr.set(key, body);
    }
    const bodies = this.bodies;
    if (prev === 0) this.kernelCount++;
    if (body === 0) this.kernelCount--;
    if (body !== 0) bodies.acquire(body);
    const prevForeign = prev !== 0 && bodies.protocol(prev) !== RTPROT_BIRD;
    const nowForeign = body !== 0 && bodies.protocol(body) !== RTPROT_BIRD;
    if (nowForeign) this.nonBird.set(key, body);
    else if (prevForeign) this.nonBird.delete(key);
    bodies.release(prev);
  }

  /** Next-hop set id of the BGP route at `key`, 0 when none. */
  bgp(key: RouteKey): number {
    if (typeof key === "number") {
      const s = this.num.find(key);
      return s < 0 ? 0 : this.num.i32[BGP][s];
    }
    return this.bgpStr.get(key) ?? 0;
  }

  /** Sets the BGP route at `key` (0: none) and returns the previous set id (references are the
   *  caller's business). */
  setBgp(key: RouteKey, nh: number): number {
    let prev: number;
    if (typeof key === "number") {
      let s = this.num.find(key);
      if (s < 0) {
        if (nh === 0) return 0;
        s = this.num.insert(key);
      }
      const col = this.num.i32[BGP];
      prev = col[s];
      col[s] = nh;
      if (nh === 0) this.dropIfEmpty(s);
    } else {
      prev = this.bgpStr.get(key) ?? 0;
      if (nh === 0) this.bgpStr.delete(key);
      else this.bgpStr.set(key, nh);
    }
    if (prev === 0 && nh !== 0) this.bgpCount++;
    else if (prev !== 0 && nh === 0) this.bgpCount--;
    return prev;
  }

  private dropIfEmpty(s: number): void {
    const t = this.num;
    if (t.i32[KERNEL][s] === 0 && t.i32[BGP][s] === 0 && t.u8[FLAGS][s] === 0) t.removeAt(s);
  }

  private strFlags(key: string): number {
    return this.flagsStr.get(key) ?? 0;
  }

  private setStrFlags(key: string, flags: number): void {
    if (flags === 0) this.flagsStr.delete(key);
    else this.flagsStr.set(key, flags);
  }

  // ---------------------------------------------------------------------------------------------
  // Diff queue

  /** Queues `key` for a diff (once until it is taken). */
  markDirty(key: RouteKey): void {
    if (typeof key === "number") {
      const s = this.num.insert(key);
      const flags = this.num.u8[FLAGS];
      if (flags[s] & F_DIRTY) return;
      flags[s] |= F_DIRTY;
      this.push(key);
    } else {
      const f = this.strFlags(key);
      if (f & F_DIRTY) return;
      this.setStrFlags(key, f | F_DIRTY);
      this.queueStr.push(key);
    }
  }

  /** Marks an identity already in the table (no insert, so safe while walking slots). */
  private markSlotDirty(s: number): void {
    const flags = this.num.u8[FLAGS];
    if (flags[s] & F_DIRTY) return;
    flags[s] |= F_DIRTY;
    this.push(this.num.keyAt(s));
  }

  private push(key: number): void {
    if (this.queueTail === this.queue.length) {
      const live = this.queueTail - this.queueHead;
      if (this.queueHead > 0 && live * 2 <= this.queue.length) {
        this.queue.copyWithin(0, this.queueHead, this.queueTail);
      } else {
        const next = new Float64Array(this.queue.length * 2);
        next.set(this.queue.subarray(this.queueHead, this.queueTail));
        this.queue = next;
      }
      this.queueHead = 0;
      this.queueTail = live;
    }
    this.queue[this.queueTail++] = key;
  }

  /** Takes up to `max` queued identities into `out` (cleared first); returns how many. */
  takeDirty(out: RouteKey[], max: number): number {
    out.length = 0;
    const flags = this.num.u8[FLAGS];
    while (out.length < max && this.queueHead < this.queueTail) {
      const key = this.queue[this.queueHead++];
      const s = this.num.find(key);
      if (s >= 0) {
        flags[s] &= ~F_DIRTY;
        this.dropIfEmpty(s);
      }
      out.push(key);
    }
    if (this.queueHead === this.queueTail) {
      this.queueHead = 0;
      this.queueTail = 0;
      if (this.queue.length > 64 * SMALL_QUEUE) this.queue = new Float64Array(SMALL_QUEUE);
    }
    while (out.length < max && this.queueStrHead < this.queueStr.length) {
      const key = this.queueStr[this.queueStrHead++];
      this.setStrFlags(key, this.strFlags(key) & ~F_DIRTY);
      out.push(key);
    }
    if (this.queueStrHead === this.queueStr.length) {
      this.queueStr.length = 0;
      this.queueStrHead = 0;
    }
    return out.length;
  }

  /** Queues every identity with a BGP route, or with a kernel route `include` accepts. */
  markAllDirty(include: (body: number) => boolean): void {
    const t = this.num;
    for (let s = 0; s < t.capacity; s++) {
      if (!t.has(s)) continue;
      const k = t.i32[KERNEL][s];
      if (t.i32[BGP][s] !== 0 || (k !== 0 && include(k))) this.markSlotDirty(s);
    }
    for (const key of this.bgpStr.keys()) this.markDirty(key);
    for (const [key, body] of this.kernelStr) if (include(body)) this.markDirty(key);
  }

  /** Queues every identity whose BGP next-hop set `select` accepts. */
  markBgpDirty(select: (nh: number) => boolean): number {
    let n = 0;
    const t = this.num;
    for (let s = 0; s < t.capacity; s++) {
      if (!t.has(s)) continue;
      const nh = t.i32[BGP][s];
      if (nh !== 0 && select(nh)) {
        this.markSlotDirty(s);
        n++;
      }
    }
    for (const [key, nh] of this.bgpStr) {
      if (select(nh)) {
        this.markDirty(key);
        n++;
      }
    }
    return n;
  }

  /** Forgets (and queues) every kernel route whose body `select` accepts; returns how many. */
  forgetKernel(select: (body: number) => boolean): number {
    let n = 0;
    const t = this.num;
    for (let s = 0; s < t.capacity; s++) {
      if (!t.has(s)) continue;
      const k = t.i32[KERNEL][s];
      if (k === 0 || !select(k)) continue;
      this.markSlotDirty(s);
      this.setKernel(t.keyAt(s), 0);
      n++;
    }
    for (const [key, body] of [...this.kernelStr]) {
      if (!select(body)) continue;
      this.markDirty(key);
      this.setKernel(key, 0);
      n++;
    }
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Claims (graceful restart: identities wanted since start)

  claim(key: RouteKey): void {
    if (typeof key === "number") {
      const s = this.num.insert(key);
      this.num.u8[FLAGS][s] |= F_CLAIMED;
    } else this.setStrFlags(key, this.strFlags(key) | F_CLAIMED);
  }

  claimed(key: RouteKey): boolean {
    if (typeof key === "number") {
      const s = this.num.find(key);
      return s >= 0 && (this.num.u8[FLAGS][s] & F_CLAIMED) !== 0;
    }
    return (this.strFlags(key) & F_CLAIMED) !== 0;
  }

  clearClaims(): void {
    this.clearFlag(F_CLAIMED);
  }

  private clearFlag(flag: number): void {
    const t = this.num;
    for (let s = 0; s < t.capacity; s++) {
      if (!t.has(s) || (t.u8[FLAGS][s] & flag) === 0) continue;
      t.u8[FLAGS][s] &= ~flag;
      this.dropIfEmpty(s);
    }
    for (const [key, f] of [...this.flagsStr]) if (f & flag) this.setStrFlags(key, f & ~flag);
  }

  // ---------------------------------------------------------------------------------------------
  // Check dumps: which kernel routes were not seen

  /** Marks a kernel route as seen in the dump being checked (see `unseenKernel`). */
  seen(key: RouteKey, strSeen: Set<string>): void {
    if (typeof key === "number") {
      const s = this.num.find(key);
      if (s >= 0) this.num.u8[FLAGS][s] |= F_SEEN;
    } else strSeen.add(key);
  }

  /** Identities with a kernel route that `seen` did not mark; clears the marks. */
  unseenKernel(strSeen: Set<string>): RouteKey[] {
    const out: RouteKey[] = [];
    const t = this.num;
    for (let s = 0; s < t.capacity; s++) {
      if (!t.has(s)) continue;
      if (t.i32[KERNEL][s] !== 0 && (t.u8[FLAGS][s] & F_SEEN) === 0) out.push(t.keyAt(s));
    }
    this.clearFlag(F_SEEN);
    for (const key of this.kernelStr.keys()) if (!strSeen.has(key)) out.push(key);
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Walks (read-only: `fn` must not change the table)

  forEachKernel(fn: (key: RouteKey, body: number) => void): void {
    const t = this.num;
    for (let s = 0; s < t.capacity; s++) {
      if (!t.has(s)) continue;
      const k = t.i32[KERNEL][s];
      if (k !== 0) fn(t.keyAt(s), k);
    }
    for (const [key, body] of this.kernelStr) fn(key, body);
  }

  forEachBgp(fn: (key: RouteKey, nh: number) => void): void {
    const t = this.num;
    for (let s = 0; s < t.capacity; s++) {
      if (!t.has(s)) continue;
      const nh = t.i32[BGP][s];
      if (nh !== 0) fn(t.keyAt(s), nh);
    }
    for (const [key, nh] of this.bgpStr) fn(key, nh);
  }

  /** Shrinks the numeric table after mass removals (call where no slot is held). */
  compact(): void {
    this.num.compact();
  }
}
