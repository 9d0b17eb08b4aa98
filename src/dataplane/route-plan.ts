/**
 * The desired kernel routes, computed from the renderer's `DesiredDataplane` and the speaker's
 * BGP routes against the current kernel links (pure: no I/O). Shapes follow Calico v3.30 as the
 * seeds show them (calico-spec §2.4–2.6, §6.1):
 *
 *   blackhole <block> proto bird              owned block, BIRD-programmed pool (not /32, /128)
 *   blackhole <block> proto 80                owned block, VXLAN pool (Felix)
 *   <ip> dev caliX scope link                 workload, proto boot, only while caliX is oper-up
 *   <block> via <vtep ip> dev vxlan.calico onlink          remote VXLAN block (proto boot)
 *   <block> via <node ip> dev <if> onlink proto 80         CrossSubnet VXLAN, same subnet
 *   <peer>/32 via <gw> dev <if> proto bird                 BGPPeer reachableBy
 *   <prefix> via <nh> dev <if> proto bird                  BGP, next hop resolved recursively
 *   <block> via <node ip> dev tunl0 proto bird onlink      BGP in an IPIP pool
 *
 * When several sources want the same kernel route identity, the more specific intent wins:
 * workload, then VXLAN peer, Felix blackhole, Felix static, BIRD static, BIRD blackhole, BGP
 * (Felix's route classes put local workloads first; inside BIRD a static route beats BGP).
 */
import type {
  BgpNexthop,
  BgpRoute,
  DesiredDataplane,
  KernelRoutePolicy,
  PoolEncap,
} from "../common/contracts/dataplane.js";
import type { Family } from "../common/contracts/families.js";
import { parseAddress } from "../common/ip/address.js";
import { type Prefix, parsePrefixDetailed, prefixContainsAddress } from "../common/ip/prefix.js";
import type { KernelLink, KernelNexthop, KernelRoute, RouteKey } from "./model.js";
import {
  IF_OPER_UNKNOWN,
  IF_OPER_UP,
  IFF_LOWER_UP,
  IFF_UP,
  RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  RTN_BLACKHOLE,
  RTN_UNICAST,
  RTNH_F_ONLINK,
  RTPROT_BIRD,
  RTPROT_BOOT,
} from "./netlink/constants.js";
import { RTPROT_FELIX } from "./ownership.js";
import {
  CLASS_IPIP,
  CLASS_IPIP_CROSS_SUBNET,
  CLASS_PLAIN,
  CLASS_REJECT,
  CLASS_VXLAN,
  PolicyTrie,
} from "./policy-trie.js";
import type { Resolution } from "./resolver.js";
import type { RouteBody } from "./route-body.js";

export type RouteSource =
  | "workload"
  | "vxlan"
  | "felix-blackhole"
  | "felix-static"
  | "bird-static"
  | "bird-blackhole"
  | "bgp";

const PRECEDENCE: Record<RouteSource, number> = {
  workload: 0,
  vxlan: 1,
  "felix-blackhole": 2,
  "felix-static": 3,
  "bird-static": 4,
  "bird-blackhole": 5,
  bgp: 6,
};

export function sourcePrecedence(s: RouteSource): number {
  return PRECEDENCE[s];
}

export interface DesiredRoute {
  readonly route: KernelRoute;
  readonly source: RouteSource;
  /** What asked for it (endpoint, peer node, BGP peers), for logs and status. */
  readonly origin: string;
}

/** IPv6 routes added with metric 0 are stored with 1024; desired routes use the stored value. */
export function defaultPriority(family: Family): number {
  return family === "ipv4" ? 0 : 1024;
}

/** Felix's "oper-up": admin up and operationally up (or UNKNOWN with carrier, e.g. VXLAN). */
export function isOperUp(link: KernelLink): boolean {
  if ((link.flags & IFF_UP) === 0) return false;
  return (
    link.operstate === IF_OPER_UP ||
    (link.operstate === IF_OPER_UNKNOWN && (link.flags & IFF_LOWER_UP) !== 0)
  );
}

export function makeRoute(
  prefix: Prefix,
  fields: {
    protocol: number;
    type?: number;
    scope?: number;
    nexthops?: readonly KernelNexthop[];
  },
): KernelRoute {
  return {
    family: prefix.family,
    table: RT_TABLE_MAIN,
    dst: prefix.bytes,
    dstLen: prefix.length,
    tos: 0,
    priority: defaultPriority(prefix.family),
    protocol: fields.protocol,
    scope: fields.scope ?? RT_SCOPE_UNIVERSE,
    type: fields.type ?? RTN_UNICAST,
    nexthops: fields.nexthops ?? [],
    prefsrc: null,
  };
}

