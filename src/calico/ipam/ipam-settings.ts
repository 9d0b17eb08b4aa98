/**
 * The cluster's IPAM settings in effect: the IPAMConfiguration named `default`, else Calico's
 * defaults (strictAffinity false: a node may borrow addresses from other nodes' blocks;
 * autoAllocateBlocks true; maxBlocksPerHost 0 = no limit).
 */
import type { Snapshot } from "../datastore/snapshot.js";

export interface IpamSettings {
  readonly strictAffinity: boolean;
  readonly autoAllocateBlocks: boolean;
  /** Automatic claims stop when a node owns this many blocks of a family; 0 = no limit. */
  readonly maxBlocksPerHost: number;
}

export function ipamSettings(snapshot: Snapshot): IpamSettings {
  const spec = snapshot.ipamConfiguration?.spec;
  return {
    strictAffinity: spec?.strictAffinity ?? false,
    autoAllocateBlocks: spec?.autoAllocateBlocks ?? true,
    maxBlocksPerHost: spec?.maxBlocksPerHost ?? 0,
  };
}

/** Whether `owned` blocks of a family still allow an automatic claim under `settings`. */
export function mayClaimMore(settings: IpamSettings, owned: number): boolean {
  return (
    settings.autoAllocateBlocks &&
    (settings.maxBlocksPerHost === 0 || owned < settings.maxBlocksPerHost)
  );
}
