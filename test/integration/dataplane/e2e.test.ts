// End to end in namespaces: three "nodes" — n1 and n2 on one L2 segment, n3 behind a router —
// each with two "pods" (namespaces wired Calico-style: /32 address, cali veth, default route via
// 169.254.1.1 answered by proxy ARP). Every node-side route, device and setting comes from the
// agent running on that node; the test only plays the BGP speaker (it hands each agent the other
// nodes' blocks) and the network (the router's routes to the blocks stand for a ToR that learnt
// them over BGP). Pods must reach each other in no-encap mode, then in VXLAN mode where the router
// no longer knows any pod route.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DesiredDataplane } from "../../../src/common/contracts/dataplane.js";
import { Lab, skipReason } from "../../harness/index.js";
import { AgentProcess, addPod, emptyPlan, ipRoutes } from "./agent-driver.js";

const skip = skipReason("vxlan", "ping");

interface Node {
  readonly name: string;
  readonly ip: string;
  readonly subnet: string;
  readonly block: string;
  readonly tunnel: string;
  readonly mac: string;
  readonly pods: { name: string; ip: string; cali: string; mac: string }[];
}

/** Calico's host-side veth name: "cali" + 11 hex digits of sha1("<namespace>.<pod>"). */
function caliName(pod: string): string {
  return `cali${createHash("sha1").update(`default.${pod}`).digest("hex").slice(0, 11)}`;
}

/** Calico's derived VTEP MAC: 0x66 then the first 5 bytes of sha1(nodename). */
function vtepMac(node: string): string {
  const h = createHash("sha1").update(node).digest();
  return [0x66, ...h.subarray(0, 5)].map((b) => b.toString(16).padStart(2, "0")).join(":");
}

