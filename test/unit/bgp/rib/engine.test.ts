import { describe, expect, it } from "vitest";
import { formatPrefix } from "../../../../src/common/ip/prefix.js";
import { peerConfig, RibHarness, speakerConfig, type UpdateSummary } from "./harness.js";

const A = peerConfig("A", "10.0.0.2", 65001);
const B = peerConfig("B", "10.0.0.3", 65002);

function updates(msgs: unknown[]): UpdateSummary[] {
  return msgs.filter(
    (m) => !(typeof m === "object" && m !== null && "type" in m),
  ) as UpdateSummary[];
}

describe("RibEngine basics", () => {
  it("learns from one eBGP peer, installs in the kernel, advertises to another with prepend and next hop self", async () => {
    const h = new RibHarness(speakerConfig([A, B]));
    h.up("A");
    h.up("B");
    await h.settle();
    // B gets an empty initial table: only End-of-RIB.
    expect(h.take("B")).toEqual([{ eor: "ipv4-unicast" }]);
    h.send("A", {
      announce: ["192.0.2.0/24", "198.51.100.0/24"],
      asPath: "65001 65100",
      nextHop: "10.0.0.2",
      med: 5,
      communities: ["65001:7"],
    });
    await h.settle();
    expect(h.engine.locRibSize()).toEqual({ ipv4: 2, ipv6: 0 });
    expect(h.kernel.get("192.0.2.0/24")).toEqual(["10.0.0.2"]);
    const toB = updates(h.take("B"));
    expect(toB).toEqual([
      {
        announce: ["192.0.2.0/24", "198.51.100.0/24"],
        nextHop: "10.0.0.1",
        asPath: "64512 65001 65100",
        origin: "igp",
        communities: ["65001:7"],
      },
    ]);
    // Not sent back to A (its own routes): only End-of-RIB.
    expect(h.take("A")).toEqual([{ eor: "ipv4-unicast" }]);
    h.send("A", { withdraw: ["192.0.2.0/24"] });
    await h.settle();
    expect(updates(h.take("B"))).toEqual([{ withdraw: ["192.0.2.0/24"] }]);
    expect(h.kernel.has("192.0.2.0/24")).toBe(false);
    expect(h.engine.peerCounters("A")).toEqual({
      received: 1,
      accepted: 1,
      advertised: 0,
      stale: 0,
    });
    expect(h.engine.peerCounters("B")).toEqual({
      received: 0,
      accepted: 0,
      advertised: 1,
      stale: 0,
    });
  });
});

