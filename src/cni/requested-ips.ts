/**
 * Addresses the runtime asks for (CNI conventions "ips"; Calico's `ipAddrs` does the same for
 * Kubernetes pods), from the first source that has any:
 *
 *   1. `runtimeConfig.ips`   the "ips" capability: ["10.244.0.17/32", "fd00::17"]
 *   2. `args.cni.ips`        the "args" convention in the network config
 *   3. CNI_ARGS `IP=`        as Calico's and host-local's plugins read it: "IP=10.244.0.17[,fd00::17]"
 *
 * Entries are addresses with or without a length (the length is ignored: a pod gets a /32 or
 * /128); at most one per family. With any requested address the plugin allocates exactly those
 * and nothing else (assign_ipv4 / assign_ipv6 and the pool lists do not apply, as in Calico).
 */

import type { Family } from "../common/contracts/families.js";
import { canonicalAddress, familyOf } from "../common/ip/index.js";
import { CniError } from "./errors.js";

export interface RequestedIp {
  readonly address: string;
  readonly family: Family;
}

export interface RequestedIps {
  /** Where they came from, for messages ("runtimeConfig.ips", "args.cni.ips", "CNI_ARGS IP"). */
  readonly source: string;
  readonly ips: readonly RequestedIp[];
}

function parseEntries(
  source: string,
  entries: readonly unknown[],
  fail: (field: string, message: string) => never,
): RequestedIps {
  const ips: RequestedIp[] = [];
  entries.forEach((entry, i) => {
    const field = `${source}[${i}]`;
    const got = ` (got ${JSON.stringify(entry)})`;
    const text = typeof entry === "string" ? entry.trim() : "";
    const slash = text.indexOf("/");
    const address = canonicalAddress(slash < 0 ? text : text.slice(0, slash));
    const family = address === null ? null : familyOf(address);
    const length = slash < 0 ? "" : text.slice(slash + 1);
    if (
      address === null ||
      family === null ||
      (slash >= 0 && (!/^\d{1,3}$/.test(length) || Number(length) > (family === "ipv4" ? 32 : 128)))
    ) {
      fail(field, `must be an IP address, optionally with a length${got}`);
    }
    if (ips.some((x) => x.family === family)) {
      fail(field, `must not be a second ${family} address: one per family${got}`);
    }
    ips.push({ address: address!, family: family! });
  });
  return { source, ips };
}

/** The requested addresses of a network config document (sources 1 and 2); null: none. */
export function requestedIpsOfConfig(
  doc: Readonly<Record<string, unknown>>,
  fail: (field: string, message: string) => never,
): RequestedIps | null {
  const sources: [string, unknown][] = [
    ["runtimeConfig.ips", (doc.runtimeConfig as Record<string, unknown> | undefined)?.ips],
    [
      "args.cni.ips",
      (
        (doc.args as Record<string, unknown> | undefined)?.cni as
          | Record<string, unknown>
          | undefined
      )?.ips,
    ],
  ];
  for (const [source, value] of sources) {
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value))
      fail(source, `must be a list of IP addresses (got ${JSON.stringify(value)})`);
    const list = value as unknown[];
    if (list.length > 0) return parseEntries(source, list, fail);
  }
  return null;
}

/** The requested addresses of CNI_ARGS `IP=a[,b]` (source 3); null: none. */
export function requestedIpsOfArgs(args: Readonly<Record<string, string>>): RequestedIps | null {
  const value = args.IP;
  if (value === undefined || value.trim() === "") return null;
  return parseEntries("CNI_ARGS IP", value.split(","), (field, message) => {
    throw new CniError("CNI_INVALID_ENVIRONMENT", `${field} ${message}`);
  });
}
