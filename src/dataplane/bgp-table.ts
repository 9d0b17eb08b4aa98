/**
 * The speaker's BGP routes and the kernel routes they become (calico_kernel_programming and
 * recursive next-hop resolution, route-plan.ts), kept current as batches arrive and as the kernel
 * routes the next hops resolve through change. Every BGP route maps to one kernel identity (main
 * table, default metric), so everything here is keyed by that `RouteKey`; changed identities are
 * reported to the caller's `dirty` set.
 *
 * Resolutions are cached per next hop (a table of 100k routes has a handful), and routes are
 * indexed by next hop so a change in the underlying routes recomputes only the affected ones.
 */
import type { BgpRoute } from "../common/contracts/dataplane.js";
import type { Family } from "../common/contracts/families.js";
import { parseAddress } from "../common/ip/address.js";
import { formatPrefix, type Prefix } from "../common/ip/prefix.js";
import type { KernelLink, KernelRoute, RouteKey } from "./model.js";
import { routeKeyOf } from "./model.js";
import { RT_TABLE_MAIN } from "./netlink/constants.js";
import type { Resolution } from "./resolver.js";
import { routeMatches } from "./route-diff.js";
import {
  type BgpKernelRoute,
  bgpKernelRoute,
  type CompiledKernelPolicy,
  defaultPriority,
  isOperUp,
} from "./route-plan.js";

export interface BgpTableEnv {
  policy(): CompiledKernelPolicy | null;
  /** Kernel-table resolution of an address (the agent's resolver). */
  resolve(family: Family, addr: Uint8Array): Resolution;
  linkByName(name: string): KernelLink | undefined;
  /** Called the first time a route cannot be installed (for logs). */
  notInstalled(prefix: string, reason: string): void;
}

function nexthopKey(address: string, iface: string | undefined): string {
  return iface === undefined || iface === "" ? address : `${address}%${iface}`;
}

function sameResolution(a: Resolution, b: Resolution): boolean {
  if (a.ok !== b.ok) return false;
  if (!a.ok || !b.ok) return true;
  if (a.hops.length !== b.hops.length) return false;
  return a.hops.every((h, i) => {
    const o = b.hops[i];
    return h.ifindex === o.ifindex && String(h.gateway) === String(o.gateway);
  });
}

export class BgpTable {
  /** BGP routes by the kernel identity they map to. */
  readonly routes = new Map<RouteKey, BgpRoute>();
  /** The kernel routes wanted for them. */
  readonly desired = new Map<RouteKey, KernelRoute>();
  /** Routes that cannot be installed now (next hop unreachable, tunl0 missing), with why. */
  readonly unresolved = new Map<RouteKey, string>();
  private readonly byNexthop = new Map<string, Set<RouteKey>>();
  private readonly nhCache = new Map<string, Resolution>();
  private lastTunl0 = "";

  constructor(private readonly env: BgpTableEnv) {}

  /** BGP routes live in the main table with the default metric: the key follows the prefix. */
  static keyOf(prefix: Prefix): RouteKey {
    return routeKeyOf(
      prefix.family,
      RT_TABLE_MAIN,
      prefix.bytes,
      0,
      prefix.length,
      0,
      defaultPriority(prefix.family),
    );
  }

  private resolveNexthop = (family: Family, address: string, iface?: string): Resolution => {
    const cacheKey = nexthopKey(address, iface);
    const hit = this.nhCache.get(cacheKey);
    if (hit !== undefined) return hit;
    let res: Resolution;
    const addr = parseAddress(address);
    if (addr === null) res = { ok: false, reason: "bad address" };
    else if (iface !== undefined && iface !== "") {
      const link = this.env.linkByName(iface);
      res =
        link && isOperUp(link)
          ? { ok: true, hops: [{ gateway: addr, ifindex: link.index, flags: 0, weight: 1 }] }
          : { ok: false, reason: `interface ${iface} is missing or down` };
    } else res = this.env.resolve(family, addr);
    this.nhCache.set(cacheKey, res);
    return res;
  };

  private context() {
    const policy = this.env.policy();
    if (policy === null) return null;
    return { policy, resolveNexthop: this.resolveNexthop, tunl0: this.env.linkByName("tunl0") };
  }

