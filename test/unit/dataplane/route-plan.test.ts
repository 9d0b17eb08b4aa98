// Desired routes from the plan and from BGP routes (calico_kernel_programming), against an
// in-memory set of kernel links and routes.

import { describe, expect, it } from "vitest";
import type { BgpRoute, DesiredDataplane } from "../../../src/common/contracts/dataplane.js";
import { parseAddress } from "../../../src/common/ip/address.js";
import { parsePrefix } from "../../../src/common/ip/prefix.js";
import { formatRoute } from "../../../src/dataplane/format.js";
import type { KernelLink, KernelRoute } from "../../../src/dataplane/model.js";
import { routeKey } from "../../../src/dataplane/model.js";
import {
  IF_OPER_DOWN,
  IF_OPER_UNKNOWN,
  IF_OPER_UP,
} from "../../../src/dataplane/netlink/constants.js";
import { NexthopResolver } from "../../../src/dataplane/resolver.js";
import {
  bgpKernelRoute,
  compileKernelPolicy,
  computePlanRoutes,
  isOperUp,
  makeRoute,
} from "../../../src/dataplane/route-plan.js";
import { desiredDataplane } from "../../harness/desired-dataplane.js";

const UP = 0x1 | 0x40 | 0x10000;
function link(index: number, name: string, extra: Partial<KernelLink> = {}): KernelLink {
  return {
    index,
    name,
    flags: UP,
    mtu: 1500,
    operstate: IF_OPER_UP,
    mac: null,
    kind: null,
    vxlan: null,
    ...extra,
  };
}

const links = [
  link(2, "eth0"),
  link(5, "cali1dadcdd5b31"),
  link(6, "cali42cd276b2be", { operstate: IF_OPER_DOWN, flags: 0x1 }),
  link(7, "vxlan.calico", { operstate: IF_OPER_UNKNOWN, kind: "vxlan" }),
  link(8, "tunl0", { operstate: IF_OPER_UNKNOWN, kind: "ipip" }),
];
const names = new Map(links.map((l) => [l.index, l.name]));
const byName = new Map(links.map((l) => [l.name, l]));
const text = (r: KernelRoute) => formatRoute(r, (i) => names.get(i));

const kernelRoutes: KernelRoute[] = [
  makeRoute(parsePrefix("192.168.0.0/24"), {
    protocol: 2,
    scope: 253,
    nexthops: [{ gateway: null, ifindex: 2, flags: 0, weight: 1 }],
  }),
  makeRoute(parsePrefix("0.0.0.0/0"), {
    protocol: 4,
    nexthops: [{ gateway: parseAddress("192.168.0.1"), ifindex: 2, flags: 0, weight: 1 }],
  }),
  makeRoute(parsePrefix("10.99.0.0/16"), { protocol: 4, type: 6 }),
];
const resolver = new NexthopResolver(kernelRoutes, [parseAddress("192.168.0.11")!]);

function plan(extra: Partial<DesiredDataplane>): DesiredDataplane {
  return desiredDataplane({ nodeName: "n1", ...extra });
}

function planLines(p: DesiredDataplane): string[] {
  const out = computePlanRoutes(p, {
    linkByName: (n) => byName.get(n),
    resolve: (f, a) => resolver.resolve(f, a),
    routeKey,
  });
  return [...out.routes.values()].map((d) => `${text(d.route)} [${d.source}]`).sort();
}

describe("plan routes", () => {
  it("blackholes: bird → proto bird, felix → proto 80, host blocks skipped", () => {
    expect(
      planLines(
        plan({
          blackholes: [
            { prefix: "172.16.196.0/26", owner: "bird" },
            { prefix: "10.245.0.0/26", owner: "felix" },
            { prefix: "10.244.9.9/32", owner: "bird" },
            { prefix: "fd00::/122", owner: "bird" },
          ],
        }),
      ),
    ).toEqual([
      "blackhole 10.245.0.0/26 proto 80 [felix-blackhole]",
      "blackhole 172.16.196.0/26 proto bird [bird-blackhole]",
      "blackhole fd00::/122 proto bird metric 1024 [bird-blackhole]",
    ]);
  });

  it("workload routes only on oper-up interfaces, scope link, proto boot", () => {
    expect(
      planLines(
        plan({
          workloads: [
            {
              name: "cali1dadcdd5b31",
              addresses: ["172.16.196.1/32", "fd00::1"],
              mac: null,
              endpoint: "a",
            },
            { name: "cali42cd276b2be", addresses: ["172.16.196.2/32"], mac: null, endpoint: "b" },
            { name: "calinotthere000", addresses: ["172.16.196.3/32"], mac: null, endpoint: "c" },
          ],
        }),
      ),
    ).toEqual([
      "172.16.196.1 dev cali1dadcdd5b31 scope link [workload]",
      "fd00::1 dev cali1dadcdd5b31 scope link metric 1024 [workload]",
    ]);
  });

  it("VXLAN peer blocks via the VTEP onlink; Felix same-subnet statics onlink proto 80; BIRD statics plain", () => {
    const lines = planLines(
      plan({
        vxlan: [
          {
            family: "ipv4",
            name: "vxlan.calico",
            vni: 4096,
            port: 4789,
            address: "10.244.204.0",
            localAddress: "192.168.0.11",
            mac: "66:00:00:00:00:01",
            mtu: null,
          },
        ],
        vxlanPeers: [
          {
            node: "w3",
            family: "ipv4",
            nodeAddress: "30.0.0.23",
            tunnelAddress: "10.244.73.0",
            mac: "66:00:00:00:00:03",
            blocks: ["10.244.73.0/24"],
          },
        ],
        staticRoutes: [
          { prefix: "10.244.42.0/24", via: "192.168.0.22", owner: "felix" },
          { prefix: "192.0.2.7/32", via: "192.168.0.1", owner: "bird" },
          { prefix: "192.0.2.8/32", via: "10.99.1.1", owner: "bird" },
        ],
      }),
    );
    expect(lines).toEqual([
      "10.244.42.0/24 via 192.168.0.22 dev eth0 proto 80 onlink [felix-static]",
      "10.244.73.0/24 via 10.244.73.0 dev vxlan.calico onlink [vxlan]",
      "192.0.2.7 via 192.168.0.1 dev eth0 proto bird [bird-static]",
    ]);
  });

  it("the more specific intent wins an identity (Felix static over BIRD blackhole)", () => {
    const lines = planLines(
      plan({
        blackholes: [{ prefix: "10.1.0.0/26", owner: "bird" }],
        staticRoutes: [{ prefix: "10.1.0.0/26", via: "192.168.0.1", owner: "felix" }],
      }),
    );
    expect(lines).toEqual(["10.1.0.0/26 via 192.168.0.1 dev eth0 proto 80 onlink [felix-static]"]);
  });

  it("treats UNKNOWN operstate with carrier as up (VXLAN devices), admin-down as down", () => {
    expect(isOperUp(byName.get("vxlan.calico")!)).toBe(true);
    expect(isOperUp(byName.get("cali42cd276b2be")!)).toBe(false);
  });
});

