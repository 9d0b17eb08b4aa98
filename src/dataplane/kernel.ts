/**
 * The dataplane's port to the kernel: the few operations the reconciler needs (dumps, a
 * pipelined list of changes, notifications). `NetlinkKernel` implements it over rtnetlink; tests
 * of the reconciler can implement it in memory. Nothing outside this interface knows how the
 * kernel is reached.
 */
import type { Family } from "../common/contracts/families.js";
import type { KernelAddress, KernelLink, KernelNeighbour, KernelRoute, RouteKey } from "./model.js";
import type { LinkChange, VxlanLinkSpec } from "./netlink/link-codec.js";
import type { RouteBodies } from "./route-body.js";
import type { RouteOpList } from "./route-ops.js";

/** Device, address and neighbour changes (route changes go through `Kernel.applyRoutes`). */
export type KernelOp =
  | { readonly kind: "vxlan-add"; readonly spec: VxlanLinkSpec }
  | { readonly kind: "ipip-add"; readonly name: string }
  | { readonly kind: "link-set"; readonly index: number; readonly change: LinkChange }
  | { readonly kind: "link-del"; readonly index: number }
  | {
      readonly kind: "addr-add" | "addr-del";
      readonly index: number;
      readonly address: Uint8Array;
      readonly prefixLen: number;
    }
  | {
      readonly kind: "neigh-set";
      readonly ifindex: number;
      readonly ip: Uint8Array;
      readonly mac: Uint8Array;
    }
  | { readonly kind: "neigh-del"; readonly ifindex: number; readonly ip: Uint8Array }
  | {
      readonly kind: "fdb-set";
      readonly ifindex: number;
      readonly mac: Uint8Array;
      readonly dst: Uint8Array;
    }
  | {
      readonly kind: "fdb-del";
      readonly ifindex: number;
      readonly mac: Uint8Array;
      readonly dst: Uint8Array | null;
    };

/** A route notification; `route` is decoded on first access (most are echoes of our own). */
export interface RouteEvent {
  readonly kind: "route";
  readonly removed: boolean;
  readonly key: RouteKey;
  readonly table: number;
  readonly protocol: number;
  readonly route: KernelRoute;
}

export interface RouteScanEntry {
  readonly key: RouteKey;
  readonly table: number;
  readonly protocol: number;
  route(): KernelRoute;
  /** Interns the route's body without decoding it (one reference taken for the caller). */
  internBody(bodies: RouteBodies): number;
}

export type KernelEvent =
  | RouteEvent
  | { readonly kind: "link"; readonly removed: boolean; readonly link: KernelLink }
  | { readonly kind: "address"; readonly removed: boolean; readonly address: KernelAddress }
  | { readonly kind: "neighbour"; readonly removed: boolean; readonly neighbour: KernelNeighbour };

export interface Kernel {
  dumpLinks(): Promise<KernelLink[]>;
  dumpAddresses(family: Family): Promise<KernelAddress[]>;
  dumpNeighbours(family: "ipv4" | "ipv6" | "bridge"): Promise<KernelNeighbour[]>;
  /**
   * Walks a route dump calling `visit` per route with its identity; `entry.route()` decodes the
   * whole route, and only during the call (the entry object is reused).
   */
  scanRoutes(family: Family, visit: (entry: RouteScanEntry) => void): Promise<void>;
  /**
   * Stops (false) or restarts (true) route notifications, around bulk changes whose echo would
   * cost as much as the changes; the caller re-checks the table afterwards.
   */
  watchRoutes(on: boolean): Promise<void>;
  /** Sends all ops pipelined (bounded in flight); resolves with one errno per op, 0 = done. */
  apply(ops: readonly KernelOp[]): Promise<number[]>;
  /**
   * Route changes in compact form (route-ops.ts), encoded from identity + interned body straight
   * into netlink messages; resolves with one errno per op, 0 = done.
   */
  applyRoutes(ops: RouteOpList, bodies: RouteBodies): Promise<Int32Array>;
  /** Kernel notifications, in arrival order, delivered in bulk. */
  onEvents(handler: (events: KernelEvent[]) => void): void;
  close(): Promise<void>;
}
