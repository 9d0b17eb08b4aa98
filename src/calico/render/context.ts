/**
 * What the renderer derives once per (snapshot, node): the effective global settings (AS
 * 64512, mesh on, listen ports), per-node BGP facts (addresses, AS, route-reflector cluster ID,
 * labels), selector matching over Calico Node labels, secret lookup, and the message lists the
 * plan reports. Mirrors confd's v1 key space (`/bgp/v1/global/*`, `/bgp/v1/host/<n>/*`).
 */
import type { Family } from "../../common/contracts/families.js";
import type { PlanMessage } from "../../common/contracts/plan.js";
import type { Snapshot } from "../datastore/snapshot.js";
import type { InterfaceAddress } from "../model/net.js";
import type { SecretRef } from "../model/schemas/metadata.js";
import {
  type BGPConfiguration,
  type BlockAffinity,
  type CalicoNode,
  resourceId,
  type WorkloadEndpoint,
} from "../model/types.js";
import { selector } from "../selector/parser.js";

export const DEFAULT_AS_NUMBER = 64512;
export const DEFAULT_BGP_PORT = 179;

export interface RenderOptions {
  /** CALICO_ROUTER_ID: "hash", an IPv4 address, or unset (= the node's IPv4 address). */
  readonly routerId?: string;
  /** CALICO_ADVERTISE_CLUSTER_IPS: overrides BGPConfiguration serviceClusterIPs when set. */
  readonly advertiseClusterIps?: string;
  /** Seconds between the dataplane's full kernel resyncs (Felix routeRefreshInterval); the
   *  datastore has no FelixConfiguration, so this comes from `wren run`. Default 90. */
  readonly routeRefreshInterval?: number;
}

export class RenderContext {
  readonly global: BGPConfiguration | undefined;
  readonly nodeConfig: BGPConfiguration | undefined;
  readonly globalAs: number;
  readonly meshEnabled: boolean;
  readonly globalListenPort: number | undefined;
  readonly nodes: readonly CalicoNode[];
  readonly nodesByName: ReadonlyMap<string, CalicoNode>;
  readonly me: CalicoNode | undefined;
  /** Every Calico node's BGP address (both families): confd's `nodeIPs`. */
  readonly nodeIps: ReadonlySet<string>;
  readonly errors: PlanMessage[] = [];
  readonly warnings: PlanMessage[] = [];

  constructor(
    readonly snapshot: Snapshot,
    readonly nodeName: string,
    readonly options: RenderOptions = {},
  ) {
    this.global = snapshot.bgpConfigurations.find((c) => c.name === "default");
    this.nodeConfig = snapshot.bgpConfigurations.find((c) => c.name === `node.${nodeName}`);
    this.globalAs = this.global?.spec.asNumber ?? DEFAULT_AS_NUMBER;
    this.meshEnabled = this.global?.spec.nodeToNodeMeshEnabled ?? true;
    this.globalListenPort = this.global?.spec.listenPort;
    this.nodes = snapshot.nodes;
    this.nodesByName = new Map(snapshot.nodes.map((n) => [n.name, n]));
    this.me = this.nodesByName.get(nodeName);
    const ips = new Set<string>();
    for (const n of snapshot.nodes) {
      for (const f of ["ipv4", "ipv6"] as const) {
        const a = this.nodeAddress(n, f);
        if (a) ips.add(a);
      }
    }
    this.nodeIps = ips;
  }

  bgpAddress(node: CalicoNode, family: Family): InterfaceAddress | undefined {
    return family === "ipv4" ? node.spec.bgp?.ipv4Address : node.spec.bgp?.ipv6Address;
  }

  nodeAddress(node: CalicoNode, family: Family): string | undefined {
    return this.bgpAddress(node, family)?.address;
  }

  nodeAs(node: CalicoNode): number {
    return node.spec.bgp?.asNumber ?? this.globalAs;
  }

  /** "" when the node is not a route reflector. */
  nodeClusterId(node: CalicoNode): string {
    return node.spec.bgp?.routeReflectorClusterID ?? "";
  }

  /** Node-specific listenPort (BGPConfiguration node.<name>), if any. */
  nodeOwnListenPort(name: string): number | undefined {
    return this.snapshot.bgpConfigurations.find((c) => c.name === `node.${name}`)?.spec.listenPort;
  }

  /** The port a node listens on as far as peers must know: node's, else global, else 0 (=179). */
  peerPortOf(name: string): number {
    return this.nodeOwnListenPort(name) ?? this.globalListenPort ?? 0;
  }

  /** Node names (sorted) whose labels match `selectorText`; a bad selector matches nothing. */
  nodesMatching(selectorText: string): string[] {
    let s: ReturnType<typeof selector>;
    try {
      s = selector(selectorText);
    } catch {
      return [];
    }
    return this.nodes.filter((n) => s.matches(n.labels)).map((n) => n.name);
  }

  /** Resolves a secretKeyRef; a missing secret or key is a warning and yields null. */
  secret(
    ref: SecretRef | undefined,
    owner: { kind: string; name: string; source: { file: string; line: number } },
    field: string,
  ): string | null {
    if (!ref) return null;
    const { name, key } = ref.secretKeyRef;
    const s = this.snapshot.secrets.find((x) => x.name === name);
    const problem = !s
      ? `Secret ${JSON.stringify(name)} not found`
      : !Object.hasOwn(s.data, key)
        ? `Secret ${JSON.stringify(name)} has no key ${JSON.stringify(key)}`
        : null;
    if (problem) {
      this.warnOnce({
        file: owner.source.file,
        line: owner.source.line,
        resource: resourceId(owner),
        field,
        message: `${problem}: sessions are configured without a password`,
      });
      return null;
    }
    return s!.data[key];
  }

  private affinityIndex: Map<string, BlockAffinity[]> | null = null;
  private workloadIndex: Map<string, WorkloadEndpoint[]> | null = null;

  /** BlockAffinities of a node (built once per render). */
  affinitiesOf(node: string): readonly BlockAffinity[] {
    if (!this.affinityIndex) {
      this.affinityIndex = new Map();
      for (const a of this.snapshot.blockAffinities) {
        const list = this.affinityIndex.get(a.spec.node) ?? [];
        list.push(a);
        this.affinityIndex.set(a.spec.node, list);
      }
    }
    return this.affinityIndex.get(node) ?? [];
  }

  /** WorkloadEndpoints hosted on a node (built once per render). */
  workloadEndpointsOn(node: string): readonly WorkloadEndpoint[] {
    if (!this.workloadIndex) {
      this.workloadIndex = new Map();
      for (const w of this.snapshot.workloadEndpoints) {
        const list = this.workloadIndex.get(w.spec.node) ?? [];
        list.push(w);
        this.workloadIndex.set(w.spec.node, list);
      }
    }
    return this.workloadIndex.get(node) ?? [];
  }

  private readonly warned = new Set<string>();

  warnOnce(m: PlanMessage): void {
    const k = JSON.stringify(m);
    if (this.warned.has(k)) return;
    this.warned.add(k);
    this.warnings.push(m);
  }
}
