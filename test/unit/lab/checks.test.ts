// The verify rules on hand-made observations: sessions paired from both ends, FRR routes against
// expectations (exact ECMP sets, one-of, absent), node kernel routes (blackholes with the right
// protocol, pod routes), the ping plan per node / rack / across racks and its verdicts, and
// lab.yaml's `expect` parsing.
import { describe, expect, it } from "vitest";
import {
  type KernelRouteJson,
  kernelProblems,
  kernelRow,
  type MissingView,
  pingPlan,
  pingRow,
  routeProblems,
  routeRow,
  type SessionView,
  sessionRows,
} from "../../../src/lab/checks.js";
import { parseExpectations } from "../../../src/lab/expectations.js";
import type { FrrRoute } from "../../../src/lab/frr.js";
import { resolveLab } from "../../../src/lab/lab-file.js";
import type { PodRecord } from "../../../src/lab/pods.js";

const view = (
  node: string,
  neighbor: string,
  peerNode: string | undefined,
  state: SessionView["state"],
  source: SessionView["source"] = "frr",
): SessionView => ({ node, neighbor, peerNode, state, source, pfxRcd: 1 });

describe("sessionRows", () => {
  it("pairs both ends' views into one row per session", () => {
    const rows = sessionRows(
      [
        view("leaf01", "10.0.0.11", "master1", "Established"),
        view("master1", "10.0.0.254", "leaf01", "Established", "wren"),
        view("spine", "172.16.1.2", "leaf01", "Established"),
        view("leaf01", "172.16.1.1", "spine", "OpenSent"),
      ],
      new Map(),
    );
    expect(rows.map((r) => [r.target, r.status, r.detail])).toEqual([
      ["leaf01 ↔ master1", "ok", "leaf01 Established (1 pfx), master1 Established (1 pfx)"],
      ["leaf01 ↔ spine", "fail", "leaf01 OpenSent (1 pfx), spine Established (1 pfx)"],
    ]);
  });

  it("fails a session only one running end knows; skips one toward a node not started", () => {
    const missing = new Map<string, MissingView>([
      ["worker9", { kind: "skip", why: "wren not started (--no-wren)" }],
    ]);
    const rows = sessionRows(
      [
        view("leaf01", "10.0.0.21", "worker1", "Established"),
        view("leaf01", "10.0.0.29", "worker9", "Active"),
      ],
      missing,
    );
    expect(rows.map((r) => [r.target, r.status])).toEqual([
      ["leaf01 ↔ worker1", "fail"],
      ["leaf01 ↔ worker9", "skip"],
    ]);
    expect(rows[0].detail).toContain("worker1: does not report this session");
  });
});

const route = (prefix: string, hops: string[], selected = true): FrrRoute => ({
  prefix,
  protocol: "bgp",
  selected,
  installed: selected,
  nexthops: hops.map((ip) => ({ ip, fib: true, active: true })),
});

describe("routeProblems", () => {
  const table = {
    "10.244.65.0/24": [route("10.244.65.0/24", ["172.16.1.2"])],
    "10.96.0.0/12": [route("10.96.0.0/12", ["172.16.2.2", "172.16.1.2"])],
    "30.0.10.0/24": [route("30.0.10.0/24", ["10.1.34.1"])],
    "10.0.0.0/24": [route("10.0.0.0/24", ["1.1.1.1"], false)],
  };

  it("accepts exact ECMP sets in any order, one-of picks and absent prefixes", () => {
    const expected = parseExpectations(
      {
        routes: {
          spine: {
            "10.244.65.0/24": ["172.16.1.2"],
            "10.96.0.0/12": ["172.16.1.2", "172.16.2.2"],
            "30.0.10.0/24": { oneOf: ["10.1.10.1", "10.1.34.1"] },
            "10.99.0.0/16": "absent",
          },
        },
      },
      "t",
    ).routes.spine;
    expect(routeProblems(table, expected)).toEqual([]);
    expect(routeRow("spine", table, expected)).toMatchObject({
      status: "ok",
      detail: "4 expected routes (1 ECMP)",
    });
  });

  it("names missing routes, wrong next-hop sets, unselected routes and unwanted prefixes", () => {
    const expected = parseExpectations(
      {
        routes: {
          r: {
            "10.96.0.0/12": ["172.16.1.2"],
            "10.244.73.0/24": ["172.16.2.2"],
            "10.0.0.0/24": ["1.1.1.1"],
            "10.244.0.0/16": "absent",
          },
        },
      },
      "t",
    ).routes.r;
    expect(routeProblems(table, expected)).toEqual([
      "10.96.0.0/12 via 172.16.1.2, 172.16.2.2, want 172.16.1.2",
      "10.244.73.0/24 missing",
      "10.0.0.0/24 missing",
      "10.244.65.0/24 present (none inside 10.244.0.0/16 expected)",
    ]);
    expect(routeRow("r", table, expected).status).toBe("fail");
    expect(routeRow("r", new Error("vtysh failed"), expected)).toMatchObject({
      status: "fail",
      detail: "vtysh failed",
    });
  });
});

