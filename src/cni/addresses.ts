/**
 * Workload addresses from the datastore's IPAM (the calico module's DirectoryIpam, safe for
 * concurrent plugin runs and daemons), under the container's handle, one address per family:
 * the addresses the runtime asked for (requested-ips.ts; Calico AssignIP rules), else one IPv4
 * and/or one IPv6 address from the node's own block (claiming one when needed), trying the
 * configured pools in order. Allocation is idempotent per handle and family, so a repeated ADD
 * gets the same addresses back; release frees all of a container's addresses and is a no-op
 * when there are none.
 *
 * Containers added by earlier wren versions hold their IPv6 address under the handle
 * `<handle>.ipv6` (a workaround for an IPAM that mixed up families): it is still found, reused
 * and released.
 */

import { type Allocation, DirectoryIpam } from "../calico/index.js";
import type { Family } from "../common/contracts/families.js";
import type { IpamSettings } from "./config.js";
import { CniError } from "./errors.js";
import type { RequestedIps } from "./requested-ips.js";

/** The handle earlier versions kept a container's IPv6 address under. */
export function legacyIpv6Handle(handle: string): string {
  return `${handle}.ipv6`;
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

interface Want {
  readonly family: Family;
  readonly pools: readonly string[];
  readonly address?: string;
}

async function allocateFamily(
  ipam: DirectoryIpam,
  node: string,
  handle: string,
  want: Want,
): Promise<Allocation> {
  const { family, address } = want;
  if (family === "ipv6") {
    const [old] = await ipam.allocationsOf(legacyIpv6Handle(handle));
    if (old && (address === undefined || old.ip === address)) return old;
  }
  if (address !== undefined) return ipam.allocate(node, handle, { family, address });
  if (want.pools.length === 0) return ipam.allocate(node, handle, { family });
  let last: unknown;
  for (const pool of want.pools) {
    try {
      return await ipam.allocate(node, handle, { family, pool });
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
  requested?: RequestedIps | null,
): Promise<Allocation[]> {
  const ipam = new DirectoryIpam(datastore);
  const wanted: Want[] = [];
  if (requested && requested.ips.length > 0) {
    for (const r of requested.ips) wanted.push({ family: r.family, pools: [], address: r.address });
  } else {
    if (settings.assignIpv4) wanted.push({ family: "ipv4", pools: settings.ipv4Pools });
    if (settings.assignIpv6) wanted.push({ family: "ipv6", pools: settings.ipv6Pools });
  }
  const out: Allocation[] = [];
  for (const want of wanted) {
    try {
      out.push(await allocateFamily(ipam, node, handle, want));
    } catch (err) {
      throw ipamFailure(
        want.address !== undefined
          ? `allocating ${want.address} (${requested!.source}) on node ${node}`
          : `allocating an ${want.family} address for node ${node}`,
        err,
      );
    }
  }
  return out;
}

/** Frees every address of the container; returns them. */
export async function releaseAddresses(datastore: string, handle: string): Promise<string[]> {
  const ipam = new DirectoryIpam(datastore);
  try {
    const freed = await ipam.release(handle);
    const legacy = legacyIpv6Handle(handle);
    // records only: no scan of every allocation for a handle that was never used
    if ((await ipam.allocationsOf(legacy)).length > 0) freed.push(...(await ipam.release(legacy)));
    return freed;
  } catch (err) {
    throw ipamFailure(`releasing the addresses of ${handle}`, err);
  }
}

/** The container's current allocations (for CHECK). */
export async function allocationsOf(datastore: string, handle: string): Promise<Allocation[]> {
  const ipam = new DirectoryIpam(datastore);
  try {
    return [
      ...(await ipam.allocationsOf(handle)),
      ...(await ipam.allocationsOf(legacyIpv6Handle(handle))),
    ];
  } catch (err) {
    throw ipamFailure(`reading the allocations of ${handle}`, err);
  }
}