  private index(key: RouteKey, r: BgpRoute | undefined, add: boolean): void {
    if (r === undefined) return;
    for (const nh of r.nexthops) {
      const k = nexthopKey(nh.address, nh.interface);
      let set = this.byNexthop.get(k);
      if (add) {
        if (set === undefined) {
          set = new Set();
          this.byNexthop.set(k, set);
        }
        set.add(key);
      } else if (set !== undefined) {
        set.delete(key);
        if (set.size === 0) this.byNexthop.delete(k);
      }
    }
  }

  private setDesired(key: RouteKey, r: BgpRoute, k: BgpKernelRoute, dirty: Set<RouteKey>): void {
    const prev = this.desired.get(key);
    if (k.ok) {
      if (this.unresolved.size > 0) this.unresolved.delete(key);
      if (prev === undefined || !routeMatches(k.route, prev)) {
        this.desired.set(key, k.route);
        dirty.add(key);
      }
      return;
    }
    if (!k.filtered) {
      if (!this.unresolved.has(key)) this.env.notInstalled(formatPrefix(r.prefix), k.reason);
      this.unresolved.set(key, k.reason);
    } else this.unresolved.delete(key);
    if (prev !== undefined) {
      this.desired.delete(key);
      dirty.add(key);
    }
  }

  withdraw(prefix: Prefix, dirty: Set<RouteKey>): void {
    const key = BgpTable.keyOf(prefix);
    this.index(key, this.routes.get(key), false);
    this.routes.delete(key);
    this.unresolved.delete(key);
    if (this.desired.delete(key)) dirty.add(key);
  }

  upsert(r: BgpRoute, dirty: Set<RouteKey>, ctx = this.context()): void {
    const key = BgpTable.keyOf(r.prefix);
    const prev = this.routes.get(key);
    if (prev !== undefined) this.index(key, prev, false);
    this.routes.set(key, r);
    this.index(key, r, true);
    if (ctx) this.setDesired(key, r, bgpKernelRoute(r, ctx), dirty);
  }

  /** A context for a run of `upsert`s (policy, resolution cache, tunl0) taken once. */
  batchContext(): ReturnType<BgpTable["context"]> {
    return this.context();
  }

  /** Recomputes the given routes (or all) under the current policy, links and resolutions. */
  *recompute(keys: Iterable<RouteKey>, dirty: Set<RouteKey>): Generator<void> {
    const ctx = this.context();
    if (ctx === null) return;
    for (const key of [...keys]) {
      const r = this.routes.get(key);
      if (r !== undefined) this.setDesired(key, r, bgpKernelRoute(r, ctx), dirty);
      yield;
    }
  }

  /**
   * The kernel routes behind the next hops may have changed: resolve every next hop again and
   * name the routes whose resolution differs (all of them when tunl0 appeared, went or moved).
   */
  affectedByResolution(): Set<RouteKey> {
    const old = new Map(this.nhCache);
    this.nhCache.clear();
    const affected = new Set<RouteKey>();
    for (const [cacheKey, keys] of this.byNexthop) {
      const pct = cacheKey.indexOf("%");
      const address = pct < 0 ? cacheKey : cacheKey.slice(0, pct);
      const iface = pct < 0 ? undefined : cacheKey.slice(pct + 1);
      const family: Family = address.includes(":") ? "ipv6" : "ipv4";
      const now = this.resolveNexthop(family, address, iface);
      const before = old.get(cacheKey);
      if (before === undefined || !sameResolution(before, now)) {
        for (const k of keys) affected.add(k);
      }
    }
    const tunl = this.env.linkByName("tunl0");
    const tunl0 = tunl ? `${tunl.index}/${isOperUp(tunl)}` : "none";
    if (tunl0 !== this.lastTunl0) {
      this.lastTunl0 = tunl0;
      for (const k of this.routes.keys()) affected.add(k);
    }
    return affected;
  }

  /** Up to `n` routes that are not installed, with the reason. */
  notInstalled(n: number): { prefix: string; reason: string }[] {
    return [...this.unresolved].slice(0, n).map(([key, reason]) => {
      const r = this.routes.get(key);
      return { prefix: r ? formatPrefix(r.prefix) : String(key), reason };
    });
  }
}
