// The plugin's IPAM step against a real datastore directory (no kernel needed): both families
// under the container's one handle, chosen addresses from the runtime, a refused chosen address
// naming its source, and containers added by earlier versions (IPv6 under "<handle>.ipv6")
// keeping, listing and releasing their addresses.
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  allocateAddresses,
  allocationsOf,
  legacyIpv6Handle,
  releaseAddresses,
} from "../../../src/cni/addresses.js";
import type { IpamSettings } from "../../../src/cni/config.js";
import { requestedIpsOfArgs } from "../../../src/cni/requested-ips.js";

const NODE =
  "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1}\nspec: {bgp: {ipv4Address: 10.0.0.21/24, ipv6Address: 'fd00::21/64'}}\n";
const POOLS = [
  "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: v4}\nspec: {cidr: 10.244.0.0/16, blockSize: 26}\n",
  "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: v6}\nspec: {cidr: 'fd00:10:244::/64', blockSize: 122}\n",
].join("---\n");

const dual: IpamSettings = {
  type: "wren-ipam",
  assignIpv4: true,
  assignIpv6: true,
  ipv4Pools: [],
  ipv6Pools: [],
};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wren-cni-ipam-"));
  writeFileSync(join(dir, "node.yaml"), NODE);
  writeFileSync(join(dir, "pools.yaml"), POOLS);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const ips = (list: { ip: string }[]) => list.map((a) => a.ip);

describe("container addresses", () => {
  it("dual stack: both families under the container's handle, the same again on a repeated ADD", async () => {
    const first = await allocateAddresses(dir, "n1", "net.c1", dual);
    expect(first.map((a) => [a.ip, a.handle])).toEqual([
      ["10.244.0.1", "net.c1"],
      ["fd00:10:244::1", "net.c1"],
    ]);
    expect(ips(await allocateAddresses(dir, "n1", "net.c1", dual))).toEqual(ips(first));
    expect(ips(await allocationsOf(dir, "net.c1"))).toEqual(ips(first));
    expect(await releaseAddresses(dir, "net.c1")).toEqual(ips(first));
    expect(readdirSync(join(dir, "ipam/allocations"))).toEqual([]);
  });

  it("chosen addresses (CNI_ARGS IP=…) replace the automatic ones", async () => {
    const requested = requestedIpsOfArgs({ IP: "10.244.3.30,fd00:10:244::3:30/128" });
    const got = await allocateAddresses(dir, "n1", "net.c2", dual, requested);
    expect(ips(got)).toEqual(["10.244.3.30", "fd00:10:244::3:30"]);
    const v4only = { ...dual, assignIpv6: false };
    const one = await allocateAddresses(dir, "n1", "net.c3", v4only, {
      source: "runtimeConfig.ips",
      ips: [{ address: "fd00:10:244::3:31", family: "ipv6" }],
    });
    expect(ips(one)).toEqual(["fd00:10:244::3:31"]);
  });

  it("a refused chosen address names it and its source (CNI code 100)", async () => {
    const requested = requestedIpsOfArgs({ IP: "192.168.7.7" });
    await expect(allocateAddresses(dir, "n1", "net.c4", dual, requested)).rejects.toMatchObject({
      cniCode: 100,
      message:
        "allocating 192.168.7.7 (CNI_ARGS IP) on node n1: 192.168.7.7 is not inside any IPPool",
    });
  });
});

describe("containers added by earlier versions", () => {
  // Earlier versions: IPv4 under the handle, IPv6 under "<handle>.ipv6", per-handle records.
  function earlier(handle: string, v4: string, v6: string) {
    mkdirSync(join(dir, "ipam/allocations"), { recursive: true });
    mkdirSync(join(dir, "ipam/handles"), { recursive: true });
    for (const [h, ip, block] of [
      [handle, v4, "10.244.0.0/26"],
      [legacyIpv6Handle(handle), v6, "fd00:10:244::/122"],
    ]) {
      const record = { ip, handle: h, node: "n1", block, time: "2024-05-01T10:00:00.000Z" };
      writeFileSync(join(dir, `ipam/allocations/${ip}.json`), JSON.stringify(record));
      const sha = createHash("sha1").update(h).digest("hex");
      writeFileSync(
        join(dir, `ipam/handles/${sha}.json`),
        JSON.stringify({ handle: h, ips: [ip] }),
      );
    }
  }

  it("a repeated ADD gets the same two addresses, CHECK sees them, DEL frees both", async () => {
    earlier("net.old", "10.244.0.8", "fd00:10:244::8");
    expect(ips(await allocateAddresses(dir, "n1", "net.old", dual))).toEqual([
      "10.244.0.8",
      "fd00:10:244::8",
    ]);
    expect(readdirSync(join(dir, "ipam/allocations"))).toHaveLength(2);
    expect(ips(await allocationsOf(dir, "net.old"))).toEqual(["10.244.0.8", "fd00:10:244::8"]);
    expect((await releaseAddresses(dir, "net.old")).sort()).toEqual([
      "10.244.0.8",
      "fd00:10:244::8",
    ]);
    expect(readdirSync(join(dir, "ipam/allocations"))).toEqual([]);
    expect(readdirSync(join(dir, "ipam/handles"))).toEqual([]);
  });
});
