/**
 * IPAM in the datastore directory, safe for several wren processes (one per node, plus CNI
 * invocations) sharing it, as containerlab binds one directory into every node:
 *
 *   ipam/blocks/<cidr with "/"→"-">.yaml      BlockAffinity resource, one per claimed block
 *   ipam/allocations/<ip>.json                one per allocated address {ip, handle, node, block, time}
 *   ipam/handles/<sha1(handle)>.<family>.json {handle, family, ip}: what a handle holds per family
 *                                             (handle-records.ts; the older per-handle form
 *                                             <sha1(handle)>.json {handle, ips} is still read)
 *   ipam/tmp/                                 scratch files for the atomic creates
 *
 * Claims, allocations and handle records are "create if absent" done atomically with link(2)
 * (atomic-files.ts): the file is written completely under a private name, then hard-linked to
 * its final name, which fails with EEXIST when someone else got there first. The name is derived
 * from the block, address or (handle, family), so two claimers of the same block collide on the
 * same name and exactly one wins; readers never see a half-written file. The loser moves on to
 * the next free block or address; two concurrent requests of one handle end with the same address.
 *
 * Address choice: the first address of each block is kept for the node's tunnel address (the
 * renderer derives tunl0 / vxlan.calico addresses from it when the Node sets none), except in
 * /32 and /128 blocks; explicit Node tunnel addresses are never handed out. When the node's own
 * blocks are full it claims another block; when no block is free it borrows an address from
 * another node's block (Calico's default; not with the IPAMConfiguration's strictAffinity),
 * which the renderer then advertises as a borrowed /32. autoAllocateBlocks false and
 * maxBlocksPerHost limit the automatic claims (ipam-settings.ts). A chosen address follows
 * address-placement.ts.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { Family } from "../../common/contracts/families.js";
import { loadDirectory } from "../datastore/load.js";
import type { Snapshot } from "../datastore/snapshot.js";
import { CalicoError } from "../errors.js";
import { cidrContains, cidrFamily, compareCidr, compareIp, ipFamily } from "../model/net.js";
import type { CalicoNode, IPPool } from "../model/types.js";
import { placeAddress, requestedAddress, reservedAddresses } from "./address-placement.js";
import { createExclusive, isMissing, readJson, removeFile } from "./atomic-files.js";
import { blockAddress, blockSize } from "./block-math.js";
import {
  affinitiesOf,
  blockToClaim,
  claimablePools,
  firstFreeBlockOf,
  mayClaimAnother,
} from "./claim-plan.js";
import { HandleRecords } from "./handle-records.js";
import type { AllocateOptions, Allocation, Ipam } from "./ipam.js";
import { ipamSettings } from "./ipam-settings.js";

export { TMP_DIR } from "./atomic-files.js";
export { HANDLES_DIR } from "./handle-records.js";
export const BLOCKS_DIR = "ipam/blocks";
export const ALLOCATIONS_DIR = "ipam/allocations";

/** File name of a block's affinity: "10.244.3.0/24" → "10.244.3.0-24.yaml". */
export function blockFileName(cidr: string): string {
  return `${cidr.replace("/", "-")}.yaml`;
}

/** Kubernetes-style resource name: "<node>-<cidr with . : / → ->". */
export function affinityName(node: string, cidr: string): string {
  return `${node}-${cidr.replace(/[.:/]/g, "-")}`;
}

function affinityYaml(node: string, cidr: string): string {
  return [
    "# Claimed by wren IPAM",
    "apiVersion: projectcalico.org/v3",
    "kind: BlockAffinity",
    "metadata:",
    `  name: ${affinityName(node, cidr)}`,
    "spec:",
    `  node: ${JSON.stringify(node)}`,
    `  cidr: ${cidr}`,
    "  state: confirmed",
    "",
  ].join("\n");
}

/** Rounds of "try my blocks, claim one more" before borrowing; chosen-address retries. */
const ROUNDS = 3;