describe("RibEngine flow control and bounded work", () => {
  it("stops generating after maxInFlight messages until the session reports writable", async () => {
    const h = new RibHarness(speakerConfig([A, B]));
    // Rebuild with a tiny in-flight window.
    const { RibEngine } = await import("../../../../src/bgp/rib/index.js");
    const engine = new RibEngine({ clock: h.clock, limits: { maxInFlight: 2, peerTurn: 1 } });
    const sent: number[] = [];
    engine.onSessionMessage((m) => {
      if (m.type === "updates" && m.peerId === "B") sent.push(m.messages.length);
    });
    engine.configure(speakerConfig([A, B]));
    engine.handle({
      type: "sessionUp",
      peerId: "A",
      negotiated: (await import("./harness.js")).negotiated(A),
    });
    engine.handle({
      type: "sessionUp",
      peerId: "B",
      negotiated: (await import("./harness.js")).negotiated(B),
    });
    await engine.idle();
    engine.handle({ type: "writable", peerId: "B" });
    sent.length = 0;
    const { encodeSpec } = await import("./harness.js");
    for (let i = 0; i < 10; i++) {
      // Different attributes per prefix: one UPDATE each.
      const m = encodeSpec({
        announce: [`10.9.${i}.0/24`],
        asPath: `65001 ${i + 1}`,
        nextHop: "10.0.0.2",
      });
      engine.handle({ type: "update", peerId: "A", body: m.subarray(19) });
    }
    await engine.idle();
    const before = sent.reduce((a, b) => a + b, 0);
    expect(before).toBeGreaterThanOrEqual(2);
    expect(before).toBeLessThan(10);
    expect(engine.peerCounters("B").advertised).toBeLessThan(10);
    while (engine.peerCounters("B").advertised < 10) {
      engine.handle({ type: "writable", peerId: "B" });
      await engine.idle();
    }
    expect(sent.reduce((a, b) => a + b, 0)).toBe(10);
  });

  it("interleaves peers: a small update from one peer is not stuck behind another peer's large table", async () => {
    const { RibEngine } = await import("../../../../src/bgp/rib/index.js");
    const { negotiated, encodeSpec } = await import("./harness.js");
    const h = new RibHarness(speakerConfig([A, B]));
    const engine = new RibEngine({ clock: h.clock, limits: { peerTurn: 64, inSliceMs: 0 } });
    const order: string[] = [];
    engine.onKernelRoutes((b) => {
      for (const u of b.upserts) order.push(`${u.prefix.bytes[0]}.${u.prefix.bytes[1]}`);
    });
    engine.configure(speakerConfig([A, B]));
    engine.handle({ type: "sessionUp", peerId: "A", negotiated: negotiated(A) });
    engine.handle({ type: "sessionUp", peerId: "B", negotiated: negotiated(B) });
    await engine.idle();
    for (let i = 0; i < 40; i++) {
      const prefixes = Array.from({ length: 50 }, (_, k) => `10.${i}.${k}.0/24`);
      const m = encodeSpec({ announce: prefixes, asPath: "65001", nextHop: "10.0.0.2" });
      engine.handle({ type: "update", peerId: "A", body: m.subarray(19) });
    }
    const mb = encodeSpec({ announce: ["172.16.0.0/24"], asPath: "65002", nextHop: "10.0.0.3" });
    engine.handle({ type: "update", peerId: "B", body: mb.subarray(19) });
    await engine.idle();
    expect(order).toHaveLength(2001);
    // B's route went in long before A's table was done.
    expect(order.indexOf("172.16")).toBeLessThan(500);
  });
});

