/**
 * Which block a node should own, decided from a snapshot alone (pure): the node's blocks are
 * the BlockAffinities naming it; for each of its address families (claimFamilies) in which it owns no block in any pool
 * it may draw from, it would claim the first free block of the first such pool (pools sorted by
 * CIDR). A pool is usable for automatic claims when it is not disabled, allows `Workload` use,
 * has assignmentMode Automatic, and its nodeSelector matches the node's labels. A block is free
 * when no BlockAffinity (of any node, any size) overlaps it.
 *
 * No claim when the IPAMConfiguration turns automatic claims off (autoAllocateBlocks false) or
 * the node owns maxBlocksPerHost blocks of the family already.
 *
 * The renderer shows such a block as "pending-claim"; the IPAM (directory-ipam.ts) claims
 * exactly this block, or the next free one if another node was faster.
 */
import type { Family } from "../../common/contracts/families.js";
import type { Snapshot } from "../datastore/snapshot.js";
import { cidrsOverlap, compareCidr } from "../model/net.js";
import type { BlockAffinity, CalicoNode, IPPool } from "../model/types.js";
import { selector } from "../selector/parser.js";
import { poolBlocks } from "./block-math.js";
import { type IpamSettings, ipamSettings, mayClaimMore } from "./ipam-settings.js";

export function poolSelectsNode(pool: IPPool, node: CalicoNode | undefined): boolean {
  try {
    return selector(pool.spec.nodeSelector).matches(node?.labels ?? {});
  } catch {
    return false;
  }
}

/** Pools a node may claim blocks from automatically, sorted by CIDR. */
export function claimablePools(
  snapshot: Snapshot,
  node: CalicoNode | undefined,
  family?: Family,
): IPPool[] {
  return snapshot.ipPools
    .filter((p) => !p.spec.disabled)
    .filter((p) => p.spec.allowedUses.includes("Workload"))
    .filter((p) => p.spec.assignmentMode === "Automatic")
    .filter((p) => family === undefined || p.spec.family === family)
    .filter((p) => poolSelectsNode(p, node))
    .sort((a, b) => compareCidr(a.spec.cidr, b.spec.cidr));
}

export function affinitiesOf(snapshot: Snapshot, nodeName: string): BlockAffinity[] {
  return snapshot.blockAffinities.filter((a) => a.spec.node === nodeName);
}

/**
 * Whether the IPAMConfiguration lets `nodeName` claim one more `family` block automatically
 * (autoAllocateBlocks, maxBlocksPerHost against the blocks it owns in that family).
 */
export function mayClaimAnother(
  snapshot: Snapshot,
  nodeName: string,
  family: Family,
  settings: IpamSettings = ipamSettings(snapshot),
): boolean {
  const owned = affinitiesOf(snapshot, nodeName).filter(
    (a) => familyOfCidr(a.spec.cidr) === family,
  ).length;
  return mayClaimMore(settings, owned);
}

/** The pool containing a block, if any. */
export function poolOfBlock(pools: readonly IPPool[], block: string): IPPool | undefined {
  return pools.find(
    (p) => cidrsOverlap(p.spec.cidr, block) && p.spec.family === familyOfCidr(block),
  );
}

function familyOfCidr(cidr: string): Family {
  return cidr.includes(":") ? "ipv6" : "ipv4";
}

/** First block of `pool` that no affinity in `taken` overlaps. */
export function firstFreeBlockOf(pool: IPPool, taken: readonly string[]): string | null {
  const exact = new Set(taken);
  const sameFamily = taken.filter(
    (t) => familyOfCidr(t) === pool.spec.family && cidrsOverlap(t, pool.spec.cidr),
  );
  for (const b of poolBlocks(pool.spec.cidr, pool.spec.blockSize)) {
    if (exact.has(b)) continue;
    if (sameFamily.some((t) => cidrsOverlap(t, b))) continue;
    return b;
  }
  return null;
}

/**
 * Address families a node claims blocks in automatically: those it has a BGP address in (a
 * dual-stack node claims both, an IPv6-only node only IPv6); IPv4 for a node without BGP
 * addresses (Calico's CNI default, assign_ipv4). Explicit allocations may use any family.
 */
export function claimFamilies(node: CalicoNode | undefined): Family[] {
  const out: Family[] = [];
  if (node?.spec.bgp?.ipv4Address) out.push("ipv4");
  if (node?.spec.bgp?.ipv6Address) out.push("ipv6");
  return out.length > 0 ? out : ["ipv4"];
}

export interface ClaimIntent {
  readonly pool: IPPool;
  readonly block: string;
}

/** The block `nodeName` would claim in `family`, or null if it owns one already / none is free. */
export function blockToClaim(
  snapshot: Snapshot,
  nodeName: string,
  family: Family,
): ClaimIntent | null {
  const node = snapshot.nodes.find((n) => n.name === nodeName);
  if (!claimFamilies(node).includes(family)) return null;
  const pools = claimablePools(snapshot, node, family);
  if (pools.length === 0) return null;
  if (!mayClaimAnother(snapshot, nodeName, family)) return null;
  const mine = affinitiesOf(snapshot, nodeName);
  if (
    mine.some((a) =>
      pools.some(
        (p) => cidrsOverlap(p.spec.cidr, a.spec.cidr) && familyOfCidr(a.spec.cidr) === family,
      ),
    )
  ) {
    return null;
  }
  const taken = snapshot.blockAffinities.map((a) => a.spec.cidr);
  for (const pool of pools) {
    const block = firstFreeBlockOf(pool, taken);
    if (block) return { pool, block };
  }
  return null;
}
