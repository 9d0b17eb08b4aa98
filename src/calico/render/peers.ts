/**
 * Peerings → the speaker's PeerConfig (src/common/contracts/speaker-config.ts), with BIRD's
 * defaults where Calico sets nothing (hold 240 s, keepalive 80 s, connect retry 5 s, graceful
 * restart 120 s, multihop TTL 64, ADD-PATH both ways) and Calico's per-peer rules: passive by
 * string comparison of addresses (mesh, and global peers that are Calico nodes), route-reflector
 * client when iBGP and the cluster IDs differ, next hop self/keep, allowas-in, passwords.
 *
 * Where Calico renders two BIRD protocols to the same address and port (a mesh peering plus an
 * explicit BGPPeer to that node, or `peerIP: x` next to `peerIP: x:179`), one speaker cannot
 * tell the sessions apart: wren keeps one (explicit global, then node-specific, then mesh) and
 * warns. See docs/configuration.md.
 */
import type { Family } from "../../common/contracts/families.js";
import {
  PEER_DEFAULTS,
  type PeerConfig,
  type PeerType,
} from "../../common/contracts/speaker-config.js";
import type { RenderContext } from "./context.js";
import { type Peering, peeringName } from "./peerings.js";
import { CALICO_EXPORT_POLICY, filterPolicyName } from "./policies.js";

/** BIRD's default TTL for `multihop` without a number. */
export const BIRD_MULTIHOP_TTL = 64;

const TYPE: Record<Peering["scope"], PeerType> = {
  mesh: "node-to-node mesh",
  global: "global",
  node: "node specific",
};

export function peerDescription(p: Peering): string {
  const o = p.origin;
  if (p.scope === "mesh") return `node-to-node mesh with ${o.remoteNode}`;
  const to = o.remoteNode ? ` (node ${o.remoteNode})` : "";
  return `BGPPeer ${o.bgpPeer}${o.reverse ? " reverse peering" : ""}${to}`;
}

export function toPeerConfig(ctx: RenderContext, p: Peering): PeerConfig {
  const me = ctx.me!;
  const myIp = ctx.nodeAddress(me, p.family)!;
  const localAs = p.localAsNumber ?? ctx.nodeAs(me);
  const internal = p.asNumber === localAs;
  const myCluster = ctx.nodeClusterId(me);
  const rrClient =
    p.scope !== "mesh" && internal && myCluster !== "" && p.rrClusterId !== myCluster;
  const passive =
    (p.scope === "mesh" || (p.scope === "global" && p.calicoNode)) && p.address > myIp;
  let nextHop: PeerConfig["nextHop"] = "auto";
  if (p.nextHopMode === "Self") nextHop = "self";
  else if (p.nextHopMode === "Keep") nextHop = "keep";
  else if (p.keepOriginalNextHop && !internal) nextHop = "keep";
  const filters = (direction: "import" | "export") =>
    p.filters
      .filter((f) => hasRules(ctx, f, direction, p.family))
      .map((f) => filterPolicyName(f, direction, p.family));
  return {
    name: peeringName(p),
    type: TYPE[p.scope],
    address: p.address,
    port: p.port || PEER_DEFAULTS.port,
    asNumber: p.asNumber,
    localAsNumber: localAs,
    families: [p.family],
    passive,
    rrClient,
    clusterId: rrClient ? myCluster : null,
    nextHop,
    sourceAddress: p.sourceAddress === "UseNodeIP" ? myIp : null,
    multihop: p.ttlSecurity > 0 ? p.ttlSecurity : BIRD_MULTIHOP_TTL,
    ttlSecurity: p.ttlSecurity,
    gracefulRestartTime: p.restartTime ?? PEER_DEFAULTS.gracefulRestartTime,
    holdTime: PEER_DEFAULTS.holdTime,
    keepaliveTime: p.keepaliveTime ?? PEER_DEFAULTS.keepaliveTime,
    connectRetryTime: PEER_DEFAULTS.connectRetryTime,
    allowasIn: p.numAllowedLocalAs,
    password: p.password,
    addPaths: "both",
    importPolicy: filters("import"),
    exportPolicy: [...filters("export"), CALICO_EXPORT_POLICY],
    maxPrefix: null,
    shutdown: false,
    description: peerDescription(p),
  };
}

/** True when BGPFilter `name` exists and has rules for this direction and family. */
export function hasRules(
  ctx: RenderContext,
  name: string,
  direction: "import" | "export",
  family: Family,
): boolean {
  const f = ctx.snapshot.bgpFilters.find((x) => x.name === name);
  if (!f) return false;
  const key = `${direction}${family === "ipv4" ? "V4" : "V6"}` as const;
  return f.spec[key].length > 0;
}

const PRIORITY: Record<Peering["scope"], number> = { global: 0, node: 1, mesh: 2 };

/** PeerConfigs for the plan: one per address+port, sorted by name, with warnings for drops. */
export function planPeers(ctx: RenderContext, peerings: readonly Peering[]): PeerConfig[] {
  const chosen = new Map<string, Peering>();
  for (const p of [...peerings].sort((a, b) => PRIORITY[a.scope] - PRIORITY[b.scope])) {
    const k = `${p.address}|${p.port || PEER_DEFAULTS.port}`;
    const kept = chosen.get(k);
    if (kept) {
      ctx.warnings.push({
        resource: `Node ${ctx.nodeName}`,
        message: `${peeringName(p)} and ${peeringName(kept)} both peer with ${p.address} port ${p.port || PEER_DEFAULTS.port}; wren keeps ${peeringName(kept)} (${peerDescription(kept)}) and drops ${peeringName(p)}`,
      });
      continue;
    }
    chosen.set(k, p);
  }
  return [...chosen.values()]
    .map((p) => toPeerConfig(ctx, p))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