describe("RibEngine configuration", () => {
  it("rejects an invalid configuration as a whole and keeps running the previous one", async () => {
    const h = new RibHarness(speakerConfig([A, B]));
    h.up("A");
    h.up("B");
    await h.settle();
    const bad = speakerConfig([A, { ...B, exportPolicy: ["missing"] }]);
    expect(() => h.engine.configure(bad)).toThrowError(
      expect.objectContaining({ code: "ERR_POLICY_UNKNOWN_POLICY" }),
    );
    expect(() => h.engine.configure(speakerConfig([A, A]))).toThrowError(
      expect.objectContaining({ code: "ERR_RIB_DUPLICATE_PEER" }),
    );
    expect(() =>
      h.engine.configure(
        speakerConfig([A, B], { originate: [{ prefix: "10.0.0.1/24", kind: "block" }] }),
      ),
    ).toThrowError(expect.objectContaining({ code: "ERR_RIB_BAD_ORIGINATE" }));
    h.take("B");
    h.send("A", { announce: ["192.0.2.0/24"], asPath: "65001", nextHop: "10.0.0.2" });
    await h.settle();
    expect(updates(h.take("B"))).toHaveLength(1);
  });

  it("a removed peer's routes are withdrawn; a re-added peer starts clean", async () => {
    const h = new RibHarness(speakerConfig([A, B]));
    h.up("A");
    h.up("B");
    h.send("A", { announce: ["192.0.2.0/24"], asPath: "65001", nextHop: "10.0.0.2" });
    await h.settle();
    h.take("B");
    h.reconfigure(speakerConfig([B]));
    await h.settle();
    expect(updates(h.take("B"))).toEqual([{ withdraw: ["192.0.2.0/24"] }]);
    expect(h.kernel.size).toBe(0);
    expect(h.engine.peerCounters("A")).toEqual({
      received: 0,
      accepted: 0,
      advertised: 0,
      stale: 0,
    });
    h.reconfigure(speakerConfig([A, B]));
    h.take("A");
    h.up("A");
    await h.settle();
    expect(h.take("A")).toEqual([{ eor: "ipv4-unicast" }]);
  });

  it("an export policy change re-advertises: newly rejected routes are withdrawn", async () => {
    const only192 = {
      name: "only192",
      statements: [
        {
          match: { prefix: { cidr: "192.0.2.0/24", op: "equal" as const } },
          result: "accept" as const,
        },
      ],
    };
    const policies = [{ name: "all", statements: [{ result: "accept" as const }] }, only192];
    const h = new RibHarness(speakerConfig([A, B], { policies }));
    h.up("A");
    h.up("B");
    h.send("A", {
      announce: ["192.0.2.0/24", "198.51.100.0/24"],
      asPath: "65001",
      nextHop: "10.0.0.2",
    });
    await h.settle();
    h.take("B");
    h.reconfigure(speakerConfig([A, { ...B, exportPolicy: ["only192"] }], { policies }));
    await h.settle();
    expect(updates(h.take("B"))).toEqual([{ withdraw: ["198.51.100.0/24"] }]);
    expect(h.engine.peerCounters("B").advertised).toBe(1);
  });

  it("removing an originated prefix lets a learned path take over (and reach the kernel)", async () => {
    const cfg = (originate: { prefix: string; kind: "block" }[]) =>
      speakerConfig([A, B], { originate });
    const h = new RibHarness(cfg([{ prefix: "10.244.0.0/26", kind: "block" }]));
    h.up("A");
    h.up("B");
    h.send("A", { announce: ["10.244.0.0/26"], asPath: "65001", nextHop: "10.0.0.2" });
    await h.settle();
    expect(h.kernel.has("10.244.0.0/26")).toBe(false);
    h.reconfigure(cfg([]));
    await h.settle();
    expect(h.kernel.get("10.244.0.0/26")).toEqual(["10.0.0.2"]);
    const toB = updates(h.take("B"));
    expect(toB[toB.length - 1]).toMatchObject({
      announce: ["10.244.0.0/26"],
      asPath: "64512 65001",
    });
  });
});

describe("RibEngine queries", () => {
  it("routes(): exact prefix, longest match for an address, peer filter, family and limit", async () => {
    const h = new RibHarness(speakerConfig([A, B]));
    h.up("A");
    h.up("B");
    h.send("A", { announce: ["10.0.0.0/8", "10.1.0.0/16"], asPath: "65001", nextHop: "10.0.0.2" });
    h.send("B", { announce: ["10.1.0.0/16"], asPath: "65002 7", nextHop: "10.0.0.3" });
    await h.settle();
    expect(h.engine.routes({ prefix: "10.1.2.3" }).map((r) => r.prefix)).toEqual(["10.1.0.0/16"]);
    expect(h.engine.routes({ prefix: "10.2.0.1" }).map((r) => r.prefix)).toEqual(["10.0.0.0/8"]);
    expect(
      h.engine.routes({ prefix: "10.1.0.0/16" })[0].paths.map((p) => [p.peer, p.best]),
    ).toEqual([
      ["10.0.0.2", true],
      ["10.0.0.3", false],
    ]);
    expect(h.engine.routes({ peer: "B" }).map((r) => r.prefix)).toEqual(["10.1.0.0/16"]);
    expect(h.engine.routes({ peer: "10.0.0.3" })).toHaveLength(1);
    expect(h.engine.routes({ limit: 1 })).toHaveLength(1);
    expect(h.engine.routes({ family: "ipv6" })).toEqual([]);
    const p = h.engine.routes({ prefix: "10.1.0.0/16" })[0].paths[1];
    expect(p).toMatchObject({
      asPath: "65002 7",
      origin: "igp",
      localPref: null,
      stale: false,
      pathId: null,
      multipath: false,
    });
    expect(p.reason).toBe("longer AS path than best (2 > 1)");
    expect(h.engine.locRibSize()).toEqual({ ipv4: 2, ipv6: 0 });
  });

  it("announces convergence once every configured peer sent End-of-RIB", async () => {
    const h = new RibHarness(speakerConfig([A, B]));
    h.up("A");
    h.up("B");
    h.eor("A");
    await h.settle();
    expect(h.converged).toBe(0);
    h.eor("B");
    await h.settle();
    expect(h.converged).toBe(1);
    expect(h.engine.restartInProgress()).toBe(false);
  });
});

