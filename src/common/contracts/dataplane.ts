/**
 * The desired kernel state, as the Calico renderer decides it (the "Felix part" of the node plan),
 * and the BGP routes the speaker selects. The dataplane agent reconciles the kernel to the union
 * of both, touching only what it owns (see dataplane/ for the ownership rules).
 *
 * Routes the dataplane writes, by source:
 *   - blackholes     `blackhole <block> proto bird` (BIRD-owned pools) or `proto 80` (VXLAN)
 *   - workloads      `<ip>/32 dev cali… scope link` (proto boot) + permanent neighbour entry
 *   - vxlanPeers     `<block> via <tunnel ip> dev vxlan.calico onlink` + neighbour + FDB
 *   - staticRoutes   e.g. BGPPeer reachableBy: `<peer>/32 via <gw> proto bird`
 *   - BGP routes     from the speaker, shaped by `kernelPolicy` (IPIP via tunl0 onlink,
 *                    no-encap via the resolved next hop, VXLAN pools and rejectCidrs never)
 */

import type { Prefix } from "../ip/prefix.js";
import type { Family } from "./families.js";

/** Route protocol numbers (rtnetlink RTPROT_*), as Calico uses them. */
export const RTPROT_BOOT = 3;
export const RTPROT_STATIC = 4;
export const RTPROT_BIRD = 12;
/** Felix's own protocol number for the routes it programs (`proto 80`). */
export const RTPROT_FELIX = 80;

export type RouteOwner = "bird" | "felix";

export interface BlackholeRoute {
  readonly prefix: string;
  /** bird → proto 12 (BIRD-programmed pool types), felix → proto 80 (VXLAN pools). */
  readonly owner: RouteOwner;
}

export interface WorkloadInterface {
  /** Host-side veth name: "cali" + 11 hex chars of sha1("<namespace>.<pod>"). */
  readonly name: string;
  /** /32 and /128 addresses of the workload. */
  readonly addresses: readonly string[];
  /** Container-side MAC, for the permanent neighbour entry; null when unknown. */
  readonly mac: string | null;
  /** WorkloadEndpoint identity, for logs and status. */
  readonly endpoint: string;
}

export interface IpipDevice {
  /** Address put on tunl0 as /32 (Node spec.bgp.ipv4IPIPTunnelAddr); null = none. */
  readonly address: string | null;
  /** null = host MTU − 20. */
  readonly mtu: number | null;
}

export interface VxlanDevice {
  readonly family: Family;
  /** vxlan.calico (IPv4) or vxlan-v6.calico (IPv6). */
  readonly name: string;
  readonly vni: number;
  readonly port: number;
  /** Tunnel address (/32 or /128) on the device. */
  readonly address: string | null;
  /** Node IP used as VTEP source; its interface is the parent device. */
  readonly localAddress: string;
  readonly mac: string;
  /** null = host MTU − 50 (IPv4) / − 70 (IPv6). */
  readonly mtu: number | null;
}

export interface VxlanPeer {
  readonly node: string;
  readonly family: Family;
  /** Remote node IP: FDB destination. */
  readonly nodeAddress: string;
  /** Remote VTEP tunnel IP: route gateway and neighbour entry. */
  readonly tunnelAddress: string;
  readonly mac: string;
  /** Remote blocks routed via this VTEP (CrossSubnet same-subnet blocks are excluded). */
  readonly blocks: readonly string[];
}

export interface StaticRoute {
  readonly prefix: string;
  readonly via: string;
  readonly owner: RouteOwner;
}

export type PoolEncap = "ipip" | "vxlan" | "none";

export interface KernelPoolPolicy {
  readonly cidr: string;
  readonly encap: PoolEncap;
  /** Encapsulate only towards next hops outside the node's own subnet. */
  readonly crossSubnet: boolean;
}

/** calico_kernel_programming: how BGP-learned routes become kernel routes. */
export interface KernelRoutePolicy {
  /** Never installed (service CIDRs: /rejectcidrs). */
  readonly rejectCidrs: readonly string[];
  /** Most specific pool wins; routes outside every pool are installed plainly. */
  readonly pools: readonly KernelPoolPolicy[];
  /** The node's own subnets (Node ipv4Address/ipv6Address with their lengths), for CrossSubnet. */
  readonly nodeSubnets: readonly string[];
}

export interface SysctlPlan {
  /** Global forwarding (net.ipv4.ip_forward, net.ipv6.conf.all.forwarding when IPv6 is used). */
  readonly ipv4Forwarding: boolean;
  readonly ipv6Forwarding: boolean;
}

export interface DesiredDataplane {
  readonly nodeName: string;
  readonly blackholes: readonly BlackholeRoute[];
  readonly workloads: readonly WorkloadInterface[];
  readonly ipip: IpipDevice | null;
  readonly vxlan: readonly VxlanDevice[];
  readonly vxlanPeers: readonly VxlanPeer[];
  readonly staticRoutes: readonly StaticRoute[];
  readonly kernelPolicy: KernelRoutePolicy;
  readonly sysctls: SysctlPlan;
  /** Full resync period in seconds (Felix RouteRefreshInterval, 90). */
  readonly resyncInterval: number;
  /** Seconds a route on a new cali* interface survives before stale deletion (Felix: 10). */
  readonly workloadGracePeriod: number;
}

/** One BGP best route (or ECMP set) the speaker selected, before kernel policy. */
export interface BgpRoute {
  readonly prefix: Prefix;
  /** BGP NEXT_HOP addresses (≥1; several = multipath). Link-local IPv6 next hops carry the
   *  interface scope in `interface` when known. */
  readonly nexthops: readonly BgpNexthop[];
}

export interface BgpNexthop {
  readonly address: string;
  /** Session the path was learned on (peer address), for logs. */
  readonly peer: string;
  readonly interface?: string;
}

/** A batch of changes to the speaker's kernel-bound routes. */
export interface BgpRouteBatch {
  readonly upserts: readonly BgpRoute[];
  readonly withdrawals: readonly Prefix[];
}

export interface DataplaneCounters {
  readonly routeOps: number;
  readonly routeErrors: number;
  readonly lastReconcileMs: number;
  readonly reconciles: number;
}

/** The agent as the daemon sees it. Implementations live in src/dataplane. */
export interface DataplaneAgent {
  /** Sets the renderer's desired state (replaces the previous one) and reconciles. */
  applyPlan(desired: DesiredDataplane): Promise<void>;
  /** Applies speaker route changes (batched internally; returns before the kernel is done). */
  applyBgpRoutes(batch: BgpRouteBatch): void;
  /** The speaker has re-converged after our restart: stale adopted BGP routes may be removed. */
  bgpConverged(): void;
  counters(): DataplaneCounters;
  /** Resolves when no kernel work is pending or running (optional: fakes may leave it out). */
  settled?(): Promise<void>;
  /** keepRoutes: graceful stop, leave every route in the kernel (BIRD `persist`). */
  stop(options: { keepRoutes: boolean }): Promise<void>;
}
