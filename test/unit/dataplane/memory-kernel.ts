/**
 * An in-memory `Kernel` (src/dataplane/kernel.ts) for unit tests of the dataplane agent: a main
 * table of routes keyed by identity, fixed links/addresses/neighbours, route changes applied
 * with the kernel's add/replace/delete rules (EEXIST on an add over a taken identity, ESRCH on a
 * delete of a missing route) and echoed back as route notifications, and a `refuse` hook that
 * makes the "kernel" answer a chosen route change with an errno, as the real one does for a
 * route it cannot take (ENETUNREACH, EINVAL...).
 */
import type { Family } from "../../../src/common/contracts/families.js";
import type {
  Kernel,
  KernelEvent,
  KernelOp,
  RouteScanEntry,
} from "../../../src/dataplane/kernel.js";
import {
  formatRouteDst,
  type KernelAddress,
  type KernelLink,
  type KernelNeighbour,
  type KernelRoute,
  type RouteKey,
  routeKey,
  routeOfKey,
} from "../../../src/dataplane/model.js";
import { EEXIST, ESRCH } from "../../../src/dataplane/netlink/constants.js";
import type { RouteBodies } from "../../../src/dataplane/route-body.js";
import { OP_ADD, OP_DEL, opName, type RouteOpList } from "../../../src/dataplane/route-ops.js";

/** One route change the agent asked for, with the errno it got (0 = done). */
export interface RouteAttempt {
  readonly op: "add" | "replace" | "delete";
  /** `a.b.c.d/len` */
  readonly dst: string;
  readonly errno: number;
}

export class MemoryKernel implements Kernel {
  readonly routes = new Map<RouteKey, KernelRoute>();
  links: KernelLink[] = [];
  addresses: KernelAddress[] = [];
  neighbours: KernelNeighbour[] = [];
  readonly attempts: RouteAttempt[] = [];
  /** Errno for a route change (0 = let it through); consulted before the change is applied. */
  refuse: (op: RouteAttempt["op"], route: KernelRoute) => number = () => 0;
  private handler: ((events: KernelEvent[]) => void) | null = null;
  closed = false;

  async dumpLinks(): Promise<KernelLink[]> {
    return [...this.links];
  }

  async dumpAddresses(family: Family): Promise<KernelAddress[]> {
    return this.addresses.filter((a) => a.family === family);
  }

  async dumpNeighbours(family: "ipv4" | "ipv6" | "bridge"): Promise<KernelNeighbour[]> {
    return this.neighbours.filter((n) => n.family === family);
  }

  async scanRoutes(family: Family, visit: (entry: RouteScanEntry) => void): Promise<void> {
    for (const [key, r] of this.routes) {
      if (r.family !== family) continue;
      visit({
        key,
        table: r.table,
        protocol: r.protocol,
        route: () => r,
        internBody: (bodies: RouteBodies) => bodies.intern(r),
      });
    }
  }

  async watchRoutes(_on: boolean): Promise<void> {}

  /** Device, address and neighbour changes: accepted, not modelled. */
  async apply(ops: readonly KernelOp[]): Promise<number[]> {
    return ops.map(() => 0);
  }

  async applyRoutes(ops: RouteOpList, bodies: RouteBodies): Promise<Int32Array> {
    const results = new Int32Array(ops.count);
    const events: KernelEvent[] = [];
    for (let i = 0; i < ops.count; i++) {
      const key = ops.key(i);
      const route = routeOfKey(key, bodies.get(ops.bodies[i]));
      const op = opName(ops.kinds[i]) as RouteAttempt["op"];
      let errno = this.refuse(op, route);
      if (errno === 0) errno = this.change(ops.kinds[i], key, route, events);
      results[i] = errno;
      this.attempts.push({ op, dst: formatRouteDst(route), errno });
    }
    // Notifications arrive after the answers, as on a separate netlink socket.
    if (events.length > 0) setImmediate(() => this.handler?.(events));
    return results;
  }

  onEvents(handler: (events: KernelEvent[]) => void): void {
    this.handler = handler;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** Puts a route into the table as if someone else (or an earlier wren) had added it. */
  addRoute(route: KernelRoute): void {
    this.routes.set(routeKey(route), route);
  }

  /** Route changes the agent asked for on `dst`. */
  attemptsOn(dst: string): RouteAttempt[] {
    return this.attempts.filter((a) => a.dst === dst);
  }

  private change(kind: number, key: RouteKey, route: KernelRoute, events: KernelEvent[]): number {
    const had = this.routes.get(key);
    if (kind === OP_DEL) {
      if (had === undefined || had.protocol !== route.protocol) return ESRCH;
      this.routes.delete(key);
      events.push(routeEvent(key, had, true));
      return 0;
    }
    if (kind === OP_ADD && had !== undefined) return EEXIST;
    this.routes.set(key, route);
    events.push(routeEvent(key, route, false));
    return 0;
  }
}

function routeEvent(key: RouteKey, route: KernelRoute, removed: boolean): KernelEvent {
  return { kind: "route", removed, key, table: route.table, protocol: route.protocol, route };
}
