// Directory IPAM with a chosen address (Calico's ipAddrs / the CNI "ips" capability), following
// Calico's AssignIP: inside an enabled pool (any nodeSelector / assignmentMode), free, in the
// node's block, in a block nobody owns (claimed for the node, as the renderer then shows), or in
// another node's block (borrowed); never a tunnel address or a block's first address.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDirectory } from "../../../src/calico/datastore/load.js";
import { placeAddress } from "../../../src/calico/ipam/address-placement.js";
import { DirectoryIpam } from "../../../src/calico/ipam/directory-ipam.js";
import { renderNode } from "../../../src/calico/render/render-node.js";
import { load } from "./helpers.js";
import { tempDatastores } from "./tmpdir.js";

const nodes = [
  "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: a}\nspec: {bgp: {ipv4Address: 10.0.0.1/24, ipv6Address: 'fd00::1/64'}}\n",
  "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: b}\nspec: {bgp: {ipv4Address: 10.0.0.2/24, ipv4IPIPTunnelAddr: 10.244.9.9}}\n",
].join("---\n");
const pool = (name: string, cidr: string, extra = "") =>
  `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: ${name}}\nspec: {cidr: '${cidr}', blockSize: ${cidr.includes(":") ? 122 : 26}${extra}}\n`;
const affinity = (n: string, cidr: string) =>
  `apiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata: {name: ${n}-${cidr.replace(/[./:]/g, "-")}}\nspec: {node: ${n}, cidr: '${cidr}'}\n`;

const files = {
  "nodes.yaml": nodes,
  "pools.yaml": [
    pool("main", "10.244.0.0/16"),
    pool("manual", "10.250.0.0/24", ", assignmentMode: Manual, nodeSelector: '!all()'"),
    pool("off", "10.251.0.0/24", ", disabled: true"),
    pool("v6", "fd00:10:244::/64"),
  ].join("---\n"),
  "blocks.yaml": [affinity("a", "10.244.0.0/26"), affinity("b", "10.244.1.0/26")].join("---\n"),
};

const makeDatastore = tempDatastores();

function store(extra: Record<string, string> = {}) {
  const s = makeDatastore({ ...files, ...extra });
  return { ...s, ipam: new DirectoryIpam(s.dir) };
}

