/**
 * The BIRD 1.6 configuration Calico's confd would write for a node (v3.30 layout, spec §2.2 to
 * §2.5): bird.cfg for IPv4 or bird6.cfg for IPv6, with the bird_aggr.cfg and bird_ipam.cfg parts
 * inlined where bird.cfg includes them, so the result is one file `bird -p -c` can check.
 * Built from the same inputs as the plan (RenderContext, Calico's peering list, services,
 * blocks), so diffing it against a real calico-node's config shows where wren reads the YAML
 * differently. Peers are listed as Calico renders them, including sessions wren merges.
 *
 * Only IPIP pools need Calico's BIRD fork (`krt_tunnel`); everything else parses with
 * upstream BIRD 1.6.
 */
import type { Family } from "../../common/contracts/families.js";
import type { Snapshot } from "../datastore/snapshot.js";
import { cidrFamily, compareCidr, hostCidr } from "../model/net.js";
import { RenderContext, type RenderOptions } from "../render/context.js";
import { confirmedBlocks, isHostBlock, nodeBlocks } from "../render/node-blocks.js";
import { calicoPeerings, type Peering, peeringName } from "../render/peerings.js";
import { hasRules } from "../render/peers.js";
import { resolveRouterId } from "../render/router-id.js";
import { serviceRoutes } from "../render/services.js";
import { birdFilterFunctions, birdFunctionName, usesPeerType } from "./bird-filters.js";

function debugLevel(ctx: RenderContext): "debug" | "info" | "none" {
  const sev =
    ctx.nodeConfig?.spec.logSeverityScreen ?? ctx.global?.spec.logSeverityScreen ?? "Info";
  if (sev === "Debug" || sev === "Trace") return "debug";
  return sev === "Info" ? "info" : "none";
}

function debugLine(level: "debug" | "info" | "none"): string[] {
  return level === "debug" ? ["  debug all;"] : level === "info" ? ["  debug { states };"] : [];
}

function applyCommunities(ctx: RenderContext, family: Family): string[] {
  const cfg = ctx.nodeConfig?.spec.prefixAdvertisements !== undefined ? ctx.nodeConfig : ctx.global;
  const defined = new Map((cfg?.spec.communities ?? []).map((c) => [c.name, c.value]));
  const out = ["function apply_communities ()", "{"];
  for (const adv of cfg?.spec.prefixAdvertisements ?? []) {
    if (cidrFamily(adv.cidr) !== family) continue;
    out.push(`  if ( net ~ ${adv.cidr} ) then {`);
    for (const v of [...new Set(adv.communities.map((c) => defined.get(c) ?? c))].sort()) {
      const parts = v.split(":");
      out.push(
        parts.length === 2
          ? `    bgp_community.add((${parts.join(", ")}));`
          : `    bgp_large_community.add((${parts.join(", ")}));`,
      );
    }
    out.push("  }");
  }
  out.push("}");
  return out;
}

