import { describe, expect, it } from "vitest";
import { AttrStore } from "../../../../src/bgp/rib/attr-store.js";
import {
  type DecisionOptions,
  LOCAL_PEER,
  type PathSource,
  Step,
} from "../../../../src/bgp/rib/decision.js";
import { FamilyRib } from "../../../../src/bgp/rib/family-rib.js";
import { PathFlag } from "../../../../src/bgp/rib/path-pool.js";
import type { AsPathSegment, PathAttributes } from "../../../../src/bgp/wire/types.js";

interface Candidate {
  name: string;
  peer: number;
  pathId?: number;
  attrs: PathAttributes;
}

const seq = (...asns: number[]): AsPathSegment[] => [{ type: "sequence", asns }];

// Peer index → facts. 0 is the local pseudo-peer.
const sources: PathSource[] = [
  { ebgp: false, routerId: 0x0a000001, addressKey: "" },
  { ebgp: true, routerId: 0x0a000002, addressKey: "0a000002" }, // 1: eBGP 10.0.0.2
  { ebgp: true, routerId: 0x0a000003, addressKey: "0a000003" }, // 2: eBGP 10.0.0.3
  { ebgp: false, routerId: 0x0a000004, addressKey: "0a000004" }, // 3: iBGP 10.0.0.4
  { ebgp: false, routerId: 0x0a000005, addressKey: "0a000005" }, // 4: iBGP 10.0.0.5
  { ebgp: true, routerId: 0x0a000002, addressKey: "0a000006" }, // 5: eBGP, same router id as 1
];

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) =>
    permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]),
  );
}

interface Outcome {
  best: string | null;
  multipath: string[];
  reasons: Record<string, number>;
}

function run(cands: Candidate[], options: Partial<DecisionOptions> = {}): Outcome {
  const store = new AttrStore();
  const rib = new FamilyRib("ipv4", store, sources, {
    maxPaths: 1,
    multipathRelax: false,
    alwaysCompareMed: false,
    ...options,
  });
  const p = rib.intern(0x0a000000, 0, 0, 0, 24);
  const byRec = new Map<number, string>();
  for (const c of cands) {
    const rec = rib.addPath(p, c.peer, c.pathId ?? 0, 0);
    const set = store.intern(c.attrs, c.attrs.nextHop ? [c.attrs.nextHop] : []);
    store.ref(set.id);
    rib.pool.eff[rec] = set.id;
    rib.pool.raw[rec] = set.id;
    byRec.set(rec, c.name);
  }
  rib.decide(p, -1, -1);
  const best = rib.best[p];
  const multipath: string[] = [];
  const reasons: Record<string, number> = {};
  for (const [rec, name] of byRec) {
    if ((rib.pool.flags[rec] & PathFlag.MULTIPATH) !== 0) multipath.push(name);
    reasons[name] = rib.pool.reason[rec];
  }
  return { best: best < 0 ? null : byRec.get(best)!, multipath: multipath.sort(), reasons };
}

/** Runs every insertion order and requires one result; returns it. */
function decideAllOrders(cands: Candidate[], options: Partial<DecisionOptions> = {}): Outcome {
  const results = permutations(cands).map((order) => run(order, options));
  for (const r of results) expect(r).toEqual(results[0]);
  return results[0];
}

const base = (nh: string, extra: PathAttributes = {}): PathAttributes => ({
  origin: "igp",
  asPath: seq(65001),
  nextHop: nh,
  ...extra,
});

