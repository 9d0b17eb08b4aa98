/**
 * The desired kernel state of this node (the "Felix part" of the plan, target: Calico v3.30
 * behaviour where BIRD programs IPIP and unencapsulated cluster routes with `proto bird` and
 * Felix programs VXLAN ones with `proto 80`):
 *
 * - blackholes for this node's blocks (not /32, /128): owner bird, or felix for VXLAN pools;
 * - workload interfaces of this node's WorkloadEndpoints;
 * - tunl0 when an IPv4 pool uses IPIP, vxlan.calico / vxlan-v6.calico when a pool uses VXLAN
 *   (VNI 4096, port 4789, MAC from the Node or derived);
 * - VXLAN peers: every other node with a VTEP, with its blocks (and borrowed /32s of its
 *   workloads) in VXLAN pools — CrossSubnet pools route same-subnet nodes' blocks directly
 *   instead (static routes via the node address, owner felix);
 * - static routes: BGPPeer reachableBy (`<peer>/32 via <gw>`, owner bird);
 * - calico_kernel_programming as data: reject service CIDRs, per-pool encapsulation, the
 *   node's own subnets for CrossSubnet decisions;
 * - forwarding sysctls;
 * - the full-resync period: `wren run --route-refresh-interval` (Felix routeRefreshInterval),
 *   default 90 s.
 *
 * Tunnel addresses: the Node's ipv4IPIPTunnelAddr / ipv4VXLANTunnelAddr / ipv6VXLANTunnelAddr,
 * else the first address of the node's first block in a pool with that encapsulation (what
 * calico-node's allocator hands out first on a fresh block; wren's IPAM keeps that address free).
 */
import type {
  BlackholeRoute,
  DesiredDataplane,
  KernelPoolPolicy,
  StaticRoute,
  VxlanDevice,
  VxlanPeer,
  WorkloadInterface,
} from "../../common/contracts/dataplane.js";
import type { Family } from "../../common/contracts/families.js";
import type { OwnedBlock } from "../../common/contracts/plan.js";
import { poolOfBlock } from "../ipam/claim-plan.js";
import { cidrContains, cidrContainsIp, compareCidr, hostCidr } from "../model/net.js";
import type { CalicoNode, IPPool } from "../model/types.js";
import type { RenderContext } from "./context.js";
import { vxlanMac } from "./names.js";
import { activeBlocks, isHostBlock } from "./node-blocks.js";
import type { Peering } from "./peerings.js";
import { workloadAddressesOn, workloadsOn } from "./workloads.js";

export const VXLAN_VNI = 4096;
export const VXLAN_PORT = 4789;
export const RESYNC_INTERVAL = 90;
export const WORKLOAD_GRACE_PERIOD = 10;

const isVxlan = (p: IPPool | undefined) => p !== undefined && p.spec.vxlanMode !== "Never";
const isIpip = (p: IPPool | undefined) => p !== undefined && p.spec.ipipMode !== "Never";

/** A node's blocks that are live (claimed, not pending), sorted. */
function liveBlocksOf(ctx: RenderContext, node: string): string[] {
  return ctx
    .affinitiesOf(node)
    .filter((a) => a.spec.state !== "pending")
    .map((a) => a.spec.cidr)
    .sort(compareCidr);
}

function firstAddress(block: string): string {
  return block.slice(0, block.indexOf("/"));
}

export function tunnelAddress(
  ctx: RenderContext,
  node: CalicoNode,
  encap: "ipip" | "vxlan",
  family: Family,
): string | null {
  const explicit =
    encap === "ipip"
      ? node.spec.bgp?.ipv4IPIPTunnelAddr
      : family === "ipv4"
        ? node.spec.ipv4VXLANTunnelAddr
        : node.spec.ipv6VXLANTunnelAddr;
  if (explicit) return explicit;
  const wants = encap === "ipip" ? isIpip : isVxlan;
  for (const b of liveBlocksOf(ctx, node.name)) {
    const pool = poolOfBlock(ctx.snapshot.ipPools, b);
    if (pool && pool.spec.family === family && wants(pool)) return firstAddress(b);
  }
  return null;
}

function vtepMac(node: CalicoNode, family: Family): string {
  return (
    (family === "ipv4" ? node.spec.vxlanTunnelMACAddr : node.spec.vxlanTunnelMACAddrV6) ??
    vxlanMac(node.name, family)
  );
}

export interface DataplaneInputs {
  readonly blocks: readonly OwnedBlock[];
  readonly rejectCidrs: readonly string[];
  /** Kept peerings (for reachableBy). */
  readonly peerings: readonly Peering[];
}

