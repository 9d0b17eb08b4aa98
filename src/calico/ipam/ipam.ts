/**
 * The IPAM interface the daemon (block claims) and the CNI plugin (workload addresses) use.
 * The directory implementation lives in directory-ipam.ts; an etcd or Kubernetes backend would
 * implement the same interface with its own atomic create.
 */
import type { Family } from "../../common/contracts/families.js";

export interface Allocation {
  /** The address, canonical, without length. */
  readonly ip: string;
  readonly handle: string;
  readonly node: string;
  readonly block: string;
  /** ISO time of the allocation. */
  readonly time: string;
}

export interface AllocateOptions {
  /** IPPool name or CIDR to allocate from; default: every pool the node may use. */
  readonly pool?: string;
  /** Default ipv4, or the family of `address`. */
  readonly family?: Family;
  /**
   * This address and no other (Calico's `ipAddrs`, the CNI "ips" capability): it must be free,
   * inside an enabled pool, and in one of the node's blocks, in a block nobody owns yet (the
   * node claims it) or borrowed from another node's block (unless strict affinity is on).
   */
  readonly address?: string;
}

export interface Ipam {
  /** Claims the node's first block per family if it owns none (the render's pending-claim
   *  blocks); returns the CIDRs claimed now (empty: nothing to do or no free block). */
  ensureBlocks(node: string): Promise<string[]>;
  /**
   * Gives `handle` an address of one family on `node`: the one it holds in that family already,
   * else a new one. A handle holds at most one address per family.
   */
  allocate(node: string, handle: string, options?: AllocateOptions): Promise<Allocation>;
  /** Frees every address of `handle` (all families); returns them. Unknown handles free nothing. */
  release(handle: string): Promise<string[]>;
  /** The addresses `handle` holds (IPv4 first). */
  allocationsOf(handle: string): Promise<Allocation[]>;
  /** Current allocations (of one node, or all). */
  allocations(node?: string): Promise<Allocation[]>;
}
