import { describe, expect, it } from "vitest";
import {
  applyActions,
  emptyPolicyRoute,
  formatCommunity,
  formatExtendedCommunity,
  type PolicyRoute,
  PolicySet,
  parseCommunity,
  setPolicyPrefix,
} from "../../../../src/bgp/policy/index.js";
import type { PathAttributes } from "../../../../src/bgp/wire/types.js";
import type {
  PolicyMatch,
  PolicyStatement,
  RoutePolicy,
} from "../../../../src/common/contracts/policy.js";
import { parsePrefix } from "../../../../src/common/ip/prefix.js";

function route(prefix: string, extra: Partial<PolicyRoute> = {}): PolicyRoute {
  const r = setPolicyPrefix(emptyPolicyRoute(), parsePrefix(prefix));
  return Object.assign(r, extra);
}

function chainOf(statements: PolicyStatement[], direction: "import" | "export" = "export") {
  return new PolicySet([{ name: "p", statements }]).chain(["p"], direction);
}

function matches(match: PolicyMatch, r: PolicyRoute): boolean {
  return chainOf([{ match, result: "accept" }]).evaluate(r).accept;
}

describe("policy conditions", () => {
  it("prefix in: the CIDR itself and more-specifics, not less-specifics or outsiders", () => {
    const m: PolicyMatch = { prefix: { cidr: "10.244.0.0/16", op: "in" } };
    expect(matches(m, route("10.244.0.0/16"))).toBe(true);
    expect(matches(m, route("10.244.3.0/26"))).toBe(true);
    expect(matches(m, route("10.244.3.7/32"))).toBe(true);
    expect(matches(m, route("10.0.0.0/8"))).toBe(false);
    expect(matches(m, route("10.245.0.0/16"))).toBe(false);
    expect(matches(m, route("2001:db8::/32"))).toBe(false);
  });

  it("prefix in with a length range is BIRD's cidr{min,max}", () => {
    const m: PolicyMatch = {
      prefix: { cidr: "10.244.0.0/16", op: "in", minLength: 26, maxLength: 26 },
    };
    expect(matches(m, route("10.244.3.0/26"))).toBe(true);
    expect(matches(m, route("10.244.3.0/24"))).toBe(false);
    expect(matches(m, route("10.244.3.7/32"))).toBe(false);
    expect(matches(m, route("10.244.0.0/16"))).toBe(false);
  });

  it("prefix equal / notEqual / notIn", () => {
    const eq: PolicyMatch = { prefix: { cidr: "10.96.0.0/12", op: "equal" } };
    expect(matches(eq, route("10.96.0.0/12"))).toBe(true);
    expect(matches(eq, route("10.96.0.0/13"))).toBe(false);
    const ne: PolicyMatch = { prefix: { cidr: "10.96.0.0/12", op: "notEqual" } };
    expect(matches(ne, route("10.96.0.0/12"))).toBe(false);
    expect(matches(ne, route("10.96.0.0/13"))).toBe(true);
    const notIn: PolicyMatch = { prefix: { cidr: "10.96.0.0/12", op: "notIn" } };
    expect(matches(notIn, route("10.100.0.0/16"))).toBe(false);
    expect(matches(notIn, route("192.168.0.0/16"))).toBe(true);
  });

  it("IPv6 prefixes with lengths across word boundaries", () => {
    const m: PolicyMatch = { prefix: { cidr: "fd00:1:2:3::/60", op: "in" } };
    expect(matches(m, route("fd00:1:2:3::/64"))).toBe(true);
    expect(matches(m, route("fd00:1:2:f::/64"))).toBe(true);
    expect(matches(m, route("fd00:1:2:13::/64"))).toBe(false);
    expect(matches(m, route("fd00:1:2::/48"))).toBe(false);
    expect(matches(m, route("10.0.0.0/8"))).toBe(false);
  });

  it("source, peerType and family", () => {
    expect(matches({ source: "local" }, route("10.0.0.0/24", { source: "local" }))).toBe(true);
    expect(matches({ source: "local" }, route("10.0.0.0/24", { source: "bgp" }))).toBe(false);
    expect(matches({ peerType: "ibgp" }, route("10.0.0.0/24", { peerType: "ibgp" }))).toBe(true);
    expect(matches({ peerType: "ibgp" }, route("10.0.0.0/24", { peerType: "ebgp" }))).toBe(false);
    expect(matches({ family: "ipv6" }, route("fd00::/64"))).toBe(true);
    expect(matches({ family: "ipv6" }, route("10.0.0.0/24"))).toBe(false);
  });

  it("interface glob matches locally originated routes' interfaces only", () => {
    const m: PolicyMatch = { interface: "*.cali" };
    expect(matches(m, route("10.0.0.0/24", { interface: "wireguard.cali" }))).toBe(true);
    expect(matches(m, route("10.0.0.0/24", { interface: "cali12345" }))).toBe(false);
    expect(matches(m, route("10.0.0.0/24", { interface: null }))).toBe(false);
    expect(
      matches({ interface: "cali????" }, route("10.0.0.0/24", { interface: "caliab12" })),
    ).toBe(true);
    expect(matches({ interface: "a.b" }, route("10.0.0.0/24", { interface: "axb" }))).toBe(false);
  });

  it("community, large community and AS-path prefix", () => {
    const attrs: PathAttributes = {
      communities: [65000 * 65536 + 100, 0xffffff01],
      largeCommunities: [[64512, 1, 2]],
      asPath: [{ type: "sequence", asns: [65001, 65002, 65003] }],
    };
    const r = route("10.0.0.0/24", { attrs });
    expect(matches({ community: "65000:100" }, r)).toBe(true);
    expect(matches({ community: "65000:101" }, r)).toBe(false);
    expect(matches({ community: "no-export" }, r)).toBe(true);
    expect(matches({ largeCommunity: "64512:1:2" }, r)).toBe(true);
    expect(matches({ largeCommunity: "64512:1:3" }, r)).toBe(false);
    expect(matches({ asPathPrefix: [65001, 65002] }, r)).toBe(true);
    expect(matches({ asPathPrefix: [65002] }, r)).toBe(false);
    expect(matches({ asPathPrefix: [65001, 65002, 65003, 65004] }, r)).toBe(false);
    expect(matches({ community: "65000:100" }, route("10.0.0.0/24"))).toBe(false);
  });

  it("AS-path prefix spans segments but stops at an AS_SET", () => {
    const attrs: PathAttributes = {
      asPath: [
        { type: "sequence", asns: [1] },
        { type: "sequence", asns: [2] },
        { type: "set", asns: [3, 4] },
      ],
    };
    const r = route("10.0.0.0/24", { attrs });
    expect(matches({ asPathPrefix: [1, 2] }, r)).toBe(true);
    expect(matches({ asPathPrefix: [1, 2, 3] }, r)).toBe(false);
  });

  it("all conditions of a statement must hold; an empty match always holds", () => {
    const m: PolicyMatch = { prefix: { cidr: "10.0.0.0/8", op: "in" }, peerType: "ebgp" };
    expect(matches(m, route("10.1.0.0/16", { peerType: "ebgp" }))).toBe(true);
    expect(matches(m, route("10.1.0.0/16", { peerType: "ibgp" }))).toBe(false);
    expect(matches({}, route("192.0.2.0/24"))).toBe(true);
  });
});

