// Names Calico derives by hashing, checked against values seen on real Calico clusters.
import { describe, expect, it } from "vitest";
import { parseAsNumber } from "../../../src/calico/model/asn.js";
import { parseDuration } from "../../../src/calico/model/duration.js";
import { hashRouterId, vxlanMac, workloadInterfaceName } from "../../../src/calico/render/names.js";

describe("workload interface names", () => {
  // `calicoctl get workloadendpoints` output in seed 003 (namespace default).
  it.each([
    ["client-6d96c457bc-bd2p9", "cali3745790aa7e"],
    ["client-6d96c457bc-prsd2", "cali5026b88a962"],
    ["nginx-deployment-66b6c48dd5-hfqkp", "calieae43b83db8"],
  ])("default/%s → %s", (pod, name) => {
    expect(workloadInterfaceName("default", pod)).toBe(name);
  });

  it("depends on the namespace and fits IFNAMSIZ", () => {
    expect(workloadInterfaceName("prod", "web")).not.toBe(workloadInterfaceName("default", "web"));
    expect(workloadInterfaceName("prod", "web")).toMatch(/^cali[0-9a-f]{11}$/);
  });
});

describe("router ID hash", () => {
  it("matches confd's mesh/hash scenario (kube-master → 25.79.212.8)", () => {
    expect(hashRouterId("kube-master")).toBe("25.79.212.8");
  });

  it("never yields a first octet above 223", () => {
    for (let i = 0; i < 2000; i++) {
      const first = Number(hashRouterId(`node-${i}`).split(".")[0]);
      expect(first).toBeLessThanOrEqual(223);
    }
  });
});

describe("VXLAN VTEP MAC", () => {
  it("is 0x66 followed by the first five bytes of sha1(node name)", () => {
    // sha1("vx-c") = 80067ebc9d…
    expect(vxlanMac("vx-c", "ipv4")).toBe("66:80:06:7e:bc:9d");
  });

  it('hashes name + "-v6" for IPv6', () => {
    expect(vxlanMac("vx-c", "ipv6")).not.toBe(vxlanMac("vx-c", "ipv4"));
    expect(vxlanMac("vx-c", "ipv6")).toMatch(/^66(:[0-9a-f]{2}){5}$/);
  });
});

describe("AS numbers and durations", () => {
  it.each([
    [65001, 65001],
    ["65001", 65001],
    ["1.10", 65546],
    ["0.65535", 65535],
    [4294967295, 4294967295],
    ["65536x", null],
    [4294967296, null],
    ["1.65536", null],
    [1.5, null],
    [true, null],
  ])("%j → %j", (input, expected) => {
    expect(parseAsNumber(input)).toBe(expected);
  });

  it.each([
    ["120s", 120],
    ["2m", 120],
    ["1m30s", 90],
    ["1.5h", 5400],
    ["500ms", 0.5],
    ["0", 0],
    ["2 minutes", null],
    ["120", null],
    ["s", null],
  ])("%j → %j seconds", (input, expected) => {
    expect(parseDuration(input)).toBe(expected);
  });
});
