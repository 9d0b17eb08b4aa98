/**
 * Which BGP sessions this node has, computed the way confd does (client.go updatePeersV1 and
 * the bird templates / bgp_processor.go): the node-to-node mesh, then explicit BGPPeer resources
 * in a global pass, a node-specific pass and a reverse pass (automatic reverse peerings unless
 * `reversePeering: Manual`). First emitted key wins; a node-specific peering to an IP+port that
 * has a global peering is dropped; peerings to this node's own address are skipped.
 *
 * Calico walks BGPPeers in Go map order (random); wren walks them sorted by name so that the
 * first-key-wins rule is deterministic.
 *
 * The result is Calico's list (what `--format bird` prints); render/peers.ts turns it into
 * PeerConfigs and resolves what Calico leaves ambiguous (two sessions to one address).
 */
import type { Family } from "../../common/contracts/families.js";
import { ipFamily } from "../model/net.js";
import type { BGPPeer } from "../model/types.js";
import type { RenderContext } from "./context.js";

export type PeeringScope = "mesh" | "global" | "node";

/** One peering as confd's v1 `bgpPeer` value plus the BGPPeer fields HEAD carries. */
export interface Peering {
  readonly scope: PeeringScope;
  readonly family: Family;
  readonly address: string;
  /** 0 = not given (BGP port 179). */
  readonly port: number;
  readonly asNumber: number;
  /** Cluster ID of the remote Calico node ("" for peerIP peers and non-reflectors). */
  readonly rrClusterId: string;
  /** The peer IP is some Calico node's address (peerIP peers only, as confd sets it). */
  readonly calicoNode: boolean;
  readonly sourceAddress: "UseNodeIP" | "None";
  readonly password: string | null;
  /** Seconds; undefined = BIRD default. */
  readonly restartTime?: number;
  readonly keepaliveTime?: number;
  readonly keepOriginalNextHop: boolean;
  readonly nextHopMode?: "Auto" | "Self" | "Keep";
  readonly localAsNumber?: number;
  readonly numAllowedLocalAs: number;
  readonly ttlSecurity: number;
  readonly reachableBy?: string;
  readonly filters: readonly string[];
  /** Where it comes from, for descriptions and messages. */
  readonly origin: {
    readonly bgpPeer?: string;
    readonly remoteNode?: string;
    readonly reverse?: boolean;
  };
}

type Draft = Omit<
  Peering,
  | "scope"
  | "password"
  | "sourceAddress"
  | "restartTime"
  | "keepaliveTime"
  | "keepOriginalNextHop"
  | "nextHopMode"
  | "localAsNumber"
  | "numAllowedLocalAs"
  | "filters"
>;

export function peeringName(p: Pick<Peering, "scope" | "address" | "port" | "family">): string {
  const prefix = p.scope === "mesh" ? "Mesh" : p.scope === "global" ? "Global" : "Node";
  const id = p.address.replace(p.family === "ipv4" ? /\./g : /:/g, "_");
  // Mesh protocol names never carry the port (bird.cfg template, bgp_processor.go).
  return `${prefix}_${id}${p.port && p.scope !== "mesh" ? `_port_${p.port}` : ""}`;
}

