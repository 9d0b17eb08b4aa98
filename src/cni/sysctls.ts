/**
 * Per-interface kernel settings of a workload, as Calico's CNI plugin and Felix write them
 * (calico-spec §6.4): on the host side of the veth proxy ARP (the container's gateway
 * 169.254.1.1 answers through it), no proxy delay, forwarding, route_localnet, the host's
 * default rp_filter; for IPv6 proxy NDP, forwarding, no router advertisements, no DAD, IPv6 on.
 * In the container: IPv4 forwarding only when the config allows it, IPv6 switched on when the
 * workload has an IPv6 address. Keys are path lists because interface names may hold dots.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Sysctl {
  /** Below /proc/sys, e.g. ["net", "ipv4", "conf", "cali1234", "proxy_arp"]. */
  readonly path: readonly string[];
  readonly value: string;
}

export function sysctlFile(path: readonly string[]): string {
  return join("/proc/sys", ...path);
}

/** Dotted display form (net.ipv4.conf.cali….proxy_arp). */
export function sysctlName(path: readonly string[]): string {
  return path.join(".");
}

/** The host's default rp_filter (Calico copies it onto workload interfaces), else 1. */
export function hostDefaultRpFilter(): string {
  try {
    const v = readFileSync("/proc/sys/net/ipv4/conf/default/rp_filter", "utf8").trim();
    return /^[012]$/.test(v) ? v : "1";
  } catch {
    return "1";
  }
}

export function hostSideSysctls(
  ifname: string,
  families: { ipv4: boolean; ipv6: boolean },
  rpFilter: string,
): Sysctl[] {
  const out: Sysctl[] = [];
  const v4 = (k: string, value: string) =>
    out.push({ path: ["net", "ipv4", "conf", ifname, k], value });
  const v6 = (k: string, value: string) =>
    out.push({ path: ["net", "ipv6", "conf", ifname, k], value });
  if (families.ipv4) {
    v4("route_localnet", "1");
    out.push({ path: ["net", "ipv4", "neigh", ifname, "proxy_delay"], value: "0" });
    v4("proxy_arp", "1");
    v4("forwarding", "1");
    v4("rp_filter", rpFilter);
  }
  if (families.ipv6) {
    v6("disable_ipv6", "0");
    v6("accept_dad", "0");
    v6("accept_ra", "0");
    v6("proxy_ndp", "1");
    v6("forwarding", "1");
  }
  return out;
}

export function containerSysctls(opts: { ipv6: boolean; allowIpForwarding: boolean }): Sysctl[] {
  const out: Sysctl[] = [];
  if (opts.ipv6) {
    for (const scope of ["all", "default", "lo"])
      out.push({ path: ["net", "ipv6", "conf", scope, "disable_ipv6"], value: "0" });
  }
  if (opts.allowIpForwarding) {
    out.push({ path: ["net", "ipv4", "ip_forward"], value: "1" });
    if (opts.ipv6) out.push({ path: ["net", "ipv6", "conf", "all", "forwarding"], value: "1" });
  }
  return out;
}

/**
 * Writes sysctls in the calling thread's network namespace (/proc/sys/net follows the thread).
 * Returns the first failure as "name: message", or undefined when all were written.
 */
export function writeSysctls(entries: readonly Sysctl[]): string | undefined {
  for (const e of entries) {
    try {
      writeFileSync(sysctlFile(e.path), e.value);
    } catch (err) {
      return `${sysctlName(e.path)}=${e.value}: ${(err as Error).message}`;
    }
  }
  return undefined;
}

/** Reads sysctls (undefined for the ones that cannot be read). */
export function readSysctls(paths: readonly (readonly string[])[]): (string | undefined)[] {
  return paths.map((p) => {
    try {
      return readFileSync(sysctlFile(p), "utf8").trim();
    } catch {
      return undefined;
    }
  });
}
