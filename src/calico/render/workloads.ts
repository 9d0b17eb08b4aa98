/**
 * Workload endpoints as the renderer needs them: which node hosts them, their addresses and
 * the host-side interface (the WEP's interfaceName, else Calico's hashed `cali…` name).
 */
import type { SourceRef, WorkloadEndpoint } from "../model/types.js";
import type { RenderContext } from "./context.js";
import { workloadInterfaceName } from "./names.js";

export interface Workload {
  readonly endpoint: string;
  readonly node: string;
  readonly interfaceName: string;
  /** Host CIDRs (/32, /128). */
  readonly addresses: readonly string[];
  readonly mac: string | null;
  /** Where the WorkloadEndpoint was defined (for messages). */
  readonly source?: SourceRef;
}

export function workloadOf(w: WorkloadEndpoint): Workload {
  const pod = w.spec.pod ?? w.spec.workload ?? w.name;
  return {
    endpoint: `${w.namespace}/${w.name}`,
    node: w.spec.node,
    interfaceName: w.spec.interfaceName ?? workloadInterfaceName(w.namespace, pod),
    addresses: w.spec.ipNetworks,
    mac: w.spec.mac ?? null,
    source: w.source,
  };
}

export function workloadsOn(ctx: RenderContext, node: string): Workload[] {
  return ctx.workloadEndpointsOn(node).map(workloadOf);
}

/** Addresses of a node's workloads (no interface names: cheaper for remote nodes). */
export function workloadAddressesOn(ctx: RenderContext, node: string): string[] {
  return ctx.workloadEndpointsOn(node).flatMap((w) => w.spec.ipNetworks);
}