describe.skipIf(skip)(
  `pods across nodes, agent-programmed${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let lab: Lab;
    const agents = new Map<string, AgentProcess>();
    const nodes: Node[] = [
      { name: "n1", ip: "10.0.0.1", subnet: "10.0.0.0/24", block: "10.244.1.0/26" },
      { name: "n2", ip: "10.0.0.2", subnet: "10.0.0.0/24", block: "10.244.2.0/26" },
      { name: "n3", ip: "10.0.1.3", subnet: "10.0.1.0/24", block: "10.244.3.0/26" },
    ].map((n, i) => ({
      ...n,
      tunnel: `10.244.${i + 1}.0`,
      mac: vtepMac(n.name),
      pods: ["a", "b"].map((p, j) => ({
        name: `${n.name}${p}`,
        ip: `10.244.${i + 1}.${j + 1}`,
        cali: caliName(`${n.name}-pod-${p}`),
        mac: "",
      })),
    }));

    function basePlan(n: Node, extra: Partial<DesiredDataplane>): DesiredDataplane {
      return emptyPlan(n.name, {
        workloads: n.pods.map((p) => ({
          name: p.cali,
          addresses: [`${p.ip}/32`],
          mac: p.mac,
          endpoint: `default/${p.name}`,
        })),
        ...extra,
      });
    }

    async function pingAll(): Promise<string[]> {
      const failures: string[] = [];
      for (const src of nodes.flatMap((n) => n.pods)) {
        for (const dst of nodes.flatMap((n) => n.pods)) {
          if (src === dst) continue;
          const r = await lab.exec(src.name, "ping", ["-c", "1", "-W", "2", dst.ip], {
            allowFailure: true,
          });
          if (r.code !== 0) failures.push(`${src.name} → ${dst.name} (${dst.ip})`);
        }
      }
      return failures;
    }

    beforeAll(async () => {
      lab = await Lab.create();
      await lab.addSwitch("sw");
      await lab.addNode("rtr");
      for (const n of nodes) await lab.addNode(n.name);
      await lab.attach("sw", "n1", "eth0", "10.0.0.1/24");
      await lab.attach("sw", "n2", "eth0", "10.0.0.2/24");
      await lab.attach("sw", "rtr", "eth0", "10.0.0.254/24");
      await lab.link("rtr", "eth1", "n3", "eth0", { addrA: "10.0.1.254/24", addrB: "10.0.1.3/24" });
      await lab.route("n1", { to: "default", via: "10.0.0.254" });
      await lab.route("n2", { to: "default", via: "10.0.0.254" });
      await lab.route("n3", { to: "default", via: "10.0.1.254" });
      for (const n of nodes) {
        for (const p of n.pods) p.mac = (await addPod(lab, n.name, p.name, p.cali, p.ip)).mac;
      }
    });
    afterAll(async () => {
      for (const a of agents.values()) await a.stop(true).catch(() => {});
      await lab?.cleanup();
    });

    it("no-encap: BGP routes via the node IPs (recursive through the router for n3)", async () => {
      for (const n of nodes) {
        const plan = basePlan(n, {
          blackholes: [{ prefix: n.block, owner: "bird" }],
          kernelPolicy: {
            rejectCidrs: [],
            pools: [{ cidr: "10.244.0.0/16", encap: "none", crossSubnet: false }],
            nodeSubnets: [n.subnet],
          },
        });
        const agent = await AgentProcess.start(lab, n.name, plan);
        agents.set(n.name, agent);
        await agent.bgp({
          upserts: nodes.filter((o) => o !== n).map((o) => ({ prefix: o.block, nexthops: [o.ip] })),
        });
      }
      // The router stands for a ToR that learnt the blocks over BGP.
      for (const n of nodes) await lab.route("rtr", { to: n.block, via: n.ip });
      expect(await ipRoutes(lab, "n1")).toContain("10.244.2.0/26 via 10.0.0.2 dev eth0 proto bird");
      expect(await ipRoutes(lab, "n1")).toContain(
        "10.244.3.0/26 via 10.0.0.254 dev eth0 proto bird",
      );
      expect(await ipRoutes(lab, "n3")).toContain(
        "10.244.1.0/26 via 10.0.1.254 dev eth0 proto bird",
      );
      expect(await pingAll()).toEqual([]);
    });

    it("VXLAN: routes via vxlan.calico to each node's VTEP, router without pod routes", async () => {
      for (const n of nodes) await lab.sh("rtr", `ip route del ${n.block}`);
      for (const n of nodes) {
        const others = nodes.filter((o) => o !== n);
        const plan = basePlan(n, {
          blackholes: [{ prefix: n.block, owner: "felix" }],
          vxlan: [
            {
              family: "ipv4",
              name: "vxlan.calico",
              vni: 4096,
              port: 4789,
              address: n.tunnel,
              localAddress: n.ip,
              mac: n.mac,
              mtu: null,
            },
          ],
          vxlanPeers: others.map((o) => ({
            node: o.name,
            family: "ipv4" as const,
            nodeAddress: o.ip,
            tunnelAddress: o.tunnel,
            mac: o.mac,
            blocks: [o.block],
          })),
          kernelPolicy: {
            rejectCidrs: [],
            pools: [{ cidr: "10.244.0.0/16", encap: "vxlan", crossSubnet: false }],
            nodeSubnets: [n.subnet],
          },
        });
        await agents.get(n.name)!.plan(plan);
      }
      const n1 = await ipRoutes(lab, "n1");
      expect(n1).toContain("10.244.3.0/26 via 10.244.3.0 dev vxlan.calico onlink");
      expect(n1).toContain("blackhole 10.244.1.0/26 proto 80");
      // The BGP routes of the no-encap phase are in a VXLAN pool now: not BIRD's to install.
      expect(n1.some((l) => l.includes("proto bird"))).toBe(false);
      expect((await ipRoutes(lab, "rtr")).some((l) => l.startsWith("10.244."))).toBe(false);
      expect(await pingAll()).toEqual([]);
    });
  },
);
