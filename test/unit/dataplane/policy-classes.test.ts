// BGP prefix → kernel-policy class (policy-trie.ts) against the plain reading of
// calico_kernel_programming: inside a reject CIDR → never; else the most specific pool that
// contains the prefix (the first of equal ones) decides; else plain. Next-hop sets are interned
// by content and reused after they are freed; route bodies likewise.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PoolEncap } from "../../../src/common/contracts/dataplane.js";
import { type Prefix, parsePrefix, prefixContains } from "../../../src/common/ip/prefix.js";
import { bgpRouteKey } from "../../../src/dataplane/bgp-routes.js";
import { numericKeyAddress, numericKeyLength } from "../../../src/dataplane/model.js";
import { NexthopSets } from "../../../src/dataplane/nexthop-sets.js";
import {
  CLASS_IPIP,
  CLASS_IPIP_CROSS_SUBNET,
  CLASS_PLAIN,
  CLASS_REJECT,
  CLASS_VXLAN,
} from "../../../src/dataplane/policy-trie.js";
import { RouteBodies } from "../../../src/dataplane/route-body.js";
import { compileKernelPolicy, prefixClass } from "../../../src/dataplane/route-plan.js";

const v4prefix = fc
  .record({ a: fc.integer({ min: 0, max: 0xffffffff }), len: fc.integer({ min: 0, max: 32 }) })
  .map(({ a, len }) => {
    const masked = len === 0 ? 0 : (a & (0xffffffff << (32 - len))) >>> 0;
    return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${len}`;
  });
// Small address space so pools, reject CIDRs and prefixes overlap often.
const near = fc
  .record({
    b: fc.integer({ min: 0, max: 3 }),
    c: fc.integer({ min: 0, max: 255 }),
    len: fc.integer({ min: 8, max: 32 }),
  })
  .map(({ b, c, len }) => {
    const a = ((10 << 24) | (b << 22) | (c << 14)) >>> 0;
    const masked = (a & (0xffffffff << (32 - len))) >>> 0;
    return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${len}`;
  });

function reference(policy: ReturnType<typeof compileKernelPolicy>, p: Prefix): number {
  if (policy.reject.some((r) => prefixContains(r, p))) return CLASS_REJECT;
  const pool = policy.pools.find((x) => prefixContains(x.prefix, p));
  if (pool === undefined || pool.encap === "none") return CLASS_PLAIN;
  if (pool.encap === "vxlan") return CLASS_VXLAN;
  return pool.crossSubnet ? CLASS_IPIP_CROSS_SUBNET : CLASS_IPIP;
}

describe("kernel-policy classes", () => {
  it("match the reading of calico_kernel_programming for any pools, reject CIDRs and prefix", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            cidr: near,
            encap: fc.constantFrom<PoolEncap>("ipip", "vxlan", "none"),
            crossSubnet: fc.boolean(),
          }),
          { maxLength: 6 },
        ),
        fc.array(near, { maxLength: 3 }),
        fc.oneof(near, v4prefix),
        (pools, rejectCidrs, text) => {
          const policy = compileKernelPolicy({ pools, rejectCidrs, nodeSubnets: [] });
          const key = bgpRouteKey(parsePrefix(text));
          const p = parsePrefix(text);
          const want = reference(policy, p);
          expect(prefixClass(policy, p)).toBe(want);
          // The numeric-key path the agent uses gives the same answer.
          const trie = policy.tries.ipv4;
          const viaKey = trie.empty
            ? CLASS_PLAIN
            : trie.classifyV4(numericKeyAddress(key as number), numericKeyLength(key as number));
          expect(viaKey).toBe(want);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("classify IPv6 prefixes by their own pools", () => {
    const policy = compileKernelPolicy({
      pools: [
        { cidr: "fd00::/48", encap: "vxlan", crossSubnet: false },
        { cidr: "fd00:0:0:1::/64", encap: "none", crossSubnet: false },
      ],
      rejectCidrs: ["fd00:0:0:2::/64"],
      nodeSubnets: [],
    });
    expect(prefixClass(policy, parsePrefix("fd00::/122"))).toBe(CLASS_VXLAN);
    expect(prefixClass(policy, parsePrefix("fd00:0:0:1::/122"))).toBe(CLASS_PLAIN);
    expect(prefixClass(policy, parsePrefix("fd00:0:0:2::/122"))).toBe(CLASS_REJECT);
    expect(prefixClass(policy, parsePrefix("fd01::/64"))).toBe(CLASS_PLAIN);
  });
});

describe("interning", () => {
  it("gives one id per next-hop list content, shared lists first, and reuses freed ids", () => {
    const freed: number[] = [];
    const sets = new NexthopSets((id) => freed.push(id));
    const a = Object.freeze([{ address: "192.0.2.1", peer: "p" }]);
    const b = [{ address: "192.0.2.1", peer: "other peer" }];
    const ecmp = [
      { address: "192.0.2.1", peer: "p" },
      { address: "192.0.2.2", peer: "q", interface: "eth1" },
    ];
    const ia = sets.intern(a);
    expect(sets.intern(a)).toBe(ia);
    expect(sets.intern(b)).toBe(ia);
    const ie = sets.intern(ecmp);
    expect(ie).not.toBe(ia);
    expect(sets.get(ie).hops.map((h) => [h.address, h.iface])).toEqual([
      ["192.0.2.1", undefined],
      ["192.0.2.2", "eth1"],
    ]);
    expect(sets.get(ia).refs).toBe(3);
    for (let i = 0; i < 3; i++) sets.release(ia);
    expect(freed).toEqual([ia]);
    // The shared list is not taken for the freed set afterwards.
    const again = sets.intern(a);
    expect(sets.get(again).key).toBe("192.0.2.1");
    expect(sets.get(again).refs).toBe(1);
  });

  it("keeps one body per content with reference counts", () => {
    const bodies = new RouteBodies();
    const body = {
      family: "ipv4" as const,
      protocol: 12,
      scope: 0,
      type: 1,
      nexthops: [{ gateway: new Uint8Array([192, 0, 2, 1]), ifindex: 2, flags: 0, weight: 1 }],
      prefsrc: null,
    };
    const x = bodies.intern(body);
    const y = bodies.intern({ ...body, nexthops: [{ ...body.nexthops[0] }] });
    expect(y).toBe(x);
    const z = bodies.intern({ ...body, protocol: 80 });
    expect(z).not.toBe(x);
    expect(bodies.protocol(z)).toBe(80);
    expect(bodies.get(x)).toMatchObject({ protocol: 12, nexthops: [{ ifindex: 2, weight: 1 }] });
    bodies.release(x);
    expect(bodies.size).toBe(2);
    bodies.release(x);
    expect(bodies.size).toBe(1);
    // A freed id is reused for the next new body.
    expect(bodies.intern({ ...body, scope: 253 })).toBe(x);
  });
});