describe("policy actions", () => {
  const base: PathAttributes = Object.freeze({
    origin: "igp",
    asPath: [{ type: "sequence", asns: [65001] }],
    communities: [1],
  } satisfies PathAttributes);

  function apply(statements: PolicyStatement[]): PathAttributes {
    const o = chainOf(statements).evaluate(route("10.0.0.0/24", { attrs: base }));
    expect(o.accept).toBe(true);
    return applyActions(base, o.actions);
  }

  it("addCommunity adds once and never mutates the input", () => {
    const out = apply([
      {
        set: [
          { type: "addCommunity", value: "65000:1" },
          { type: "addCommunity", value: "0:1" },
        ],
        result: "accept",
      },
    ]);
    expect(out.communities).toEqual([1, 65000 * 65536 + 1]);
    expect(base.communities).toEqual([1]);
  });

  it("addLargeCommunity", () => {
    const out = apply([
      { set: [{ type: "addLargeCommunity", value: "64512:7:8" }], result: "accept" },
    ]);
    expect(out.largeCommunities).toEqual([[64512, 7, 8]]);
  });

  it("prependAsPath puts the ASNs in front in order", () => {
    const out = apply([
      { set: [{ type: "prependAsPath", asns: [64512, 64513] }], result: "accept" },
    ]);
    expect(out.asPath).toEqual([{ type: "sequence", asns: [64512, 64513, 65001] }]);
  });

  it("prependAsPath starts a new segment before an AS_SET", () => {
    const attrs: PathAttributes = { asPath: [{ type: "set", asns: [1, 2] }] };
    const o = chainOf([{ set: [{ type: "prependAsPath", asns: [9] }], result: "accept" }]).evaluate(
      route("10.0.0.0/24"),
    );
    expect(applyActions(attrs, o.actions).asPath).toEqual([
      { type: "sequence", asns: [9] },
      { type: "set", asns: [1, 2] },
    ]);
  });

  it("setLocalPref and setMed", () => {
    const out = apply([
      {
        set: [
          { type: "setLocalPref", value: 250 },
          { type: "setMed", value: 7 },
        ],
        result: "accept",
      },
    ]);
    expect(out.localPref).toBe(250);
    expect(out.med).toBe(7);
  });
});

