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
  /** Default ipv4. */
  readonly family?: Family;
}

export interface Ipam {
  /** Claims the node's first block per family if it owns none (the render's pending-claim
   *  blocks); returns the CIDRs claimed now (empty: nothing to do or no free block). */
  ensureBlocks(node: string): Promise<string[]>;
  /** Gives `handle` an address on `node` (the same one again if it has one already). */
  allocate(node: string, handle: string, options?: AllocateOptions): Promise<Allocation>;
  /** Frees every address of `handle`; returns them. Unknown handles free nothing. */
  release(handle: string): Promise<string[]>;
  /** Current allocations (of one node, or all). */
  allocations(node?: string): Promise<Allocation[]>;
}