const pod = (name: string, node: string, ip: string): PodRecord => ({
  name,
  node,
  ns: `p-${name}`,
  containerId: `c-${name}`,
  ips: [ip],
  hostVeth: `cali-${name}`.slice(0, 15),
});

describe("kernel checks", () => {
  const pods = [pod("m-pod1", "m", "10.244.65.1")];
  const good: KernelRouteJson[] = [
    { type: "6", dst: "10.244.65.0/24", protocol: "12", scope: "0" },
    { type: "1", dst: "10.244.65.1", dev: "cali-m-pod1", protocol: "3", scope: "253" },
  ];

  it("wants the block's blackhole with its pool's protocol and each pod's scope-link route", () => {
    expect(kernelProblems(good, [{ cidr: "10.244.65.0/24", protocol: 12 }], pods)).toEqual([]);
    expect(kernelRow("m", good, [{ cidr: "10.244.65.0/24", protocol: 12 }], pods).detail).toBe(
      "blackhole 10.244.65.0/24 proto bird; 1 pod route dev cali… scope link",
    );
    expect(kernelProblems(good, [{ cidr: "10.244.65.0/24", protocol: 80 }], pods)).toEqual([
      "blackhole 10.244.65.0/24 is proto 12, want 80",
    ]);
    expect(
      kernelProblems(
        [{ type: "1", dst: "10.244.65.1", dev: "eth1", scope: "0" }],
        [{ cidr: "10.244.65.0/24", protocol: 12 }],
        pods,
      ),
    ).toEqual([
      "blackhole 10.244.65.0/24 missing",
      "10.244.65.1 is dev eth1 scope 0, want dev cali-m-pod1 scope link",
    ]);
  });
});

describe("pingPlan", () => {
  const pods = [
    pod("w3-pod2", "w3", "10.244.73.2"),
    pod("m1-pod1", "m1", "10.244.65.1"),
    pod("m1-pod2", "m1", "10.244.65.2"),
    pod("w1-pod1", "w1", "10.244.204.1"),
    pod("w2-pod1", "w2", "10.244.42.1"),
    pod("w3-pod1", "w3", "10.244.73.1"),
  ];
  const rack: Record<string, string> = { m1: "rack1", w1: "rack1", w2: "rack1", w3: "rack2" };

  it("pings within each node, between neighbours of a rack, and from each rack to the others", () => {
    const plan = pingPlan(pods, (n) => rack[n], {
      node: "reach",
      rack: "reach",
      crossRack: "unreachable",
    });
    expect(plan.map((p) => [p.kind, p.from.name, p.to.name, p.toIp, p.expect])).toEqual([
      ["node", "m1-pod1", "m1-pod2", "10.244.65.2", "reach"],
      ["node", "w3-pod1", "w3-pod2", "10.244.73.2", "reach"],
      ["rack", "m1-pod1", "w1-pod1", "10.244.204.1", "reach"],
      ["rack", "w1-pod1", "w2-pod1", "10.244.42.1", "reach"],
      ["crossRack", "m1-pod1", "w3-pod1", "10.244.73.1", "unreachable"],
    ]);
    expect(
      pingPlan(pods, (n) => rack[n], { node: "skip", rack: "skip", crossRack: "reach" }).map(
        (p) => p.kind,
      ),
    ).toEqual(["crossRack"]);
  });

  it("a reply is a failure when the mode has no path, and no reply is one when it has", () => {
    const [p] = pingPlan(pods.slice(1, 3), () => "r", {
      node: "reach",
      rack: "reach",
      crossRack: "reach",
    });
    expect(pingRow(p, true).status).toBe("ok");
    expect(pingRow(p, false)).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("no reply"),
    });
    const q = { ...p, expect: "unreachable" as const };
    expect(pingRow(q, false).status).toBe("ok");
    expect(pingRow(q, true).status).toBe("fail");
  });
});

describe("lab.yaml expectations", () => {
  it("the seeds' labs carry route and ping expectations for every mode", () => {
    const seed000 = resolveLab("seed000");
    for (const m of seed000.modes) {
      expect(Object.keys(m.expect.routes).sort(), m.name).toEqual(["leaf01", "leaf02", "spine"]);
    }
    const mesh = seed000.modes.find((m) => m.name === "full-mesh")!;
    expect(mesh.expect.pings.crossRack).toBe("unreachable");
    const seed004 = resolveLab("seed004");
    expect(seed004.loadBalancer).toEqual({ address: "30.0.10.10", client: "client" });
    expect(Object.keys(seed004.expect.routes).sort()).toEqual([
      "leaf0",
      "leaf1",
      "spine0",
      "spine1",
    ]);
  });

  it("refuses malformed expectations with the place named", () => {
    expect(() => parseExpectations({ pings: { node: "maybe" } }, "lab.yaml")).toThrow(
      /lab.yaml: expect.pings.node must be reach, unreachable or skip/,
    );
    expect(() => parseExpectations({ routes: { spine: { "10.0.0.0/8": 5 } } }, "x")).toThrow(
      /expect.routes.spine.10.0.0.0\/8 must be a list of next hops/,
    );
    expect(() => parseExpectations({ routes: { spine: { nope: [] } } }, "x")).toThrow(
      /"nope" is not a prefix/,
    );
  });
});
