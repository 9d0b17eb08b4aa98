// Ownership rules and the per-identity reconciliation decision (add / replace / delete /
// conflict / shadowed by a connected route / defer for the workload grace period and graceful
// restart).
import { describe, expect, it } from "vitest";
import { parseAddress } from "../../../src/common/ip/address.js";
import { parsePrefix } from "../../../src/common/ip/prefix.js";
import type { KernelRoute } from "../../../src/dataplane/model.js";
import { RTNH_F_LINKDOWN, RTNH_F_ONLINK } from "../../../src/dataplane/netlink/constants.js";
import { isConnectedRoute, routeOwner } from "../../../src/dataplane/ownership.js";
import {
  ACTION_ADD,
  ACTION_CONFLICT,
  ACTION_DEFER,
  ACTION_DELETE,
  ACTION_NONE,
  ACTION_REPLACE,
  ACTION_SHADOWED,
  type DecideContext,
  decideRoute,
  routeMatches,
} from "../../../src/dataplane/route-diff.js";
import { makeRoute } from "../../../src/dataplane/route-plan.js";

const names = new Map([
  [2, "eth0"],
  [5, "cali1dadcdd5b31"],
  [7, "vxlan.calico"],
  [8, "tunl0"],
]);
const linkName = (i: number) => names.get(i);
const via = (gw: string, ifindex: number, flags = 0) => ({
  gateway: parseAddress(gw),
  ifindex,
  flags,
  weight: 1,
});
const dev = (ifindex: number) => ({ gateway: null, ifindex, flags: 0, weight: 1 });
const r = (p: string, protocol: number, extra: Partial<KernelRoute> = {}): KernelRoute => ({
  ...makeRoute(parsePrefix(p), { protocol }),
  ...extra,
});

describe("route ownership (calico-spec §6.2)", () => {
  it("owns proto bird and proto 80 routes of the main table, whatever their device", () => {
    expect(routeOwner(r("10.0.0.0/24", 12, { nexthops: [via("192.0.2.1", 2)] }), linkName)).toBe(
      "bird",
    );
    expect(routeOwner(r("10.0.0.0/24", 80, { type: 6 }), linkName)).toBe("felix");
    expect(routeOwner(r("10.0.0.0/24", 12, { table: 100 }), linkName)).toBeNull();
  });

  it("owns any non-kernel unicast route on cali* and the VXLAN device", () => {
    expect(routeOwner(r("10.0.0.1/32", 3, { nexthops: [dev(5)] }), linkName)).toBe("workload");
    expect(routeOwner(r("10.0.0.1/32", 4, { nexthops: [dev(5)] }), linkName)).toBe("workload");
    expect(
      routeOwner(r("10.0.0.0/24", 3, { nexthops: [via("10.1.0.0", 7, RTNH_F_ONLINK)] }), linkName),
    ).toBe("tunnel");
    expect(routeOwner(r("fe80::/64", 2, { nexthops: [dev(5)] }), linkName)).toBeNull();
  });

  it("leaves other protocols, devices and blackholes alone (tunl0 included, as v3.30)", () => {
    expect(
      routeOwner(r("10.0.0.0/24", 4, { nexthops: [via("192.0.2.1", 2)] }), linkName),
    ).toBeNull();
    expect(routeOwner(r("10.0.0.0/24", 4, { type: 6 }), linkName)).toBeNull();
    expect(
      routeOwner(r("10.0.0.0/24", 4, { nexthops: [via("10.0.0.1", 8, RTNH_F_ONLINK)] }), linkName),
    ).toBeNull();
    expect(routeOwner(r("10.0.0.0/24", 4, { nexthops: [dev(99)] }), linkName)).toBeNull();
  });
});

