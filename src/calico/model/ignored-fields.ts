/**
 * Calico fields wren accepts but does not act on, and the warning each one produces. Fields that
 * only matter to Calico's policy engine or are informational (Node orchRefs/addresses, WEP
 * profiles/ports, metadata bookkeeping) are accepted silently; the fields below change what
 * Calico does on the wire or in the kernel, so their presence is worth a warning. The table is
 * documented in docs/configuration.md.
 */

export interface IgnoredField {
  readonly kind: string;
  /** Path below the document root, e.g. ["spec", "wireguard"]; "*" matches any array index. */
  readonly path: readonly string[];
  readonly reason: string;
  /** Warn only for some values (e.g. natOutgoing: true). */
  readonly when?: (value: unknown) => boolean;
}

export const IGNORED_FIELDS: readonly IgnoredField[] = [
  {
    kind: "IPAMConfiguration",
    path: ["spec", "kubeVirtVMAddressPersistence"],
    reason: "wren's IPAM has no KubeVirt address persistence",
  },
  { kind: "Node", path: ["spec", "wireguard"], reason: "wren does not implement WireGuard" },
  {
    kind: "BGPConfiguration",
    path: ["spec", "localWorkloadPeeringIPV4"],
    reason: "BGP peering with local workloads is not implemented",
  },
  {
    kind: "BGPConfiguration",
    path: ["spec", "localWorkloadPeeringIPV6"],
    reason: "BGP peering with local workloads is not implemented",
  },
  {
    kind: "BGPConfiguration",
    path: ["spec", "ipv4NormalRoutePriority"],
    reason: "route priorities (KubeVirt live migration) are not implemented",
  },
  {
    kind: "BGPConfiguration",
    path: ["spec", "ipv6NormalRoutePriority"],
    reason: "route priorities (KubeVirt live migration) are not implemented",
  },
  {
    kind: "BGPConfiguration",
    path: ["spec", "programClusterRoutes"],
    reason:
      "wren programs all cluster routes itself (BGP routes for IPIP and unencapsulated pools, VXLAN routes from the datastore)",
    when: (v) => v !== "Enabled" && v !== "EnabledNoEncapOnly",
  },
  {
    kind: "BGPPeer",
    path: ["spec", "localWorkloadSelector"],
    reason: "BGP peering with local workloads is not implemented; this BGPPeer makes no sessions",
  },
  {
    kind: "IPPool",
    path: ["spec", "natOutgoing"],
    reason:
      "wren programs no NAT (Felix's MASQUERADE rule); pods reach other networks only by routes",
    when: (v) => v === true,
  },
  {
    kind: "IPPool",
    path: ["spec", "namespaceSelector"],
    reason: "wren's IPAM does not choose pools by namespace",
  },
  { kind: "IPPool", path: ["spec", "ipip"], reason: "Calico v1 field; use spec.ipipMode" },
  {
    kind: "IPPool",
    path: ["spec", "nat_outgoing"],
    reason: "Calico v1 field; use spec.natOutgoing",
  },
  {
    kind: "WorkloadEndpoint",
    path: ["spec", "ipNATs"],
    reason: "floating IPs (1:1 NAT) are not implemented",
  },
  {
    kind: "WorkloadEndpoint",
    path: ["spec", "allowSpoofedSourcePrefixes"],
    reason: "rp_filter on the workload interface stays at the host default",
  },
  {
    kind: "WorkloadEndpoint",
    path: ["spec", "qosControls"],
    reason: "QoS controls are not implemented",
  },
  {
    kind: "WorkloadEndpoint",
    path: ["spec", "awsElasticIPs"],
    reason: "AWS elastic IPs are not implemented",
  },
  {
    kind: "BGPFilter",
    path: ["spec", "*", "*", "priority"],
    reason: "route priorities are not implemented",
  },
  {
    kind: "BGPFilter",
    path: ["spec", "*", "*", "operations", "*", "setPriority"],
    reason: "route priorities are not implemented; the operation is skipped",
  },
];
