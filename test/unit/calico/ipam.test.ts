// Directory IPAM: block claims match what the renderer shows as pending, never double-claim
// (also under in-process concurrency; cross-process races are in the integration tests),
// allocations are per address, idempotent per handle, released by handle, and fall back to new
// blocks and then to borrowing.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDirectory } from "../../../src/calico/datastore/load.js";
import { DirectoryIpam } from "../../../src/calico/ipam/directory-ipam.js";
import { renderNode } from "../../../src/calico/render/render-node.js";
import { isWrenError } from "../../../src/common/errors.js";
import { tempDatastores } from "./tmpdir.js";

const nodes = (names: string[]) =>
  names
    .map(
      (n, i) =>
        `apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: ${n}}\nspec: {bgp: {ipv4Address: 10.0.0.${i + 1}/24}}\n`,
    )
    .join("---\n");
const pool = (cidr: string, blockSize: number, extra = "") =>
  `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: ${cidr}, blockSize: ${blockSize}${extra}}\n`;

const store = tempDatastores();

describe("block claims", () => {
  it("claims the block the renderer shows as pending, once", async () => {
    const s = store({ "nodes.yaml": nodes(["a", "b"]), "pool.yaml": pool("10.244.0.0/16", 24) });
    const before = renderNode((await loadDirectory(s.dir)).snapshot, "a");
    expect(before.blocks).toEqual([
      { cidr: "10.244.0.0/24", pool: "p", state: "pending-claim", affinityState: "" },
    ]);
    const ipam = new DirectoryIpam(s.dir);
    expect(await ipam.ensureBlocks("a")).toEqual(["10.244.0.0/24"]);
    expect(await ipam.ensureBlocks("a")).toEqual([]);
    const loaded = await loadDirectory(s.dir);
    expect(loaded.errors).toEqual([]);
    const after = renderNode(loaded.snapshot, "a");
    expect(after.blocks).toEqual([
      { cidr: "10.244.0.0/24", pool: "p", state: "claimed", affinityState: "confirmed" },
    ]);
    expect(readFileSync(join(s.dir, "ipam/blocks/10.244.0.0-24.yaml"), "utf8")).toContain(
      'node: "a"',
    );
    // b now sees a's block as taken
    expect(await ipam.ensureBlocks("b")).toEqual(["10.244.1.0/24"]);
  });

  it("never gives one block to two claimers running at once", async () => {
    const names = Array.from({ length: 24 }, (_, i) => `n${i}`);
    const s = store({ "nodes.yaml": nodes(names), "pool.yaml": pool("10.244.0.0/16", 26) });
    const claimed = await Promise.all(names.map((n) => new DirectoryIpam(s.dir).ensureBlocks(n)));
    const flat = claimed.flat();
    expect(flat).toHaveLength(24);
    expect(new Set(flat).size).toBe(24);
    const loaded = await loadDirectory(s.dir);
    expect(loaded.errors).toEqual([]);
    expect(new Set(loaded.snapshot.blockAffinities.map((a) => a.spec.node)).size).toBe(24);
  });

  it("skips blocks overlapping hand-written affinities and leaves no scratch files", async () => {
    const pinned =
      "apiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata: {name: x}\nspec: {node: other, cidr: 10.244.0.0/26}\n";
    const s = store({
      "nodes.yaml": nodes(["a"]),
      "pool.yaml": pool("10.244.0.0/16", 24),
      "pinned.yaml": pinned,
    });
    expect(await new DirectoryIpam(s.dir).ensureBlocks("a")).toEqual(["10.244.1.0/24"]);
    expect(readdirSync(join(s.dir, "ipam/tmp"))).toEqual([]);
  });

  it("claims nothing when the pool does not select the node or is full", async () => {
    const s = store({
      "nodes.yaml": nodes(["a", "b"]),
      "pool.yaml": pool("10.244.0.0/24", 24, ', nodeSelector: "has(gpu)"'),
    });
    expect(await new DirectoryIpam(s.dir).ensureBlocks("a")).toEqual([]);
  });
});

