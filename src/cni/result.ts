/**
 * The CNI result (spec "Success" output of ADD): interfaces (host veth, container interface with
 * its sandbox), IPs with the index of the interface they are on, routes in the container, DNS.
 * Versions before 1.0.0 also carry `version: "4" | "6"` per IP; 1.0.0 dropped it. Also parses
 * a runtime's `prevResult` (any supported version) for CHECK.
 */
import { compareVersions } from "./versions.js";

export interface CniInterface {
  readonly name: string;
  readonly mac?: string;
  /** The netns path, for interfaces inside the container; absent for host interfaces. */
  readonly sandbox?: string;
}

export interface CniIpConfig {
  /** CIDR: the address with its prefix length (10.244.1.5/32). */
  readonly address: string;
  readonly gateway?: string;
  /** Index into `interfaces`. */
  readonly interface?: number;
}

export interface CniRoute {
  readonly dst: string;
  readonly gw?: string;
}

export interface CniDns {
  readonly nameservers?: readonly string[];
  readonly domain?: string;
  readonly search?: readonly string[];
  readonly options?: readonly string[];
}

export interface CniResult {
  readonly interfaces: readonly CniInterface[];
  readonly ips: readonly CniIpConfig[];
  readonly routes: readonly CniRoute[];
  readonly dns: CniDns;
}

/** The result JSON object in spec version `cniVersion`. */
export function formatResult(result: CniResult, cniVersion: string): Record<string, unknown> {
  const legacy = compareVersions(cniVersion, "1.0.0") < 0;
  return {
    cniVersion,
    interfaces: result.interfaces.map((i) => ({
      name: i.name,
      ...(i.mac ? { mac: i.mac } : {}),
      ...(i.sandbox ? { sandbox: i.sandbox } : {}),
    })),
    ips: result.ips.map((ip) => ({
      ...(legacy ? { version: ip.address.includes(":") ? "6" : "4" } : {}),
      address: ip.address,
      ...(ip.gateway ? { gateway: ip.gateway } : {}),
      ...(ip.interface !== undefined ? { interface: ip.interface } : {}),
    })),
    routes: result.routes.map((r) => ({ dst: r.dst, ...(r.gw ? { gw: r.gw } : {}) })),
    dns: { ...result.dns },
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads a prevResult; returns an error message instead when its shape is wrong. */
export function parseResult(v: unknown): CniResult | string {
  if (!isObject(v)) return "prevResult must be an object";
  const interfaces: CniInterface[] = [];
  if (v.interfaces !== undefined) {
    if (!Array.isArray(v.interfaces)) return "prevResult.interfaces must be a list";
    for (const [i, x] of v.interfaces.entries()) {
      if (!isObject(x) || typeof x.name !== "string")
        return `prevResult.interfaces[${i}] needs a name`;
      interfaces.push({
        name: x.name,
        mac: typeof x.mac === "string" ? x.mac : undefined,
        sandbox: typeof x.sandbox === "string" && x.sandbox !== "" ? x.sandbox : undefined,
      });
    }
  }
  const ips: CniIpConfig[] = [];
  if (v.ips !== undefined) {
    if (!Array.isArray(v.ips)) return "prevResult.ips must be a list";
    for (const [i, x] of v.ips.entries()) {
      if (!isObject(x) || typeof x.address !== "string" || !x.address.includes("/"))
        return `prevResult.ips[${i}].address must be a CIDR`;
      if (x.interface !== undefined && typeof x.interface !== "number")
        return `prevResult.ips[${i}].interface must be a number`;
      ips.push({
        address: x.address,
        gateway: typeof x.gateway === "string" ? x.gateway : undefined,
        interface: typeof x.interface === "number" ? x.interface : undefined,
      });
    }
  }
  const routes: CniRoute[] = [];
  if (v.routes !== undefined) {
    if (!Array.isArray(v.routes)) return "prevResult.routes must be a list";
    for (const [i, x] of v.routes.entries()) {
      if (!isObject(x) || typeof x.dst !== "string") return `prevResult.routes[${i}] needs a dst`;
      routes.push({ dst: x.dst, gw: typeof x.gw === "string" ? x.gw : undefined });
    }
  }
  return { interfaces, ips, routes, dns: isObject(v.dns) ? (v.dns as CniDns) : {} };
}
