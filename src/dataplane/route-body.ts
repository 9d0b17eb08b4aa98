/**
 * Route bodies: everything a kernel route is besides its identity (protocol, scope, type, next
 * hops, preferred source). A table of a million routes has a handful of distinct bodies — every
 * BGP route through one next hop looks the same apart from its destination — so bodies are
 * interned once and routes refer to them by a small integer id: the agent keeps, per route
 * identity, only the id of the body the kernel has and derives the one it wants, and "does the
 * kernel have what we want" is mostly an integer comparison.
 *
 * A body is interned by a canonical byte signature, which can be written from a decoded body or
 * straight from a netlink route message (route-codec.ts `writeRouteBodySignature`), so a table
 * dump of a million routes is taken in without decoding a single route into objects. Ids are
 * reference counted; an id whose count drops to zero is freed and later reused.
 *
 * Signature layout: family (4|6), protocol, scope, type, prefsrc length (0|4|16) + bytes,
 * next-hop count (u16), then per next hop: gateway length (0|4|16) + bytes, ifindex (u32),
 * flags (u8), weight (u16). Multi-byte fields little-endian.
 */
import type { Family } from "../common/contracts/families.js";
import type { KernelNexthop } from "./model.js";

export interface RouteBody {
  readonly family: Family;
  readonly protocol: number;
  readonly scope: number;
  readonly type: number;
  /** Zero (blackhole, unreachable), one or several (multipath) next hops. */
  readonly nexthops: readonly KernelNexthop[];
  readonly prefsrc: Uint8Array | null;
}

/** A growable byte buffer a signature is written into (reused: no allocation per route). */
export class SignatureBuilder {
  buf = new Uint8Array(256);
  length = 0;

  reset(): void {
    this.length = 0;
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v & 255;
  }

  u16(v: number): void {
    this.ensure(2);
    this.buf[this.length++] = v & 255;
    this.buf[this.length++] = (v >>> 8) & 255;
  }

  /** Overwrites a u16 written earlier at `at`. */
  patchU16(at: number, v: number): void {
    this.buf[at] = v & 255;
    this.buf[at + 1] = (v >>> 8) & 255;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf[this.length++] = v & 255;
    this.buf[this.length++] = (v >>> 8) & 255;
    this.buf[this.length++] = (v >>> 16) & 255;
    this.buf[this.length++] = (v >>> 24) & 255;
  }

  /** Length byte, then `n` bytes of `src` from `at`. */
  sized(src: Uint8Array, at: number, n: number): void {
    this.ensure(n + 1);
    this.buf[this.length++] = n;
    for (let i = 0; i < n; i++) this.buf[this.length++] = src[at + i];
  }
}

const NONE = new Uint8Array(0);

/** Writes the signature of a decoded body (or a `KernelRoute`, which is one). */
export function writeBodySignature(b: RouteBody, sig: SignatureBuilder): void {
  sig.reset();
  sig.u8(b.family === "ipv4" ? 4 : 6);
  sig.u8(b.protocol);
  sig.u8(b.scope);
  sig.u8(b.type);
  const ps = b.prefsrc ?? NONE;
  sig.sized(ps, 0, ps.length);
  sig.u16(b.nexthops.length);
  for (const h of b.nexthops) {
    const gw = h.gateway ?? NONE;
    sig.sized(gw, 0, gw.length);
    sig.u32(h.ifindex);
    sig.u8(h.flags);
    sig.u16(h.weight);
  }
}

/** The body a signature stands for (frozen). */
export function bodyFromSignature(s: Uint8Array): RouteBody {
  let at = 4;
  const take = (): Uint8Array | null => {
    const n = s[at++];
    const out = n === 0 ? null : s.slice(at, at + n);
    at += n;
    return out;
  };
  const u16 = () => {
    const v = s[at] | (s[at + 1] << 8);
    at += 2;
    return v;
  };
  const prefsrc = take();
  const count = u16();
  const nexthops: KernelNexthop[] = [];
  for (let i = 0; i < count; i++) {
    const gateway = take();
    const ifindex = (s[at] | (s[at + 1] << 8) | (s[at + 2] << 16) | (s[at + 3] << 24)) >>> 0;
    at += 4;
    const flags = s[at++];
    const weight = u16();
    nexthops.push(Object.freeze({ gateway, ifindex, flags, weight }));
  }
  return Object.freeze({
    family: s[0] === 4 ? "ipv4" : "ipv6",
    protocol: s[1],
    scope: s[2],
    type: s[3],
    nexthops: Object.freeze(nexthops),
    prefsrc,
  });
}

