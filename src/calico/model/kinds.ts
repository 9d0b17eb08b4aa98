/**
 * Which kinds wren reads, under which apiVersions, with which spec schema; and the kinds it
 * knows but does not use (policy, Felix configuration, ...), which load with a warning.
 */
import type { z } from "zod";
import { bgpConfigurationSpec } from "./schemas/bgp-configuration.js";
import { bgpFilterSpec } from "./schemas/bgp-filter.js";
import { bgpPeerSpec } from "./schemas/bgp-peer.js";
import { blockAffinitySpec } from "./schemas/block-affinity.js";
import { ipPoolSpec } from "./schemas/ip-pool.js";
import { ipamConfigurationSpec } from "./schemas/ipam-configuration.js";
import { nodeSpec } from "./schemas/node.js";
import { workloadEndpointSpec } from "./schemas/workload-endpoint.js";
import type { ResourceKind } from "./types.js";

/** calicoctl's API group, and the CRD group of Calico's Kubernetes datastore (same specs). */
export const CALICO_API_VERSIONS = ["projectcalico.org/v3", "crd.projectcalico.org/v1"] as const;

export const SPEC_SCHEMAS: Readonly<Record<Exclude<ResourceKind, "Secret">, z.ZodType>> = {
  BGPConfiguration: bgpConfigurationSpec,
  Node: nodeSpec,
  BGPPeer: bgpPeerSpec,
  IPPool: ipPoolSpec,
  BlockAffinity: blockAffinitySpec,
  WorkloadEndpoint: workloadEndpointSpec,
  BGPFilter: bgpFilterSpec,
  IPAMConfiguration: ipamConfigurationSpec,
};

/** Other names of a kind: Calico's Kubernetes CRD calls IPAMConfiguration `IPAMConfig`. */
export const KIND_ALIASES: Readonly<Record<string, Exclude<ResourceKind, "Secret">>> = {
  IPAMConfig: "IPAMConfiguration",
};

export const NAMESPACED_KINDS: ReadonlySet<string> = new Set(["WorkloadEndpoint", "Secret"]);

export function isCalicoKind(kind: string): kind is Exclude<ResourceKind, "Secret"> {
  return Object.hasOwn(SPEC_SCHEMAS, kind);
}

/** Kinds a Calico user may well keep next to the BGP ones; wren reads them past with a warning. */
export const UNUSED_KINDS: ReadonlySet<string> = new Set([
  "FelixConfiguration",
  "KubeControllersConfiguration",
  "ClusterInformation",
  "GlobalNetworkPolicy",
  "NetworkPolicy",
  "StagedGlobalNetworkPolicy",
  "StagedNetworkPolicy",
  "StagedKubernetesNetworkPolicy",
  "Tier",
  "GlobalNetworkSet",
  "NetworkSet",
  "HostEndpoint",
  "Profile",
  "IPReservation",
  "IPAMBlock",
  "IPAMHandle",
  "CalicoNodeStatus",
  "BGPFilterList",
  "ConfigMap",
  "Namespace",
  "Pod",
  "Service",
  "ServiceAccount",
  "EndpointSlice",
]);
