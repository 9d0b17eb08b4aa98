/**
 * The speaker's BGP routes and the kernel routes they become (calico_kernel_programming with
 * recursive next-hop resolution, route-plan.ts), in compact form. Per route the agent keeps one
 * number — the interned next-hop set, in the route table's BGP column (route-table.ts) — and
 * nothing else: what a route becomes in the kernel follows from its prefix's policy class
 * (policy-trie.ts), its next-hop set and the kernel's current routes and links, and is the same
 * for every route sharing these. So the "shape" — the kernel body to install, or why none — is
 * computed once per (family, class, next-hop set), held here, and recomputed only when the plan's
 * policy changes or the kernel's routes/links change the resolution of a next hop; routes are
 * then queued for a diff only where their shape changed.
 */
import type { BgpRouteBatch } from "../common/contracts/dataplane.js";
import type { Family } from "../common/contracts/families.js";
import { parseAddress } from "../common/ip/address.js";
import type { Prefix } from "../common/ip/prefix.js";
import {
  bytesEqual,
  formatKeyPrefix,
  type KernelLink,
  newIdentity,
  numericKeyAddress,
  numericKeyLength,
  type RouteKey,
  readKeyIdentity,
  routeKeyOf,
} from "./model.js";
import { RT_TABLE_MAIN } from "./netlink/constants.js";
import { NexthopSets } from "./nexthop-sets.js";
import { CLASS_PLAIN } from "./policy-trie.js";
import type { Resolution } from "./resolver.js";
import type { RouteBodies } from "./route-body.js";
import {
  type BgpRouteContext,
  bgpKernelShape,
  bgpRouteBody,
  type CompiledKernelPolicy,
  defaultPriority,
  isOperUp,
} from "./route-plan.js";
import type { RouteTable } from "./route-table.js";

export interface BgpRoutesEnv {
  readonly bodies: RouteBodies;
  readonly table: RouteTable;
  policy(): CompiledKernelPolicy | null;
  /** Kernel-table resolution of an address (the agent's resolver). */
  resolve(family: Family, addr: Uint8Array): Resolution;
  linkByName(name: string): KernelLink | undefined;
  /** Called when routes through a next-hop set cannot be installed (for logs). */
  notInstalled(nexthops: string, reason: string): void;
}

/** What the routes of one (family, class, next-hop set) become. */
interface Shape {
  /** Interned kernel body (a reference held here), 0 when not installable. */
  readonly body: number;
  readonly reason: string;
  /** Left out by policy (reject CIDR, VXLAN pool), not for a lack of next hop. */
  readonly filtered: boolean;
}

const NO_POLICY: Shape = { body: 0, reason: "no plan yet", filtered: true };
const SHAPE_SLOTS = 16; // per next-hop set: class × 2 + family < 16

export interface BgpStatus {
  readonly routes: number;
  readonly installable: number;
  readonly unresolved: number;
  readonly notInstalled: { prefix: string; reason: string }[];
}

function nexthopKey(address: string, iface: string | undefined): string {
  return iface === undefined || iface === "" ? address : `${address}%${iface}`;
}

function sameResolution(a: Resolution | undefined, b: Resolution): boolean {
  if (a === undefined || a.ok !== b.ok) return false;
  if (!a.ok || !b.ok) return !a.ok && !b.ok && a.reason === b.reason;
  if (a.hops.length !== b.hops.length) return false;
  return a.hops.every((h, i) => {
    const o = b.hops[i];
    return h.ifindex === o.ifindex && bytesEqual(h.gateway, o.gateway);
  });
}

