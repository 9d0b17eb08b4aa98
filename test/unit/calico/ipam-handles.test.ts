// Directory IPAM handle records: a handle holds one address per family (an IPv6 request of a
// handle that already has IPv4 gets IPv6), release frees every family, concurrent requests of
// one handle end with one address, and datastores written with the earlier per-handle record
// ({handle, ips} in ipam/handles/<sha1>.json) keep working: held addresses are returned again,
// listed and released.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DirectoryIpam } from "../../../src/calico/ipam/directory-ipam.js";
import { tempDatastores } from "./tmpdir.js";

const node =
  "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: a}\nspec: {bgp: {ipv4Address: 10.0.0.1/24, ipv6Address: 'fd00::1/64'}}\n";
const pools = [
  "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: v4}\nspec: {cidr: 10.244.0.0/16, blockSize: 26}\n",
  "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: v6}\nspec: {cidr: 'fd00:10:244::/64', blockSize: 122}\n",
].join("---\n");

const makeDatastore = tempDatastores();

function store(extra: Record<string, string> = {}) {
  return makeDatastore({ "nodes.yaml": node, "pools.yaml": pools, ...extra });
}

const sha1 = (t: string) => createHash("sha1").update(t).digest("hex");

describe("handle records per family", () => {
  it("an IPv6 request of a handle holding IPv4 gets an IPv6 address, each family idempotent", async () => {
    const s = store();
    const ipam = new DirectoryIpam(s.dir);
    const v4 = await ipam.allocate("a", "net.c1");
    const v6 = await ipam.allocate("a", "net.c1", { family: "ipv6" });
    expect(v4.ip).toBe("10.244.0.1");
    expect(v6).toMatchObject({
      ip: "fd00:10:244::1",
      block: "fd00:10:244::/122",
      handle: "net.c1",
    });
    expect(await ipam.allocate("a", "net.c1", { family: "ipv6" })).toEqual(v6);
    expect(await ipam.allocate("a", "net.c1")).toEqual(v4);
    expect(await ipam.allocationsOf("net.c1")).toEqual([v4, v6]);
    expect(readdirSync(join(s.dir, "ipam/handles")).sort()).toEqual(
      [`${sha1("net.c1")}.ipv4.json`, `${sha1("net.c1")}.ipv6.json`].sort(),
    );
  });

  it("release frees every family of the handle and only that handle", async () => {
    const s = store();
    const ipam = new DirectoryIpam(s.dir);
    await ipam.allocate("a", "h1");
    await ipam.allocate("a", "h1", { family: "ipv6" });
    const other = await ipam.allocate("a", "h2", { family: "ipv6" });
    expect(await ipam.release("h1")).toEqual(["10.244.0.1", "fd00:10:244::1"]);
    expect(await ipam.allocationsOf("h1")).toEqual([]);
    expect((await ipam.allocations()).map((a) => a.ip)).toEqual([other.ip]);
    expect(readdirSync(join(s.dir, "ipam/handles"))).toEqual([`${sha1("h2")}.ipv6.json`]);
    expect(await ipam.release("h1")).toEqual([]);
  });

  it("concurrent requests of one handle and family end with one address", async () => {
    const s = store();
    const got = await Promise.all(
      Array.from({ length: 12 }, () => new DirectoryIpam(s.dir).allocate("a", "same")),
    );
    expect(new Set(got.map((g) => g.ip)).size).toBe(1);
    expect(readdirSync(join(s.dir, "ipam/allocations"))).toEqual([`${got[0].ip}.json`]);
  });

  it("a stale record (its address removed by hand and given to another handle) is replaced", async () => {
    const s = store();
    const ipam = new DirectoryIpam(s.dir);
    expect((await ipam.allocate("a", "h")).ip).toBe("10.244.0.1");
    expect((await ipam.allocate("a", "h2")).ip).toBe("10.244.0.2");
    rmSync(join(s.dir, "ipam/allocations/10.244.0.1.json"));
    expect((await ipam.allocate("a", "x")).ip).toBe("10.244.0.1");
    const again = await ipam.allocate("a", "h");
    expect(again).toMatchObject({ ip: "10.244.0.3", handle: "h" });
    expect(await ipam.allocate("a", "h")).toEqual(again);
    expect(await ipam.release("h")).toEqual(["10.244.0.3"]);
    expect((await ipam.allocations()).map((a) => [a.ip, a.handle])).toEqual([
      ["10.244.0.1", "x"],
      ["10.244.0.2", "h2"],
    ]);
  });
});

