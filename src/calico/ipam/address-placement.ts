/**
 * Where a chosen workload address (Calico's `ipAddrs` annotation, the CNI "ips" capability) may
 * come from, decided from a snapshot alone (pure), with the rules of Calico's AssignIP
 * (libcalico-go ipam.AssignIP):
 *
 * - the address must lie inside an IPPool that is not disabled (its nodeSelector, allowedUses
 *   and assignmentMode do not matter: a chosen address may come from a Manual pool);
 * - its block is the BlockAffinity containing it, else the pool's block of `blockSize` around it;
 * - a block of this node: allocated there; a block no affinity covers: the node claims it and
 *   allocates there; another node's block: the address is borrowed (Calico's default,
 *   strictAffinity false), or refused when strict affinity is asked for;
 * - Node tunnel addresses (ipv4IPIPTunnelAddr, ipv4/ipv6VXLANTunnelAddr) are never handed out,
 *   nor the first address of a block (wren keeps it for the owner's tunnel address, as its
 *   automatic allocation does), except in /32 and /128 blocks.
 *
 * Whether the address is free is for the allocator to find out (its allocation file).
 */
import type { Family } from "../../common/contracts/families.js";
import type { Snapshot } from "../datastore/snapshot.js";
import { CalicoError } from "../errors.js";
import { canonicalIp, cidrContainsIp, cidrFamily, cidrsOverlap, ipFamily } from "../model/net.js";
import type { IPPool } from "../model/types.js";
import { blockAddress, blockOf, blockSize } from "./block-math.js";

export type AddressPlacement = {
  readonly address: string;
  readonly family: Family;
  readonly pool: IPPool;
  readonly block: string;
} & (
  | { readonly kind: "own" }
  | { readonly kind: "unclaimed" }
  | { readonly kind: "borrowed"; readonly owner: string }
);

export interface PlacementOptions {
  /** IPPool name or CIDR the address must come from. */
  readonly pool?: string;
  /** The family the caller asked for (an address of the other family is refused). */
  readonly family?: Family;
  /** Refuse addresses in other nodes' blocks (Calico IPAMConfiguration strictAffinity). */
  readonly strictAffinity?: boolean;
}

/** Explicit tunnel addresses of every Node: never handed out to workloads. */
export function reservedAddresses(snapshot: Snapshot): Set<string> {
  const out = new Set<string>();
  for (const n of snapshot.nodes) {
    for (const a of [
      n.spec.bgp?.ipv4IPIPTunnelAddr,
      n.spec.ipv4VXLANTunnelAddr,
      n.spec.ipv6VXLANTunnelAddr,
    ]) {
      if (a) out.add(a);
    }
  }
  return out;
}

/** Parses a requested address (bare, canonicalised) or throws CALICO_IPAM_BAD_ADDRESS. */
export function requestedAddress(
  text: string,
  family?: Family,
): { address: string; family: Family } {
  const address = canonicalIp(text);
  if (address === null) {
    throw new CalicoError(
      "CALICO_IPAM_BAD_ADDRESS",
      `${JSON.stringify(text)} is not an IP address (give the bare address, without a length)`,
    );
  }
  const f = ipFamily(address)!;
  if (family !== undefined && family !== f) {
    throw new CalicoError("CALICO_IPAM_BAD_ADDRESS", `${address} is not an ${family} address`);
  }
  return { address, family: f };
}

function containingPool(
  snapshot: Snapshot,
  address: string,
  family: Family,
  wanted: string | undefined,
): IPPool {
  const pools = snapshot.ipPools.filter(
    (p) => p.spec.family === family && cidrContainsIp(p.spec.cidr, address),
  );
  if (wanted !== undefined) {
    const named = snapshot.ipPools.find((p) => p.name === wanted || p.spec.cidr === wanted);
    if (!named) {
      throw new CalicoError(
        "CALICO_IPAM_UNKNOWN_POOL",
        `no IPPool named or with CIDR ${JSON.stringify(wanted)}`,
      );
    }
    if (!pools.includes(named)) {
      throw new CalicoError(
        "CALICO_IPAM_NOT_IN_POOL",
        `${address} is not inside IPPool ${named.name} (${named.spec.cidr})`,
      );
    }
  }
  const enabled = pools.find((p) => !p.spec.disabled);
  if (enabled) return enabled;
  throw new CalicoError(
    "CALICO_IPAM_NOT_IN_POOL",
    pools.length > 0
      ? `${address} is inside IPPool ${pools[0].name} (${pools[0].spec.cidr}), which is disabled`
      : `${address} is not inside any IPPool`,
  );
}

/** Where `address` would be allocated for `node`; throws a CalicoError when it may not be. */
export function placeAddress(
  snapshot: Snapshot,
  node: string,
  text: string,
  options: PlacementOptions = {},
): AddressPlacement {
  const { address, family } = requestedAddress(text, options.family);
  const pool = containingPool(snapshot, address, family, options.pool);
  if (reservedAddresses(snapshot).has(address)) {
    const owner = snapshot.nodes.find((n) =>
      [
        n.spec.bgp?.ipv4IPIPTunnelAddr,
        n.spec.ipv4VXLANTunnelAddr,
        n.spec.ipv6VXLANTunnelAddr,
      ].includes(address),
    );
    throw new CalicoError(
      "CALICO_IPAM_ADDRESS_RESERVED",
      `${address} is the tunnel address of Node ${owner?.name ?? "?"}`,
    );
  }
  const base = { address, family, pool };
  const affinity = snapshot.blockAffinities.find(
    (a) => cidrFamily(a.spec.cidr) === family && cidrContainsIp(a.spec.cidr, address),
  );
  const block = affinity?.spec.cidr ?? blockOf(address, pool.spec.blockSize);
  if (blockSize(block) > 1 && blockAddress(block, 0) === address) {
    throw new CalicoError(
      "CALICO_IPAM_ADDRESS_RESERVED",
      `${address} is the first address of block ${block}, kept for the tunnel address of the block's node`,
    );
  }
  if (affinity) {
    if (affinity.spec.node === node) return { ...base, block, kind: "own" };
    if (options.strictAffinity) {
      throw new CalicoError(
        "CALICO_IPAM_ADDRESS_UNAVAILABLE",
        `${address} is in block ${block} of node ${affinity.spec.node}, and strict affinity forbids borrowing it`,
      );
    }
    return { ...base, block, kind: "borrowed", owner: affinity.spec.node };
  }
  const overlapping = snapshot.blockAffinities.find(
    (a) => cidrFamily(a.spec.cidr) === family && cidrsOverlap(a.spec.cidr, block),
  );
  if (overlapping) {
    throw new CalicoError(
      "CALICO_IPAM_ADDRESS_UNAVAILABLE",
      `${address} is in block ${block}, which overlaps block ${overlapping.spec.cidr} of node ${overlapping.spec.node} without containing the address`,
    );
  }
  return { ...base, block, kind: "unclaimed" };
}
