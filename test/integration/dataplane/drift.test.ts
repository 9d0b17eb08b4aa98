// Drift repair from netlink notifications: the plans here set a one-hour resync interval, so
// every repair below comes from the agent's subscription to route/link/address/neighbour events,
// not from a periodic full resync. Deadlines are generous (they only bound a broken test).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DesiredDataplane } from "../../../src/common/contracts/dataplane.js";
import { Lab, skipReason, waitFor, waitUntil } from "../../harness/index.js";
import { AgentProcess, addPod, emptyPlan, ipRoutes } from "./agent-driver.js";

const skip = skipReason("vxlan");
const WAIT = { timeoutMs: 10_000, intervalMs: 50 };

describe.skipIf(skip)(`drift repair${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let lab: Lab;
  let agent: AgentProcess;
  let plan: DesiredDataplane;

  const has = async (line: string) => (await ipRoutes(lab, "n1")).includes(line);
  const link = async (name: string) =>
    (await lab.exec("n1", "ip", ["-d", "link", "show", name], { allowFailure: true })).stdout;

  beforeAll(async () => {
    lab = await Lab.create();
    await lab.addNode("n1");
    await lab.addNode("gw");
    await lab.link("n1", "eth0", "gw", "eth0", { addrA: "192.0.2.2/24", addrB: "192.0.2.1/24" });
    const { mac } = await addPod(lab, "n1", "p1", "calidrift00001", "10.244.1.5");
    plan = emptyPlan("n1", {
      blackholes: [{ prefix: "10.244.1.0/26", owner: "bird" }],
      workloads: [{ name: "calidrift00001", addresses: ["10.244.1.5/32"], mac, endpoint: "ns/p1" }],
      vxlan: [
        {
          family: "ipv4",
          name: "vxlan.calico",
          vni: 4096,
          port: 4789,
          address: "10.245.1.0",
          localAddress: "192.0.2.2",
          mac: "66:11:22:33:44:55",
          mtu: null,
        },
      ],
      vxlanPeers: [
        {
          node: "n2",
          family: "ipv4",
          nodeAddress: "192.0.2.3",
          tunnelAddress: "10.245.2.0",
          mac: "66:11:22:33:44:66",
          blocks: ["10.245.2.0/26"],
        },
      ],
      kernelPolicy: {
        rejectCidrs: [],
        pools: [
          { cidr: "10.244.0.0/16", encap: "none", crossSubnet: false },
          { cidr: "10.245.0.0/16", encap: "vxlan", crossSubnet: false },
        ],
        nodeSubnets: ["192.0.2.0/24"],
      },
    });
    agent = await AgentProcess.start(lab, "n1", plan);
    await agent.bgp({ upserts: [{ prefix: "10.244.2.0/26", nexthops: ["192.0.2.1"] }] });
  });
  afterAll(async () => {
    await agent?.stop(true).catch(() => {});
    await lab?.cleanup();
  });

  it("puts back routes deleted by hand", async () => {
    for (const [del, line] of [
      ["ip route del 10.244.2.0/26", "10.244.2.0/26 via 192.0.2.1 dev eth0 proto bird"],
      ["ip route del blackhole 10.244.1.0/26", "blackhole 10.244.1.0/26 proto bird"],
      ["ip route del 10.244.1.5/32", "10.244.1.5 dev calidrift00001 scope link"],
      ["ip route del 10.245.2.0/26", "10.245.2.0/26 via 10.245.2.0 dev vxlan.calico onlink"],
    ]) {
      expect(await has(line)).toBe(true);
      await lab.sh("n1", del);
      await waitFor(`"${line}" restored after \`${del}\``, () => has(line), WAIT);
    }
  });

  it("corrects a route changed by hand", async () => {
    await lab.sh("n1", "ip route replace 10.244.2.0/26 via 192.0.2.9 proto bird");
    await waitFor(
      "BGP route back to its next hop",
      () => has("10.244.2.0/26 via 192.0.2.1 dev eth0 proto bird"),
      WAIT,
    );
  });

  it("withdraws a workload route while its interface is down and restores it when it is up", async () => {
    // Carrier down (the pod end goes down): the kernel keeps the route, the agent removes it.
    await lab.exec("p1", "ip", ["link", "set", "eth0", "down"]);
    await waitFor(
      "workload route withdrawn",
      async () => !(await ipRoutes(lab, "n1")).some((l) => l.startsWith("10.244.1.5 ")),
      WAIT,
    );
    const neigh = (await lab.exec("n1", "ip", ["neigh", "show", "dev", "calidrift00001"])).stdout;
    expect(neigh).not.toContain("PERMANENT");
    await lab.exec("p1", "ip", ["link", "set", "eth0", "up"]);
    await waitFor(
      "workload route restored",
      () => has("10.244.1.5 dev calidrift00001 scope link"),
      WAIT,
    );
    // Admin down on the host side: the kernel flushes the route; it comes back with the link.
    await lab.exec("n1", "ip", ["link", "set", "calidrift00001", "down"]);
    await lab.exec("n1", "ip", ["link", "set", "calidrift00001", "up"]);
    await waitFor(
      "workload route after admin down/up",
      () => has("10.244.1.5 dev calidrift00001 scope link"),
      WAIT,
    );
    await waitFor(
      "permanent ARP entry back",
      async () =>
        (await lab.exec("n1", "ip", ["neigh", "show", "dev", "calidrift00001"])).stdout.includes(
          "PERMANENT",
        ),
      WAIT,
    );
  });

  it("corrects device attributes changed by hand", async () => {
    await lab.exec("n1", "ip", ["link", "set", "vxlan.calico", "mtu", "1300"]);
    await waitFor(
      "MTU 1450 again",
      async () => (await link("vxlan.calico")).includes("mtu 1450"),
      WAIT,
    );
    await lab.exec("n1", "ip", ["link", "set", "vxlan.calico", "address", "66:00:00:00:00:01"]);
    await waitFor(
      "MAC again",
      async () => (await link("vxlan.calico")).includes("66:11:22:33:44:55"),
      WAIT,
    );
    await lab.exec("n1", "ip", ["link", "set", "vxlan.calico", "down"]);
    await waitFor(
      "up again, with its route",
      () => has("10.245.2.0/26 via 10.245.2.0 dev vxlan.calico onlink"),
      WAIT,
    );
    await lab.exec("n1", "ip", ["addr", "flush", "dev", "vxlan.calico"]);
    await waitFor(
      "tunnel address again",
      async () =>
        (await lab.exec("n1", "ip", ["-4", "addr", "show", "vxlan.calico"])).stdout.includes(
          "10.245.1.0/32",
        ),
      WAIT,
    );
    await lab.sh("n1", "ip neigh del 10.245.2.0 dev vxlan.calico");
    await waitFor(
      "VTEP neighbour again",
      async () =>
        (await lab.exec("n1", "ip", ["neigh", "show", "dev", "vxlan.calico"])).stdout.includes(
          "PERMANENT",
        ),
      WAIT,
    );
  });

  it("recreates the VXLAN device when a fixed attribute (learning) is changed by hand", async () => {
    const index = async () =>
      (await lab.exec("n1", "cat", ["/sys/class/net/vxlan.calico/ifindex"])).stdout.trim();
    const before = await index();
    await lab.exec("n1", "ip", ["link", "set", "vxlan.calico", "type", "vxlan", "learning"]);
    const d = await waitUntil(
      "vxlan.calico recreated without learning",
      () => link("vxlan.calico"),
      (t) => t.includes("nolearning"),
      WAIT,
    );
    expect(d).toMatch(/vxlan id 4096 local 192\.0\.2\.2 dev eth0 .*dstport 4789 nolearning/);
    expect(await index()).not.toBe(before);
    await waitFor(
      "peer route back",
      () => has("10.245.2.0/26 via 10.245.2.0 dev vxlan.calico onlink"),
      WAIT,
    );
    await waitFor(
      "FDB entry back",
      async () =>
        (await lab.exec("n1", "bridge", ["fdb", "show", "dev", "vxlan.calico"])).stdout.includes(
          "66:11:22:33:44:66 dst 192.0.2.3 self permanent",
        ),
      WAIT,
    );
  });

  it("repairs routes deleted while a bulk change runs with route notifications paused", async () => {
    const count = 20_000;
    const upserts = Array.from({ length: count }, (_, i) => ({
      prefix: `10.${100 + (i >> 8)}.${i & 255}.0/24`,
      nexthops: ["192.0.2.1"],
    }));
    const done = agent.bgp({ upserts });
    // Delete the first routes as soon as they show up, most likely inside the bulk window.
    await waitFor(
      "first bulk routes in the kernel",
      () => has("10.100.0.0/24 via 192.0.2.1 dev eth0 proto bird"),
      {
        timeoutMs: 10_000,
        intervalMs: 5,
      },
    );
    await lab.sh("n1", "ip route del 10.100.0.0/24; ip route del 10.100.1.0/24");
    await done;
    const count24 = async () =>
      (await ipRoutes(lab, "n1")).filter((l) =>
        /^10\.1\d\d\.\d+\.0\/24 via 192\.0\.2\.1 dev eth0 proto bird$/.test(l),
      ).length;
    await waitFor("every bulk route present", async () => (await count24()) === count, WAIT);
    await agent.bgp({ withdrawals: upserts.map((u) => u.prefix) });
    expect(await count24()).toBe(0);
  });

  it("withdraws BGP routes while their next hop's interface is down and restores them when it is up", async () => {
    await lab.exec("n1", "ip", ["link", "set", "eth0", "down"]);
    // The kernel flushes the route with the interface; the agent must not re-add it anywhere.
    await waitFor(
      "BGP route gone with eth0",
      async () => !(await ipRoutes(lab, "n1")).some((l) => l.startsWith("10.244.2.0/26")),
      WAIT,
    );
    await waitFor(
      "the agent to report the route as not installed",
      async () => {
        const bgp = (await agent.status()).bgp as { notInstalled: { prefix: string }[] };
        return bgp.notInstalled.some((x) => x.prefix === "10.244.2.0/26");
      },
      WAIT,
    );
    await lab.exec("n1", "ip", ["link", "set", "eth0", "up"]);
    await waitFor(
      "BGP route back with eth0",
      () => has("10.244.2.0/26 via 192.0.2.1 dev eth0 proto bird"),
      WAIT,
    );
    await waitFor(
      "VXLAN peer route back",
      () => has("10.245.2.0/26 via 10.245.2.0 dev vxlan.calico onlink"),
      WAIT,
    );
  });

  it("removes the device, its routes and entries when the plan no longer has VXLAN", async () => {
    await agent.plan({ ...plan, vxlan: [], vxlanPeers: [] });
    expect(await link("vxlan.calico")).toBe("");
    expect((await ipRoutes(lab, "n1")).some((l) => l.includes("vxlan.calico"))).toBe(false);
  });
});
