/**
 * A minimal desired dataplane (the renderer's output for the dataplane agent) for tests to
 * extend: node `node1`, nothing to install, IPv4 forwarding on, resync every 90 s, a 10 s
 * workload grace period. Unit tests and the integration agent driver override what they need.
 */
import type { DesiredDataplane } from "../../src/common/contracts/dataplane.js";

export function desiredDataplane(extra: Partial<DesiredDataplane> = {}): DesiredDataplane {
  return {
    nodeName: "node1",
    blackholes: [],
    workloads: [],
    ipip: null,
    vxlan: [],
    vxlanPeers: [],
    staticRoutes: [],
    kernelPolicy: { rejectCidrs: [], pools: [], nodeSubnets: [] },
    sysctls: { ipv4Forwarding: true, ipv6Forwarding: false },
    resyncInterval: 90,
    workloadGracePeriod: 10,
    ...extra,
  };
}
