// Result JSON per spec version (ips[].version before 1.0.0), VERSION output, prevResult parsing,
// and the error JSON of the entry point for requests that never touch the kernel.
import { describe, expect, it } from "vitest";
import { runCni } from "../../../src/cni/main.js";
import { formatResult, parseResult } from "../../../src/cni/result.js";
import { compareVersions, versionInfo } from "../../../src/cni/versions.js";

const result = {
  interfaces: [
    { name: "cali1234567890a", mac: "ee:ee:ee:ee:ee:ee" },
    { name: "eth0", mac: "02:00:00:00:00:01", sandbox: "/run/netns/p1" },
  ],
  ips: [
    { address: "10.244.1.5/32", interface: 1 },
    { address: "fd00:10:244::5/128", interface: 1 },
  ],
  routes: [
    { dst: "0.0.0.0/0", gw: "169.254.1.1" },
    { dst: "::/0", gw: "fe80::ecee:eeff:feee:eeee" },
  ],
  dns: {},
};

describe("CNI result", () => {
  it("1.0.0: no per-IP version, host interface without sandbox", () => {
    expect(formatResult(result, "1.0.0")).toEqual({
      cniVersion: "1.0.0",
      interfaces: [
        { name: "cali1234567890a", mac: "ee:ee:ee:ee:ee:ee" },
        { name: "eth0", mac: "02:00:00:00:00:01", sandbox: "/run/netns/p1" },
      ],
      ips: [
        { address: "10.244.1.5/32", interface: 1 },
        { address: "fd00:10:244::5/128", interface: 1 },
      ],
      routes: [
        { dst: "0.0.0.0/0", gw: "169.254.1.1" },
        { dst: "::/0", gw: "fe80::ecee:eeff:feee:eeee" },
      ],
      dns: {},
    });
  });

  it("0.3.x / 0.4.0: each IP says its version", () => {
    const ips = formatResult(result, "0.4.0").ips as { version: string }[];
    expect(ips.map((i) => i.version)).toEqual(["4", "6"]);
  });

  it("parses a prevResult of either shape and reports a broken one", () => {
    const prev = parseResult(formatResult(result, "0.3.1"));
    expect(prev).toMatchObject({ ips: [{ address: "10.244.1.5/32", interface: 1 }, {}] });
    expect(parseResult({ ips: [{ address: "10.0.0.1" }] })).toBe(
      "prevResult.ips[0].address must be a CIDR",
    );
    expect(parseResult([])).toBe("prevResult must be an object");
  });

  it("VERSION lists the supported versions, answering in the caller's version", () => {
    expect(versionInfo("0.4.0")).toEqual({
      cniVersion: "0.4.0",
      supportedVersions: ["0.3.0", "0.3.1", "0.4.0", "1.0.0"],
    });
    expect(versionInfo("9.9.9").cniVersion).toBe("1.0.0");
    expect(compareVersions("0.3.1", "0.4.0")).toBe(-1);
    expect(compareVersions("1.0.0", "1.0")).toBe(0);
  });
});

describe("runCni without touching the kernel", () => {
  it("VERSION", async () => {
    const out = await runCni({ CNI_COMMAND: "VERSION" }, '{"cniVersion":"0.3.1"}');
    expect(out.exitCode).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      cniVersion: "0.3.1",
      supportedVersions: ["0.3.0", "0.3.1", "0.4.0", "1.0.0"],
    });
  });

  it("a bad environment is error JSON with code 4, in the caller's version", async () => {
    const out = await runCni({ CNI_COMMAND: "ADD" }, '{"cniVersion":"0.4.0"}');
    expect(out.exitCode).toBe(1);
    expect(JSON.parse(out.stdout)).toEqual({
      cniVersion: "0.4.0",
      code: 4,
      msg: "CNI_CONTAINERID is not set",
    });
  });

  it("bad config JSON is code 6, an invalid field code 7", async () => {
    const env = {
      CNI_COMMAND: "ADD",
      CNI_CONTAINERID: "c1",
      CNI_NETNS: "/run/netns/none",
      CNI_IFNAME: "eth0",
    };
    expect(JSON.parse((await runCni(env, "{nope")).stdout).code).toBe(6);
    const bad = await runCni(
      env,
      '{"cniVersion":"1.0.0","name":"n","type":"wren","ipam":{"type":"wren-ipam"},"mtu":-1}',
    );
    expect(JSON.parse(bad.stdout)).toMatchObject({ code: 7, msg: expect.stringMatching(/"mtu"/) });
  });

  it("CHECK in a 0.3.x config is incompatible (code 1)", async () => {
    const out = await runCni(
      { CNI_COMMAND: "CHECK", CNI_CONTAINERID: "c1", CNI_NETNS: "/x", CNI_IFNAME: "eth0" },
      '{"cniVersion":"0.3.1","name":"n","type":"wren","ipam":{"type":"wren-ipam"}}',
    );
    expect(JSON.parse(out.stdout)).toMatchObject({ code: 1 });
  });
});
