/**
 * The validated resources a datastore snapshot holds, each with where it came from (file and
 * line, for messages). Specs are the zod outputs of model/schemas (defaults applied, addresses
 * and CIDRs canonical, AS numbers as numbers, durations as seconds).
 */
import type { BGPConfigurationSpec } from "./schemas/bgp-configuration.js";
import type { BGPFilterSpec } from "./schemas/bgp-filter.js";
import type { BGPPeerSpec } from "./schemas/bgp-peer.js";
import type { BlockAffinitySpec } from "./schemas/block-affinity.js";
import type { IPPoolSpec } from "./schemas/ip-pool.js";
import type { IPAMConfigurationSpec } from "./schemas/ipam-configuration.js";
import type { NodeSpec } from "./schemas/node.js";
import type { WorkloadEndpointSpec } from "./schemas/workload-endpoint.js";

export type { BGPConfigurationSpec } from "./schemas/bgp-configuration.js";
export type { BGPFilterRule, BGPFilterSpec } from "./schemas/bgp-filter.js";
export type { BGPPeerSpec } from "./schemas/bgp-peer.js";
export type { BlockAffinitySpec } from "./schemas/block-affinity.js";
export type { EncapMode, IPPoolSpec } from "./schemas/ip-pool.js";
export type { IPAMConfigurationSpec } from "./schemas/ipam-configuration.js";
export type { NodeSpec } from "./schemas/node.js";
export type { WorkloadEndpointSpec } from "./schemas/workload-endpoint.js";

/** Where a resource was defined: file relative to the datastore root, 1-based line. */
export interface SourceRef {
  readonly file: string;
  readonly line: number;
}

interface ResourceBase {
  readonly name: string;
  readonly namespace?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly source: SourceRef;
}

export interface BGPConfiguration extends ResourceBase {
  readonly kind: "BGPConfiguration";
  readonly spec: BGPConfigurationSpec;
}

export interface CalicoNode extends ResourceBase {
  readonly kind: "Node";
  readonly spec: NodeSpec;
}

export interface BGPPeer extends ResourceBase {
  readonly kind: "BGPPeer";
  readonly spec: BGPPeerSpec;
}

export interface IPPool extends ResourceBase {
  readonly kind: "IPPool";
  readonly spec: IPPoolSpec;
}

export interface BlockAffinity extends ResourceBase {
  readonly kind: "BlockAffinity";
  readonly spec: BlockAffinitySpec;
}

export interface WorkloadEndpoint extends ResourceBase {
  readonly kind: "WorkloadEndpoint";
  readonly namespace: string;
  readonly spec: WorkloadEndpointSpec;
}

export interface BGPFilter extends ResourceBase {
  readonly kind: "BGPFilter";
  readonly spec: BGPFilterSpec;
}

export interface IPAMConfiguration extends ResourceBase {
  readonly kind: "IPAMConfiguration";
  readonly spec: IPAMConfigurationSpec;
}

export interface Secret extends ResourceBase {
  readonly kind: "Secret";
  readonly namespace: string;
  /** data (base64-decoded) merged with stringData. */
  readonly data: Readonly<Record<string, string>>;
}

export type CalicoResource =
  | BGPConfiguration
  | CalicoNode
  | BGPPeer
  | IPPool
  | BlockAffinity
  | WorkloadEndpoint
  | BGPFilter
  | IPAMConfiguration
  | Secret;

export type ResourceKind = CalicoResource["kind"];

/** "BGPPeer worker1.peer-tor", "WorkloadEndpoint default/pod-eth0". */
export function resourceId(r: { kind: string; name: string; namespace?: string }): string {
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ""}${r.name}`;
}