describe("policy chains", () => {
  const r = route("10.244.1.0/26");

  it("defaults: import accepts, export rejects, also for empty chains", () => {
    const set = new PolicySet([]);
    expect(set.chain([], "import").evaluate(r).accept).toBe(true);
    expect(set.chain([], "export").evaluate(r).accept).toBe(false);
    expect(set.chain([], "export").trivial).toBe(true);
  });

  it("the first statement with a result ends the chain, across policies", () => {
    const policies: RoutePolicy[] = [
      {
        name: "a",
        statements: [{ match: { prefix: { cidr: "10.244.0.0/16", op: "in" } }, result: "reject" }],
      },
      { name: "b", statements: [{ result: "accept" }] },
    ];
    const set = new PolicySet(policies);
    expect(set.chain(["a", "b"], "export").evaluate(r).accept).toBe(false);
    expect(set.chain(["b", "a"], "export").evaluate(r).accept).toBe(true);
    expect(set.chain(["a", "b"], "export").evaluate(route("192.0.2.0/24")).accept).toBe(true);
  });

  it("statements without a result fall through and accumulate actions", () => {
    const set = new PolicySet([
      {
        name: "apply_communities",
        statements: [
          {
            match: { prefix: { cidr: "10.244.0.0/16", op: "in" } },
            set: [{ type: "addCommunity", value: "65000:1" }],
          },
          {
            match: { prefix: { cidr: "10.0.0.0/8", op: "in" } },
            set: [{ type: "addCommunity", value: "65000:2" }],
          },
        ],
      },
      {
        name: "accept_pool",
        statements: [{ match: { prefix: { cidr: "10.244.0.0/16", op: "in" } }, result: "accept" }],
      },
    ]);
    const chain = set.chain(["apply_communities", "accept_pool"], "export");
    const o = chain.evaluate(r);
    expect(o.accept).toBe(true);
    expect(applyActions({}, o.actions).communities).toEqual([65000 * 65536 + 1, 65000 * 65536 + 2]);
    // Falls through everything without a result: the export default (reject) applies.
    expect(chain.evaluate(route("10.1.0.0/16")).accept).toBe(false);
    // Same actions → same interned outcome.
    expect(chain.evaluate(route("10.244.9.0/26"))).toBe(o);
  });

  it("actions of a statement that ends with reject are irrelevant", () => {
    const o = chainOf([{ set: [{ type: "setMed", value: 1 }], result: "reject" }]).evaluate(r);
    expect(o.accept).toBe(false);
    expect(o.actions).toEqual([]);
  });

  it("explain lists the statements that matched", () => {
    const set = new PolicySet([
      {
        name: "x",
        statements: [
          { comment: "tag", set: [{ type: "addCommunity", value: "1:1" }] },
          {
            comment: "pool",
            match: { prefix: { cidr: "10.244.0.0/16", op: "in" } },
            result: "accept",
          },
        ],
      },
    ]);
    const e = set.chain(["x"], "export").explain(r);
    expect(e.byDefault).toBe(false);
    expect(e.matched.map((m) => m.comment)).toEqual(["tag", "pool"]);
  });

  it("routeSpecific tells whether outcomes depend only on attributes", () => {
    expect(chainOf([{ match: { community: "1:1" }, result: "reject" }]).routeSpecific).toBe(false);
    expect(
      chainOf([{ match: { prefix: { cidr: "10.0.0.0/8", op: "in" } }, result: "reject" }])
        .routeSpecific,
    ).toBe(true);
  });
});