describe("RibEngine next hop self for IPv6 and restart deferral", () => {
  it("sends our global and, for an on-link peer, our link-local address as IPv6 next hop self", async () => {
    const P = peerConfig("P", "2001:db8:1::1", 65001);
    const Q = peerConfig("Q", "fe80::2", 65002);
    const h = new RibHarness(speakerConfig([P, Q]));
    h.up("P", { remoteRouterId: "10.0.1.1" });
    h.up("Q", {
      remoteRouterId: "10.0.2.1",
      localAddress: "2001:db8::1",
      localLinkLocalAddress: "fe80::1",
    });
    h.send("P", { announce: ["2001:db8:100::/48"], asPath: "65001", nextHop: ["2001:db8:1::1"] });
    await h.settle();
    expect(updates(h.take("Q"))).toContainEqual(
      expect.objectContaining({ announce: ["2001:db8:100::/48"], nextHop: "2001:db8::1,fe80::1" }),
    );
  });

  it("after our restart, does not wait for peers without graceful restart (RFC 4724 §4.1)", async () => {
    const gr = {
      restartTime: 120,
      restarting: false,
      notification: true,
      families: [{ family: "ipv4-unicast" as const, forwarding: true }],
    };
    const h = new RibHarness(speakerConfig([A, B]), { restart: true });
    expect(h.engine.restartInProgress()).toBe(true);
    h.up("A", { gracefulRestart: gr });
    h.up("B"); // no graceful restart: not waited for
    h.send("A", { announce: ["192.0.2.0/24"], asPath: "65001", nextHop: "10.0.0.2" });
    await h.settle();
    expect(h.take("B")).toEqual([]);
    h.eor("A");
    await h.settle();
    expect(h.converged).toBe(1);
    expect(h.engine.restartInProgress()).toBe(false);
    expect(updates(h.take("B"))).toEqual([
      { announce: ["192.0.2.0/24"], nextHop: "10.0.0.1", asPath: "64512 65001", origin: "igp" },
      { eor: "ipv4-unicast" },
    ]);
  });
});