describe("decision process (RFC 4271 §9.1.2.2), order independent", () => {
  it("locally originated beats everything learned", () => {
    const r = decideAllOrders([
      { name: "local", peer: LOCAL_PEER, attrs: { origin: "igp", asPath: [] } },
      { name: "lp", peer: 3, attrs: base("10.0.0.4", { localPref: 500, asPath: [] }) },
    ]);
    expect(r.best).toBe("local");
    expect(r.reasons.lp).toBe(Step.LOCAL);
  });

  it("highest local-pref", () => {
    const r = decideAllOrders([
      { name: "a", peer: 3, attrs: base("10.0.0.4", { localPref: 100 }) },
      { name: "b", peer: 4, attrs: base("10.0.0.5", { localPref: 200, asPath: seq(1, 2, 3) }) },
      { name: "c", peer: 1, attrs: base("10.0.0.2") }, // eBGP, no local-pref → 100
    ]);
    expect(r.best).toBe("b");
    expect(r.reasons.a).toBe(Step.LOCAL_PREF);
    expect(r.reasons.c).toBe(Step.LOCAL_PREF);
  });

  it("shortest AS path; AS_SET counts one, confederation segments zero", () => {
    const r = decideAllOrders([
      { name: "long", peer: 1, attrs: base("10.0.0.2", { asPath: seq(1, 2, 3) }) },
      {
        name: "set",
        peer: 2,
        attrs: base("10.0.0.3", {
          asPath: [
            { type: "confedSequence", asns: [7, 8, 9] },
            { type: "sequence", asns: [1] },
            { type: "set", asns: [4, 5, 6] },
          ],
        }),
      },
    ]);
    expect(r.best).toBe("set");
    expect(r.reasons.long).toBe(Step.AS_PATH);
  });

  it("lowest origin", () => {
    const r = decideAllOrders([
      { name: "inc", peer: 1, attrs: base("10.0.0.2", { origin: "incomplete" }) },
      { name: "egp", peer: 2, attrs: base("10.0.0.3", { origin: "egp" }) },
    ]);
    expect(r.best).toBe("egp");
    expect(r.reasons.inc).toBe(Step.ORIGIN);
  });

  it("MED only among routes from the same neighbour AS", () => {
    // a and b come from AS 65001 (a has the lower MED); c from AS 65002 with the highest MED
    // survives the MED step, then wins on router id? No: eBGP ties, lowest router id is peer 1.
    const r = decideAllOrders([
      { name: "a", peer: 2, attrs: base("10.0.0.3", { med: 10 }) },
      { name: "b", peer: 1, attrs: base("10.0.0.2", { med: 20 }) },
      { name: "c", peer: 5, attrs: base("10.0.0.6", { med: 99, asPath: seq(65002) }) },
    ]);
    expect(r.reasons.b).toBe(Step.MED);
    // a (router id .3) vs c (router id .2): c wins on router id.
    expect(r.best).toBe("c");
    expect(r.reasons.a).toBe(Step.ROUTER_ID);
  });

  it("always-compare-med compares MED across neighbour ASes", () => {
    const r = decideAllOrders(
      [
        { name: "a", peer: 2, attrs: base("10.0.0.3", { med: 10 }) },
        { name: "c", peer: 1, attrs: base("10.0.0.2", { med: 99, asPath: seq(65002) }) },
      ],
      { alwaysCompareMed: true },
    );
    expect(r.best).toBe("a");
    expect(r.reasons.c).toBe(Step.MED);
  });

  it("a missing MED counts as 0", () => {
    const r = decideAllOrders([
      { name: "none", peer: 2, attrs: base("10.0.0.3") },
      { name: "five", peer: 1, attrs: base("10.0.0.2", { med: 5 }) },
    ]);
    expect(r.best).toBe("none");
  });

  it("eBGP over iBGP", () => {
    const r = decideAllOrders([
      { name: "ibgp", peer: 3, attrs: base("10.0.0.4") },
      { name: "ebgp", peer: 2, attrs: base("10.0.0.3") },
    ]);
    expect(r.best).toBe("ebgp");
    expect(r.reasons.ibgp).toBe(Step.EBGP);
  });

  it("lowest router id, ORIGINATOR_ID standing in for it", () => {
    const r = decideAllOrders([
      { name: "p4", peer: 3, attrs: base("10.0.0.4") },
      {
        name: "p5-orig",
        peer: 4,
        attrs: base("10.0.0.5", { originatorId: "10.0.0.1", clusterList: ["1.1.1.1"] }),
      },
    ]);
    expect(r.best).toBe("p5-orig");
    expect(r.reasons.p4).toBe(Step.ROUTER_ID);
  });

  it("shortest cluster list, then lowest neighbour address", () => {
    const r = decideAllOrders([
      {
        name: "long",
        peer: 3,
        attrs: base("10.0.0.9", { originatorId: "9.9.9.9", clusterList: ["1.1.1.1", "2.2.2.2"] }),
      },
      {
        name: "short",
        peer: 4,
        attrs: base("10.0.0.9", { originatorId: "9.9.9.9", clusterList: ["1.1.1.1"] }),
      },
    ]);
    expect(r.best).toBe("short");
    expect(r.reasons.long).toBe(Step.CLUSTER_LIST);
    const r2 = decideAllOrders([
      { name: "addr6", peer: 5, attrs: base("10.0.0.6") },
      { name: "addr2", peer: 1, attrs: base("10.0.0.2") },
    ]);
    expect(r2.best).toBe("addr2");
    expect(r2.reasons.addr6).toBe(Step.ADDRESS);
  });

  it("lowest path id among ADD-PATH paths of one neighbour", () => {
    const r = decideAllOrders([
      { name: "id7", peer: 1, pathId: 7, attrs: base("10.0.0.7") },
      { name: "id3", peer: 1, pathId: 3, attrs: base("10.0.0.8") },
    ]);
    expect(r.best).toBe("id3");
    expect(r.reasons.id7).toBe(Step.PATH_ID);
  });

  it("ineligible paths are never selected", () => {
    const store = new AttrStore();
    const rib = new FamilyRib("ipv4", store, sources, {
      maxPaths: 1,
      multipathRelax: false,
      alwaysCompareMed: false,
    });
    const p = rib.intern(1, 0, 0, 0, 32);
    rib.addPath(p, 1, 0, 0); // eff stays -1
    expect(rib.decide(p, -1, -1)).toBeGreaterThan(0);
    expect(rib.best[p]).toBe(-1);
    expect(rib.routes).toBe(0);
  });
});

