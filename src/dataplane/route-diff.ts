/**
 * Desired route vs kernel route at one identity → the action to take (pure). Encodes the
 * reconciliation rules of calico-spec §6.2 and BIRD's kernel protocol:
 *   - a wanted route that is missing is added — only if the identity is free, so a route of
 *     another protocol or device there is never overwritten (logged as a conflict instead);
 *   - one of our routes that differs is replaced atomically (NLM_F_REPLACE, no flap);
 *   - one of our routes nobody wants is deleted, except: on a workload interface within the
 *     grace period after the interface appeared (races with the CNI plugin), and `proto bird`
 *     routes adopted at start before BGP has re-converged (graceful restart, BIRD `persist`).
 * Comparison ignores what the kernel adds on its own (LINKDOWN/DEAD flags, IPv6 route scope,
 * the `dev lo` of IPv6 blackholes).
 */
import type { KernelRoute } from "./model.js";
import { bytesEqual } from "./model.js";
import { RTNH_F_ONLINK } from "./netlink/constants.js";
import { isNoNexthopType } from "./netlink/route-codec.js";
import type { OwnerClass } from "./ownership.js";

export function routeMatches(want: KernelRoute, have: KernelRoute): boolean {
  if (
    want.type !== have.type ||
    want.protocol !== have.protocol ||
    want.family !== have.family ||
    want.dstLen !== have.dstLen ||
    want.tos !== have.tos ||
    want.table !== have.table ||
    want.priority !== have.priority ||
    !bytesEqual(want.dst, have.dst) ||
    !bytesEqual(want.prefsrc, have.prefsrc)
  ) {
    return false;
  }
  if (want.family === "ipv4" && want.scope !== have.scope) return false;
  if (isNoNexthopType(want.type)) return true;
  if (want.nexthops.length !== have.nexthops.length) return false;
  for (const w of want.nexthops) {
    const found = have.nexthops.some(
      (h) =>
        h.ifindex === w.ifindex &&
        bytesEqual(h.gateway, w.gateway) &&
        (h.flags & RTNH_F_ONLINK) === (w.flags & RTNH_F_ONLINK) &&
        (have.nexthops.length === 1 || h.weight === w.weight),
    );
    if (!found) return false;
  }
  return true;
}

export type RouteAction =
  | { readonly kind: "none" }
  | { readonly kind: "add"; readonly route: KernelRoute }
  | { readonly kind: "replace"; readonly route: KernelRoute }
  | { readonly kind: "delete"; readonly route: KernelRoute }
  /** A foreign route holds the identity we want. */
  | { readonly kind: "conflict"; readonly route: KernelRoute; readonly holder: KernelRoute }
  /** Stale but protected until `until` (ms on the agent's clock; Infinity = until converged). */
  | {
      readonly kind: "defer";
      readonly route: KernelRoute;
      readonly until: number;
      readonly why: string;
    };

export interface DecideContext {
  readonly now: number;
  /** Owner class of a kernel route, null = foreign. */
  readonly owner: (r: KernelRoute) => OwnerClass | null;
  /** End of the grace period of the workload interface a route uses, 0 when none applies. */
  readonly workloadGraceEnd: (r: KernelRoute) => number;
  /** BGP has re-converged (or this was not a restart). */
  readonly converged: boolean;
  /** The identity was wanted at some point since the agent started (set per identity). */
  claimed: boolean;
}

export function decideRoute(
  want: KernelRoute | undefined,
  have: KernelRoute | undefined,
  ctx: DecideContext,
): RouteAction {
  if (want !== undefined) {
    if (have === undefined) return { kind: "add", route: want };
    if (routeMatches(want, have)) return { kind: "none" };
    if (ctx.owner(have) === null) return { kind: "conflict", route: want, holder: have };
    return { kind: "replace", route: want };
  }
  if (have === undefined) return { kind: "none" };
  const owner = ctx.owner(have);
  if (owner === null) return { kind: "none" };
  const graceEnd = ctx.workloadGraceEnd(have);
  if (graceEnd > ctx.now) {
    return { kind: "defer", route: have, until: graceEnd, why: "workload interface grace period" };
  }
  if (owner === "bird" && !ctx.converged && !ctx.claimed) {
    return {
      kind: "defer",
      route: have,
      until: Infinity,
      why: "adopted at start, kept until BGP re-converges",
    };
  }
  return { kind: "delete", route: have };
}