describe("RibEngine restart deferral with peers that restarted too (R bit)", () => {
  const gr = (restarting: boolean) => ({
    restartTime: 120,
    restarting,
    notification: true,
    families: [{ family: "ipv4-unicast" as const, forwarding: true }],
  });

  it("waits for an R-bit peer's End-of-RIB before converging, but feeds it our table first", async () => {
    const h = new RibHarness(
      speakerConfig([A, B], {
        originate: [{ prefix: "203.0.113.0/24", kind: "block" }],
      }),
      { restart: true },
    );
    h.up("A", { gracefulRestart: gr(true) }); // e.g. FRR in its first restart-time after start
    h.up("B", { gracefulRestart: gr(false) });
    await h.settle();
    // B (no R bit) is still waited for: nobody is fed yet.
    expect(h.take("A")).toEqual([]);
    h.send("B", { announce: ["198.51.100.0/24"], asPath: "65002", nextHop: "10.0.0.3" });
    h.eor("B");
    await h.settle();
    // Every other established peer is in: A gets the whole table and our End-of-RIB before its
    // own End-of-RIB (a peer that waits for ours first is not deadlocked)...
    expect(updates(h.take("A"))).toEqual([
      expect.objectContaining({ announce: ["203.0.113.0/24"] }),
      expect.objectContaining({ announce: ["198.51.100.0/24"] }),
      { eor: "ipv4-unicast" },
    ]);
    // ...but convergence (B's table, End-of-RIB to B, the kernel sweep) waits for A's End-of-RIB.
    expect(h.converged).toBe(0);
    expect(h.engine.restartInProgress()).toBe(true);
    expect(h.take("B")).toEqual([]);
    h.send("A", { announce: ["192.0.2.0/24"], asPath: "65001", nextHop: "10.0.0.2" });
    h.eor("A");
    await h.settle();
    expect(h.converged).toBe(1);
    expect(h.engine.restartInProgress()).toBe(false);
    const toB = updates(h.take("B"));
    expect(toB.at(-1)).toEqual({ eor: "ipv4-unicast" });
    expect(toB.flatMap((u) => ("announce" in u ? (u.announce ?? []) : [])).sort()).toEqual([
      "192.0.2.0/24",
      "203.0.113.0/24",
    ]);
  });

  it("an R-bit peer is never held back by another R-bit peer, fed or not (no cross-wait)", async () => {
    // Two sessions to another restarting speaker (IPv4 and IPv6) come up one after the other:
    // the second must be fed although the first has not sent its End-of-RIB yet — the other
    // side may be waiting for our End-of-RIB on the second before it sends on the first.
    const C = peerConfig("C", "10.0.0.4", 65003);
    const h = new RibHarness(speakerConfig([A, C]), { restart: true });
    h.up("A", { gracefulRestart: gr(true) });
    await h.settle();
    expect(h.take("A")).toEqual([{ eor: "ipv4-unicast" }]);
    h.up("C", { gracefulRestart: gr(true) });
    await h.settle();
    expect(h.take("C")).toEqual([{ eor: "ipv4-unicast" }]);
    h.eor("C");
    h.eor("A");
    await h.settle();
    expect(h.converged).toBe(1);
  });

  it("two restarting speakers do not wait for each other: each is fed, then both converge", async () => {
    const h = new RibHarness(speakerConfig([A]), { restart: true });
    h.up("A", { gracefulRestart: gr(true) });
    await h.settle();
    expect(h.take("A")).toEqual([{ eor: "ipv4-unicast" }]);
    expect(h.converged).toBe(0);
    h.eor("A");
    await h.settle();
    expect(h.converged).toBe(1);
  });

  it("an R-bit peer that never sends End-of-RIB holds convergence until the convergence timeout", async () => {
    const h = new RibHarness(
      speakerConfig([A], {
        gracefulRestart: { enabled: true, restartTime: 120, convergenceTimeout: 30 },
      }),
      { restart: true },
    );
    h.up("A", { gracefulRestart: gr(true) });
    await h.settle();
    h.clock.advance(29_000);
    await h.settle();
    expect(h.converged).toBe(0);
    h.clock.advance(1_000);
    await h.settle();
    expect(h.converged).toBe(1);
  });
});

describe("RibEngine End-of-RIB per peer", () => {
  it("endOfRibReceived: every negotiated family, reset by a session change as soon as it is reported", async () => {
    const h = new RibHarness(speakerConfig([A, B]));
    const both = {
      families: ["ipv4-unicast", "ipv6-unicast"] as ("ipv4-unicast" | "ipv6-unicast")[],
    };
    expect(h.engine.endOfRibReceived("A")).toBe(false);
    h.up("A", both);
    await h.settle();
    h.eor("A");
    await h.settle();
    expect(h.engine.endOfRibReceived("A")).toBe(false); // IPv6 still missing
    h.eor("A", "ipv6-unicast");
    await h.settle();
    expect(h.engine.endOfRibReceived("A")).toBe(true);
    expect(h.engine.endOfRibReceived("B")).toBe(false);
    expect(h.engine.endOfRibReceived("nobody")).toBe(false);
    // A new session replaces the old one: false from the moment it is reported.
    h.down("A");
    h.up("A", both);
    expect(h.engine.endOfRibReceived("A")).toBe(false);
    await h.settle();
    expect(h.engine.endOfRibReceived("A")).toBe(false);
    h.eor("A");
    h.eor("A", "ipv6-unicast");
    await h.settle();
    expect(h.engine.endOfRibReceived("A")).toBe(true);
    h.down("A", true);
    expect(h.engine.endOfRibReceived("A")).toBe(false);
  });
});

