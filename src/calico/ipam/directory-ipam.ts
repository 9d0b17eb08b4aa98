/**
 * IPAM in the datastore directory, safe for several wren processes (one per node, plus CNI
 * invocations) sharing it, as containerlab binds one directory into every node:
 *
 *   ipam/blocks/<cidr with "/"→"-">.yaml   BlockAffinity resource, one per claimed block
 *   ipam/allocations/<ip>.json             one per allocated address {ip, handle, node, block, time}
 *   ipam/handles/<sha1(handle)>.json       {handle, ips}: index for release()/idempotent allocate
 *   ipam/tmp/                              scratch files for the atomic creates
 *
 * Both claims and allocations are "create if absent" done atomically with link(2): the file is
 * written completely under a private name, then hard-linked to its final name, which fails with
 * EEXIST when someone else got there first. The name is derived from the block (or address), so
 * two claimers of the same block collide on the same name and exactly one wins; readers never
 * see a half-written file. The loser moves on to the next free block or address.
 *
 * Address choice: the first address of each block is kept for the node's tunnel address (the
 * renderer derives tunl0 / vxlan.calico addresses from it when the Node sets none), except in
 * /32 and /128 blocks; explicit Node tunnel addresses are never handed out. When the node's own
 * blocks are full it claims another block; when no block is free it borrows an address from
 * another node's block (Calico's default, strictAffinity false), which the renderer then
 * advertises as a borrowed /32.
 */
import { createHash, randomBytes } from "node:crypto";
import { link, mkdir, readdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Family } from "../../common/contracts/families.js";
import { loadDirectory } from "../datastore/load.js";
import type { Snapshot } from "../datastore/snapshot.js";
import { CalicoError } from "../errors.js";
import { cidrContains, cidrFamily, compareCidr, hostCidr } from "../model/net.js";
import type { IPPool } from "../model/types.js";
import { blockAddress, blockSize } from "./block-math.js";
import { affinitiesOf, blockToClaim, claimablePools, firstFreeBlockOf } from "./claim-plan.js";
import type { AllocateOptions, Allocation, Ipam } from "./ipam.js";

export const BLOCKS_DIR = "ipam/blocks";
export const ALLOCATIONS_DIR = "ipam/allocations";
export const HANDLES_DIR = "ipam/handles";
export const TMP_DIR = "ipam/tmp";

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

function isExists(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "EEXIST";
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "ENOENT";
}

export class DirectoryIpam implements Ipam {
  constructor(
    readonly root: string,
    private readonly snapshotSource: () => Promise<Snapshot> = async () =>
      (await loadDirectory(root)).snapshot,
  ) {}

  private path(...parts: string[]): string {
    return join(this.root, ...parts);
  }

  /** Creates `final` with `content` unless it exists; true when this call created it. */
  private async createExclusive(final: string, content: string): Promise<boolean> {
    await mkdir(this.path(TMP_DIR), { recursive: true });
    const tmp = this.path(TMP_DIR, `${process.pid}-${randomBytes(6).toString("hex")}`);
    await writeFile(tmp, content, { flag: "wx" });
    try {
      await link(tmp, final);
      return true;
    } catch (err) {
      if (isExists(err)) return false;
      throw err;
    } finally {
      await unlink(tmp).catch(() => {});
    }
  }

  private async writeAtomic(final: string, content: string): Promise<void> {
    await mkdir(this.path(TMP_DIR), { recursive: true });
    const tmp = this.path(TMP_DIR, `${process.pid}-${randomBytes(6).toString("hex")}`);
    await writeFile(tmp, content);
    await rename(tmp, final);
  }