describe("a named pool", () => {
  it("gives an address of its family, and is refused when disabled or of the other family", async () => {
    const off =
      "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: off}\nspec: {cidr: 10.250.0.0/16, disabled: true}\n";
    const s = store({ "off.yaml": off });
    const ipam = new DirectoryIpam(s.dir);
    expect((await ipam.allocate("a", "h", { pool: "v6" })).ip).toBe("fd00:10:244::1");
    expect((await ipam.allocate("a", "h", { pool: "fd00:10:244::/64", family: "ipv6" })).ip).toBe(
      "fd00:10:244::1",
    );
    await expect(ipam.allocate("a", "h2", { pool: "v6", family: "ipv4" })).rejects.toMatchObject({
      code: "CALICO_IPAM_UNKNOWN_POOL",
      message: 'IPPool "v6" is not an ipv4 pool',
    });
    await expect(ipam.allocate("a", "h2", { pool: "off" })).rejects.toMatchObject({
      code: "CALICO_IPAM_UNKNOWN_POOL",
      message: 'IPPool "off" is disabled',
    });
    expect(await ipam.allocations()).toHaveLength(1);
  });
});

describe("records written by earlier wren versions", () => {
  // Before records were split by family, wren wrote {handle, ips} per handle; the CNI plugin
  // kept IPv6 addresses under the handle "<handle>.ipv6" to work around the family mix-up.
  function legacy(dir: ReturnType<typeof store>, handle: string, ips: string[], block: string[]) {
    for (const [i, ip] of ips.entries()) {
      const record = { ip, handle, node: "a", block: block[i], time: "2024-01-01T00:00:00.000Z" };
      dir.write(`ipam/allocations/${ip}.json`, `${JSON.stringify(record)}\n`);
    }
    dir.write(`ipam/handles/${sha1(handle)}.json`, `${JSON.stringify({ handle, ips })}\n`);
  }

  it("returns the address a per-handle record holds, per family, and adds the missing family", async () => {
    const s = store();
    legacy(s, "net.old", ["10.244.0.7"], ["10.244.0.0/26"]);
    const ipam = new DirectoryIpam(s.dir);
    expect((await ipam.allocate("a", "net.old")).ip).toBe("10.244.0.7");
    const v6 = await ipam.allocate("a", "net.old", { family: "ipv6" });
    expect(v6.ip).toMatch(/^fd00:10:244::/);
    expect((await ipam.allocationsOf("net.old")).map((a) => a.ip)).toEqual(["10.244.0.7", v6.ip]);
  });

  it("release frees what a per-handle record names and removes the record", async () => {
    const s = store();
    legacy(s, "net.old.ipv6", ["fd00:10:244::9"], ["fd00:10:244::/122"]);
    const ipam = new DirectoryIpam(s.dir);
    expect((await ipam.allocate("a", "net.old.ipv6", { family: "ipv6" })).ip).toBe(
      "fd00:10:244::9",
    );
    expect(await ipam.release("net.old.ipv6")).toEqual(["fd00:10:244::9"]);
    expect(existsSync(join(s.dir, `ipam/handles/${sha1("net.old.ipv6")}.json`))).toBe(false);
    expect(existsSync(join(s.dir, "ipam/allocations/fd00:10:244::9.json"))).toBe(false);
  });
});