export interface PlanRouteContext {
  readonly linkByName: (name: string) => KernelLink | undefined;
  readonly resolve: (family: Family, addr: Uint8Array) => Resolution;
  readonly routeKey: (r: KernelRoute) => RouteKey;
}

export interface PlanRoutes {
  readonly routes: Map<RouteKey, DesiredRoute>;
  /** Entries that could not become routes (bad CIDR, unresolved gateway, missing device). */
  readonly problems: string[];
}

function hostPrefix(text: string): Prefix | null {
  const r = parsePrefixDetailed(
    text.includes("/") ? text : `${text}/${text.includes(":") ? 128 : 32}`,
  );
  if (!r.ok) return null;
  const max = r.prefix.family === "ipv4" ? 32 : 128;
  return r.prefix.length === max ? r.prefix : null;
}

export function computePlanRoutes(plan: DesiredDataplane, ctx: PlanRouteContext): PlanRoutes {
  const routes = new Map<RouteKey, DesiredRoute>();
  const problems: string[] = [];
  const put = (d: DesiredRoute) => {
    const key = ctx.routeKey(d.route);
    const prev = routes.get(key);
    if (prev === undefined || PRECEDENCE[d.source] < PRECEDENCE[prev.source]) routes.set(key, d);
  };

  for (const b of plan.blackholes) {
    const p = parsePrefixDetailed(b.prefix);
    if (!p.ok) {
      problems.push(`blackhole ${b.prefix}: ${p.reason}`);
      continue;
    }
    if (p.prefix.length === (p.prefix.family === "ipv4" ? 32 : 128)) continue; // Calico skips host blocks
    const felix = b.owner === "felix";
    put({
      route: makeRoute(p.prefix, {
        protocol: felix ? RTPROT_FELIX : RTPROT_BIRD,
        type: RTN_BLACKHOLE,
      }),
      source: felix ? "felix-blackhole" : "bird-blackhole",
      origin: `block ${b.prefix}`,
    });
  }

  for (const w of plan.workloads) {
    const link = ctx.linkByName(w.name);
    if (link === undefined || !isOperUp(link)) continue;
    for (const a of w.addresses) {
      const p = hostPrefix(a);
      if (p === null) {
        problems.push(`workload ${w.endpoint}: address ${a} is not a host address`);
        continue;
      }
      put({
        route: makeRoute(p, {
          protocol: RTPROT_BOOT,
          scope: RT_SCOPE_LINK,
          nexthops: [{ gateway: null, ifindex: link.index, flags: 0, weight: 1 }],
        }),
        source: "workload",
        origin: w.endpoint,
      });
    }
  }

  for (const peer of plan.vxlanPeers) {
    const dev = plan.vxlan.find((d) => d.family === peer.family);
    const link = dev ? ctx.linkByName(dev.name) : undefined;
    const gw = parseAddress(peer.tunnelAddress);
    if (gw === null) {
      problems.push(`VXLAN peer ${peer.node}: bad tunnel address ${peer.tunnelAddress}`);
      continue;
    }
    if (link === undefined || !isOperUp(link)) continue;
    for (const block of peer.blocks) {
      const p = parsePrefixDetailed(block);
      if (!p.ok) {
        problems.push(`VXLAN peer ${peer.node}: block ${block}: ${p.reason}`);
        continue;
      }
      put({
        route: makeRoute(p.prefix, {
          protocol: RTPROT_BOOT,
          nexthops: [{ gateway: gw, ifindex: link.index, flags: RTNH_F_ONLINK, weight: 1 }],
        }),
        source: "vxlan",
        origin: `node ${peer.node}`,
      });
    }
  }

  for (const s of plan.staticRoutes) {
    const p = parsePrefixDetailed(s.prefix);
    const via = parseAddress(s.via);
    if (!p.ok || via === null) {
      problems.push(`static route ${s.prefix} via ${s.via}: malformed`);
      continue;
    }
    const res = ctx.resolve(p.prefix.family, via);
    if (!res.ok) {
      problems.push(`static route ${s.prefix} via ${s.via}: ${res.reason}`);
      continue;
    }
    const felix = s.owner === "felix";
    // Felix writes the same-subnet form `via <node ip> dev <if> onlink proto 80`.
    const hops = felix
      ? res.hops.map((h) => (sameBytes(h.gateway, via) ? { ...h, flags: RTNH_F_ONLINK } : h))
      : res.hops;
    put({
      route: makeRoute(p.prefix, { protocol: felix ? RTPROT_FELIX : RTPROT_BIRD, nexthops: hops }),
      source: felix ? "felix-static" : "bird-static",
      origin: `static ${s.prefix} via ${s.via}`,
    });
  }
  return { routes, problems };
}