/** Route key of a BGP prefix: BGP routes live in the main table with the default metric. */
export function bgpRouteKey(prefix: Prefix): RouteKey {
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

export class BgpRoutes {
  readonly sets: NexthopSets;
  private readonly shapes = new Map<number, Shape>();
  private readonly nhCache = new Map<string, Resolution>();
  private readonly scratch = newIdentity();
  private lastShapeKey = -1;
  private lastShape: Shape = NO_POLICY;

  constructor(private readonly env: BgpRoutesEnv) {
    this.sets = new NexthopSets((id) => this.dropShapesOf(id));
  }

  /** Number of BGP routes. */
  get size(): number {
    return this.env.table.bgpSize;
  }

  /**
   * Takes a speaker batch into the table (withdrawals first, then upserts) and queues the
   * identities that changed. Keeps nothing of the batch but numbers. With `progress`, takes at
   * most `max` entries from where `progress` says and advances it; returns true when the batch
   * is done.
   */
  apply(
    batch: BgpRouteBatch,
    progress: { withdrawn: number; upserted: number } = { withdrawn: 0, upserted: 0 },
    max = Number.POSITIVE_INFINITY,
  ): boolean {
    const { table } = this.env;
    const sets = this.sets;
    let budget = max;
    const w = batch.withdrawals;
    while (progress.withdrawn < w.length) {
      if (budget-- <= 0) return false;
      sets.release(table.setBgp(bgpRouteKey(w[progress.withdrawn++]), 0));
    }
    const u = batch.upserts;
    while (progress.upserted < u.length) {
      if (budget-- <= 0) return false;
      const r = u[progress.upserted++];
      const nh = sets.intern(r.nexthops);
      const prev = table.setBgp(bgpRouteKey(r.prefix), nh);
      sets.release(prev === nh ? nh : prev);
    }
    return true;
  }

  /** The body id the kernel should have at `key` for its BGP route, 0 when none. */
  desired(key: RouteKey): number {
    return this.desiredFor(key, this.env.table.bgp(key));
  }

  /** `desired` when the route's next-hop set `nh` is already known (0: no BGP route). */
  desiredFor(key: RouteKey, nh: number): number {
    return nh === 0 ? 0 : this.shape(key, nh).body;
  }

  private familyIndex(key: RouteKey): number {
    return typeof key === "number" || key.charCodeAt(0) === 4 ? 0 : 1;
  }

  private classOf(key: RouteKey, policy: CompiledKernelPolicy): number {
    if (typeof key === "number") {
      const trie = policy.tries.ipv4;
      return trie.empty
        ? CLASS_PLAIN
        : trie.classifyV4(numericKeyAddress(key), numericKeyLength(key));
    }
    const id = this.scratch;
    readKeyIdentity(key, id);
    const trie = policy.tries[id.family];
    return trie.empty ? CLASS_PLAIN : trie.classify(id.dst, id.dstLen);
  }

  private shape(key: RouteKey, nh: number): Shape {
    const policy = this.env.policy();
    if (policy === null) return NO_POLICY;
    const fam = this.familyIndex(key);
    const cls = this.classOf(key, policy);
    const sk = nh * SHAPE_SLOTS + cls * 2 + fam;
    if (sk === this.lastShapeKey) return this.lastShape;
    let s = this.shapes.get(sk);
    if (s === undefined) {
      s = this.computeShape(fam === 0 ? "ipv4" : "ipv6", cls, nh, policy);
      this.shapes.set(sk, s);
      if (s.body === 0 && !s.filtered) this.env.notInstalled(this.sets.get(nh).key, s.reason);
    }
    this.lastShapeKey = sk;
    this.lastShape = s;
    return s;
  }

  private computeShape(
    family: Family,
    cls: number,
    nh: number,
    policy: CompiledKernelPolicy,
  ): Shape {
    const ctx: BgpRouteContext = {
      policy,
      resolveNexthop: this.resolveNexthop,
      tunl0: this.env.linkByName("tunl0"),
    };
    const r = bgpKernelShape(family, cls, this.sets.get(nh).hops, ctx);
    if (!r.ok) return { body: 0, reason: r.reason, filtered: r.filtered };
    return {
      body: this.env.bodies.intern(bgpRouteBody(family, r.nexthops)),
      reason: "",
      filtered: false,
    };
  }

  private readonly resolveNexthop = (
    family: Family,
    address: string,
    iface?: string,
  ): Resolution => {
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

  private dropShapesOf(nh: number): void {
    for (let i = 0; i < SHAPE_SLOTS; i++) {
      const sk = nh * SHAPE_SLOTS + i;
      const s = this.shapes.get(sk);
      if (s === undefined) continue;
      this.env.bodies.release(s.body);
      this.shapes.delete(sk);
    }
    this.lastShapeKey = -1;
  }

  /** The plan's kernel policy changed: every shape is recomputed, every route diffed. */
  policyChanged(): void {
    for (const s of this.shapes.values()) this.env.bodies.release(s.body);
    this.shapes.clear();
    this.lastShapeKey = -1;
    this.env.table.markBgpDirty(() => true);
  }

  /**
   * The kernel routes or links behind the next hops may have changed: resolves every next hop
   * again, recomputes the shapes and queues the routes whose shape changed. Returns how many.
   */
  reresolve(): number {
    const old = new Map(this.nhCache);
    this.nhCache.clear();
    const policy = this.env.policy();
    if (policy === null || this.shapes.size === 0) return 0;
    // Shapes only change when a resolution they used (or tunl0) did.
    let anyChange = false;
    for (const [k, before] of old) {
      const pct = k.indexOf("%");
      const address = pct < 0 ? k : k.slice(0, pct);
      const iface = pct < 0 ? undefined : k.slice(pct + 1);
      const now = this.resolveNexthop(address.includes(":") ? "ipv6" : "ipv4", address, iface);
      if (!sameResolution(before, now)) anyChange = true;
    }
    const tunl = this.env.linkByName("tunl0");
    const tunl0 = tunl ? `${tunl.index}/${isOperUp(tunl)}` : "none";
    if (tunl0 !== this.lastTunl0) {
      this.lastTunl0 = tunl0;
      anyChange = true;
    }
    if (!anyChange) return 0;
    const changed = new Set<number>();
    for (const [sk, before] of [...this.shapes]) {
      const nh = Math.floor(sk / SHAPE_SLOTS);
      const rest = sk % SHAPE_SLOTS;
      const family: Family = rest % 2 === 0 ? "ipv4" : "ipv6";
      const now = this.computeShape(family, rest >> 1, nh, policy);
      if (now.body === before.body && now.reason === before.reason) {
        this.env.bodies.release(now.body);
        continue;
      }
      this.shapes.set(sk, now);
      this.env.bodies.release(before.body);
      changed.add(nh);
      if (now.body === 0 && !now.filtered) this.env.notInstalled(this.sets.get(nh).key, now.reason);
    }
    this.lastShapeKey = -1;
    if (changed.size === 0) return 0;
    return this.env.table.markBgpDirty((nh) => changed.has(nh));
  }

  private lastTunl0 = "";

  /**
   * Counts and examples for status: routes, how many have a kernel body, how many lack a next
   * hop, and up to `limit` routes not installed with the reason (`extra` adds reasons known
   * elsewhere, e.g. shadowed by a connected route).
   */
  status(limit: number, extra: (key: RouteKey) => string | null): BgpStatus {
    let installable = 0;
    let unresolved = 0;
    const notInstalled: { prefix: string; reason: string }[] = [];
    this.env.table.forEachBgp((key, nh) => {
      const s = this.shape(key, nh);
      let reason: string | null = null;
      if (s.body !== 0) {
        installable++;
        reason = extra(key);
      } else if (!s.filtered) {
        unresolved++;
        reason = s.reason;
      }
      if (reason !== null && notInstalled.length < limit) {
        notInstalled.push({ prefix: formatKeyPrefix(key), reason });
      }
    });
    return { routes: this.size, installable, unresolved, notInstalled };
  }
}
