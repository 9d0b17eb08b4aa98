// Self-test of the harness's namespace scope and FRR runner: two FRR instances in two namespaces
// peer over a veth, a third joins through a switch (bridge) namespace, a route passes and lands
// in the kernel FIB, kill -9 and restart work, and cleanup leaves no namespace or process.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namespaceExists } from "../../../src/lab/netns.js";
import { isAlive } from "../../../src/lab/process.js";
import { Lab } from "../../harness/netns.js";
import { FrrPeer, startFrr } from "../../harness/peers/frr.js";
import { waitForPrefix, waitForState } from "../../harness/peers/runner.js";
import { skipReason } from "../../harness/tools.js";
import { waitFor } from "../../harness/wait.js";

const skip = skipReason("frr");

const frrConf = (
  as: number,
  id: string,
  neighbors: [string, number][],
  network?: string,
) => `frr defaults traditional
hostname r${as}
${network ? `ip route ${network} blackhole\n` : ""}!
router bgp ${as}
 bgp router-id ${id}
 no bgp ebgp-requires-policy
${neighbors.map(([ip, ras]) => ` neighbor ${ip} remote-as ${ras}\n neighbor ${ip} timers 1 3\n neighbor ${ip} timers connect 1`).join("\n")}
 address-family ipv4 unicast
${network ? `  network ${network}\n` : ""} exit-address-family
!
`;

describe.skipIf(skip)(`harness: Lab + FRR runner${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let lab: Lab;
  let r1: FrrPeer;
  let r2: FrrPeer;
  let r3: FrrPeer;

  beforeAll(async () => {
    lab = await Lab.create();
    await Promise.all([
      lab.addNode("r1"),
      lab.addNode("r2"),
      lab.addNode("r3"),
      lab.addSwitch("sw"),
    ]);
    await lab.link("r1", "to-r2", "r2", "to-r1", {
      addrA: ["10.0.12.1/30", "fd00:12::1/64"],
      addrB: ["10.0.12.2/30", "fd00:12::2/64"],
    });
    await lab.attach("sw", "r2", "sw0", "10.0.100.2/24");
    await lab.attach("sw", "r3", "sw0", "10.0.100.3/24");
    [r1, r2, r3] = await Promise.all([
      startFrr(lab, "r1", frrConf(65001, "10.0.12.1", [["10.0.12.2", 65002]], "10.101.0.0/24")),
      startFrr(
        lab,
        "r2",
        frrConf(65002, "10.0.12.2", [
          ["10.0.12.1", 65001],
          ["10.0.100.3", 65003],
        ]),
      ),
      startFrr(lab, "r3", frrConf(65003, "10.0.100.3", [["10.0.100.2", 65002]])),
    ]);
  });

  afterAll(async () => {
    await lab?.cleanup();
  });

  it("brings sessions to Established on both ends, over a veth and over a switch", async () => {
    await Promise.all([
      r1.waitEstablished("10.0.12.2", 20_000),
      r2.waitEstablished("10.0.12.1", 20_000),
      r2.waitEstablished("10.0.100.3", 20_000),
      r3.waitEstablished("10.0.100.2", 20_000),
    ]);
    const peers = await r2.peers();
    expect(Object.keys(peers).sort()).toEqual(["10.0.100.3", "10.0.12.1"]);
    expect(peers["10.0.12.1"].state).toBe("Established");
  });

  it("passes a route two hops and installs it in the namespace's kernel FIB", async () => {
    await waitForPrefix(r3, "10.101.0.0/24");
    const fib = await waitFor("10.101.0.0/24 in r3's kernel FIB", async () => {
      const { stdout } = await lab.exec("r3", "ip", ["route", "show", "10.101.0.0/24"]);
      return stdout.includes("via 10.0.100.2") ? stdout : undefined;
    });
    expect(fib).toContain("proto bgp");
    const routes = await r3.ipRoutes();
    expect(routes["10.101.0.0/24"][0].protocol).toBe("bgp");
  });

  it("kill -9 drops the session at the peer, restart brings it back", async () => {
    const before = r1.pids();
    await r1.kill(["bgpd"]);
    expect(isAlive(before.bgpd)).toBe(false);
    await waitForState(r2, "10.0.12.1", "Active", 20_000).catch(async () =>
      waitForState(r2, "10.0.12.1", "Connect", 5_000),
    );
    await r1.restart();
    await r2.waitEstablished("10.0.12.1", 20_000);
    expect(r1.pids().bgpd).not.toBe(before.bgpd);
  });

  it("reports FRR configuration errors with the offending line", async () => {
    await lab.addNode("bad");
    const bad = new FrrPeer(
      lab,
      "bad",
      "router bgp 65009\n neighbor 10.9.9.9 remote-as\n frobnicate now\n",
    );
    await expect(bad.start()).rejects.toMatchObject({ code: "LAB_FRR_CONFIG" });
    expect(Object.keys(bad.pids())).toEqual([]);
  });

  it("cleanup removes every namespace and process it recorded", async () => {
    const namespaces = lab.namespaces();
    const pids = lab.processes().map((p) => p.pid);
    expect(pids.length).toBeGreaterThanOrEqual(9);
    const dir = lab.runDir;
    await lab.cleanup();
    expect(namespaces.filter(namespaceExists)).toEqual([]);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });
});