function birdString(s: string): string | null {
  return /["\n\r]/.test(s) ? null : `"${s}"`;
}

function peerBlock(
  ctx: RenderContext,
  p: Peering,
  myIp: string,
  localAs: number,
  myCluster: string,
): string[] {
  const name = peeringName(p);
  const out = [`protocol bgp ${name} from bgp_template {`];
  if (p.localAsNumber) out.push(`  local as ${p.localAsNumber};`);
  out.push(`  neighbor ${p.address} ${p.port ? `port ${p.port} ` : ""}as ${p.asNumber};`);
  if (p.sourceAddress === "UseNodeIP") {
    out.push(`  source address ${myIp};  # The local address we use for the TCP connection`);
  }
  if (p.ttlSecurity > 0) out.push("  ttl security on;", `  multihop ${p.ttlSecurity};`);
  else out.push("  ttl security off;", "  multihop;");
  const effectiveAs = p.localAsNumber ?? localAs;
  const internal = p.scope === "mesh" ? true : p.asNumber === effectiveAs;
  const calls = (direction: "import" | "export") =>
    p.filters
      .filter((f) => hasRules(ctx, f, direction, p.family))
      .map((f) => {
        const filter = ctx.snapshot.bgpFilters.find((x) => x.name === f)!;
        const rules = filter.spec[`${direction}${p.family === "ipv4" ? "V4" : "V6"}`];
        return `    ${birdFunctionName(f, direction, p.family)}(${usesPeerType(rules) ? String(internal) : ""});`;
      });
  if (p.scope === "mesh") {
    out.push("  import all;        # Import all routes, since we don't know what the upstream");
    out.push("                     # topology is and therefore have to trust the ToR/RR.");
  } else {
    out.push(
      "  import filter {",
      ...calls("import"),
      '    accept; # Prior to introduction of BGP Filters we used "import all" so use default accept behaviour on import',
      "  };",
    );
  }
  out.push(
    "  export filter {",
    ...calls("export"),
    `    calico_export_to_bgp_peers(${internal});`,
    "    reject;",
    "  };  # Only want to export routes for workloads.",
  );
  const passive =
    (p.scope === "mesh" || (p.scope === "global" && p.calicoNode)) && p.address > myIp;
  if (passive) {
    out.push(
      p.scope === "mesh"
        ? "  passive on; # Mesh is unidirectional, peer will connect to us."
        : "  passive on; # Peering is unidirectional, peer will connect to us.",
    );
  }
  if (p.restartTime !== undefined) out.push(`  graceful restart time ${p.restartTime};`);
  if (p.keepaliveTime !== undefined) out.push(`  keepalive time ${p.keepaliveTime};`);
  if (p.scope !== "mesh" && internal && myCluster !== "" && p.rrClusterId !== myCluster) {
    out.push("  rr client;", `  rr cluster id ${myCluster};`);
  }
  if (p.password !== null) {
    const s = birdString(p.password);
    out.push(
      s
        ? `  password ${s};`
        : "  # password omitted: it contains a character BIRD strings cannot hold",
    );
  }
  if (p.nextHopMode === "Self") out.push("  next hop self;");
  else if (
    p.nextHopMode === "Keep" ||
    (p.nextHopMode === undefined && p.keepOriginalNextHop && !internal)
  ) {
    out.push("  next hop keep;");
  }
  if (p.numAllowedLocalAs > 0) out.push(`  allow local as ${p.numAllowedLocalAs};`);
  out.push("}");
  return out;
}

export interface BirdConfigOptions extends RenderOptions {}

/** bird.cfg (family ipv4) or bird6.cfg (ipv6) for `nodeName`, includes inlined. */
export function renderBirdConfig(
  snapshot: Snapshot,
  nodeName: string,
  family: Family,
  options: BirdConfigOptions = {},
): string {
  const ctx = new RenderContext(snapshot, nodeName, options);
  const me = ctx.me;
  const addr = me ? ctx.bgpAddress(me, family) : undefined;
  const v = family === "ipv4" ? "" : "6";
  const level = debugLevel(ctx);
  const pools = [...snapshot.ipPools]
    .filter((p) => p.spec.family === family)
    .sort((a, b) => compareCidr(a.spec.cidr, b.spec.cidr));
  const blocks = nodeBlocks(ctx).filter(
    (b) => b.state === "claimed" && b.affinityState !== "pending" && cidrFamily(b.cidr) === family,
  );
  const services = serviceRoutes(ctx);
  const staticRoutes = services.advertised.filter((c) => cidrFamily(c) === family);
  const rejectCidrs = services.reject.filter((c) => cidrFamily(c) === family);
  const peerings = me ? calicoPeerings(ctx, family) : [];
  const L: string[] = [];

  L.push(
    `# bird${v}.cfg for node ${nodeName} as Calico's confd (v3.30 layout) renders it,`,
    `# written by \`wren render --format bird${v}\`. bird${v}_aggr.cfg and bird${v}_ipam.cfg are inlined`,
    `# where bird${v}.cfg includes them.`,
    "",
    ...applyCommunities(ctx, family),
    "",
    "# Generated by confd",
    `# ---- include "bird${v}_aggr.cfg" ----`,
  );
  const statics: string[] = [];
  const own = blocks.filter((b) => !isHostBlock(b.cidr)).map((b) => b.cidr);
  if (own.length > 0)
    statics.push("  # IP blocks for this host.", ...own.map((b) => `  route ${b} blackhole;`));
  if (staticRoutes.length > 0)
    statics.push(
      "  # Static routes (service advertisement).",
      ...staticRoutes.map((c) => `  route ${c} blackhole;`),
    );
  const reachable = peerings.filter((p) => p.reachableBy);
  if (reachable.length > 0)
    statics.push(
      "  # Routes to peers with reachableBy.",
      ...reachable.map((p) => `  route ${hostCidr(p.address)} via ${p.reachableBy};`),
    );
  if (statics.length > 0) L.push("protocol static {", ...statics, "}");
  else L.push("# No static routes configured.");
  L.push(
    "",
    "# Aggregation of routes on this host; export the block, nothing beneath it.",
    "function calico_aggr ()",
    "{",
  );
  for (const b of confirmedBlocks(blocks)) {
    L.push(
      `  # Block ${b} is confirmed`,
      `  if ( net = ${b} ) then { accept; }`,
      `  if ( net ~ ${b} ) then { reject; }`,
    );
  }
  L.push(
    "}",
    "",
    `# ---- include "bird${v}_ipam.cfg" ----`,
    "function reject_disabled_pools ()",
    "{",
  );
  for (const p of pools.filter((x) => x.spec.disableBGPExport))
    L.push(`  if ( net ~ ${p.spec.cidr} ) then { reject; }`);
  L.push(
    "}",
    "",
    "function reject_tunnel_routes ()",
    "{",
    "  # Don't export tunnel routes to other nodes, Felix programs them.",
    "  if (defined(ifname)) then {",
    '    if ((ifname ~ "*.cali") || (ifname ~ "*.calico")) then {',
    "      reject;",
    "    }",
    "  }",
    "}",
    "",
    "function reject_local_routes ()",
    "{",
    "  # Don't export local routes learned via BPF as they should never leave the node.",
    "  if (defined(ifname)) then {",
    '    if (ifname ~ "bpf*.cali") then {',
    "      reject;",
    "    }",
    "  }",
    "}",
    "",
    "function calico_export_to_bgp_peers (bool internal_peer)",
    "{",
    "  # filter code terminates when it calls `accept;` or `reject;`",
    "  reject_disabled_pools();",
    "  if (internal_peer) then {",
    "    reject_tunnel_routes();",
    "  }",
    "  reject_local_routes();",
    "  apply_communities();",
    "  calico_aggr();",
  );
  for (const c of staticRoutes) L.push(`  if ( net ~ ${c} ) then { accept; }`);
  if (me && ctx.nodeClusterId(me) !== "") {
    for (const c of services.loadBalancer.filter((x) => cidrFamily(x) === family)) {
      L.push(`  if ( net ~ ${c} ) then { accept; } # route reflector: serviceLoadBalancerIPs`);
    }
  }
  for (const p of pools.filter((x) => !x.spec.disableBGPExport))
    L.push(`  if ( net ~ ${p.spec.cidr} ) then { accept; }`);
  L.push("}", "", "filter calico_kernel_programming", "{");
  for (const c of rejectCidrs) L.push(`  if ( net ~ ${c} ) then { reject; }`);
  const subnet = addr?.network;
  for (const p of pools) {
    const s = p.spec;
    if (s.vxlanMode !== "Never")
      L.push(`  if ( net ~ ${s.cidr} ) then { reject; } # VXLAN routes are handled by Felix.`);
    else if (family === "ipv6") continue;
    else if (s.ipipMode === "Always")
      L.push(`  if ( net ~ ${s.cidr} ) then { krt_tunnel = "tunl0"; accept; }`);
    else if (s.ipipMode === "CrossSubnet") {
      L.push(
        `  if ( net ~ ${s.cidr} ) then { if (defined(bgp_next_hop)&&(bgp_next_hop ~ ${subnet ?? "0.0.0.0/32"})) then krt_tunnel=""; else krt_tunnel="tunl0"; accept; }`,
      );
    } else L.push(`  if ( net ~ ${s.cidr} ) then { accept; }`);
  }
  L.push("  accept;", "}", "");

  L.push(`router id ${resolveRouterId(ctx)};`);
  const port = ctx.nodeConfig?.spec.listenPort ?? ctx.globalListenPort;
  const bindAddr = ctx.global?.spec.bindMode === "NodeIP" ? addr?.address : undefined;
  if (bindAddr || port !== undefined) {
    L.push(
      `listen bgp${bindAddr ? ` address ${bindAddr}` : ""}${port !== undefined ? ` port ${port}` : ""};`,
    );
  }
  L.push(
    "",
    "# Configure synchronization between routing tables and kernel.",
    "protocol kernel {",
    "  learn;             # Learn all alien routes from the kernel",
    "  persist;           # Don't remove routes on bird shutdown",
    "  scan time 2;       # Scan kernel routing table every 2 seconds",
    "  import all;",
    "  export filter calico_kernel_programming; # Default is export none",
    "  graceful restart;  # Turn on graceful restart to reduce potential flaps in",
    "                     # routes when reloading BIRD configuration.",
    "  merge paths on;    # Allow export multipath routes (ECMP)",
    "}",
    "",
    "# Watch interface up/down events.",
    "protocol device {",
    ...debugLine(level),
    "  scan time 2;    # Scan interfaces every 2 seconds",
    "}",
    "",
    "protocol direct {",
    ...debugLine(level),
    `  interface ${[...(ctx.global?.spec.ignoredInterfaces ?? []).map((i) => `-"${i}"`), '-"cali*"', '-"kube-ipvs*"', '"*"'].join(", ")}; # Exclude cali* and kube-ipvs*`,
    "}",
    "",
  );
  if (!me || !addr) {
    L.push(`# IPv${family === "ipv4" ? 4 : 6} disabled on this node.`, "");
    return L.join("\n");
  }
  const localAs = ctx.nodeAs(me);
  const myCluster = ctx.nodeClusterId(me);
  L.push(
    "# Template for all BGP clients",
    "template bgp bgp_template {",
    ...debugLine(level),
    '  description "Connection to BGP peer";',
    `  local as ${localAs};`,
    "  gateway recursive; # This should be the default, but just in case.",
    "  add paths on;",
    "  graceful restart;  # See comment in kernel section about graceful restart.",
    "  connect delay time 2;",
    "  connect retry time 5;",
    "  error wait time 5,30;",
    "}",
    "",
    "# -------------- BGP Filters ------------------",
    ...birdFilterFunctions(snapshot.bgpFilters, family),
    "",
  );
  const sections: [string, Peering["scope"]][] = [
    ["Node-to-node mesh", "mesh"],
    ["Global peers", "global"],
    ["Node-specific peers", "node"],
  ];
  for (const [title, scope] of sections) {
    L.push(`# ------------- ${title} -------------`);
    const list = peerings.filter((p) => p.scope === scope);
    if (scope === "mesh" && myCluster !== "") {
      L.push(
        `# This node (${nodeName}) is configured as a route reflector with cluster ID ${myCluster};`,
        "# ignore node-to-node mesh setting.",
      );
    } else if (scope === "mesh" && !ctx.meshEnabled) {
      L.push("# Node-to-node mesh disabled");
    } else if (list.length === 0) {
      L.push(
        `# No ${scope === "mesh" ? "mesh" : scope === "global" ? "global" : "node-specific"} peers configured.`,
      );
    }
    for (const p of list) L.push(...peerBlock(ctx, p, addr.address, localAs, myCluster));
    L.push("");
  }
  return L.join("\n");
}
