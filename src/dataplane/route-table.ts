/**
 * The agent's per-route state, by route identity (`RouteKey`), in compact form: for each identity
 * the interned body the kernel has there (route-body.ts; 0 = none), the BGP next-hop set the
 * speaker wants there (nexthop-sets.ts; 0 = none) and a few flags (queued for a diff, claimed
 * since start, seen in a check dump). Numeric keys — IPv4 routes of the main table with TOS 0
 * and metric 0, i.e. every IPv4 BGP route — live in an `IntKeyTable` row of four int32 words
 * (key, key, kernel body, BGP set | flags << 24): 16 bytes per slot, no object per route, one
 * cache line per lookup. Other identities (IPv6, other tables or metrics) use string keys in Maps.
 *
 * Identities to diff carry the DIRTY flag (so they are queued once) and are queued in arrival
 * order, in chunks of 8,192 keys (64 KiB: no large buffer is ever allocated and freed, see
 * IntKeyTable; a few spare chunks are kept). The diff reads and updates an identity through
 * `open` + the `at*` accessors, which find its row once.
 * Routes of protocols other than bird are also indexed on their own (`nonBird`): they are the
 * inputs of next-hop resolution, a handful among a million BGP routes.
 */
import { IntKeyTable } from "../common/collections/int-key-table.js";
import type { RouteKey } from "./model.js";
import { RTPROT_BIRD } from "./netlink/constants.js";
import type { RouteBodies } from "./route-body.js";

const KERNEL = 0;
/** Column holding the BGP next-hop set id (low 24 bits) and the flags (high 8 bits). */
const BGP = 1;
const NH_MASK = 0xffffff;
const FLAG_SHIFT = 24;

const F_DIRTY = 1;
const F_CLAIMED = 2;
const F_SEEN = 4;

/** Keys per queue chunk, and spare chunks kept for reuse. */
const CHUNK = 8192;
const SPARE_CHUNKS = 4;