describe("RibEngine session edge cases", () => {
  it("a second sessionUp without sessionDown drops the old session's routes and re-advertises", async () => {
    const h = new RibHarness(speakerConfig([A, B]));
    h.up("A");
    h.up("B");
    h.send("A", { announce: ["192.0.2.0/24"], asPath: "65001", nextHop: "10.0.0.2" });
    await h.settle();
    h.take("B");
    h.up("B");
    await h.settle();
    expect(updates(h.take("B"))).toEqual([
      { announce: ["192.0.2.0/24"], nextHop: "10.0.0.1", asPath: "64512 65001", origin: "igp" },
      { eor: "ipv4-unicast" },
    ]);
    h.up("A");
    await h.settle();
    expect(h.kernel.size).toBe(0);
    expect(h.engine.peerCounters("A").received).toBe(0);
    expect(h.engine.peerCounters("B").advertised).toBe(0);
  });

  it("a sessionDown for a peer that is not up changes nothing (stale routes stay)", async () => {
    const gr = {
      restartTime: 120,
      restarting: false,
      notification: true,
      families: [{ family: "ipv4-unicast" as const, forwarding: true }],
    };
    const h = new RibHarness(speakerConfig([A, B]));
    h.up("A", { gracefulRestart: gr });
    h.send("A", { announce: ["192.0.2.0/24"], asPath: "65001", nextHop: "10.0.0.2" });
    h.down("A", true);
    await h.settle();
    h.down("A", false);
    await h.settle();
    expect(h.engine.peerCounters("A")).toMatchObject({ received: 1, stale: 1 });
    expect(h.kernel.has("192.0.2.0/24")).toBe(true);
  });
});

describe("RibEngine decision options", () => {
  it("turning multipath off shrinks the kernel's ECMP set to the best path", async () => {
    const A2 = peerConfig("A2", "10.0.0.4", 65001);
    const cfg = (maxPaths: number) => speakerConfig([A, A2, B], { maxPaths });
    const h = new RibHarness(cfg(4));
    h.up("A");
    h.up("A2");
    h.up("B");
    h.send("A", { announce: ["192.0.2.0/24"], asPath: "65001 1", nextHop: "10.0.0.2" });
    h.send("A2", { announce: ["192.0.2.0/24"], asPath: "65001 2", nextHop: "10.0.0.4" });
    await h.settle();
    expect(h.kernel.get("192.0.2.0/24")).toEqual(["10.0.0.2", "10.0.0.4"]);
    h.reconfigure(cfg(1));
    await h.settle();
    expect(h.kernel.get("192.0.2.0/24")).toEqual(["10.0.0.2"]);
  });
});