describe("policy compilation errors", () => {
  const bad = (statements: PolicyStatement[]) => () => new PolicySet([{ name: "bad", statements }]);

  it("names the policy, statement and field", () => {
    expect(bad([{}, { match: { prefix: { cidr: "10.0.0.300/8", op: "in" } } }])).toThrowError(
      /policy "bad", statement 2, field match.prefix.cidr/,
    );
  });

  it.each([
    [
      [{ match: { prefix: { cidr: "10.0.0.0/8", op: "in", minLength: 33 } } }],
      "ERR_POLICY_BAD_LENGTH_RANGE",
    ],
    [
      [{ match: { prefix: { cidr: "10.0.0.0/8", op: "in", minLength: 24, maxLength: 16 } } }],
      "ERR_POLICY_BAD_LENGTH_RANGE",
    ],
    [[{ match: { community: "70000:1" } }], "ERR_POLICY_BAD_COMMUNITY"],
    [[{ match: { largeCommunity: "1:2" } }], "ERR_POLICY_BAD_LARGE_COMMUNITY"],
    [[{ set: [{ type: "prependAsPath", asns: [-1] }] }], "ERR_POLICY_BAD_ASN"],
    [[{ set: [{ type: "setMed", value: 2 ** 32 }] }], "ERR_POLICY_BAD_VALUE"],
    [[{ match: { interface: "" } }], "ERR_POLICY_BAD_INTERFACE"],
  ] as [PolicyStatement[], string][])("rejects %j with %s", (statements, code) => {
    expect(bad(statements)).toThrowError(expect.objectContaining({ code }));
  });

  it("unknown policy names in a chain and duplicate names", () => {
    expect(() => new PolicySet([]).chain(["nope"], "import", "peer Mesh_1")).toThrowError(
      expect.objectContaining({ code: "ERR_POLICY_UNKNOWN_POLICY" }),
    );
    expect(
      () =>
        new PolicySet([
          { name: "a", statements: [] },
          { name: "a", statements: [] },
        ]),
    ).toThrowError(expect.objectContaining({ code: "ERR_POLICY_DUPLICATE_NAME" }));
  });
});

describe("community text", () => {
  it("parses and formats standard and well-known communities", () => {
    expect(parseCommunity("65535:65281")).toBe(0xffffff01);
    expect(parseCommunity("NO_ADVERTISE")).toBe(0xffffff02);
    expect(parseCommunity("1:65536")).toBeNull();
    expect(formatCommunity(0xffffff01)).toBe("NO_EXPORT");
    expect(formatCommunity(64512 * 65536 + 5)).toBe("64512:5");
  });

  it("formats extended communities", () => {
    const rt = { type: 0x00, subtype: 0x02, value: Uint8Array.from([0xfd, 0xe8, 0, 0, 0, 1]) };
    expect(formatExtendedCommunity(rt)).toBe("rt 65000:1");
    const other = { type: 0x03, subtype: 0x0c, value: Uint8Array.from([0, 0, 0, 0, 0, 8]) };
    expect(formatExtendedCommunity(other)).toBe("0x030c:000000000008");
  });
});