describe("a chosen address", () => {
  it("in one of the node's blocks: allocated there, again for the same handle", async () => {
    const { ipam } = store();
    const a = await ipam.allocate("a", "h", { address: "10.244.0.17" });
    expect(a).toMatchObject({ ip: "10.244.0.17", node: "a", block: "10.244.0.0/26", handle: "h" });
    expect(await ipam.allocate("a", "h", { address: "10.244.0.17" })).toEqual(a);
    expect(await ipam.allocate("a", "h")).toEqual(a); // the handle's IPv4 address
    // automatic allocation skips it
    expect((await ipam.allocate("a", "other")).ip).toBe("10.244.0.1");
  });

  it("in a block nobody owns: the node claims the block (the renderer shows it claimed)", async () => {
    const { dir, ipam } = store();
    const a = await ipam.allocate("a", "h", { address: "10.244.7.200" });
    expect(a).toMatchObject({ block: "10.244.7.192/26", node: "a" });
    expect(readFileSync(join(dir, "ipam/blocks/10.244.7.192-26.yaml"), "utf8")).toContain(
      'node: "a"',
    );
    const plan = renderNode((await loadDirectory(dir)).snapshot, "a");
    expect(plan.blocks.map((b) => [b.cidr, b.state])).toContainEqual([
      "10.244.7.192/26",
      "claimed",
    ]);
  });

  it("in another node's block: borrowed (Calico's default strictAffinity false)", async () => {
    const { dir, ipam } = store();
    const a = await ipam.allocate("a", "h", { address: "10.244.1.5" });
    expect(a).toMatchObject({ ip: "10.244.1.5", node: "a", block: "10.244.1.0/26" });
    expect(existsSync(join(dir, "ipam/blocks/10.244.1.0-26.yaml"))).toBe(false);
  });

  it("from a Manual pool that selects no node, and IPv6", async () => {
    const { ipam } = store();
    expect((await ipam.allocate("a", "h", { address: "10.250.0.33" })).block).toBe("10.250.0.0/26");
    const v6 = await ipam.allocate("a", "h", { address: "FD00:10:244::0:42" });
    expect(v6).toMatchObject({ ip: "fd00:10:244::42", block: "fd00:10:244::40/122" });
  });

  it("refuses an address outside every pool, in a disabled pool, or outside the named pool", async () => {
    const { ipam } = store();
    await expect(ipam.allocate("a", "h", { address: "192.168.1.1" })).rejects.toMatchObject({
      code: "CALICO_IPAM_NOT_IN_POOL",
      message: "192.168.1.1 is not inside any IPPool",
    });
    await expect(ipam.allocate("a", "h", { address: "10.251.0.5" })).rejects.toMatchObject({
      code: "CALICO_IPAM_NOT_IN_POOL",
      message: expect.stringContaining("which is disabled"),
    });
    await expect(
      ipam.allocate("a", "h", { address: "10.244.0.5", pool: "manual" }),
    ).rejects.toMatchObject({ code: "CALICO_IPAM_NOT_IN_POOL" });
    await expect(
      ipam.allocate("a", "h", { address: "10.244.0.5", pool: "10.244.0.0/16" }),
    ).resolves.toMatchObject({ ip: "10.244.0.5" });
  });

  it("refuses an address in use, naming its handle, and a second address for a handle", async () => {
    const { ipam } = store();
    await ipam.allocate("a", "first", { address: "10.244.0.9" });
    await expect(ipam.allocate("b", "second", { address: "10.244.0.9" })).rejects.toMatchObject({
      code: "CALICO_IPAM_ADDRESS_IN_USE",
      message: '10.244.0.9 is already allocated to handle "first" on node a',
    });
    await expect(ipam.allocate("a", "first", { address: "10.244.0.10" })).rejects.toMatchObject({
      code: "CALICO_IPAM_HANDLE_CONFLICT",
    });
  });

  it("refuses tunnel addresses, a block's first address, bad text and the wrong family", async () => {
    const { ipam } = store();
    await expect(ipam.allocate("a", "h", { address: "10.244.9.9" })).rejects.toMatchObject({
      code: "CALICO_IPAM_ADDRESS_RESERVED",
      message: "10.244.9.9 is the tunnel address of Node b",
    });
    await expect(ipam.allocate("a", "h", { address: "10.244.0.64" })).rejects.toMatchObject({
      code: "CALICO_IPAM_ADDRESS_RESERVED",
    });
    await expect(ipam.allocate("a", "h", { address: "10.244.0.5/32" })).rejects.toMatchObject({
      code: "CALICO_IPAM_BAD_ADDRESS",
    });
    await expect(
      ipam.allocate("a", "h", { address: "10.244.0.5", family: "ipv6" }),
    ).rejects.toMatchObject({ code: "CALICO_IPAM_BAD_ADDRESS" });
    await expect(ipam.allocate("zz", "h", { address: "10.244.0.5" })).rejects.toMatchObject({
      code: "CALICO_IPAM_UNKNOWN_NODE",
    });
  });

  it("two handles racing for one address: exactly one gets it", async () => {
    const { ipam } = store();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        new DirectoryIpam(ipam.root).allocate(i % 2 ? "a" : "b", `h${i}`, {
          address: "10.244.20.20",
        }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await ipam.allocations()).toHaveLength(1);
  });
});

describe("placement decisions (pure)", () => {
  it("strict affinity refuses borrowing; a block overlapping a hand-written one is refused", () => {
    const { snapshot } = load({
      ...files,
      "pinned.yaml": affinity("b", "10.244.2.0/28"),
    });
    expect(placeAddress(snapshot, "a", "10.244.1.5").kind).toBe("borrowed");
    expect(() => placeAddress(snapshot, "a", "10.244.1.5", { strictAffinity: true })).toThrow(
      /strict affinity/,
    );
    expect(placeAddress(snapshot, "a", "10.244.2.5")).toMatchObject({
      kind: "borrowed",
      block: "10.244.2.0/28",
    });
    expect(() => placeAddress(snapshot, "a", "10.244.2.40")).toThrow(
      "10.244.2.40 is in block 10.244.2.0/26, which overlaps block 10.244.2.0/28 of node b without containing the address",
    );
  });
});