describe("address allocation", () => {
  it("allocates per address, keeps the first address for the tunnel, and is idempotent per handle", async () => {
    const s = store({ "nodes.yaml": nodes(["a"]), "pool.yaml": pool("10.244.0.0/16", 26) });
    const ipam = new DirectoryIpam(s.dir);
    const x = await ipam.allocate("a", "k8s-pod-network.c1");
    expect(x).toMatchObject({
      ip: "10.244.0.1",
      node: "a",
      block: "10.244.0.0/26",
      handle: "k8s-pod-network.c1",
    });
    expect(await ipam.allocate("a", "k8s-pod-network.c1")).toEqual(x);
    const y = await ipam.allocate("a", "k8s-pod-network.c2");
    expect(y.ip).toBe("10.244.0.2");
    expect((await ipam.allocations("a")).map((a) => a.ip)).toEqual(["10.244.0.1", "10.244.0.2"]);
  });

  it("releases by handle and reuses the address", async () => {
    const s = store({ "nodes.yaml": nodes(["a"]), "pool.yaml": pool("10.244.0.0/16", 26) });
    const ipam = new DirectoryIpam(s.dir);
    await ipam.allocate("a", "h1");
    await ipam.allocate("a", "h2");
    expect(await ipam.release("h1")).toEqual(["10.244.0.1"]);
    expect(await ipam.release("h1")).toEqual([]);
    expect(existsSync(join(s.dir, "ipam/allocations/10.244.0.1.json"))).toBe(false);
    expect((await ipam.allocate("a", "h3")).ip).toBe("10.244.0.1");
  });

  it("claims another block when the node's blocks are full", async () => {
    const s = store({ "nodes.yaml": nodes(["a"]), "pool.yaml": pool("10.244.0.0/24", 30) });
    const ipam = new DirectoryIpam(s.dir);
    const ips = [];
    for (let i = 0; i < 5; i++) ips.push((await ipam.allocate("a", `h${i}`)).ip);
    // /30 blocks: .1 .2 .3 usable (the first address is kept), then the next block
    expect(ips).toEqual(["10.244.0.1", "10.244.0.2", "10.244.0.3", "10.244.0.5", "10.244.0.6"]);
  });

  it("borrows from another node's block when no block is free, then reports exhaustion", async () => {
    const s = store({ "nodes.yaml": nodes(["a", "b"]), "pool.yaml": pool("10.244.0.0/30", 30) });
    const ipam = new DirectoryIpam(s.dir);
    expect((await ipam.allocate("a", "a1")).ip).toBe("10.244.0.1");
    const borrowed = await ipam.allocate("b", "b1");
    expect(borrowed).toMatchObject({ ip: "10.244.0.2", node: "b", block: "10.244.0.0/30" });
    await ipam.allocate("b", "b2");
    let caught: unknown;
    try {
      await ipam.allocate("b", "b3");
    } catch (err) {
      caught = err;
    }
    expect(isWrenError(caught, "CALICO_IPAM_EXHAUSTED")).toBe(true);
  });

  it("never hands out a Node's explicit tunnel address", async () => {
    const n =
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: a}\nspec: {bgp: {ipv4Address: 10.0.0.1/24, ipv4IPIPTunnelAddr: 10.244.0.1}}\n";
    const s = store({ "n.yaml": n, "pool.yaml": pool("10.244.0.0/16", 26, ", ipipMode: Always") });
    expect((await new DirectoryIpam(s.dir).allocate("a", "h")).ip).toBe("10.244.0.2");
  });

  it("rejects unknown nodes and pools with stable codes", async () => {
    const s = store({ "nodes.yaml": nodes(["a"]), "pool.yaml": pool("10.244.0.0/16", 26) });
    const ipam = new DirectoryIpam(s.dir);
    await expect(ipam.allocate("zz", "h")).rejects.toMatchObject({
      code: "CALICO_IPAM_UNKNOWN_NODE",
    });
    await expect(ipam.allocate("a", "h", { pool: "nope" })).rejects.toMatchObject({
      code: "CALICO_IPAM_UNKNOWN_POOL",
    });
    await expect(ipam.allocate("a", "h", { family: "ipv6" })).rejects.toMatchObject({
      code: "CALICO_IPAM_NO_BLOCK",
    });
  });

  it("gives concurrent allocations distinct addresses", async () => {
    const s = store({ "nodes.yaml": nodes(["a"]), "pool.yaml": pool("10.244.0.0/16", 26) });
    const got = await Promise.all(
      Array.from({ length: 40 }, (_, i) => new DirectoryIpam(s.dir).allocate("a", `h${i}`)),
    );
    expect(new Set(got.map((g) => g.ip)).size).toBe(40);
  });
});