function sameBytes(a: Uint8Array | null, b: Uint8Array): boolean {
  if (a === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// BGP routes → kernel routes (calico_kernel_programming)

export interface CompiledKernelPolicy {
  readonly reject: readonly Prefix[];
  /** Longest first, so the first containing pool is the most specific. */
  readonly pools: readonly { prefix: Prefix; encap: PoolEncap; crossSubnet: boolean }[];
  readonly nodeSubnets: readonly Prefix[];
  /** The same pools and reject CIDRs as tries, per family (policy-trie.ts). */
  readonly tries: Readonly<Record<Family, PolicyTrie>>;
  readonly problems: readonly string[];
}

function poolClass(encap: PoolEncap, crossSubnet: boolean): number {
  if (encap === "vxlan") return CLASS_VXLAN;
  if (encap === "ipip") return crossSubnet ? CLASS_IPIP_CROSS_SUBNET : CLASS_IPIP;
  return CLASS_PLAIN;
}

export function compileKernelPolicy(p: KernelRoutePolicy): CompiledKernelPolicy {
  const problems: string[] = [];
  const parse = (what: string, text: string): Prefix | null => {
    const r = parsePrefixDetailed(text);
    if (!r.ok) problems.push(`kernel policy ${what} ${text}: ${r.reason}`);
    return r.ok ? r.prefix : null;
  };
  const reject = p.rejectCidrs.map((c) => parse("reject CIDR", c)).filter((x) => x !== null);
  const pools = p.pools
    .map((pool) => {
      const prefix = parse("pool", pool.cidr);
      return prefix ? { prefix, encap: pool.encap, crossSubnet: pool.crossSubnet } : null;
    })
    .filter((x) => x !== null)
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const nodeSubnets = p.nodeSubnets.map((c) => parse("node subnet", c)).filter((x) => x !== null);
  const tries = { ipv4: new PolicyTrie(), ipv6: new PolicyTrie() };
  for (const r of reject) tries[r.family].addReject(r.bytes, r.length);
  // Equal CIDRs: the first in the plan's order wins, as in the sorted list above.
  for (const pool of pools) {
    tries[pool.prefix.family].addPool(
      pool.prefix.bytes,
      pool.prefix.length,
      poolClass(pool.encap, pool.crossSubnet),
    );
  }
  return { reject, pools, nodeSubnets, tries, problems };
}

/** The policy class (policy-trie.ts CLASS_*) of a BGP prefix. */
export function prefixClass(policy: CompiledKernelPolicy, prefix: Prefix): number {
  const trie = policy.tries[prefix.family];
  return trie.empty ? CLASS_PLAIN : trie.classify(prefix.bytes, prefix.length);
}

export interface BgpRouteContext {
  readonly policy: CompiledKernelPolicy;
  /** Resolves a BGP next hop (text) against the kernel table, cached by the caller. */
  readonly resolveNexthop: (family: Family, address: string, iface?: string) => Resolution;
  /** tunl0, when it exists and is up. */
  readonly tunl0: KernelLink | undefined;
}

/** One BGP next hop as the dataplane keeps it: text, parsed bytes, optional interface scope. */
export interface BgpHop {
  readonly address: string;
  readonly bytes: Uint8Array | null;
  readonly iface: string | undefined;
}

/** The next hops a BGP route of one family and policy class gets in the kernel, or why none. */
export type BgpKernelShape =
  | { readonly ok: true; readonly nexthops: readonly KernelNexthop[] }
  | { readonly ok: false; readonly reason: string; readonly filtered: boolean };

export type BgpKernelRoute =
  | { readonly ok: true; readonly route: KernelRoute }
  | { readonly ok: false; readonly reason: string; readonly filtered: boolean };

const REJECTED: BgpKernelShape = { ok: false, reason: "rejected (service CIDR)", filtered: true };
const VXLAN_POOL: BgpKernelShape = {
  ok: false,
  reason: "VXLAN pool: routes come from the VXLAN peers",
  filtered: true,
};

/**
 * The kernel next hops for a BGP next-hop set (one best path or an ECMP set) of routes of one
 * family in one policy class. Every route with the same (family, class, next-hop set) gets the
 * same shape, so the caller computes it once per such triple.
 */
export function bgpKernelShape(
  family: Family,
  cls: number,
  hops: readonly BgpHop[],
  ctx: BgpRouteContext,
): BgpKernelShape {
  if (cls === CLASS_REJECT) return REJECTED;
  if (cls === CLASS_VXLAN) return VXLAN_POOL;
  const { policy } = ctx;
  const ipip = family === "ipv4" && (cls === CLASS_IPIP || cls === CLASS_IPIP_CROSS_SUBNET);
  let out: KernelNexthop[] | readonly KernelNexthop[] | null = null;
  let owned = false;
  let reasons: string[] | null = null;
  const addReason = (text: string) => {
    if (reasons === null) reasons = [];
    reasons.push(text);
  };
  for (const nh of hops) {
    const addr = nh.bytes;
    let more: readonly KernelNexthop[];
    if (addr === null || (addr.length === 4) !== (family === "ipv4")) {
      addReason(`${nh.address}: not a ${family} next hop`);
      continue;
    }
    const tunnel =
      ipip &&
      !(
        cls === CLASS_IPIP_CROSS_SUBNET &&
        policy.nodeSubnets.some((s) => prefixContainsAddress(s, addr))
      );
    if (tunnel) {
      if (ctx.tunl0 === undefined || !isOperUp(ctx.tunl0)) {
        addReason(`${nh.address}: tunl0 is missing or down`);
        continue;
      }
      more = [{ gateway: addr, ifindex: ctx.tunl0.index, flags: RTNH_F_ONLINK, weight: 1 }];
    } else {
      const res = ctx.resolveNexthop(family, nh.address, nh.iface);
      if (!res.ok) {
        addReason(`${nh.address}: ${res.reason}`);
        continue;
      }
      more = res.hops;
    }
    if (out === null) {
      out = more; // shared with the resolution cache until a second path comes
      continue;
    }
    if (!owned) {
      out = [...out];
      owned = true;
    }
    for (const h of more) addHop(out as KernelNexthop[], h);
  }
  if (out === null || out.length === 0) {
    return {
      ok: false,
      reason: (reasons as string[] | null)?.join("; ") || "no next hop",
      filtered: false,
    };
  }
  return { ok: true, nexthops: out };
}

/** The kernel body a BGP route of a given shape is installed with. */
export function bgpRouteBody(family: Family, nexthops: readonly KernelNexthop[]): RouteBody {
  return {
    family,
    protocol: RTPROT_BIRD,
    scope: RT_SCOPE_UNIVERSE,
    type: RTN_UNICAST,
    nexthops,
    prefsrc: null,
  };
}

const nexthopBytes = new Map<string, Uint8Array | null>();

/** Parses a next-hop address, memoised (a table of 100k routes has a handful of next hops). */
function parseNexthop(text: string): Uint8Array | null {
  let b = nexthopBytes.get(text);
  if (b === undefined) {
    if (nexthopBytes.size > 10_000) nexthopBytes.clear();
    b = parseAddress(text);
    nexthopBytes.set(text, b);
  }
  return b;
}

/** A speaker's next hop as the dataplane keeps it: address text and bytes, interface or none. */
export function bgpHop(n: BgpNexthop): BgpHop {
  return {
    address: n.address,
    bytes: parseNexthop(n.address),
    iface: n.interface === "" ? undefined : n.interface,
  };
}

/** The kernel route for one BGP best route / ECMP set, or why there is none. */
export function bgpKernelRoute(r: BgpRoute, ctx: BgpRouteContext): BgpKernelRoute {
  const hops = r.nexthops.map(bgpHop);
  const shape = bgpKernelShape(r.prefix.family, prefixClass(ctx.policy, r.prefix), hops, ctx);
  if (!shape.ok) return shape;
  return {
    ok: true,
    route: makeRoute(r.prefix, { protocol: RTPROT_BIRD, nexthops: shape.nexthops }),
  };
}

function addHop(hops: KernelNexthop[], h: KernelNexthop): void {
  if (
    hops.some((x) => x.ifindex === h.ifindex && sameBytes(x.gateway, h.gateway ?? new Uint8Array()))
  )
    return;
  hops.push(h);
}