/** Mesh peerings of this node for one family (§3.1). */
export function meshPeerings(ctx: RenderContext, family: Family): Peering[] {
  const me = ctx.me;
  if (!me || !ctx.meshEnabled || ctx.nodeClusterId(me) !== "") return [];
  const myIp = ctx.nodeAddress(me, family);
  if (!myIp) return [];
  const password = ctx.global
    ? ctx.secret(ctx.global.spec.nodeMeshPassword, ctx.global, "spec.nodeMeshPassword")
    : null;
  const restartTime = ctx.global?.spec.nodeMeshMaxRestartTime;
  const out: Peering[] = [];
  for (const n of ctx.nodes) {
    const ip = ctx.nodeAddress(n, family);
    if (!ip || ip === myIp) continue; // "Skipping ourselves" compares addresses, not names
    if (ctx.nodeClusterId(n) !== "") continue; // route reflectors are not in the mesh
    out.push({
      scope: "mesh",
      family,
      address: ip,
      port: ctx.peerPortOf(n.name),
      asNumber: ctx.nodeAs(n),
      rrClusterId: "",
      calicoNode: true,
      sourceAddress: "UseNodeIP",
      password,
      ...(restartTime !== undefined ? { restartTime: Math.round(restartTime) } : {}),
      keepOriginalNextHop: false,
      numAllowedLocalAs: 0,
      ttlSecurity: 0,
      filters: [],
      origin: { remoteNode: n.name },
    });
  }
  return out;
}

/** confd nodeAsBGPPeers: the node as a peer, for each requested family it has an address in. */
function nodeAsPeers(
  ctx: RenderContext,
  nodeName: string,
  families: readonly Family[],
  res: BGPPeer,
  reverse: boolean,
): Draft[] {
  const n = ctx.nodesByName.get(nodeName);
  if (!n) return [];
  const out: Draft[] = [];
  for (const family of families) {
    const ip = ctx.nodeAddress(n, family);
    if (!ip) continue;
    out.push({
      family,
      address: ip,
      port: ctx.peerPortOf(nodeName),
      asNumber: ctx.nodeAs(n),
      rrClusterId: ctx.nodeClusterId(n),
      calicoNode: false,
      ttlSecurity: res.spec.ttlSecurity ?? 0,
      ...(res.spec.reachableBy ? { reachableBy: res.spec.reachableBy } : {}),
      origin: { bgpPeer: res.name, remoteNode: nodeName, ...(reverse ? { reverse } : {}) },
    });
  }
  return out;
}

/** confd nodesWithIPPortAndAS: Calico nodes with this address and AS (and listen port if given). */
function nodesWithIpPortAndAs(
  ctx: RenderContext,
  ip: string,
  asNumber: number,
  port: number,
): string[] {
  const want = asNumber === 0 ? ctx.globalAs : asNumber;
  return ctx.nodes
    .filter((n) => ctx.nodeAddress(n, "ipv4") === ip || ctx.nodeAddress(n, "ipv6") === ip)
    .filter((n) => ctx.nodeAs(n) === want)
    .filter((n) => port === 0 || port === (ctx.peerPortOf(n.name) || 179))
    .map((n) => n.name);
}

/** confd setPeerConfigFieldsFromV3Resource, extended with HEAD's per-peer fields. */
function withResourceFields(
  d: Draft,
  scope: PeeringScope,
  res: BGPPeer,
  password: string | null,
): Peering {
  const s = res.spec;
  return {
    ...d,
    scope,
    sourceAddress: s.sourceAddress ?? "UseNodeIP",
    password,
    ...(s.maxRestartTime !== undefined ? { restartTime: Math.round(s.maxRestartTime) } : {}),
    ...(s.keepaliveTime !== undefined ? { keepaliveTime: Math.round(s.keepaliveTime) } : {}),
    keepOriginalNextHop: s.keepOriginalNextHop ?? false,
    ...(s.nextHopMode ? { nextHopMode: s.nextHopMode } : {}),
    ...(s.localASNumber ? { localAsNumber: s.localASNumber } : {}),
    numAllowedLocalAs: s.numAllowedLocalASNumbers ?? 0,
    filters: s.filters ?? [],
  };
}

