/**
 * What this node originates into BGP (BIRD's static protocol + kernel-learned workload routes):
 * its blocks (not /32 or /128 blocks, which instead originate the workload route they hold),
 * the advertised service CIDRs, and borrowed addresses — /32s (/128s) of local workloads whose
 * address lies outside every block this node owns (Calico exports them so that traffic to a pod
 * using another node's block does not die in that node's blackhole, calico#3246).
 */
import type { OwnedBlock } from "../../common/contracts/plan.js";
import type { OriginatedPrefix } from "../../common/contracts/speaker-config.js";
import { cidrContains, compareCidr } from "../model/net.js";
import { activeBlocks, isHostBlock } from "./node-blocks.js";
import type { Workload } from "./workloads.js";

const KIND_ORDER = { block: 0, borrowed: 1, service: 2, static: 3 } as const;

export function originatedPrefixes(
  blocks: readonly OwnedBlock[],
  serviceCidrs: readonly string[],
  localWorkloads: readonly Workload[],
): OriginatedPrefix[] {
  const active = activeBlocks(blocks).map((b) => b.cidr);
  const out: OriginatedPrefix[] = [];
  const ifaceOf = new Map<string, string>();
  for (const w of localWorkloads) for (const a of w.addresses) ifaceOf.set(a, w.interfaceName);
  for (const b of active) {
    if (!isHostBlock(b)) out.push({ prefix: b, kind: "block" });
    else if (ifaceOf.has(b)) out.push({ prefix: b, kind: "block", interface: ifaceOf.get(b)! });
  }
  for (const c of serviceCidrs) out.push({ prefix: c, kind: "service" });
  for (const [addr, iface] of ifaceOf) {
    if (!active.some((b) => cidrContains(b, addr)))
      out.push({ prefix: addr, kind: "borrowed", interface: iface });
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