export class DirectoryIpam implements Ipam {
  private readonly records: HandleRecords;

  constructor(
    readonly root: string,
    private readonly snapshotSource: () => Promise<Snapshot> = async () =>
      (await loadDirectory(root)).snapshot,
  ) {
    this.records = new HandleRecords(root);
  }

  private path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  private allocationFile(ip: string): string {
    return this.path(ALLOCATIONS_DIR, `${ip}.json`);
  }

  /** Claims `block` for `node`; false when another claimer has it. */
  async claim(node: string, block: string): Promise<boolean> {
    return createExclusive(
      this.root,
      this.path(BLOCKS_DIR, blockFileName(block)),
      affinityYaml(node, block),
    );
  }

  /** Claims the first free block of the first pool that has one; null when all are taken. */
  private async claimIn(
    snapshot: Snapshot,
    node: string,
    pools: readonly IPPool[],
  ): Promise<string | null> {
    const taken = snapshot.blockAffinities.map((a) => a.spec.cidr);
    for (const pool of pools) {
      for (let attempt = 0; attempt < 10_000; attempt++) {
        const block = firstFreeBlockOf(pool, taken);
        if (!block) break;
        if (await this.claim(node, block)) return block;
        taken.push(block); // someone else was faster: next block
      }
    }
    return null;
  }

  async ensureBlocks(node: string): Promise<string[]> {
    const snapshot = await this.snapshotSource();
    const claimed: string[] = [];
    for (const family of ["ipv4", "ipv6"] as Family[]) {
      const intent = blockToClaim(snapshot, node, family);
      if (!intent) continue;
      const nodeRes = snapshot.nodes.find((n) => n.name === node);
      const block = await this.claimIn(snapshot, node, claimablePools(snapshot, nodeRes, family));
      if (block) claimed.push(block);
    }
    return claimed;
  }

  async allocations(node?: string): Promise<Allocation[]> {
    let names: string[];
    try {
      names = await readdir(this.path(ALLOCATIONS_DIR));
    } catch (err) {
      if (isMissing(err)) return [];
      throw err;
    }
    const out: Allocation[] = [];
    for (const n of names) {
      if (!n.endsWith(".json")) continue;
      const a = await readJson<Allocation>(this.path(ALLOCATIONS_DIR, n));
      if (a && (node === undefined || a.node === node)) out.push(a);
    }
    return out.sort((a, b) => compareIp(a.ip, b.ip));
  }

  /** The live allocation of `ip` when it belongs to `handle`. */
  private async allocationOf(ip: string, handle: string): Promise<Allocation | null> {
    const a = await readJson<Allocation>(this.allocationFile(ip));
    return a && a.handle === handle ? a : null;
  }

  /** What `handle` holds in `family` (current records, then the older per-handle form). */
  private async held(handle: string, family: Family): Promise<Allocation | null> {
    for (const ip of await this.records.candidates(handle, family)) {
      const a = await this.allocationOf(ip, handle);
      if (a && ipFamily(a.ip) === family) return a;
    }
    return null;
  }

  async allocationsOf(handle: string): Promise<Allocation[]> {
    const out: Allocation[] = [];
    for (const family of ["ipv4", "ipv6"] as Family[]) {
      const a = await this.held(handle, family);
      if (a) out.push(a);
    }
    return out;
  }

  /** Creates the allocation file of `ip`; null when the address is taken. */
  private async createAllocation(
    ip: string,
    block: string,
    node: string,
    handle: string,
  ): Promise<Allocation | null> {
    const allocation: Allocation = { ip, handle, node, block, time: new Date().toISOString() };
    const created = await createExclusive(
      this.root,
      this.allocationFile(ip),
      `${JSON.stringify(allocation)}\n`,
    );
    return created ? allocation : null;
  }