/** Explicit peerings (global and node-specific) of this node, Calico's key rules applied. */
export function explicitPeerings(ctx: RenderContext): Peering[] {
  const me = ctx.nodeName;
  const globalKeys = new Map<string, Peering>();
  const nodeKeys = new Map<string, Peering>();
  const key = (p: { address: string; port: number }) => `${p.address}|${p.port}`;
  const emitGlobal = (p: Peering) => {
    if (!globalKeys.has(key(p))) globalKeys.set(key(p), p);
  };
  const emitNode = (localNode: string, p: Peering) => {
    if (localNode !== me) return;
    const k = key(p);
    if (nodeKeys.has(k) || globalKeys.has(k)) return;
    nodeKeys.set(k, p);
  };
  const peers = ctx.snapshot.bgpPeers.filter((p) => p.spec.peerIP || p.spec.peerSelector);
  const passwordOf = (res: BGPPeer) => ctx.secret(res.spec.password, res, "spec.password");

  for (const globalPass of [true, false]) {
    for (const res of peers) {
      const s = res.spec;
      const isGlobal = !s.nodeSelector && !s.node;
      if (globalPass !== isGlobal) continue;
      const localNodes = s.nodeSelector
        ? ctx.nodesMatching(s.nodeSelector)
        : s.node
          ? [s.node]
          : [];
      if (!globalPass && !localNodes.includes(me)) continue;
      let drafts: Draft[] = [];
      if (s.peerSelector) {
        for (const n of ctx.nodesMatching(s.peerSelector)) {
          drafts.push(...nodeAsPeers(ctx, n, ["ipv4", "ipv6"], res, false));
        }
      } else if (s.peerIP) {
        const ip = s.peerIP.address;
        let port = s.peerIP.port;
        const asNumber = s.asNumber ?? 0;
        if (port === 0) {
          const owners = nodesWithIpPortAndAs(ctx, ip, asNumber, 0);
          if (owners.length > 0) port = ctx.peerPortOf(owners[0]);
        }
        drafts = [
          {
            family: ipFamily(ip)!,
            address: ip,
            port,
            asNumber,
            rrClusterId: "",
            calicoNode: ctx.nodeIps.has(ip),
            ttlSecurity: s.ttlSecurity ?? 0,
            ...(s.reachableBy ? { reachableBy: s.reachableBy } : {}),
            origin: { bgpPeer: res.name },
          },
        ];
      }
      if (drafts.length === 0) continue;
      const password = passwordOf(res);
      for (const d of drafts) {
        const p = withResourceFields(d, globalPass ? "global" : "node", res, password);
        if (globalPass) emitGlobal(p);
        else emitNode(me, p);
      }
    }
  }

  for (const res of peers) {
    const s = res.spec;
    if (s.reversePeering === "Manual") continue;
    let localNodes: string[];
    let families: Family[];
    if (s.peerSelector) {
      localNodes = ctx.nodesMatching(s.peerSelector);
      families = ["ipv4", "ipv6"];
    } else {
      const ip = s.peerIP!.address;
      localNodes = nodesWithIpPortAndAs(ctx, ip, s.asNumber ?? 0, s.peerIP!.port);
      families = [ipFamily(ip)!];
    }
    if (!localNodes.includes(me)) continue;
    const peerNodes = s.nodeSelector
      ? ctx.nodesMatching(s.nodeSelector)
      : s.node
        ? [s.node]
        : ctx.nodesMatching("all()");
    const drafts = peerNodes.flatMap((n) => nodeAsPeers(ctx, n, families, res, true));
    if (drafts.length === 0) continue;
    const password = passwordOf(res);
    for (const d of drafts) emitNode(me, withResourceFields(d, "node", res, password));
  }

  return [...globalKeys.values(), ...nodeKeys.values()];
}

/** Every peering Calico would render on this node for `family` (self-peerings removed). */
export function calicoPeerings(ctx: RenderContext, family: Family): Peering[] {
  const me = ctx.me;
  const myIp = me ? ctx.nodeAddress(me, family) : undefined;
  if (!myIp) return [];
  const explicit = explicitPeerings(ctx).filter((p) => p.family === family && p.address !== myIp);
  const named = [...meshPeerings(ctx, family), ...explicit].map((p) => ({
    p,
    name: peeringName(p),
  }));
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return named.map((x) => x.p);
}