function hashBytes(b: Uint8Array, n: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ b[i], 0x01000193);
  return h >>> 0;
}

/** Interned route bodies with reference counts. Id 0 is never used ("no route"). */
export class RouteBodies {
  private readonly sigs: (Uint8Array | null)[] = [null];
  private readonly bodies: (RouteBody | null)[] = [null];
  private readonly hashes: number[] = [0];
  private readonly nextSameHash: number[] = [0];
  private readonly byHash = new Map<number, number>();
  private readonly free: number[] = [];
  /** Reference count by id. */
  refs: Int32Array = new Int32Array(64);
  /** Route protocol by id (read on hot paths without touching the body object). */
  protocols: Uint8Array = new Uint8Array(64);
  private readonly scratch = new SignatureBuilder();
  private liveCount = 0;

  /** Number of distinct bodies in use. */
  get size(): number {
    return this.liveCount;
  }

  /** The body of a live id. */
  get(id: number): RouteBody {
    return this.bodies[id]!;
  }

  protocol(id: number): number {
    return this.protocols[id];
  }

  /** Interns a decoded body; returns its id with one reference taken for the caller. */
  intern(b: RouteBody): number {
    writeBodySignature(b, this.scratch);
    return this.internSignature(this.scratch);
  }

  /** Interns the body whose signature `sig` holds; one reference taken for the caller. */
  internSignature(sig: SignatureBuilder): number {
    const n = sig.length;
    const bytes = sig.buf;
    const h = hashBytes(bytes, n);
    for (let id = this.byHash.get(h) ?? 0; id !== 0; id = this.nextSameHash[id]) {
      const s = this.sigs[id]!;
      if (s.length !== n) continue;
      let same = true;
      for (let i = 0; i < n; i++) {
        if (s[i] !== bytes[i]) {
          same = false;
          break;
        }
      }
      if (same) {
        this.refs[id]++;
        return id;
      }
    }
    const s = bytes.slice(0, n);
    const id = this.free.pop() ?? this.sigs.length;
    if (id === this.sigs.length) {
      this.sigs.push(null);
      this.bodies.push(null);
      this.hashes.push(0);
      this.nextSameHash.push(0);
    }
    if (id >= this.refs.length) {
      const refs = new Int32Array(this.refs.length * 2);
      refs.set(this.refs);
      this.refs = refs;
      const protocols = new Uint8Array(this.protocols.length * 2);
      protocols.set(this.protocols);
      this.protocols = protocols;
    }
    this.sigs[id] = s;
    this.bodies[id] = bodyFromSignature(s);
    this.protocols[id] = s[1];
    this.hashes[id] = h;
    this.nextSameHash[id] = this.byHash.get(h) ?? 0;
    this.byHash.set(h, id);
    this.refs[id] = 1;
    this.liveCount++;
    return id;
  }

  acquire(id: number): void {
    if (id !== 0) this.refs[id]++;
  }

  release(id: number): void {
    if (id === 0) return;
    if (--this.refs[id] > 0) return;
    const h = this.hashes[id];
    let cur = this.byHash.get(h) ?? 0;
    if (cur === id) {
      const next = this.nextSameHash[id];
      if (next === 0) this.byHash.delete(h);
      else this.byHash.set(h, next);
    } else {
      while (cur !== 0 && this.nextSameHash[cur] !== id) cur = this.nextSameHash[cur];
      if (cur !== 0) this.nextSameHash[cur] = this.nextSameHash[id];
    }
    this.sigs[id] = null;
    this.bodies[id] = null;
    this.nextSameHash[id] = 0;
    this.protocols[id] = 0;
    this.free.push(id);
    this.liveCount--;
  }
}
