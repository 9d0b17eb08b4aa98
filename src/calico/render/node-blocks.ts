/**
 * The IPAM view of one node for the plan: the blocks it owns (BlockAffinities naming it), each
 * with its pool and affinity state, plus the block it would still have to claim per address
 * family ("pending-claim"; rendering never writes to the datastore).
 */
import type { Family } from "../../common/contracts/families.js";
import type { OwnedBlock } from "../../common/contracts/plan.js";
import { affinitiesOf, blockToClaim, poolOfBlock } from "../ipam/claim-plan.js";
import { cidrFamily, compareCidr } from "../model/net.js";
import type { RenderContext } from "./context.js";

export function nodeBlocks(ctx: RenderContext): OwnedBlock[] {
  const out: OwnedBlock[] = affinitiesOf(ctx.snapshot, ctx.nodeName).map((a) => ({
    cidr: a.spec.cidr,
    pool: poolOfBlock(ctx.snapshot.ipPools, a.spec.cidr)?.name ?? "",
    state: "claimed" as const,
    affinityState: a.spec.state,
  }));
  if (ctx.me) {
    for (const family of ["ipv4", "ipv6"] as Family[]) {
      const intent = blockToClaim(ctx.snapshot, ctx.nodeName, family);
      if (intent) {
        out.push({
          cidr: intent.block,
          pool: intent.pool.name,
          state: "pending-claim",
          affinityState: "",
        });
      }
    }
  }
  return out.sort((a, b) => compareCidr(a.cidr, b.cidr));
}

/** Claimed blocks that exist for BIRD (state pending is ignored by confd entirely). */
export function activeBlocks(blocks: readonly OwnedBlock[]): OwnedBlock[] {
  return blocks.filter((b) => b.state === "claimed" && b.affinityState !== "pending");
}

/** Blocks calico_aggr accepts exactly: state confirmed, or unset ("implicitly confirmed"). */
export function confirmedBlocks(blocks: readonly OwnedBlock[]): string[] {
  return blocks
    .filter(
      (b) => b.state === "claimed" && (b.affinityState === "confirmed" || b.affinityState === ""),
    )
    .map((b) => b.cidr);
}

export function isHostBlock(cidr: string): boolean {
  return cidr.endsWith(cidrFamily(cidr) === "ipv4" ? "/32" : "/128");
}