export class RouteTable {
  private readonly num = new IntKeyTable({ columns: 2 });
  private readonly kernelStr = new Map<string, number>();
  private readonly bgpStr = new Map<string, number>();
  private readonly flagsStr = new Map<string, number>();
  /** Queued numeric keys: chunks, taken from the head of the first, added at the tail of the last. */
  private readonly chunks: Float64Array[] = [new Float64Array(CHUNK)];
  private readonly spare: Float64Array[] = [];
  private head = 0;
  private tail = 0;
  /** Numeric identities with the DIRTY flag (all of them queued). */
  private dirtyNum = 0;
  private readonly queueStr: string[] = [];
  private queueStrHead = 0;
  private kernelCount = 0;
  private bgpCount = 0;
  /** Kernel routes whose protocol is not bird, with their body (next-hop resolution inputs). */
  readonly nonBird = new Map<RouteKey, number>();
  // The identity `open` positioned on: a slot (numeric key, −1 when absent) or a string key.
  private atKey: RouteKey = 0;
  private atSlot = -1;

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
    return this.dirtyNum + (this.queueStr.length - this.queueStrHead);
  }

  private flagsAt(slot: number): number {
    return this.num.get(slot, BGP) >>> FLAG_SHIFT;
  }

  private nhAt(slot: number): number {
    return this.num.get(slot, BGP) & NH_MASK;
  }

  private setFlagsAt(slot: number, flags: number): void {
    this.num.set(slot, BGP, (this.num.get(slot, BGP) & NH_MASK) | (flags << FLAG_SHIFT));
  }

  private dropIfEmpty(slot: number): boolean {
    const t = this.num;
    if (t.get(slot, KERNEL) !== 0 || t.get(slot, BGP) !== 0) return false;
    t.removeAt(slot);
    return true;
  }

  private strFlags(key: string): number {
    return this.flagsStr.get(key) ?? 0;
  }

  private setStrFlags(key: string, flags: number): void {
    if (flags === 0) this.flagsStr.delete(key);
    else this.flagsStr.set(key, flags);
  }

  /** Bookkeeping for a kernel entry changing from `prev` to `body` at `key`. */
  private kernelChanged(key: RouteKey, prev: number, body: number): void {
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

  // ---------------------------------------------------------------------------------------------
  // By key

  /** Body id of the kernel route at `key`, 0 when none. */
  kernel(key: RouteKey): number {
    if (typeof key === "number") {
      const s = this.num.find(key);
      return s < 0 ? 0 : this.num.get(s, KERNEL);
    }
    return this.kernelStr.get(key) ?? 0;
  }

  /** Records the kernel route at `key` (body 0: none); takes its own reference on the body. */
  setKernel(key: RouteKey, body: number): void {
    this.open(key);
    this.atSetKernel(body);
  }

  /** Next-hop set id of the BGP route at `key`, 0 when none. */
  bgp(key: RouteKey): number {
    if (typeof key === "number") {
      const s = this.num.find(key);
      return s < 0 ? 0 : this.nhAt(s);
    }
    return this.bgpStr.get(key) ?? 0;
  }

  /**
   * Sets the BGP route at `key` (0: none) and queues the identity when it changed. Returns the
   * previous set id (references are the caller's business).
   */
  setBgp(key: RouteKey, nh: number): number {
    if (nh > NH_MASK) throw new RangeError(`next-hop set id ${nh} does not fit the route table`);
    let prev: number;
    if (typeof key === "number") {
      const t = this.num;
      const s = nh === 0 ? t.find(key) : t.insert(key);
      if (s < 0) return 0;
      const word = t.get(s, BGP);
      prev = word & NH_MASK;
      if (prev === nh) return prev;
      let flags = word >>> FLAG_SHIFT;
      if ((flags & F_DIRTY) === 0) {
        flags |= F_DIRTY;
        this.queueKey(key);
      }
      t.set(s, BGP, nh | (flags << FLAG_SHIFT));
    } else {
      prev = this.bgpStr.get(key) ?? 0;
      if (prev === nh) return prev;
      if (nh === 0) this.bgpStr.delete(key);
      else this.bgpStr.set(key, nh);
      this.markDirty(key);
    }
    if (prev === 0) this.bgpCount++;
    else if (nh === 0) this.bgpCount--;
    return prev;
  }

  // ---------------------------------------------------------------------------------------------
  // Positioned access (one lookup per identity on hot paths)

  /** Positions the `at*` accessors on `key`. */
  open(key: RouteKey): void {
    this.atKey = key;
    this.atSlot = typeof key === "number" ? this.num.find(key) : -1;
  }

  atKernel(): number {
    const key = this.atKey;
    if (typeof key === "number") return this.atSlot < 0 ? 0 : this.num.get(this.atSlot, KERNEL);
    return this.kernelStr.get(key) ?? 0;
  }

  atBgp(): number {
    const key = this.atKey;
    if (typeof key === "number") return this.atSlot < 0 ? 0 : this.nhAt(this.atSlot);
    return this.bgpStr.get(key) ?? 0;
  }

  /** Sets the kernel body of the open identity (takes its own reference). */
  atSetKernel(body: number): void {
    const key = this.atKey;
    let prev: number;
    if (typeof key === "number") {
      if (this.atSlot < 0) {
        if (body === 0) return;
        this.atSlot = this.num.insert(key);
      }
      prev = this.num.get(this.atSlot, KERNEL);
      if (prev === body) return;
      this.num.set(this.atSlot, KERNEL, body);
      if (body === 0 && this.dropIfEmpty(this.atSlot)) this.atSlot = -1;
    } else {
      prev = this.kernelStr.get(key) ?? 0;
      if (prev === body) return;
      if (body === 0) this.kernelStr.delete(key);
      else this.kernelStr.set(key, body);
    }
    this.kernelChanged(key, prev, body);
  }

  /** Clears the open identity's DIRTY flag (it is being diffed now). */
  atClearDirty(): void {
    const s = this.atSlot;
    if (s < 0 || typeof this.atKey !== "number") return;
    const flags = this.flagsAt(s);
    if ((flags & F_DIRTY) === 0) return;
    this.setFlagsAt(s, flags & ~F_DIRTY);
    this.dirtyNum--;
    if (this.dropIfEmpty(s)) this.atSlot = -1;
  }

  // ---------------------------------------------------------------------------------------------
  // Diff queue

  /** Queues `key` for a diff (once until it is diffed). */
  markDirty(key: RouteKey): void {
    if (typeof key === "number") {
      const s = this.num.insert(key);
      const flags = this.flagsAt(s);
      if (flags & F_DIRTY) return;
      this.setFlagsAt(s, flags | F_DIRTY);
      this.queueKey(key);
    } else {
      const f = this.strFlags(key);
      if (f & F_DIRTY) return;
      this.setStrFlags(key, f | F_DIRTY);
      this.queueStr.push(key);
    }
  }

  /** Marks an identity already in the table (no insert, so safe while walking slots). */
  private markSlotDirty(s: number): void {
    const flags = this.flagsAt(s);
    if (flags & F_DIRTY) return;
    this.setFlagsAt(s, flags | F_DIRTY);
    this.queueKey(this.num.keyAt(s));
  }

  /** A numeric identity just got the DIRTY flag. */
  private queueKey(key: number): void {
    this.dirtyNum++;
    let last = this.chunks[this.chunks.length - 1];
    if (this.tail === CHUNK) {
      last = this.spare.pop() ?? new Float64Array(CHUNK);
      this.chunks.push(last);
      this.tail = 0;
    }
    last[this.tail++] = key;
  }

  /**
   * Takes up to `max` identities to diff into `out` (cleared first); returns how many. Numeric
   * identities keep their DIRTY flag until the diff opens them (`atClearDirty`), so they are not
   * queued twice meanwhile: take and diff them in one go.
   */
  takeDirty(out: RouteKey[], max: number): number {
    out.length = 0;
    const chunks = this.chunks;
    while (out.length < max) {
      const first = chunks[0];
      const end = chunks.length === 1 ? this.tail : CHUNK;
      if (this.head === end) {
        if (chunks.length === 1) {
          this.head = 0;
          this.tail = 0;
          break;
        }
        chunks.shift();
        if (this.spare.length < SPARE_CHUNKS) this.spare.push(first);
        this.head = 0;
        continue;
      }
      const n = Math.min(end - this.head, max - out.length);
      for (let i = 0; i < n; i++) out.push(first[this.head + i]);
      this.head += n;
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
      const k = t.get(s, KERNEL);
      if (this.nhAt(s) !== 0 || (k !== 0 && include(k))) this.markSlotDirty(s);
    }
    for (const key of this.bgpStr.keys()) this.markDirty(key);
    for (const [key, body] of this.kernelStr) if (include(body)) this.markDirty(key);
  }

  /** Queues every identity whose BGP next-hop set `select` accepts; returns how many. */
  markBgpDirty(select: (nh: number) => boolean): number {
    let n = 0;
    const t = this.num;
    for (let s = 0; s < t.capacity; s++) {
      if (!t.has(s)) continue;
      const nh = this.nhAt(s);
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
      const k = t.get(s, KERNEL);
      if (k === 0 || !select(k)) continue;
      this.markSlotDirty(s);
      t.set(s, KERNEL, 0);
      this.kernelChanged(t.keyAt(s), k, 0);
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

  /** Marks the open identity as claimed; returns whether it is. */
  atClaim(claim: boolean): boolean {
    const key = this.atKey;
    if (typeof key === "number") {
      if (this.atSlot < 0) {
        if (!claim) return false;
        this.atSlot = this.num.insert(key);
      }
      const flags = this.flagsAt(this.atSlot);
      if (claim && (flags & F_CLAIMED) === 0) this.setFlagsAt(this.atSlot, flags | F_CLAIMED);
      return claim || (flags & F_CLAIMED) !== 0;
    }
    const f = this.strFlags(key);
    if (claim) this.setStrFlags(key, f | F_CLAIMED);
    return claim || (f & F_CLAIMED) !== 0;
  }

  clearClaims(): void {
    this.clearFlag(F_CLAIMED);
  }

  /** Clears F_CLAIMED or F_SEEN everywhere (never F_DIRTY: the queue holds those keys). */
  private clearFlag(flag: number): void {
    const t = this.num;
    for (let s = 0; s < t.capacity; s++) {
      if (!t.has(s)) continue;
      const flags = this.flagsAt(s);
      if ((flags & flag) === 0) continue;
      this.setFlagsAt(s, flags & ~flag);
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
      if (s >= 0) this.setFlagsAt(s, this.flagsAt(s) | F_SEEN);
    } else strSeen.add(key);
  }

  /** Identities with a kernel route that `seen` did not mark; clears the marks. */
  unseenKernel(strSeen: Set<string>): RouteKey[] {
    const out: RouteKey[] = [];
    const t = this.num;
    for (let s = 0; s < t.capacity; s++) {
      if (!t.has(s)) continue;
      if (t.get(s, KERNEL) !== 0 && (this.flagsAt(s) & F_SEEN) === 0) out.push(t.keyAt(s));
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
      const k = t.get(s, KERNEL);
      if (k !== 0) fn(t.keyAt(s), k);
    }
    for (const [key, body] of this.kernelStr) fn(key, body);
  }

  forEachBgp(fn: (key: RouteKey, nh: number) => void): void {
    const t = this.num;
    for (let s = 0; s < t.capacity; s++) {
      if (!t.has(s)) continue;
      const nh = this.nhAt(s);
      if (nh !== 0) fn(t.keyAt(s), nh);
    }
    for (const [key, nh] of this.bgpStr) fn(key, nh);
  }

  /** Shrinks the numeric table after mass removals (call where no slot is held). */
  compact(): void {
    this.num.compact();
  }
}
