/**
 * Workload addresses from the datastore's IPAM (the calico module's DirectoryIpam, safe for
 * concurrent plugin runs and daemons): one IPv4 and/or one IPv6 address per container, from the
 * node's own block (claiming one when needed), trying the configured pools in order. Allocation
 * is idempotent per handle, so a repeated ADD gets the same address back; release frees all of a
 * container's addresses and is a no-op when there are none.
 *
 * The IPv6 address is kept under its own handle (`<handle>.ipv6`): DirectoryIpam.allocate
 * returns a handle's existing allocation whatever family is asked for.
 */

import { type Allocation, DirectoryIpam } from "../calico/index.js";
import type { Family } from "../common/contracts/families.js";
import type { IpamSettings } from "./config.js";
import { CniError } from "./errors.js";

export function familyHandle(handle: string, family: Family): string {
  return family === "ipv4" ? handle : `${handle}.ipv6`;
}

function ipamFailure(what: string, err: unknown): CniError {
  const code = (err as { code?: string }).code;
  const hint =
    code === "CALICO_IPAM_UNKNOWN_NODE"
      ? ' (set "nodename" in the network config to the Calico Node name)'
      : "";
  return new CniError("CNI_IPAM_FAILED", `${what}: ${(err as Error).message}${hint}`, {
    cause: err,
  });
}

async function allocateFamily(
  ipam: DirectoryIpam,
  node: string,
  handle: string,
  family: Family,
  pools: readonly string[],
): Promise<Allocation> {
  const h = familyHandle(handle, family);
  if (pools.length === 0) return ipam.allocate(node, h, { family });
  let last: unknown;
  for (const pool of pools) {
    try {
      return await ipam.allocate(node, h, { family, pool });
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

/** Allocates the container's addresses (the caller releases them when a later step fails). */
export async function allocateAddresses(
  datastore: string,
  node: string,
  handle: string,
  settings: IpamSettings,
): Promise<Allocation[]> {
  const ipam = new DirectoryIpam(datastore);
  const out: Allocation[] = [];
  const wanted: [Family, readonly string[]][] = [];
  if (settings.assignIpv4) wanted.push(["ipv4", settings.ipv4Pools]);
  if (settings.assignIpv6) wanted.push(["ipv6", settings.ipv6Pools]);
  for (const [family, pools] of wanted) {
    try {
      const a = await allocateFamily(ipam, node, handle, family, pools);
      if (a.ip.includes(":") !== (family === "ipv6")) {
        throw new Error(`IPAM returned ${a.ip} for an ${family} request`);
      }
      out.push(a);
    } catch (err) {
      throw ipamFailure(`allocating an ${family} address for node ${node}`, err);
    }
  }
  return out;
}

/** Frees every address of the container; returns them. */
export async function releaseAddresses(datastore: string, handle: string): Promise<string[]> {
  const ipam = new DirectoryIpam(datastore);
  try {
    return [
      ...(await ipam.release(familyHandle(handle, "ipv4"))),
      ...(await ipam.release(familyHandle(handle, "ipv6"))),
    ];
  } catch (err) {
    throw ipamFailure(`releasing the addresses of ${handle}`, err);
  }
}

/** The container's current allocations (for CHECK). */
export async function allocationsOf(datastore: string, handle: string): Promise<Allocation[]> {
  const ipam = new DirectoryIpam(datastore);
  const handles = new Set([familyHandle(handle, "ipv4"), familyHandle(handle, "ipv6")]);
  try {
    return (await ipam.allocations()).filter((a) => handles.has(a.handle));
  } catch (err) {
    throw ipamFailure(`reading the allocations of ${handle}`, err);
  }
}
