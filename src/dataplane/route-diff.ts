/**
 * Desired route vs kernel route at one identity → the action to take (pure). Encodes the
 * reconciliation rules of calico-spec §6.2 and BIRD's kernel protocol:
 *   - a wanted route that is missing is added — only if the identity is free, so a route of
 *     another protocol or device there is never overwritten (a conflict instead); a BGP route
 *     whose identity holds the node's connected route is shadowed by it (BIRD: the direct
 *     protocol's preference 240 beats BGP's 100), which is by design, not a conflict;
 *   - one of our routes that differs is replaced atomically (NLM_F_REPLACE, no flap);
 *   - one of our routes nobody wants is deleted, except: on a workload interface within the
 *     grace period after the interface appeared (races with the CNI plugin), and `proto bird`
 *     routes adopted at start before BGP has re-converged (graceful restart, BIRD `persist`).
 * Comparison ignores what the kernel adds on its own (LINKDOWN/DEAD flags, IPv6 route scope,
 * the `dev lo` of IPv6 blackholes).
 *
 * `decideRoute` works on any route representation: the agent passes interned body ids (so the
 * common "already there" case is an integer comparison), the tests pass `KernelRoute`s. The
 * action is a number (no object per decision).
 */
import type { KernelRoute } from "./model.js";
import { bytesEqual } from "./model.js";
import { RTNH_F_ONLINK } from "./netlink/constants.js";
import { isNoNexthopType } from "./netlink/route-codec.js";
import type { OwnerClass } from "./ownership.js";
import type { RouteBody } from "./route-body.js";

/** Everything but the identity: does the kernel's route do what we want? */
export function bodyMatches(want: RouteBody, have: RouteBody): boolean {
  if (
    want.type !== have.type ||
    want.protocol !== have.protocol ||
    want.family !== have.family ||
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

export function routeMatches(want: KernelRoute, have: KernelRoute): boolean {
  return (
    want.dstLen === have.dstLen &&
    want.tos === have.tos &&
    want.table === have.table &&
    want.priority === have.priority &&
    bytesEqual(want.dst, have.dst) &&
    bodyMatches(want, have)
  );
}

export const ACTION_NONE = 0;
export const ACTION_ADD = 1;
/** Replace our own route (the wanted one goes in atomically). */
export const ACTION_REPLACE = 2;
/** Delete our unwanted route (`have`). */
export const ACTION_DELETE = 3;
/** A foreign route holds the identity we want. */
export const ACTION_CONFLICT = 4;
/** Stale but protected until `ctx.until` (ms on the agent's clock; Infinity = until converged). */
export const ACTION_DEFER = 5;
/** A BGP route whose identity holds the node's connected route: not installed, by design. */
export const ACTION_SHADOWED = 6;

export type RouteAction = number;

export interface DecideContext<R> {
  now: number;
  /** Owner class of a kernel route, null = foreign. */
  readonly owner: (r: R) => OwnerClass | null;
  /** End of the grace period of the workload interface a route uses, 0 when none applies. */
  readonly workloadGraceEnd: (r: R) => number;
  /** The kernel's route does what the wanted one does (see `bodyMatches`). */
  readonly matches: (want: R, have: R) => boolean;
  /** The kernel route is the node's connected route (ownership.ts `isConnectedRoute`). */
  readonly connected: (r: R) => boolean;
  /** BGP has re-converged (or this was not a restart). */
  converged: boolean;
  /** The identity was wanted at some point since the agent started (set per identity). */
  claimed: boolean;
  /** The wanted route is a BGP route (set per identity). */
  bgp: boolean;
  /** Out: for ACTION_DEFER, until when. */
  until: number;
}

/** The action for one identity; `want`/`have` null when there is none. */
export function decideRoute<R>(want: R | null, have: R | null, ctx: DecideContext<R>): RouteAction {
  if (want !== null) {
    if (have === null) return ACTION_ADD;
    if (want === have || ctx.matches(want, have)) return ACTION_NONE;
    if (ctx.owner(have) === null) {
      return ctx.bgp && ctx.connected(have) ? ACTION_SHADOWED : ACTION_CONFLICT;
    }
    return ACTION_REPLACE;
  }
  if (have === null) return ACTION_NONE;
  const owner = ctx.owner(have);
  if (owner === null) return ACTION_NONE;
  const graceEnd = ctx.workloadGraceEnd(have);
  if (graceEnd > ctx.now) {
    // Workload interface grace period.
    ctx.until = graceEnd;
    return ACTION_DEFER;
  }
  if (owner === "bird" && !ctx.converged && !ctx.claimed) {
    // Adopted at start, kept until BGP re-converges.
    ctx.until = Number.POSITIVE_INFINITY;
    return ACTION_DEFER;
  }
  return ACTION_DELETE;
}
