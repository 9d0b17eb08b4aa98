// Ownership: the agent changes only what Calico's rules give it (proto bird, proto 80, routes on
// cali* and the VXLAN device); every other route in every table survives its passes and full
// resyncs byte for byte, and a foreign route holding an identity the agent wants is not
// overwritten (BIRD's "File exists").
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lab, skipReason } from "../../harness/index.js";
import { AgentProcess, addPod, allRoutesJson, emptyPlan, ipRoutes } from "./agent-driver.js";

const skip = skipReason("root");

const FOREIGN = [
  "ip route add 10.1.0.0/24 via 192.0.2.1 proto static",
  "ip route add 10.1.1.0/24 via 192.0.2.1 proto 99 metric 50",
  "ip route add blackhole 10.1.2.0/24 proto static",
  "ip route add unreachable 10.1.3.0/24",
  "ip route add 10.1.4.0/24 dev eth0 scope link",
  "ip route add 10.1.5.0/24 via 192.0.2.1 table 100 proto bird",
  "ip route add 10.244.7.0/26 via 192.0.2.1 proto zebra",
  "ip route add 10.1.6.0/24 dev caliown0000001 table 101",
  "ip -6 route add 2001:db8:9::/64 via 2001:db8::1 proto static",
  "ip -6 route add blackhole 2001:db8:a::/64 proto 4",
];

function foreignOnly(routes: Record<string, unknown>[]): string[] {
  // Everything except what the agent owns in the main table (protocols bird/80, cali*/vxlan
  // device routes) and the kernel's local/connected routes, which it never touches either.
  return routes
    .filter((r) => {
      const table = r.table ?? "main";
      if (table !== "main") return true;
      if (r.protocol === "bird" || r.protocol === "80") return false;
      if (typeof r.dev === "string" && r.dev.startsWith("cali") && r.protocol !== "kernel")
        return false;
      return true;
    })
    .map((r) => JSON.stringify(r))
    .sort();
}

describe.skipIf(skip)(`ownership${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let lab: Lab;
  let agent: AgentProcess | null = null;

  beforeAll(async () => {
    lab = await Lab.create();
    await lab.addNode("n1");
    await lab.addNode("gw");
    await lab.link("n1", "eth0", "gw", "eth0", {
      addrA: ["192.0.2.2/24", "2001:db8::2/64"],
      addrB: ["192.0.2.1/24", "2001:db8::1/64"],
    });
    await addPod(lab, "n1", "p1", "caliown0000001", "10.244.1.1");
    for (const cmd of FOREIGN) await lab.sh("n1", cmd);
  });
  afterAll(async () => {
    await agent?.stop(true).catch(() => {});
    await lab?.cleanup();
  });

  it("leaves routes of other protocols, tables and devices exactly as they were", async () => {
    const before = foreignOnly(await allRoutesJson(lab, "n1"));
    expect(before.length).toBeGreaterThanOrEqual(FOREIGN.length);
    agent = await AgentProcess.start(
      lab,
      "n1",
      emptyPlan("n1", {
        blackholes: [
          { prefix: "10.244.1.0/26", owner: "bird" },
          { prefix: "10.245.1.0/26", owner: "felix" },
        ],
        workloads: [
          { name: "caliown0000001", addresses: ["10.244.1.1"], mac: null, endpoint: "ns/p1" },
        ],
        kernelPolicy: {
          rejectCidrs: [],
          pools: [{ cidr: "10.244.0.0/16", encap: "none", crossSubnet: false }],
          nodeSubnets: ["192.0.2.0/24"],
        },
      }),
    );
    await agent.bgp({
      upserts: [
        { prefix: "10.244.2.0/26", nexthops: ["192.0.2.1"] },
        { prefix: "10.244.7.0/26", nexthops: ["192.0.2.1"] },
        { prefix: "10.9.0.0/16", nexthops: ["192.0.2.1"] },
      ],
    });
    await agent.cmd({ cmd: "resync" });
    await agent.bgp({ withdrawals: ["10.9.0.0/16"] });
    await agent.cmd({ cmd: "resync" });
    const after = foreignOnly(await allRoutesJson(lab, "n1"));
    expect(after).toEqual(before);
    // Our own routes are there.
    const main = await ipRoutes(lab, "n1");
    expect(main).toContain("blackhole 10.244.1.0/26 proto bird");
    expect(main).toContain("10.244.2.0/26 via 192.0.2.1 dev eth0 proto bird");
  });

  it("does not overwrite a foreign route holding an identity it wants, and reports the conflict", async () => {
    // 10.244.7.0/26 proto zebra was there first: same kernel identity as our BGP route.
    const main = await ipRoutes(lab, "n1");
    expect(main).toContain("10.244.7.0/26 via 192.0.2.1 dev eth0 proto zebra");
    const status = await agent!.status();
    const failures = status.failures as { route: string; error: string }[];
    expect(
      failures.some((f) => f.route.startsWith("10.244.7.0/26") && f.error.includes("proto zebra")),
    ).toBe(true);
  });

  it("takes over unknown routes only on its own interfaces and protocols", async () => {
    // A stray proto bird route and a CNI-style route on a cali interface nobody wants.
    await lab.sh("n1", "ip route add 10.244.99.0/26 via 192.0.2.1 proto bird");
    await lab.sh("n1", "ip route add 10.244.1.77/32 dev caliown0000001 scope link");
    await lab.sh("n1", "ip route add 10.77.0.0/24 via 192.0.2.1 proto static");
    await agent!.cmd({ cmd: "resync" });
    const main = await ipRoutes(lab, "n1");
    expect(main.some((l) => l.startsWith("10.244.99.0/26"))).toBe(false);
    expect(main.some((l) => l.startsWith("10.244.1.77"))).toBe(false);
    expect(main).toContain("10.77.0.0/24 via 192.0.2.1 dev eth0 proto static");
  });
});