describe("RibEngine inbound priority", () => {
  it("while received UPDATEs are queued, UPDATE generation runs every outEvery-th slice, and the downstream peer is still served during the load", async () => {
    const { RibEngine } = await import("../../../../src/bgp/rib/index.js");
    const { negotiated, encodeSpec } = await import("./harness.js");
    const h = new RibHarness(speakerConfig([A, B]));
    // One received message per slice (no time budget), generation every 4th slice.
    const engine = new RibEngine({
      clock: h.clock,
      limits: { inSliceMs: 0, peerTurn: 1_000_000, outEvery: 4 },
    });
    let generations = 0;
    let locRibAtFirstAdvertisement = -1;
    engine.onSessionMessage((m) => {
      if (m.type !== "updates") return;
      if (m.peerId === "B") generations++;
      if (m.peerId === "B" && locRibAtFirstAdvertisement < 0)
        if (engine.peerCounters("B").advertised > 0)
          locRibAtFirstAdvertisement = engine.locRibSize().ipv4;
      queueMicrotask(() => engine.handle({ type: "writable", peerId: m.peerId }));
    });
    engine.configure(speakerConfig([A, B]));
    engine.handle({ type: "sessionUp", peerId: "A", negotiated: negotiated(A) });
    engine.handle({ type: "sessionUp", peerId: "B", negotiated: negotiated(B) });
    await engine.idle();
    generations = 0;
    const N = 40;
    for (let i = 0; i < N; i++) {
      const m = encodeSpec({ announce: [`10.7.${i}.0/24`], asPath: "65001", nextHop: "10.0.0.2" });
      engine.handle({ type: "update", peerId: "A", body: m.subarray(19) });
    }
    await engine.idle();
    expect(engine.locRibSize().ipv4).toBe(N);
    expect(engine.peerCounters("B").advertised).toBe(N);
    // B got routes before the table was complete: outbound is deferred, not starved.
    expect(locRibAtFirstAdvertisement).toBeGreaterThan(0);
    expect(locRibAtFirstAdvertisement).toBeLessThan(N);
    // 40 inbound slices: UPDATEs generated in every 4th (plus once after the inbox ran dry),
    // not in every slice.
    expect(generations).toBeGreaterThanOrEqual(2);
    expect(generations).toBeLessThanOrEqual(N / 4 + 1);
  });
});

describe("RibEngine kernel batches", () => {
  it("while received UPDATEs are queued, kernel batches are made every outEvery-th slice only, and every route still reaches the kernel view", async () => {
    const { RibEngine } = await import("../../../../src/bgp/rib/index.js");
    const { negotiated, encodeSpec } = await import("./harness.js");
    const h = new RibHarness(speakerConfig([A]));
    const engine = new RibEngine({
      clock: h.clock,
      limits: { inSliceMs: 0, peerTurn: 1_000_000, outEvery: 4 },
    });
    let batches = 0;
    let routes = 0;
    let locRibAtFirstBatch = -1;
    engine.onKernelRoutes((b) => {
      batches++;
      routes += b.upserts.length;
      if (locRibAtFirstBatch < 0) locRibAtFirstBatch = engine.locRibSize().ipv4;
    });
    engine.configure(speakerConfig([A]));
    engine.handle({ type: "sessionUp", peerId: "A", negotiated: negotiated(A) });
    await engine.idle();
    const N = 40;
    for (let i = 0; i < N; i++) {
      const m = encodeSpec({ announce: [`10.8.${i}.0/24`], asPath: "65001", nextHop: "10.0.0.2" });
      engine.handle({ type: "update", peerId: "A", body: m.subarray(19) });
    }
    await engine.idle();
    expect(routes).toBe(N);
    // Deferred, not starved: the first batch came while the load was still being received.
    expect(locRibAtFirstBatch).toBeGreaterThan(0);
    expect(locRibAtFirstBatch).toBeLessThan(N);
    // 40 inbound slices: a batch in every 4th (plus once after the inbox ran dry).
    expect(batches).toBeLessThanOrEqual(N / 4 + 1);
  });

  it("a batch holds at most kernelPerSlice prefixes; the rest follows in the next slices", async () => {
    const { RibEngine } = await import("../../../../src/bgp/rib/index.js");
    const { negotiated, encodeSpec } = await import("./harness.js");
    const h = new RibHarness(speakerConfig([A]));
    const engine = new RibEngine({ clock: h.clock, limits: { kernelPerSlice: 3 } });
    const sizes: number[] = [];
    const seen = new Set<string>();
    engine.onKernelRoutes((b) => {
      sizes.push(b.upserts.length + b.withdrawals.length);
      for (const u of b.upserts) seen.add(formatPrefix(u.prefix));
    });
    engine.configure(speakerConfig([A]));
    engine.handle({ type: "sessionUp", peerId: "A", negotiated: negotiated(A) });
    await engine.idle();
    const announce = Array.from({ length: 10 }, (_, i) => `10.9.${i}.0/24`);
    const m = encodeSpec({ announce, asPath: "65001", nextHop: "10.0.0.2" });
    engine.handle({ type: "update", peerId: "A", body: m.subarray(19) });
    await engine.idle();
    expect(sizes).toEqual([3, 3, 3, 1]);
    expect([...seen].sort()).toEqual([...announce].sort());
  });
});

