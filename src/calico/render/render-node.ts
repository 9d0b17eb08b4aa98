/**
 * The renderer: one datastore snapshot + one node name → that node's plan (pure; never touches
 * the datastore or the network). The plan is what confd + BIRD + Felix would do on the node:
 * router ID, local AS, listen address/port, peers, route policies, originated prefixes, owned
 * IPAM blocks and the desired dataplane (see docs/render.md for the JSON form).
 */
import type { Family } from "../../common/contracts/families.js";
import type { NodePlan, PlanMessage } from "../../common/contracts/plan.js";
import type { RoutePolicy } from "../../common/contracts/policy.js";
import type { Snapshot } from "../datastore/snapshot.js";
import { RenderContext, type RenderOptions } from "./context.js";
import { desiredDataplane } from "./dataplane.js";
import { confirmedBlocks, nodeBlocks } from "./node-blocks.js";
import { originatedPrefixes, unadvertisedWorkloadWarnings } from "./originate.js";
import { calicoPeerings, type Peering, peeringName } from "./peerings.js";
import { planPeers } from "./peers.js";
import { bgpFilterPolicies, CALICO_EXPORT_POLICY, calicoExportPolicy } from "./policies.js";
import { resolveRouterId } from "./router-id.js";
import { serviceRoutes } from "./services.js";
import { workloadsOn } from "./workloads.js";

/** BIRD `merge paths on` without a limit: up to 16 next hops per kernel route. */
export const DEFAULT_MAX_PATHS = 16;
/** BIRD's graceful restart defaults: restart time 120 s, wait for peers' End-of-RIB 240 s. */
export const GRACEFUL_RESTART = {
  enabled: true,
  restartTime: 120,
  convergenceTimeout: 240,
} as const;

export interface RenderInput extends RenderOptions {
  /** Errors of the load that produced `snapshot` (shown in the plan; the snapshot is partial). */
  readonly loadErrors?: readonly PlanMessage[];
}

/** prefixAdvertisements in effect (node-specific replace global), community names resolved. */
function communities(ctx: RenderContext): { cidr: string; values: string[] }[] {
  const cfg = ctx.nodeConfig?.spec.prefixAdvertisements !== undefined ? ctx.nodeConfig : ctx.global;
  const defined = new Map((cfg?.spec.communities ?? []).map((c) => [c.name, c.value]));
  return (cfg?.spec.prefixAdvertisements ?? []).map((adv) => ({
    cidr: adv.cidr,
    values: [...new Set(adv.communities.map((c) => defined.get(c) ?? c))].sort(),
  }));
}

export function renderNode(
  snapshot: Snapshot,
  nodeName: string,
  input: RenderInput = {},
): NodePlan {
  const ctx = new RenderContext(snapshot, nodeName, input);
  if (!ctx.me) {
    ctx.errors.push({
      resource: `Node ${nodeName}`,
      message: `no Node named ${JSON.stringify(nodeName)} in the datastore (known: ${snapshot.nodes.map((n) => n.name).join(", ") || "none"})`,
    });
  } else if (!ctx.me.spec.bgp) {
    ctx.warnings.push({
      file: ctx.me.source.file,
      line: ctx.me.source.line,
      resource: `Node ${nodeName}`,
      field: "spec.bgp",
      message: "is not set: BGP is disabled on this node",
    });
  }

  const routerId = resolveRouterId(ctx);
  const asNumber = ctx.me ? ctx.nodeAs(ctx.me) : ctx.globalAs;
  const clusterId = ctx.me ? ctx.nodeClusterId(ctx.me) : "";

  const calico: Peering[] = (["ipv4", "ipv6"] as Family[]).flatMap((f) => calicoPeerings(ctx, f));
  const peers = ctx.me ? planPeers(ctx, calico) : [];
  const keptNames = new Set(peers.map((p) => p.name));
  const kept = calico.filter((p) => keptNames.has(peeringName(p)));

  const blocks = nodeBlocks(ctx);
  const services = serviceRoutes(ctx);
  const policies: RoutePolicy[] = [
    calicoExportPolicy({
      pools: snapshot.ipPools,
      confirmedBlocks: confirmedBlocks(blocks),
      staticRoutes: services.advertised,
      reflectorLoadBalancerCidrs: clusterId !== "" ? services.loadBalancer : [],
      communities: communities(ctx),
    }),
  ];
  const referenced = new Set(peers.flatMap((p) => [...p.importPolicy, ...p.exportPolicy]));
  for (const f of snapshot.bgpFilters) {
    for (const p of bgpFilterPolicies(f)) if (referenced.has(p.name)) policies.push(p);
  }

  const local = ctx.me ? workloadsOn(ctx, nodeName) : [];
  const originate = ctx.me
    ? originatedPrefixes(blocks, services.advertised, local, snapshot.ipPools)
    : [];
  ctx.warnings.push(...unadvertisedWorkloadWarnings(blocks, local, snapshot.ipPools));
  const dataplane = desiredDataplane(ctx, { blocks, rejectCidrs: services.reject, peerings: kept });

  const listenAddress =
    ctx.global?.spec.bindMode === "NodeIP" && ctx.me
      ? (ctx.nodeAddress(ctx.me, "ipv4") ?? ctx.nodeAddress(ctx.me, "ipv6") ?? null)
      : null;
  if (
    listenAddress &&
    ctx.me &&
    ctx.nodeAddress(ctx.me, "ipv4") &&
    ctx.nodeAddress(ctx.me, "ipv6")
  ) {
    ctx.warnings.push({
      resource: "BGPConfiguration default",
      field: "spec.bindMode",
      message: `NodeIP on a dual-stack node: wren listens on ${listenAddress} only (BIRD's separate bird6 process would also bind the IPv6 address)`,
    });
  }

  return {
    node: nodeName,
    routerId,
    asNumber,
    listen: {
      address: listenAddress,
      port: ctx.nodeConfig?.spec.listenPort ?? ctx.globalListenPort ?? 179,
    },
    clusterId: clusterId === "" ? null : clusterId,
    gracefulRestart: { ...GRACEFUL_RESTART },
    maxPaths: DEFAULT_MAX_PATHS,
    multipathRelax: false,
    alwaysCompareMed: false,
    peers,
    policies: policies.sort((a, b) =>
      a.name === CALICO_EXPORT_POLICY
        ? -1
        : b.name === CALICO_EXPORT_POLICY
          ? 1
          : a.name < b.name
            ? -1
            : 1,
    ),
    originate,
    blocks,
    dataplane,
    errors: [...(input.loadErrors ?? []), ...ctx.errors],
    warnings: [...snapshot.warnings, ...ctx.warnings],
  };
}
