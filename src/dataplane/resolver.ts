/**
 * Recursive next-hop resolution, as BIRD's `gateway recursive` does for multihop BGP (every
 * Calico peer is multihop): the BGP NEXT_HOP is looked up (longest prefix match) in the kernel's
 * main table minus the routes wren itself installed from BGP, and the kernel route's own next
 * hops become the installed route's: a connected route gives `via <NEXT_HOP> dev <its if>`, a
 * route through a gateway gives `via <that gateway> dev <its if>`, an ECMP route gives all its
 * paths. A blackhole/unreachable match, a dead or link-down path, or a local address means the
 * next hop is unreachable and the BGP route is not installed.
 */
import type { Family } from "../common/contracts/families.js";
import type { KernelNexthop, KernelRoute } from "./model.js";
import { bytesEqual } from "./model.js";
import { RTN_UNICAST, RTNH_F_DEAD, RTNH_F_LINKDOWN } from "./netlink/constants.js";

export type Resolution =
  | { readonly ok: true; readonly hops: readonly KernelNexthop[] }
  | { readonly ok: false; readonly reason: string };

function maskedKey(addr: Uint8Array, len: number): string {
  const full = len >> 3;
  let s = String.fromCharCode(len);
  for (let i = 0; i < full; i++) s += String.fromCharCode(addr[i]);
  const rest = len & 7;
  if (rest !== 0) s += String.fromCharCode(addr[full] & ((0xff00 >> rest) & 255));
  return s;
}

interface FamilyTable {
  /** Prefix lengths present, longest first. */
  lengths: number[];
  byKey: Map<string, KernelRoute>;
}

export class NexthopResolver {
  private readonly tables: Record<Family, FamilyTable> = {
    ipv4: { lengths: [], byKey: new Map() },
    ipv6: { lengths: [], byKey: new Map() },
  };
  private readonly local = new Set<string>();

  /** Builds the table from kernel routes (already filtered by the caller) and local addresses. */
  constructor(routes: Iterable<KernelRoute>, localAddresses: Iterable<Uint8Array> = []) {
    for (const r of routes) this.add(r);
    for (const t of Object.values(this.tables)) t.lengths.sort((a, b) => b - a);
    for (const a of localAddresses) this.local.add(maskedKey(a, a.length * 8));
  }

  private add(r: KernelRoute): void {
    const t = this.tables[r.family];
    const key = maskedKey(r.dst, r.dstLen);
    const prev = t.byKey.get(key);
    if (prev === undefined) {
      if (!t.lengths.includes(r.dstLen)) t.lengths.push(r.dstLen);
      t.byKey.set(key, r);
    } else if (r.priority < prev.priority) {
      t.byKey.set(key, r);
    }
  }

  /** The kernel route a lookup of `addr` hits, or null. */
  lookup(family: Family, addr: Uint8Array): KernelRoute | null {
    const t = this.tables[family];
    for (const len of t.lengths) {
      const r = t.byKey.get(maskedKey(addr, len));
      if (r !== undefined) return r;
    }
    return null;
  }

  resolve(family: Family, addr: Uint8Array): Resolution {
    if (this.local.has(maskedKey(addr, addr.length * 8))) {
      return { ok: false, reason: "next hop is a local address" };
    }
    const r = this.lookup(family, addr);
    if (r === null) return { ok: false, reason: "no route to the next hop" };
    if (r.type !== RTN_UNICAST) return { ok: false, reason: "next hop is behind a reject route" };
    const hops: KernelNexthop[] = [];
    for (const nh of r.nexthops) {
      if (nh.flags & (RTNH_F_DEAD | RTNH_F_LINKDOWN) || nh.ifindex <= 0) continue;
      const gateway = nh.gateway ?? addr;
      if (hops.some((h) => h.ifindex === nh.ifindex && bytesEqual(h.gateway, gateway))) continue;
      hops.push({ gateway, ifindex: nh.ifindex, flags: 0, weight: 1 });
    }
    if (hops.length === 0) return { ok: false, reason: "next hop's interface is down" };
    return { ok: true, hops };
  }
}