export function desiredDataplane(ctx: RenderContext, x: DataplaneInputs): DesiredDataplane {
  const me = ctx.me;
  const pools = [...ctx.snapshot.ipPools].sort((a, b) => compareCidr(a.spec.cidr, b.spec.cidr));
  const poolFor = (cidr: string) => poolOfBlock(pools, cidr);

  const blackholes: BlackholeRoute[] = activeBlocks(x.blocks)
    .filter((b) => !isHostBlock(b.cidr))
    .map((b) => ({
      prefix: b.cidr,
      owner: isVxlan(poolFor(b.cidr)) ? ("felix" as const) : ("bird" as const),
    }));

  const workloads: WorkloadInterface[] = workloadsOn(ctx, ctx.nodeName).map((w) => ({
    name: w.interfaceName,
    addresses: w.addresses,
    mac: w.mac,
    endpoint: w.endpoint,
  }));

  const staticRoutes: StaticRoute[] = [];
  for (const p of x.peerings) {
    if (p.reachableBy)
      staticRoutes.push({ prefix: hostCidr(p.address), via: p.reachableBy, owner: "bird" });
  }

  const ipip =
    me && pools.some((p) => p.spec.family === "ipv4" && isIpip(p))
      ? { address: tunnelAddress(ctx, me, "ipip", "ipv4"), mtu: null }
      : null;

  const vxlan: VxlanDevice[] = [];
  const vxlanPeers: VxlanPeer[] = [];
  for (const family of ["ipv4", "ipv6"] as Family[]) {
    if (!me || !pools.some((p) => p.spec.family === family && isVxlan(p))) continue;
    const local = ctx.bgpAddress(me, family);
    if (!local) {
      ctx.warnings.push({
        resource: `Node ${ctx.nodeName}`,
        field: family === "ipv4" ? "spec.bgp.ipv4Address" : "spec.bgp.ipv6Address",
        message: `is not set: no ${family === "ipv4" ? "vxlan.calico" : "vxlan-v6.calico"} device (VXLAN needs the node address as VTEP source)`,
      });
      continue;
    }
    vxlan.push({
      family,
      name: family === "ipv4" ? "vxlan.calico" : "vxlan-v6.calico",
      vni: VXLAN_VNI,
      port: VXLAN_PORT,
      address: tunnelAddress(ctx, me, "vxlan", family),
      localAddress: local.address,
      mac: vtepMac(me, family),
      mtu: null,
    });
    for (const n of ctx.nodes) {
      if (n.name === ctx.nodeName) continue;
      const remote = ctx.nodeAddress(n, family);
      const tunnel = tunnelAddress(ctx, n, "vxlan", family);
      if (!remote || !tunnel) continue;
      const sameSubnet = cidrContainsIp(local.network, remote);
      const routed: string[] = [];
      const nodeBlocks = liveBlocksOf(ctx, n.name);
      const borrowed = workloadAddressesOn(ctx, n.name).filter(
        (a) => !nodeBlocks.some((b) => cidrContains(b, a)),
      );
      for (const prefix of [...nodeBlocks, ...borrowed]) {
        const pool = poolFor(prefix);
        if (!pool || pool.spec.family !== family || !isVxlan(pool)) continue;
        if (pool.spec.vxlanMode === "CrossSubnet" && sameSubnet) {
          staticRoutes.push({ prefix, via: remote, owner: "felix" });
        } else {
          routed.push(prefix);
        }
      }
      vxlanPeers.push({
        node: n.name,
        family,
        nodeAddress: remote,
        tunnelAddress: tunnel,
        mac: vtepMac(n, family),
        blocks: routed.sort(compareCidr),
      });
    }
  }

  const kernelPools: KernelPoolPolicy[] = pools.map((p) => ({
    cidr: p.spec.cidr,
    encap: isVxlan(p) ? "vxlan" : isIpip(p) ? "ipip" : "none",
    crossSubnet: (isVxlan(p) ? p.spec.vxlanMode : p.spec.ipipMode) === "CrossSubnet",
  }));
  const nodeSubnets = me
    ? (["ipv4", "ipv6"] as Family[]).flatMap((f) => {
        const a = ctx.bgpAddress(me, f);
        return a ? [a.network] : [];
      })
    : [];
  const usesV6 =
    (me && ctx.bgpAddress(me, "ipv6") !== undefined) || pools.some((p) => p.spec.family === "ipv6");

  return {
    nodeName: ctx.nodeName,
    blackholes,
    workloads,
    ipip,
    vxlan,
    vxlanPeers,
    staticRoutes: staticRoutes.sort((a, b) => compareCidr(a.prefix, b.prefix)),
    kernelPolicy: { rejectCidrs: x.rejectCidrs, pools: kernelPools, nodeSubnets },
    sysctls: { ipv4Forwarding: true, ipv6Forwarding: usesV6 },
    resyncInterval: ctx.options.routeRefreshInterval ?? RESYNC_INTERVAL,
    workloadGracePeriod: WORKLOAD_GRACE_PERIOD,
  };
}
