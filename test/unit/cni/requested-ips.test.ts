// Chosen addresses from the runtime: runtimeConfig.ips (the "ips" capability) first, then
// args.cni.ips, then CNI_ARGS IP=a[,b]; lengths are dropped, addresses canonical, one per
// family; bad entries are refused naming the field (config: CNI code 7, CNI_ARGS: code 4).
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/cni/config.js";
import type { CniError } from "../../../src/cni/errors.js";
import { requestedIpsOfArgs } from "../../../src/cni/requested-ips.js";

const base = { cniVersion: "1.0.0", name: "net", type: "wren", ipam: { type: "wren-ipam" } };

function refused(run: () => unknown): CniError {
  try {
    run();
  } catch (e) {
    return e as CniError;
  }
  throw new Error("expected a refusal");
}

describe("requested addresses", () => {
  it("reads runtimeConfig.ips before args.cni.ips, canonical and without lengths", () => {
    const cfg = parseConfig({
      ...base,
      capabilities: { ips: true },
      runtimeConfig: { ips: ["10.244.0.17/24", "FD00:10:244:0::17"] },
      args: { cni: { ips: ["10.244.0.99"] } },
    });
    expect(cfg.requestedIps).toEqual({
      source: "runtimeConfig.ips",
      ips: [
        { address: "10.244.0.17", family: "ipv4" },
        { address: "fd00:10:244::17", family: "ipv6" },
      ],
    });
    const args = parseConfig({
      ...base,
      runtimeConfig: { ips: [] },
      args: { cni: { ips: ["10.244.0.99"] } },
    });
    expect(args.requestedIps?.source).toBe("args.cni.ips");
    expect(parseConfig(base).requestedIps).toBeUndefined();
  });

  it.each([
    [{ runtimeConfig: { ips: "10.0.0.1" } }, '"runtimeConfig.ips" must be a list of IP addresses'],
    [{ runtimeConfig: { ips: ["nope"] } }, '"runtimeConfig.ips[0]" must be an IP address'],
    [{ runtimeConfig: { ips: ["10.0.0.1/33"] } }, '"runtimeConfig.ips[0]" must be an IP address'],
    [{ runtimeConfig: { ips: [7] } }, '"runtimeConfig.ips[0]" must be an IP address'],
    [
      { args: { cni: { ips: ["10.0.0.1", "10.0.0.2"] } } },
      '"args.cni.ips[1]" must not be a second ipv4 address: one per family (got "10.0.0.2")',
    ],
  ])("config %j is refused with code 7", (extra, message) => {
    const err = refused(() => parseConfig({ ...base, ...extra }));
    expect(err.cniCode).toBe(7);
    expect(err.message).toContain(message);
  });

  it("CNI_ARGS IP=a,b as Calico's and host-local's plugins read it", () => {
    expect(requestedIpsOfArgs({ IP: "10.244.1.1,fd00::1" })?.ips).toEqual([
      { address: "10.244.1.1", family: "ipv4" },
      { address: "fd00::1", family: "ipv6" },
    ]);
    expect(requestedIpsOfArgs({ IP: "" })).toBeNull();
    expect(requestedIpsOfArgs({ K8S_POD_NAME: "p" })).toBeNull();
    const err = refused(() => requestedIpsOfArgs({ IP: "10.244.1.1,10.244.1.2" }));
    expect(err.cniCode).toBe(4);
    expect(err.message).toBe(
      'CNI_ARGS IP[1] must not be a second ipv4 address: one per family (got "10.244.1.2")',
    );
  });
});
