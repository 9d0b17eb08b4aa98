// Graceful restart of the agent (BIRD `persist` + graceful-restart semantics): a planned stop
// leaves every route in the kernel; a restarting agent adopts them, replaces in place what
// changed and removes the stale ones only after BGP has re-converged — with no route deleted and
// re-added on the way (checked with `ip monitor route` running through the restart).
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DesiredDataplane } from "../../../src/common/contracts/dataplane.js";
import { Lab, type SpawnedProcess, skipReason, sleep, waitFor } from "../../harness/index.js";
import { AgentProcess, addPod, emptyPlan, ipRoutes } from "./agent-driver.js";

const skip = skipReason("root");

const routesOf = (n: number, nh: string) =>
  Array.from({ length: n }, (_, i) => ({ prefix: `10.50.${i}.0/24`, nexthops: [nh] }));

describe.skipIf(skip)(`graceful restart${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let lab: Lab;
  let agent: AgentProcess | null = null;
  let plan: DesiredDataplane;
  let monitor: SpawnedProcess | null = null;

  const bgpLines = async () => (await ipRoutes(lab, "n1")).filter((l) => l.startsWith("10.50."));

  beforeAll(async () => {
    lab = await Lab.create();
    await lab.addNode("n1");
    await lab.addNode("gw");
    await lab.link("n1", "eth0", "gw", "eth0", { addrA: "192.0.2.2/24", addrB: "192.0.2.1/24" });
    const { mac } = await addPod(lab, "n1", "p1", "califgr00000001", "10.244.1.5");
    plan = emptyPlan("n1", {
      blackholes: [
        { prefix: "10.244.1.0/26", owner: "bird" },
        { prefix: "10.245.1.0/26", owner: "felix" },
      ],
      workloads: [{ name: "califgr00000001", addresses: ["10.244.1.5"], mac, endpoint: "ns/p1" }],
    });
  });
  afterAll(async () => {
    await agent?.stop(true).catch(() => {});
    if (monitor) await lab.stop(monitor, 1000).catch(() => {});
    await lab?.cleanup();
  });

  it("leaves every route in the kernel on a planned stop", async () => {
    agent = await AgentProcess.start(lab, "n1", plan);
    await agent.bgp({ upserts: routesOf(6, "192.0.2.1") });
    const before = await ipRoutes(lab, "n1");
    expect(before.filter((l) => l.startsWith("10.50."))).toHaveLength(6);
    await agent.stop(true);
    agent = null;
    expect(await ipRoutes(lab, "n1")).toEqual(before);
  });

  it("adopts the routes on restart and removes stale ones only after convergence, without flaps", async () => {
    monitor = await lab.spawn("n1", "monitor", "ip", ["-o", "monitor", "route"]);
    await sleep(200); // let `ip monitor` subscribe
    agent = await AgentProcess.start(lab, "n1", plan, { restarting: true, name: "dataplane2" });
    // The speaker re-learns 4 of the 6 prefixes; one of them with a new next hop.
    await agent.bgp({
      upserts: [...routesOf(3, "192.0.2.1"), { prefix: "10.50.3.0/24", nexthops: ["192.0.2.9"] }],
    });
    const kept = await bgpLines();
    expect(kept).toHaveLength(6); // stale 10.50.4/10.50.5 kept until convergence
    expect(kept).toContain("10.50.3.0/24 via 192.0.2.9 dev eth0 proto bird");
    const status = await agent.status();
    expect((status.routes as { deferred: number }).deferred).toBe(2);

    const reply = await agent.cmd({ cmd: "converged" });
    expect(reply.ok).toBe(true);
    const after = await bgpLines();
    expect(after.sort()).toEqual(
      [
        "10.50.0.0/24 via 192.0.2.1 dev eth0 proto bird",
        "10.50.1.0/24 via 192.0.2.1 dev eth0 proto bird",
        "10.50.2.0/24 via 192.0.2.1 dev eth0 proto bird",
        "10.50.3.0/24 via 192.0.2.9 dev eth0 proto bird",
      ].sort(),
    );
    await lab.stop(monitor, 1000);
    const events = readFileSync(monitor.logFile, "utf8");
    monitor = null;
    const deleted = events.split("\n").filter((l) => l.startsWith("Deleted"));
    // Only the two stale routes were ever deleted: adopted ones were not touched, the changed
    // one was replaced in place.
    expect(deleted.map((l) => l.split(" ")[1]).sort()).toEqual(["10.50.4.0/24", "10.50.5.0/24"]);
    expect(events).not.toMatch(/Deleted.*(blackhole|10\.244\.1\.5)/);
  });

  it("sweeps stale routes by itself when convergence is never reported", async () => {
    await agent!.stop(true);
    agent = await AgentProcess.start(lab, "n1", plan, {
      restarting: true,
      name: "dataplane3",
      extraArgs: ["--converge-timeout", "1"],
    });
    expect(await bgpLines()).toHaveLength(4);
    await waitFor(
      "stale routes swept after the timeout",
      async () => (await bgpLines()).length === 0,
    );
  });

  it("removes stale proto bird routes at once on a fresh (not restarting) start", async () => {
    await agent!.stop(true);
    await lab.sh("n1", "ip route add 10.50.9.0/24 via 192.0.2.1 proto bird");
    agent = await AgentProcess.start(lab, "n1", plan, { name: "dataplane4" });
    expect(await bgpLines()).toEqual([]);
  });

  it("flushes its proto bird routes (and only those) on a stop without keepRoutes", async () => {
    await agent!.bgp({ upserts: routesOf(2, "192.0.2.1") });
    await agent!.stop(false);
    agent = null;
    const routes = await ipRoutes(lab, "n1");
    expect(routes.some((l) => l.includes("proto bird"))).toBe(false);
    expect(routes).toContain("blackhole 10.245.1.0/26 proto 80");
    expect(routes).toContain("10.244.1.5 dev califgr00000001 scope link");
  });

  it("keeps every route when the agent is killed", async () => {
    agent = await AgentProcess.start(lab, "n1", plan, { name: "dataplane5" });
    await agent.bgp({ upserts: routesOf(2, "192.0.2.1") });
    const before = await ipRoutes(lab, "n1");
    await agent.kill();
    agent = null;
    expect(await ipRoutes(lab, "n1")).toEqual(before);
  });
});
