// Network config parsing: Calico-style keys with their defaults, and a clear error naming the
// field (CNI code 7), the JSON problem (code 6) or the unsupported version (code 1).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_DATASTORE,
  decodeConfig,
  parseConfig,
  resolveNodename,
} from "../../../src/cni/config.js";
import type { CniError } from "../../../src/cni/errors.js";

const base = {
  cniVersion: "1.0.0",
  name: "k8s-pod-network",
  type: "wren",
  ipam: { type: "wren-ipam" },
};

function parse(extra: Record<string, unknown>) {
  return parseConfig({ ...base, ...extra });
}

function failure(extra: Record<string, unknown>): CniError {
  try {
    parse(extra);
  } catch (e) {
    return e as CniError;
  }
  throw new Error("expected the config to be refused");
}

describe("network config", () => {
  it("reads the documented keys and applies defaults", () => {
    const c = parse({});
    expect(c).toMatchObject({
      cniVersion: "1.0.0",
      name: "k8s-pod-network",
      type: "wren",
      datastore: DEFAULT_DATASTORE,
      mtu: 1500,
      ipam: {
        type: "wren-ipam",
        assignIpv4: true,
        assignIpv6: false,
        ipv4Pools: [],
        ipv6Pools: [],
      },
      allowIpForwarding: false,
      logLevel: "info",
    });
    const full = parse({
      datastore: "/srv/ds",
      nodename: "worker1",
      mtu: 1450,
      ipam: {
        type: "calico-ipam",
        assign_ipv4: "true",
        assign_ipv6: "true",
        ipv4_pools: ["10.244.0.0/16"],
        ipv6_pools: ["default-ipv6-ippool"],
      },
      container_settings: { allow_ip_forwarding: true },
      log_level: "DEBUG",
      log_file_path: "/var/log/wren/cni.log",
      dns: { nameservers: ["10.96.0.10"] },
      prevResult: { ips: [] },
      runtimeConfig: { portMappings: [] },
    });
    expect(full).toMatchObject({
      datastore: "/srv/ds",
      nodename: "worker1",
      mtu: 1450,
      ipam: { assignIpv4: true, assignIpv6: true, ipv4Pools: ["10.244.0.0/16"] },
      allowIpForwarding: true,
      logLevel: "debug",
      logFile: "/var/log/wren/cni.log",
      dns: { nameservers: ["10.96.0.10"] },
      prevResult: { ips: [] },
    });
  });

  it.each([
    [{ mtu: "1450" }, /"mtu" must be a whole number between 68 and 65535 \(got "1450"\)/],
    [{ mtu: 40 }, /"mtu" must be a whole number/],
    [{ datastore: "relative/dir" }, /"datastore" must be an absolute directory path/],
    [{ ipam: { type: "host-local" } }, /"ipam.type" must be "wren-ipam" or "calico-ipam"/],
    [{ ipam: undefined }, /"ipam" must be an object/],
    [
      { ipam: { type: "wren-ipam", assign_ipv4: "yes" } },
      /"ipam.assign_ipv4" must be true or false/,
    ],
    [{ ipam: { type: "wren-ipam", assign_ipv4: false } }, /cannot both be false/],
    [{ ipam: { type: "wren-ipam", ipv4_pools: "10.0.0.0/8" } }, /"ipam.ipv4_pools" must be a list/],
    [{ log_level: "loud" }, /"log_level" must be error, warning, info or debug/],
    [{ name: "" }, /"name" must start with a letter or digit/],
    [{ type: undefined }, /"type" is required/],
    [{ cniVersion: undefined }, /"cniVersion" is required/],
    [{ container_settings: true }, /"container_settings" must be an object/],
  ])("refuses %j naming the field (code 7)", (extra, message) => {
    const e = failure(extra);
    expect(e.code).toBe("CNI_INVALID_CONFIG");
    expect(e.cniCode).toBe(7);
    expect(e.message).toMatch(message);
  });

  it("names the network in its messages", () => {
    expect(failure({ mtu: "x" }).message).toMatch(/^network config "k8s-pod-network": /);
  });

  it("refuses a spec version it does not speak (code 1) and lists the supported ones", () => {
    const e = failure({ cniVersion: "0.2.0" });
    expect(e.code).toBe("CNI_INCOMPATIBLE_VERSION");
    expect(e.cniCode).toBe(1);
    expect(e.message).toContain("0.3.0, 0.3.1, 0.4.0, 1.0.0");
  });

  it("refuses what is not JSON (code 6)", () => {
    for (const text of ["", "{", "[1,2]", "null"]) {
      let err: CniError | undefined;
      try {
        decodeConfig(text);
      } catch (e) {
        err = e as CniError;
      }
      expect(err?.cniCode, text).toBe(6);
    }
  });

  it("finds the node name: nodename, then nodename_file, then the hostname", () => {
    const dir = mkdtempSync(join(tmpdir(), "wren-cni-"));
    try {
      const file = join(dir, "nodename");
      writeFileSync(file, "worker7\n");
      expect(resolveNodename(parse({ nodename: "worker1", nodename_file: file }))).toBe("worker1");
      expect(resolveNodename(parse({ nodename_file: file }))).toBe("worker7");
      expect(resolveNodename(parse({}), () => "host-a")).toBe("host-a");
      expect(() => resolveNodename(parse({ nodename_file: join(dir, "missing") }))).toThrow(
        /cannot read nodename_file/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
