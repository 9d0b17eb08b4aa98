/**
 * Who a CNI invocation is for, and the names Calico derives from it:
 *   - Kubernetes pods (K8S_POD_NAMESPACE + K8S_POD_NAME in CNI_ARGS): orchestrator "k8s", host
 *     veth `cali` + 11 hex digits of SHA-1("<namespace>.<pod>") (the renderer derives the same
 *     name, calico/render/names.ts), WorkloadEndpoint name
 *     `<node>-k8s-<pod>-<endpoint>` with "-" doubled inside each part (libcalico-go's
 *     WorkloadEndpointIdentifiers), in the pod's namespace;
 *   - anything else: orchestrator "cni", workload = the container ID, host veth `cali` + the
 *     first 11 characters of the container ID, namespace "default".
 * The IPAM handle is `<network name>.<container ID>` (Calico's), one per sandbox.
 */
import { workloadInterfaceName } from "../calico/index.js";
import { CniError } from "./errors.js";
import type { CniInvocation } from "./invocation.js";

export interface WorkloadIdentity {
  readonly orchestrator: "k8s" | "cni";
  readonly namespace: string;
  /** Pod name (k8s) or container ID (cni). */
  readonly workload: string;
  /** The container-side interface name (CNI_IFNAME). */
  readonly endpoint: string;
  readonly node: string;
  readonly containerId: string;
  readonly hostVeth: string;
  readonly wepName: string;
  readonly handle: string;
}

/** Kubernetes object names: DNS subdomain-ish; also what is safe as a file name. */
const K8S_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export function escapeDashes(s: string): string {
  return s.replaceAll("-", "--");
}

export function workloadEndpointName(
  node: string,
  orchestrator: string,
  workload: string,
  endpoint: string,
): string {
  return [node, orchestrator, workload, endpoint].map(escapeDashes).join("-");
}

export function ipamHandle(network: string, containerId: string): string {
  return `${network}.${containerId}`;
}

export function workloadIdentity(
  inv: CniInvocation,
  network: string,
  node: string,
): WorkloadIdentity {
  const ns = inv.args.K8S_POD_NAMESPACE;
  const pod = inv.args.K8S_POD_NAME;
  if (pod !== undefined && pod !== "") {
    const namespace = ns || "default";
    for (const [what, v] of [
      ["K8S_POD_NAMESPACE", namespace],
      ["K8S_POD_NAME", pod],
    ] as const) {
      if (!K8S_NAME.test(v) || v.length > 253) {
        throw new CniError(
          "CNI_INVALID_ENVIRONMENT",
          `CNI_ARGS ${what} "${v}" is not a Kubernetes name (lower-case letters, digits, "-", ".")`,
        );
      }
    }
    return {
      orchestrator: "k8s",
      namespace,
      workload: pod,
      endpoint: inv.ifname,
      node,
      containerId: inv.containerId,
      hostVeth: workloadInterfaceName(namespace, pod),
      wepName: workloadEndpointName(node, "k8s", pod, inv.ifname),
      handle: ipamHandle(network, inv.containerId),
    };
  }
  return {
    orchestrator: "cni",
    namespace: "default",
    workload: inv.containerId,
    endpoint: inv.ifname,
    node,
    containerId: inv.containerId,
    hostVeth: `cali${inv.containerId.slice(0, 11)}`,
    wepName: workloadEndpointName(node, "cni", inv.containerId, inv.ifname),
    handle: ipamHandle(network, inv.containerId),
  };
}