describe("routeMatches", () => {
  const want = r("10.0.0.0/24", 12, { nexthops: [via("192.0.2.1", 2)] });
  it("ignores flags the kernel adds and the order of multipath hops", () => {
    expect(routeMatches(want, { ...want, nexthops: [via("192.0.2.1", 2, RTNH_F_LINKDOWN)] })).toBe(
      true,
    );
    const mp = r("10.0.0.0/24", 12, { nexthops: [via("192.0.2.1", 2), via("192.0.2.2", 2)] });
    expect(routeMatches(mp, { ...mp, nexthops: [...mp.nexthops].reverse() })).toBe(true);
  });
  it("sees a different gateway, device, onlink flag, protocol or path count", () => {
    expect(routeMatches(want, { ...want, nexthops: [via("192.0.2.9", 2)] })).toBe(false);
    expect(routeMatches(want, { ...want, nexthops: [via("192.0.2.1", 5)] })).toBe(false);
    expect(routeMatches(want, { ...want, nexthops: [via("192.0.2.1", 2, RTNH_F_ONLINK)] })).toBe(
      false,
    );
    expect(routeMatches(want, { ...want, protocol: 4 })).toBe(false);
    expect(
      routeMatches(want, { ...want, nexthops: [via("192.0.2.1", 2), via("192.0.2.2", 2)] }),
    ).toBe(false);
  });
  it("ignores the `dev lo` the kernel gives IPv6 blackholes and the IPv6 route scope", () => {
    const bh = r("fd00::/122", 12, { type: 6 });
    expect(routeMatches(bh, { ...bh, nexthops: [dev(1)] })).toBe(true);
    const v6 = r("fd00::1/128", 3, { scope: 253, nexthops: [dev(5)] });
    expect(routeMatches(v6, { ...v6, scope: 0 })).toBe(true);
  });
});

describe("decideRoute", () => {
  const ctx = (extra: Partial<DecideContext<KernelRoute>> = {}): DecideContext<KernelRoute> => ({
    now: 1000,
    owner: (x) => routeOwner(x, linkName),
    workloadGraceEnd: () => 0,
    matches: routeMatches,
    connected: isConnectedRoute,
    converged: true,
    claimed: false,
    bgp: true,
    until: 0,
    ...extra,
  });
  const ours = r("10.0.0.0/24", 12, { nexthops: [via("192.0.2.1", 2)] });
  const foreign = r("10.0.0.0/24", 4, { nexthops: [via("192.0.2.1", 2)] });
  const connected = r("10.0.0.0/24", 2, { scope: 253, nexthops: [dev(2)] });

  it("adds a missing route, replaces our differing one, leaves a matching one", () => {
    expect(decideRoute(ours, null, ctx())).toBe(ACTION_ADD);
    expect(decideRoute(ours, { ...ours, nexthops: [via("192.0.2.9", 2)] }, ctx())).toBe(
      ACTION_REPLACE,
    );
    expect(decideRoute(ours, { ...ours }, ctx())).toBe(ACTION_NONE);
  });

  it("never replaces a foreign route holding the identity", () => {
    expect(decideRoute(ours, foreign, ctx())).toBe(ACTION_CONFLICT);
  });

  it("leaves a BGP route for the node's own connected prefix shadowed, not in conflict", () => {
    expect(decideRoute(ours, connected, ctx())).toBe(ACTION_SHADOWED);
    // A plan route (not BGP) there is a real conflict.
    expect(decideRoute(ours, connected, ctx({ bgp: false }))).toBe(ACTION_CONFLICT);
    // A static route of the node's own is not a connected route.
    expect(decideRoute(ours, { ...connected, protocol: 4 }, ctx())).toBe(ACTION_CONFLICT);
  });

  it("deletes our unwanted routes, never foreign ones", () => {
    expect(decideRoute(null, ours, ctx())).toBe(ACTION_DELETE);
    expect(decideRoute(null, foreign, ctx())).toBe(ACTION_NONE);
  });

  it("keeps unwanted workload-interface routes during the grace period", () => {
    const cni = r("10.244.1.7/32", 3, { scope: 253, nexthops: [dev(5)] });
    const c = ctx({ workloadGraceEnd: () => 11_000 });
    expect(decideRoute(null, cni, c)).toBe(ACTION_DEFER);
    expect(c.until).toBe(11_000);
    expect(decideRoute(null, cni, ctx({ workloadGraceEnd: () => 900 }))).toBe(ACTION_DELETE);
  });

  it("keeps adopted proto bird routes until convergence, unless they were wanted since start", () => {
    const c = ctx({ converged: false });
    expect(decideRoute(null, ours, c)).toBe(ACTION_DEFER);
    expect(c.until).toBe(Number.POSITIVE_INFINITY);
    expect(decideRoute(null, ours, ctx({ converged: false, claimed: true }))).toBe(ACTION_DELETE);
    const felix = r("10.0.0.0/24", 80, { type: 6 });
    expect(decideRoute(null, felix, ctx({ converged: false }))).toBe(ACTION_DELETE);
  });
});
