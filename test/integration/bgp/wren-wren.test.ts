// Two wren speakers peering with each other in namespaces (eBGP, IPv4 and IPv6 families on one
// IPv6 session and an IPv4 one): routes both ways, withdrawal on reconfigure, both views agree;
// both restarting gracefully at once (both set the R bit) converge on each other's End-of-RIB.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteView } from "../../../src/common/contracts/speaker.js";
import { Lab, skipReason, waitUntil } from "../../harness/index.js";
import { ribMissing, SpeakerProcess, speakerJson, wrenBuildMissing } from "./speaker-process.js";

const skip = skipReason("root") ?? wrenBuildMissing() ?? ribMissing();
const policies = [{ name: "all", statements: [{ result: "accept" }] }];

function config(me: 1 | 2, originate: string[]): object {
  const other = me === 1 ? 2 : 1;
  return speakerJson({
    routerId: `10.0.9.${me}`,
    asNumber: 65000 + me,
    originate,
    peers: [
      {
        name: "v4",
        address: `10.0.9.${other}`,
        asNumber: 65000 + other,
        holdTime: 9,
        connectRetryTime: 1,
        exportPolicy: ["all"],
      },
      {
        name: "v6",
        address: `fd00:9::${other}`,
        asNumber: 65000 + other,
        holdTime: 9,
        connectRetryTime: 1,
        exportPolicy: ["all"],
      },
    ],
    // A convergence timeout far beyond the test's deadlines: converging means End-of-RIB came.
    extra: {
      policies,
      gracefulRestart: { enabled: true, restartTime: 120, convergenceTimeout: 900 },
    },
  });
}

describe.skipIf(skip)(`wren speaker ↔ wren speaker${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let lab: Lab;
  let one: SpeakerProcess;
  let two: SpeakerProcess;
  beforeAll(async () => {
    lab = await Lab.create();
    await lab.addNode("one");
    await lab.addNode("two");
    await lab.link("one", "eth0", "two", "eth0", {
      addrA: ["10.0.9.1/24", "fd00:9::1/64"],
      addrB: ["10.0.9.2/24", "fd00:9::2/64"],
    });
    one = await SpeakerProcess.start(lab, "one", config(1, ["10.71.0.0/24", "fd00:71::/64"]));
    two = await SpeakerProcess.start(lab, "two", config(2, ["10.72.0.0/24"]));
  });
  afterAll(async () => {
    await one?.stop("withdraw");
    await two?.stop("withdraw");
    await lab?.cleanup();
  });

  const routes = async (s: SpeakerProcess) =>
    ((await s.command({ cmd: "routes" })).result as RouteView[]).map((r) => r.prefix).sort();

  it("exchanges IPv4 and IPv6 routes and agrees on the sessions", async () => {
    for (const s of [one, two]) for (const p of ["v4", "v6"]) await s.waitEstablished(p);
    await waitUntil(
      "two to learn one's prefixes",
      () => routes(two),
      (r) => r.includes("10.71.0.0/24") && r.includes("fd00:71::/64"),
      { timeoutMs: 20_000 },
    );
    await waitUntil(
      "one to learn two's prefix",
      () => routes(one),
      (r) => r.includes("10.72.0.0/24"),
      { timeoutMs: 20_000 },
    );
    const v = (
      (await two.command({ cmd: "routes", prefix: "fd00:71::/64" })).result as RouteView[]
    )[0];
    expect(v.paths[0]).toMatchObject({ asPath: "65001", best: true });
    expect((await two.peer("v6")).prefixes.accepted).toBeGreaterThanOrEqual(1);
  });

  it("withdraws on reconfigure without touching the sessions", async () => {
    await one.command({ cmd: "configure", config: config(1, ["fd00:71::/64"]) });
    await waitUntil(
      "two to drop 10.71.0.0/24",
      () => routes(two),
      (r) => !r.includes("10.71.0.0/24"),
      { timeoutMs: 20_000 },
    );
    expect((await two.peer("v4")).bgpState).toBe("Established");
    expect((await one.peer("v4")).messages.notificationsOut).toBe(0);
  });

  it("both restarting gracefully at once: neither waits for the other's End-of-RIB forever", async () => {
    await one.stop("graceful");
    await two.stop("graceful");
    one = await SpeakerProcess.start(lab, "one", config(1, ["fd00:71::/64"]), {
      args: ["--restarted"],
    });
    two = await SpeakerProcess.start(lab, "two", config(2, ["10.72.0.0/24"]), {
      args: ["--restarted"],
    });
    for (const s of [one, two]) for (const p of ["v4", "v6"]) await s.waitEstablished(p);
    // Each is an R-bit peer of the other: each gets the other's table and End-of-RIB first, so
    // both converge on End-of-RIB (the convergence timeout is 900 s).
    for (const s of [one, two]) {
      await waitUntil(
        `${s.node} to converge`,
        async () => ({
          converged: s.events.some((e) => e.event === "converged"),
          peers: (await s.status()).peers.map((p) => [p.name, p.info, p.endOfRibReceived]),
        }),
        (x) => x.converged,
        { timeoutMs: 30_000 },
      );
      const st = await s.status();
      expect(st.gracefulRestartInProgress).toBe(false);
      expect(st.peers.map((p) => [p.name, p.endOfRibReceived])).toEqual([
        ["v4", true],
        ["v6", true],
      ]);
    }
    expect(await routes(two)).toContain("fd00:71::/64");
    expect(await routes(one)).toContain("10.72.0.0/24");
  });
});