describe("BGP routes through calico_kernel_programming", () => {
  const policy = compileKernelPolicy({
    rejectCidrs: ["10.96.0.0/12"],
    pools: [
      { cidr: "10.244.0.0/16", encap: "ipip", crossSubnet: true },
      { cidr: "10.245.0.0/16", encap: "vxlan", crossSubnet: false },
      { cidr: "10.246.0.0/16", encap: "ipip", crossSubnet: false },
      { cidr: "10.246.128.0/17", encap: "none", crossSubnet: false },
    ],
    nodeSubnets: ["192.168.0.0/24"],
  });
  const ctx = {
    policy,
    resolveNexthop: (f: "ipv4" | "ipv6", a: string) => resolver.resolve(f, parseAddress(a)!),
    tunl0: byName.get("tunl0"),
  };
  const bgp = (prefix: string, ...nhs: string[]): BgpRoute => ({
    prefix: parsePrefix(prefix),
    nexthops: nhs.map((address) => ({ address, peer: address })),
  });
  const show = (r: BgpRoute) => {
    const k = bgpKernelRoute(r, ctx);
    return k.ok ? text(k.route) : `(${k.reason})`;
  };

  it("never installs service CIDRs or VXLAN pool routes", () => {
    expect(show(bgp("10.96.0.10/32", "192.168.0.12"))).toBe("(rejected (service CIDR))");
    expect(show(bgp("10.245.3.0/26", "192.168.0.12"))).toMatch(/^\(VXLAN pool/);
  });

  it("IPIP: tunl0 onlink, CrossSubnet only for next hops outside the node subnet", () => {
    expect(show(bgp("10.244.204.0/24", "30.0.0.21"))).toBe(
      "10.244.204.0/24 via 30.0.0.21 dev tunl0 proto bird onlink",
    );
    expect(show(bgp("10.244.42.0/24", "192.168.0.22"))).toBe(
      "10.244.42.0/24 via 192.168.0.22 dev eth0 proto bird",
    );
    expect(show(bgp("10.246.1.0/26", "192.168.0.22"))).toBe(
      "10.246.1.0/26 via 192.168.0.22 dev tunl0 proto bird onlink",
    );
    // The more specific no-encap pool wins over its IPIP parent.
    expect(show(bgp("10.246.200.0/26", "192.168.0.22"))).toBe(
      "10.246.200.0/26 via 192.168.0.22 dev eth0 proto bird",
    );
  });

  it("resolves next hops recursively: a next hop behind the default route goes via its gateway", () => {
    expect(show(bgp("172.16.0.0/26", "10.7.7.7"))).toBe(
      "172.16.0.0/26 via 192.168.0.1 dev eth0 proto bird",
    );
    expect(show(bgp("172.16.1.0/26", "10.99.1.1"))).toBe(
      "(10.99.1.1: next hop is behind a reject route)",
    );
    expect(show(bgp("172.16.2.0/26", "192.168.0.11"))).toBe(
      "(192.168.0.11: next hop is a local address)",
    );
  });

  it("builds one multipath route from an ECMP set, merging paths that resolve the same", () => {
    expect(show(bgp("172.16.3.0/26", "192.168.0.12", "192.168.0.13", "192.168.0.12"))).toBe(
      "172.16.3.0/26 proto bird nexthop via 192.168.0.12 dev eth0 weight 1 nexthop via 192.168.0.13 dev eth0 weight 1",
    );
    expect(show(bgp("172.16.4.0/26", "10.7.7.7", "10.8.8.8"))).toBe(
      "172.16.4.0/26 via 192.168.0.1 dev eth0 proto bird",
    );
  });

  it("skips next hops of the other family and says why when none is left", () => {
    expect(show(bgp("172.16.5.0/26", "2001:db8::1"))).toBe("(2001:db8::1: not a ipv4 next hop)");
  });

  it("leaves a tunnel route out while tunl0 is missing", () => {
    const k = bgpKernelRoute(bgp("10.246.2.0/26", "192.168.0.22"), { ...ctx, tunl0: undefined });
    expect(k).toMatchObject({ ok: false, reason: "192.168.0.22: tunl0 is missing or down" });
  });
});
