/**
 * Which kernel routes wren may touch, by Calico's rules (spec §6.2; Felix
 * `routetable/ownershippol`, BIRD's kernel protocol for `proto bird`):
 *   - main table only; never `proto kernel` or `proto redirect` routes (the kernel's own);
 *   - `proto bird` (12) routes are BIRD's: wren plays BIRD, so they are ours (class "bird");
 *   - `proto 80` routes are Felix's (class "felix");
 *   - any other unicast route whose outgoing interface is a workload interface (`cali*`) or a
 *     Calico tunnel device (`vxlan.calico`, `vxlan-v6.calico`) is Felix's too;
 *   - blackholes and other routes without an interface are ours only with protocol 12 or 80.
 * Everything else — routes of other daemons, static routes, other devices — is never changed.
 */
import type { KernelRoute } from "./model.js";
import {
  RT_SCOPE_LINK,
  RT_TABLE_MAIN,
  RTN_UNICAST,
  RTPROT_BIRD,
  RTPROT_KERNEL,
  RTPROT_REDIRECT,
} from "./netlink/constants.js";
import type { RouteBody } from "./route-body.js";

export const RTPROT_FELIX = 80;

export type OwnerClass = "bird" | "felix" | "workload" | "tunnel";

export interface OwnershipRules {
  /** Workload interface prefixes (Felix InterfacePrefix; default ["cali"]). */
  readonly workloadPrefixes: readonly string[];
  /** Calico tunnel devices whose routes are all ours. */
  readonly tunnelDevices: readonly string[];
}

export const DEFAULT_OWNERSHIP: OwnershipRules = {
  workloadPrefixes: ["cali"],
  tunnelDevices: ["vxlan.calico", "vxlan-v6.calico"],
};

export function isWorkloadInterface(name: string, rules: OwnershipRules): boolean {
  for (const p of rules.workloadPrefixes) if (name.startsWith(p)) return true;
  return false;
}

/**
 * The owner class of a kernel route, or null when the route is not ours. `linkName` maps an
 * ifindex to its current name (undefined when unknown).
 */
export function routeOwner(
  r: KernelRoute,
  linkName: (ifindex: number) => string | undefined,
  rules: OwnershipRules = DEFAULT_OWNERSHIP,
): OwnerClass | null {
  if (r.table !== RT_TABLE_MAIN) return null;
  return bodyOwner(r, linkName, rules);
}

/** `routeOwner` for a route of the main table given by its body (route-body.ts). */
export function bodyOwner(
  r: RouteBody,
  linkName: (ifindex: number) => string | undefined,
  rules: OwnershipRules = DEFAULT_OWNERSHIP,
): OwnerClass | null {
  if (r.protocol === RTPROT_KERNEL || r.protocol === RTPROT_REDIRECT) return null;
  if (r.protocol === RTPROT_BIRD) return "bird";
  if (r.protocol === RTPROT_FELIX) return "felix";
  if (r.type !== RTN_UNICAST || r.nexthops.length === 0) return null;
  const name = linkName(r.nexthops[0].ifindex);
  if (name === undefined) return null;
  if (isWorkloadInterface(name, rules)) return "workload";
  if (rules.tunnelDevices.includes(name)) return "tunnel";
  return null;
}

/**
 * The node's connected route (`proto kernel scope link`, what the kernel adds for an address's
 * subnet). A BGP route for exactly that prefix is shadowed by it, as in BIRD, where the `direct`
 * protocol's route (preference 240) beats BGP's (100): never installed, and not an error.
 */
export function isConnectedRoute(r: RouteBody): boolean {
  return r.protocol === RTPROT_KERNEL && r.type === RTN_UNICAST && r.scope === RT_SCOPE_LINK;
}