  /**
   * Records `a` as what its handle holds in `family`. When a concurrent request of the same
   * handle recorded another address first, `a` is given back and that address wins (an error
   * when `a` was a chosen address: the handle cannot hold both).
   */
  private async bind(family: Family, a: Allocation, chosen: boolean): Promise<Allocation> {
    if (await this.records.create(a.handle, family, a.ip)) return a;
    const other = await this.held(a.handle, family);
    if (other && other.ip !== a.ip) {
      await removeFile(this.allocationFile(a.ip));
      if (chosen) throw this.handleConflict(a.handle, family, other.ip, a.ip);
      return other;
    }
    await this.records.replace(a.handle, family, a.ip); // the record was stale
    return a;
  }

  private handleConflict(handle: string, family: Family, holds: string, asked: string) {
    return new CalicoError(
      "CALICO_IPAM_HANDLE_CONFLICT",
      `handle ${JSON.stringify(handle)} already holds ${family} address ${holds}; it cannot also get ${asked} (release it first)`,
    );
  }

  /** The pool `options.pool` names: it must exist, be enabled and match `options.family`. */
  private requestedPool(snapshot: Snapshot, options: AllocateOptions): IPPool {
    const p = snapshot.ipPools.find((x) => x.name === options.pool || x.spec.cidr === options.pool);
    const problem = !p
      ? "does not exist"
      : p.spec.disabled
        ? "is disabled"
        : options.family !== undefined && p.spec.family !== options.family
          ? `is not an ${options.family} pool`
          : undefined;
    if (problem) {
      throw new CalicoError(
        "CALICO_IPAM_UNKNOWN_POOL",
        `IPPool ${JSON.stringify(options.pool)} ${problem}`,
      );
    }
    return p!;
  }

  private nodeOf(snapshot: Snapshot, node: string): CalicoNode {
    const n = snapshot.nodes.find((x) => x.name === node);
    if (!n) {
      throw new CalicoError(
        "CALICO_IPAM_UNKNOWN_NODE",
        `no Node named ${JSON.stringify(node)} in the datastore`,
      );
    }
    return n;
  }

  async allocate(node: string, handle: string, options: AllocateOptions = {}): Promise<Allocation> {
    if (options.address !== undefined) return this.allocateAddress(node, handle, options);
    // the family is known without the datastore unless only a pool is named (then: its family)
    const known = options.family ?? (options.pool === undefined ? "ipv4" : undefined);
    const heldAlready = known && (await this.held(handle, known));
    if (heldAlready) return heldAlready;
    let snapshot = await this.snapshotSource();
    const named = options.pool === undefined ? undefined : this.requestedPool(snapshot, options);
    const family = known ?? named!.spec.family;
    const again = known ? null : await this.held(handle, family);
    if (again) return again;
    const nodeRes = this.nodeOf(snapshot, node);
    let pools: IPPool[];
    if (named) {
      pools = [named]; // a requested pool is used whatever its nodeSelector (as Calico does)
    } else {
      pools = claimablePools(snapshot, nodeRes, family);
      if (pools.length === 0) {
        throw new CalicoError(
          "CALICO_IPAM_NO_BLOCK",
          `no enabled ${family} IPPool selects node ${node}`,
        );
      }
    }
    const settings = ipamSettings(snapshot);
    const reserved = reservedAddresses(snapshot);
    const inPools = (cidr: string) =>
      pools.some((p) => cidrFamily(cidr) === p.spec.family && cidrContains(p.spec.cidr, cidr));
    const fromBlock = async (block: string) => {
      const a = await this.tryBlock(block, node, handle, reserved);
      return a && this.bind(family, a, false);
    };

    for (let round = 0; round < ROUNDS; round++) {
      const mine = affinitiesOf(snapshot, node)
        .filter((a) => a.spec.state === "confirmed" || a.spec.state === "")
        .map((a) => a.spec.cidr)
        .filter(inPools)
        .sort(compareCidr);
      for (const block of mine) {
        const a = await fromBlock(block);
        if (a) return a;
      }
      if (!mayClaimAnother(snapshot, node, family, settings)) break;
      const claimed = await this.claimIn(snapshot, node, pools);
      if (!claimed) break;
      snapshot = await this.snapshotSource();
      if (!affinitiesOf(snapshot, node).some((a) => a.spec.cidr === claimed)) {
        const a = await fromBlock(claimed);
        if (a) return a;
      }
    }
    // No free block: borrow from other nodes' blocks (unless strictAffinity).
    const others = (settings.strictAffinity ? [] : snapshot.blockAffinities)
      .filter((a) => a.spec.node !== node && inPools(a.spec.cidr))
      .map((a) => a.spec.cidr)
      .sort(compareCidr);
    for (const block of others) {
      const a = await fromBlock(block);
      if (a) return a;
    }
    throw new CalicoError(
      "CALICO_IPAM_EXHAUSTED",
      `no free ${family} address for node ${node} in ${pools.map((p) => p.spec.cidr).join(", ")}`,
    );
  }