  /** Claims `block` for `node`; false when another claimer has it. */
  async claim(node: string, block: string): Promise<boolean> {
    await mkdir(this.path(BLOCKS_DIR), { recursive: true });
    return this.createExclusive(
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

  private async readJson<T>(file: string): Promise<T | null> {
    try {
      return JSON.parse(await readFile(file, "utf8")) as T;
    } catch (err) {
      if (isMissing(err) || err instanceof SyntaxError) return null;
      throw err;
    }
  }

  private handleFile(handle: string): string {
    return this.path(HANDLES_DIR, `${createHash("sha1").update(handle).digest("hex")}.json`);
  }

  private allocationFile(ip: string): string {
    return this.path(ALLOCATIONS_DIR, `${ip}.json`);
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
      const a = await this.readJson<Allocation>(this.path(ALLOCATIONS_DIR, n));
      if (a && (node === undefined || a.node === node)) out.push(a);
    }
    return out.sort((a, b) => compareCidr(hostCidr(a.ip), hostCidr(b.ip)));
  }

  private async existing(handle: string): Promise<Allocation | null> {
    const index = await this.readJson<{ handle: string; ips: string[] }>(this.handleFile(handle));
    for (const ip of index?.ips ?? []) {
      const a = await this.readJson<Allocation>(this.allocationFile(ip));
      if (a && a.handle === handle) return a;
    }
    return null;
  }

  private async tryBlock(
    block: string,
    node: string,
    handle: string,
    reserved: ReadonlySet<string>,
  ): Promise<Allocation | null> {
    await mkdir(this.path(ALLOCATIONS_DIR), { recursive: true });
    const used = new Set(
      (await readdir(this.path(ALLOCATIONS_DIR))).map((n) => n.replace(/\.json$/, "")),
    );
    const size = blockSize(block);
    const first = size === 1 ? 0 : 1;
    for (let i = first; i < size; i++) {
      const ip = blockAddress(block, i);
      if (used.has(ip) || reserved.has(ip)) continue;
      const allocation: Allocation = { ip, handle, node, block, time: new Date().toISOString() };
      if (await this.createExclusive(this.allocationFile(ip), `${JSON.stringify(allocation)}\n`)) {
        await mkdir(this.path(HANDLES_DIR), { recursive: true });
        const index = await this.readJson<{ handle: string; ips: string[] }>(
          this.handleFile(handle),
        );
        const ips = [...new Set([...(index?.ips ?? []), ip])];
        await this.writeAtomic(this.handleFile(handle), `${JSON.stringify({ handle, ips })}\n`);
        return allocation;
      }
    }
    return null;
  }

  async allocate(node: string, handle: string, options: AllocateOptions = {}): Promise<Allocation> {
    const again = await this.existing(handle);
    if (again) return again;
    let snapshot = await this.snapshotSource();
    const nodeRes = snapshot.nodes.find((n) => n.name === node);
    if (!nodeRes) {
      throw new CalicoError(
        "CALICO_IPAM_UNKNOWN_NODE",
        `no Node named ${JSON.stringify(node)} in the datastore`,
      );
    }
    const family = options.family ?? "ipv4";
    let pools: IPPool[];
    if (options.pool !== undefined) {
      const p = snapshot.ipPools.find(
        (x) => x.name === options.pool || x.spec.cidr === options.pool,
      );
      if (!p)
        throw new CalicoError(
          "CALICO_IPAM_UNKNOWN_POOL",
          `no IPPool named or with CIDR ${JSON.stringify(options.pool)}`,
        );
      pools = [p];
    } else {
      pools = claimablePools(snapshot, nodeRes, family);
      if (pools.length === 0) {
        throw new CalicoError(
          "CALICO_IPAM_NO_BLOCK",
          `no enabled ${family} IPPool selects node ${node}`,
        );
      }
    }
    const reserved = new Set<string>();
    for (const n of snapshot.nodes) {
      for (const a of [
        n.spec.bgp?.ipv4IPIPTunnelAddr,
        n.spec.ipv4VXLANTunnelAddr,
        n.spec.ipv6VXLANTunnelAddr,
      ]) {
        if (a) reserved.add(a);
      }
    }
    const inPools = (cidr: string) =>
      pools.some((p) => cidrFamily(cidr) === p.spec.family && cidrContains(p.spec.cidr, cidr));

    for (let round = 0; round < 3; round++) {
      const mine = affinitiesOf(snapshot, node)
        .filter((a) => a.spec.state === "confirmed" || a.spec.state === "")
        .map((a) => a.spec.cidr)
        .filter(inPools)
        .sort(compareCidr);
      for (const block of mine) {
        const a = await this.tryBlock(block, node, handle, reserved);
        if (a) return a;
      }
      const claimed = await this.claimIn(snapshot, node, pools);
      if (!claimed) break;
      snapshot = await this.snapshotSource();
      if (!affinitiesOf(snapshot, node).some((a) => a.spec.cidr === claimed)) {
        const a = await this.tryBlock(claimed, node, handle, reserved);
        if (a) return a;
      }
    }
    // No free block: borrow from other nodes' blocks (strictAffinity false).
    const others = snapshot.blockAffinities
      .filter((a) => a.spec.node !== node && inPools(a.spec.cidr))
      .map((a) => a.spec.cidr)
      .sort(compareCidr);
    for (const block of others) {
      const a = await this.tryBlock(block, node, handle, reserved);
      if (a) return a;
    }
    throw new CalicoError(
      "CALICO_IPAM_EXHAUSTED",
      `no free ${family} address for node ${node} in ${pools.map((p) => p.spec.cidr).join(", ")}`,
    );
  }

  async release(handle: string): Promise<string[]> {
    const index = await this.readJson<{ handle: string; ips: string[] }>(this.handleFile(handle));
    const candidates = index
      ? index.ips
      : (await this.allocations()).filter((a) => a.handle === handle).map((a) => a.ip);
    const freed: string[] = [];
    for (const ip of candidates) {
      const a = await this.readJson<Allocation>(this.allocationFile(ip));
      if (!a || a.handle !== handle) continue;
      await unlink(this.allocationFile(ip)).catch((err) => {
        if (!isMissing(err)) throw err;
      });
      freed.push(ip);
    }
    await unlink(this.handleFile(handle)).catch((err) => {
      if (!isMissing(err)) throw err;
    });
    return freed;
  }
}