describe("RibEngine peers that export nothing", () => {
  it("a peer with an empty export policy gets only End-of-RIB; an accepting policy sends it the table, and going back withdraws it", async () => {
    const C = peerConfig("C", "10.0.0.4", 65003, { exportPolicy: [] });
    const h = new RibHarness(speakerConfig([A, B, C]));
    h.up("A");
    h.up("B");
    h.up("C");
    h.send("A", {
      announce: ["192.0.2.0/24", "198.51.100.0/24"],
      asPath: "65001",
      nextHop: "10.0.0.2",
    });
    await h.settle();
    expect(h.take("C")).toEqual([{ eor: "ipv4-unicast" }]);
    expect(h.engine.peerCounters("C").advertised).toBe(0);

    h.reconfigure(speakerConfig([A, B, { ...C, exportPolicy: ["all"] }]));
    await h.settle();
    expect(updates(h.take("C"))).toEqual([
      {
        announce: ["192.0.2.0/24", "198.51.100.0/24"],
        nextHop: "10.0.0.1",
        asPath: "64512 65001",
        origin: "igp",
      },
    ]);
    // While it holds routes, changes reach it as usual.
    h.send("A", { announce: ["203.0.113.0/24"], asPath: "65001", nextHop: "10.0.0.2" });
    await h.settle();
    expect(updates(h.take("C"))).toHaveLength(1);

    h.reconfigure(speakerConfig([A, B, C]));
    await h.settle();
    const back = updates(h.take("C"));
    expect(back.flatMap((u) => u.withdraw ?? []).sort()).toEqual([
      "192.0.2.0/24",
      "198.51.100.0/24",
      "203.0.113.0/24",
    ]);
    expect(h.engine.peerCounters("C").advertised).toBe(0);
    h.take("B");
    h.send("A", { withdraw: ["192.0.2.0/24"] });
    h.send("A", { announce: ["192.0.2.128/25"], asPath: "65001", nextHop: "10.0.0.2" });
    await h.settle();
    expect(h.take("C")).toEqual([]);
    expect(updates(h.take("B"))).toHaveLength(2);
  });
});

describe("RibEngine.dispose and the warm-up", () => {
  it("dispose cancels the engine's timers, so nothing keeps a throwaway engine alive", async () => {
    const h = new RibHarness(speakerConfig([A, B]));
    h.up("A", {
      gracefulRestart: {
        restartTime: 120,
        restarting: false,
        notification: true,
        families: [{ family: "ipv4-unicast", forwarding: true }],
      },
    });
    await h.settle();
    h.down("A", true);
    await h.settle();
    // The convergence timeout and A's restart timer are pending.
    expect(h.clock.pendingTimers()).toBeGreaterThanOrEqual(2);
    h.engine.dispose();
    expect(h.clock.pendingTimers()).toBe(0);
    await h.engine.idle();
  });

  it("the warm-up loads its synthetic tables and leaves no timer behind", async () => {
    const { RibEngine } = await import("../../../../src/bgp/rib/index.js");
    const { warmUpEngine } = await import("../../../../src/bgp/rib/warm-up.js");
    const { ManualClock } = await import("../../../../src/common/clock.js");
    const clock = new ManualClock();
    const engines: InstanceType<typeof RibEngine>[] = [];
    await warmUpEngine(
      () => {
        const e = new RibEngine({ clock });
        engines.push(e);
        return e;
      },
      2000,
      2,
    );
    expect(engines).toHaveLength(2);
    for (const e of engines) expect(e.locRibSize().ipv4).toBeGreaterThan(500);
    expect(clock.pendingTimers()).toBe(0);
  });
});