describe("multipath", () => {
  const four = (): Candidate[] => [
    { name: "a", peer: 1, attrs: base("10.0.0.2", { asPath: seq(65001, 1) }) },
    { name: "b", peer: 2, attrs: base("10.0.0.3", { asPath: seq(65001, 2) }) },
    { name: "c", peer: 5, attrs: base("10.0.0.6", { asPath: seq(65002, 3) }) },
    { name: "d", peer: 3, attrs: base("10.0.0.4", { asPath: seq(65001, 4) }) }, // iBGP: not equal
  ];

  it("same neighbour AS without relax", () => {
    const r = decideAllOrders(four(), { maxPaths: 4 });
    expect(r.best).toBe("a");
    expect(r.multipath).toEqual(["a", "b"]);
  });

  it("any neighbour AS with equal AS path length under multipath-relax", () => {
    const r = decideAllOrders(four(), { maxPaths: 4, multipathRelax: true });
    expect(r.multipath).toEqual(["a", "b", "c"]);
  });

  it("maxPaths bounds the set, choosing by the remaining tie-breakers", () => {
    const r = decideAllOrders(four(), { maxPaths: 2, multipathRelax: true });
    // a is best; c (router id .2 like a, address .6) beats b (router id .3).
    expect(r.multipath).toEqual(["a", "c"]);
  });

  it("no multipath set when maxPaths is 1 or nothing is equal", () => {
    expect(decideAllOrders(four(), { maxPaths: 1, multipathRelax: true }).multipath).toEqual([]);
    const r = decideAllOrders(
      [
        { name: "a", peer: 1, attrs: base("10.0.0.2", { asPath: seq(1) }) },
        { name: "b", peer: 2, attrs: base("10.0.0.3", { asPath: seq(1, 2) }) },
      ],
      { maxPaths: 4, multipathRelax: true },
    );
    expect(r.multipath).toEqual([]);
  });
});
