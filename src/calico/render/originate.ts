/**
 * What this node originates into BGP (BIRD's static protocol + kernel-learned workload routes):
 * its blocks (not /32 or /128 blocks, which instead originate the workload route they hold),
 * the advertised service CIDRs, and borrowed addresses — /32s (/128s) of local workloads whose
 * address lies outside every block this node owns (Calico exports them so that traffic to a pod
 * using another node's block does not die in that node's blackhole, calico#3246).
 *
 * A borrowed address is originated only when Calico's export filter would send it: inside an
 * IPPool without disableBGPExport (bird_ipam.cfg accepts pool-internal routes; a disabled pool
 * still counts, its routes keep flowing). A local workload address outside every IPPool is
 * routed to its interface but never advertised; the renderer warns about it.
 */
import type { OwnedBlock, PlanMessage } from "../../common/contracts/plan.js";
import type { OriginatedPrefix } from "../../common/contracts/speaker-config.js";
import { cidrContains, cidrFamily, compareCidr } from "../model/net.js";
import type { IPPool } from "../model/types.js";
import { activeBlocks, isHostBlock } from "./node-blocks.js";
import type { Workload } from "./workloads.js";

const KIND_ORDER = { block: 0, borrowed: 1, service: 2, static: 3 } as const;

/** The pool containing a host CIDR, if any. */
function poolOf(pools: readonly IPPool[], cidr: string): IPPool | undefined {
  const family = cidrFamily(cidr);
  return pools.find((p) => p.spec.family === family && cidrContains(p.spec.cidr, cidr));
}

/** Each local workload address (host CIDR) with its workload (the last one naming it). */
function workloadOfAddress(localWorkloads: readonly Workload[]): Map<string, Workload> {
  const out = new Map<string, Workload>();
  for (const w of localWorkloads) for (const a of w.addresses) out.set(a, w);
  return out;
}

/** Local workload addresses outside every block this node owns, with their workload. */
function borrowedAddresses(
  blocks: readonly OwnedBlock[],
  localWorkloads: readonly Workload[],
): { address: string; workload: Workload }[] {
  const active = activeBlocks(blocks).map((b) => b.cidr);
  return [...workloadOfAddress(localWorkloads)]
    .filter(([address]) => !active.some((b) => cidrContains(b, address)))
    .map(([address, workload]) => ({ address, workload }));
}

export function originatedPrefixes(
  blocks: readonly OwnedBlock[],
  serviceCidrs: readonly string[],
  localWorkloads: readonly Workload[],
  pools: readonly IPPool[],
): OriginatedPrefix[] {
  const active = activeBlocks(blocks).map((b) => b.cidr);
  const out: OriginatedPrefix[] = [];
  const holder = workloadOfAddress(localWorkloads);
  for (const b of active) {
    const w = holder.get(b);
    if (!isHostBlock(b)) out.push({ prefix: b, kind: "block" });
    else if (w) out.push({ prefix: b, kind: "block", interface: w.interfaceName });
  }
  for (const c of serviceCidrs) out.push({ prefix: c, kind: "service" });
  for (const { address, workload } of borrowedAddresses(blocks, localWorkloads)) {
    const pool = poolOf(pools, address);
    if (pool && !pool.spec.disableBGPExport)
      out.push({ prefix: address, kind: "borrowed", interface: workload.interfaceName });
  }
  const seen = new Set<string>();
  return out
    .sort((a, b) => compareCidr(a.prefix, b.prefix) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind])
    .filter((p) => {
      if (seen.has(p.prefix)) return false;
      seen.add(p.prefix);
      return true;
    });
}

/** Warnings for local workload addresses no IPPool contains: routed locally, never advertised. */
export function unadvertisedWorkloadWarnings(
  blocks: readonly OwnedBlock[],
  localWorkloads: readonly Workload[],
  pools: readonly IPPool[],
): PlanMessage[] {
  return borrowedAddresses(blocks, localWorkloads)
    .filter(({ address }) => !poolOf(pools, address))
    .map(({ address, workload }) => ({
      ...(workload.source ? { file: workload.source.file, line: workload.source.line } : {}),
      resource: `WorkloadEndpoint ${workload.endpoint}`,
      field: "spec.ipNetworks",
      message: `${address} is outside every IPPool: routed to ${workload.interfaceName} but not advertised (Calico exports only addresses inside IPPools)`,
    }));
}
