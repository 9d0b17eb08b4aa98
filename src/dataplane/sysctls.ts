/**
 * Kernel settings under /proc/sys (calico-spec §6.4): global forwarding, and per workload
 * interface (host side, once it is oper-up) what Calico's CNI plugin and Felix write:
 *   IPv4: conf/<if>/route_localnet=1, proxy_arp=1, forwarding=1, rp_filter=<host default>,
 *         neigh/<if>/proxy_delay=0;
 *   IPv6 (IPv6 workloads): conf/<if>/proxy_ndp=1, forwarding=1; and accept_ra=0 for all.
 * /proc/sys/net shows the network namespace of the process, like netlink sockets. Values are
 * read first and written only when different.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { errorMessage } from "../common/errors.js";

export interface SysctlPort {
  /** Current value (trimmed), null when the key does not exist. */
  read(key: string): string | null;
  write(key: string, value: string): void;
}

/** `key` is a dotted-free path below /proc/sys, e.g. "net/ipv4/ip_forward". */
export const procSysctl: SysctlPort = {
  read(key) {
    try {
      return readFileSync(`/proc/sys/${key}`, "utf8").trim();
    } catch {
      return null;
    }
  },
  write(key, value) {
    writeFileSync(`/proc/sys/${key}`, value);
  },
};

export interface SysctlSetting {
  readonly key: string;
  readonly value: string;
  /** Missing keys are fine (e.g. IPv6 disabled on the host). */
  readonly optional: boolean;
}

export function globalSysctls(ipv4Forwarding: boolean, ipv6Forwarding: boolean): SysctlSetting[] {
  const out: SysctlSetting[] = [];
  if (ipv4Forwarding) out.push({ key: "net/ipv4/ip_forward", value: "1", optional: false });
  if (ipv6Forwarding) {
    out.push({ key: "net/ipv6/conf/all/forwarding", value: "1", optional: true });
  }
  return out;
}

export function workloadSysctls(
  ifname: string,
  ipv4: boolean,
  ipv6: boolean,
  rpFilter: string,
): SysctlSetting[] {
  const out: SysctlSetting[] = [];
  if (ipv4) {
    const conf = `net/ipv4/conf/${ifname}`;
    out.push(
      { key: `${conf}/route_localnet`, value: "1", optional: false },
      { key: `net/ipv4/neigh/${ifname}/proxy_delay`, value: "0", optional: false },
      { key: `${conf}/proxy_arp`, value: "1", optional: false },
      { key: `${conf}/forwarding`, value: "1", optional: false },
      { key: `${conf}/rp_filter`, value: rpFilter, optional: false },
    );
  }
  const conf6 = `net/ipv6/conf/${ifname}`;
  out.push({ key: `${conf6}/accept_ra`, value: "0", optional: true });
  if (ipv6) {
    out.push(
      { key: `${conf6}/proxy_ndp`, value: "1", optional: false },
      { key: `${conf6}/forwarding`, value: "1", optional: false },
    );
  }
  return out;
}

/** The host's default rp_filter (what CNI copies to the workload side), else 1. */
export function hostRpFilter(port: SysctlPort): string {
  return port.read("net/ipv4/conf/default/rp_filter") ?? "1";
}

export interface SysctlOutcome {
  readonly written: string[];
  readonly failed: { key: string; error: string }[];
}

export function applySysctls(port: SysctlPort, settings: readonly SysctlSetting[]): SysctlOutcome {
  const written: string[] = [];
  const failed: { key: string; error: string }[] = [];
  for (const s of settings) {
    const current = port.read(s.key);
    if (current === s.value) continue;
    if (current === null) {
      if (!s.optional) failed.push({ key: s.key, error: "no such key" });
      continue;
    }
    try {
      port.write(s.key, s.value);
      written.push(s.key);
    } catch (err) {
      failed.push({ key: s.key, error: errorMessage(err) });
    }
  }
  return { written, failed };
}