  /** The first free address of `block` (skipping its first address and `reserved` ones). */
  private async tryBlock(
    block: string,
    node: string,
    handle: string,
    reserved: ReadonlySet<string>,
  ): Promise<Allocation | null> {
    let names: string[] = [];
    try {
      names = await readdir(this.path(ALLOCATIONS_DIR));
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    const used = new Set(names.map((n) => n.replace(/\.json$/, "")));
    const size = blockSize(block);
    const first = size === 1 ? 0 : 1;
    for (let i = first; i < size; i++) {
      const ip = blockAddress(block, i);
      if (used.has(ip) || reserved.has(ip)) continue;
      const a = await this.createAllocation(ip, block, node, handle);
      if (a) return a;
    }
    return null;
  }

  /** A chosen address (Calico AssignIP semantics, see address-placement.ts). */
  private async allocateAddress(
    node: string,
    handle: string,
    options: AllocateOptions,
  ): Promise<Allocation> {
    const { address, family } = requestedAddress(options.address!, options.family);
    const again = await this.held(handle, family);
    if (again) {
      if (again.ip === address) return again;
      throw this.handleConflict(handle, family, again.ip, address);
    }
    for (let round = 0; round < ROUNDS; round++) {
      const snapshot = await this.snapshotSource();
      this.nodeOf(snapshot, node);
      const place = placeAddress(snapshot, node, address, {
        family,
        pool: options.pool,
        strictAffinity: ipamSettings(snapshot).strictAffinity,
      });
      // Calico claims the block of a chosen address when nobody owns it; a lost race re-reads
      // the datastore, where the block now has an owner (then the address is borrowed).
      if (place.kind === "unclaimed" && !(await this.claim(node, place.block))) continue;
      const a = await this.createAllocation(address, place.block, node, handle);
      if (a) return this.bind(family, a, true);
      const taken = await readJson<Allocation>(this.allocationFile(address));
      if (taken?.handle === handle) return this.bind(family, taken, true);
      throw new CalicoError(
        "CALICO_IPAM_ADDRESS_IN_USE",
        `${address} is already allocated${taken ? ` to handle ${JSON.stringify(taken.handle)} on node ${taken.node}` : ""}`,
      );
    }
    throw new CalicoError(
      "CALICO_IPAM_ADDRESS_UNAVAILABLE",
      `could not claim the block of ${address} for node ${node}: the datastore kept changing`,
    );
  }

  async release(handle: string): Promise<string[]> {
    const recorded = await this.records.all(handle);
    const candidates = recorded.found
      ? recorded.ips
      : (await this.allocations()).filter((a) => a.handle === handle).map((a) => a.ip);
    const freed: string[] = [];
    for (const ip of candidates) {
      if (!(await this.allocationOf(ip, handle))) continue;
      await removeFile(this.allocationFile(ip));
      freed.push(ip);
    }
    await this.records.remove(handle);
    return freed.sort(compareIp);
  }
}
