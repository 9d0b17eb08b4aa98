// Every kind of route the agent programs, read back from a real kernel (`ip route` in the node's
// namespace) and compared with the lines the seed lab write-ups show for Calico v3.30 nodes:
//   001 (BGP mode, no overlay):  `172.16.109.64/26 via 192.168.0.12 dev ens160 proto bird`,
//        `blackhole 172.16.196.0/26 proto bird`, `172.16.196.1 dev cali1dadcdd5b31 scope link`
//   000 (IPIP/VXLAN CrossSubnet): `10.244.42.0/24 via 10.0.0.22 dev enp0s3 proto bird`,
//        `10.244.42.0/24 via 10.0.0.22 dev enp0s3 proto 80 onlink`,
//        `10.244.73.0/24 via 10.244.73.0 dev vxlan.calico onlink`,
//        `10.244.204.0/24 via 10.0.0.21 dev tunl0 proto bird onlink` (needs the ipip module)
//   003 (IPIP):                  `blackhole 10.244.208.0/26 proto bird`,
//        `10.244.208.1 dev cali573926084b2 scope link`
// The interface names are the seeds' own, so the lines compare literally.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lab, skipReason, waitFor } from "../../harness/index.js";
import { AgentProcess, addPod, emptyPlan, ipRoutes } from "./agent-driver.js";

const skip = skipReason("vxlan");

describe.skipIf(skip)(
  `dataplane routes in a real kernel${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let lab: Lab;
    let agent: AgentProcess | null = null;

    beforeAll(async () => {
      lab = await Lab.create();
      // Seed 001's master: ens160 192.168.0.11/24, a neighbour node at .12, two pods.
      await lab.addNode("n1");
      await lab.addNode("peer");
      await lab.link("n1", "ens160", "peer", "ens160", {
        addrA: ["192.168.0.11/24", "2001:db8::11/64"],
        addrB: ["192.168.0.12/24", "2001:db8::12/64"],
      });
      await lab.route("peer", { to: "192.168.0.13/32", dev: "ens160" });
      await addPod(lab, "n1", "pa", "cali1dadcdd5b31", "172.16.196.1", { ipv6: "fd00:196::1" });
      await addPod(lab, "n1", "pb", "cali42cd276b2be", "172.16.196.2");
    });
    afterAll(async () => {
      await agent?.stop(true).catch(() => {});
      await lab?.cleanup();
    });

    it("installs blackhole, workload and BGP routes exactly as seed 001 shows them", async () => {
      const pa = (await lab.exec("pa", "cat", ["/sys/class/net/eth0/address"])).stdout.trim();
      agent = await AgentProcess.start(
        lab,
        "n1",
        emptyPlan("k8s-master-1", {
          blackholes: [
            { prefix: "172.16.196.0/26", owner: "bird" },
            { prefix: "fd00:196::/122", owner: "bird" },
          ],
          workloads: [
            {
              name: "cali1dadcdd5b31",
              addresses: ["172.16.196.1/32", "fd00:196::1/128"],
              mac: pa,
              endpoint: "default/nginx-1",
            },
            {
              name: "cali42cd276b2be",
              addresses: ["172.16.196.2/32"],
              mac: null,
              endpoint: "default/nginx-2",
            },
          ],
          kernelPolicy: {
            rejectCidrs: ["10.96.0.0/12"],
            pools: [
              { cidr: "172.16.0.0/16", encap: "none", crossSubnet: false },
              { cidr: "fd00::/48", encap: "none", crossSubnet: false },
            ],
            nodeSubnets: ["192.168.0.0/24"],
          },
          sysctls: { ipv4Forwarding: true, ipv6Forwarding: true },
        }),
      );
      await agent.bgp({
        upserts: [
          { prefix: "172.16.109.64/26", nexthops: ["192.168.0.12"] },
          { prefix: "fd00:109::/122", nexthops: ["2001:db8::12"] },
          { prefix: "10.96.0.0/12", nexthops: ["192.168.0.12"] },
        ],
      });
      const v4 = await ipRoutes(lab, "n1", 4);
      expect(v4).toContain("172.16.109.64/26 via 192.168.0.12 dev ens160 proto bird");
      expect(v4).toContain("blackhole 172.16.196.0/26 proto bird");
      expect(v4).toContain("172.16.196.1 dev cali1dadcdd5b31 scope link");
      expect(v4).toContain("172.16.196.2 dev cali42cd276b2be scope link");
      // Service CIDRs are advertised by Calico but never installed (rejectcidrs).
      expect(v4.some((l) => l.startsWith("10.96.0.0/12"))).toBe(false);
      const v6 = await ipRoutes(lab, "n1", 6);
      expect(v6).toContain(
        "fd00:109::/122 via 2001:db8::12 dev ens160 proto bird metric 1024 pref medium",
      );
      expect(v6).toContain("blackhole fd00:196::/122 dev lo proto bird metric 1024 pref medium");
      // `ip route` omits `proto boot`, as for IPv4 workloads.
      expect(v6).toContain("fd00:196::1 dev cali1dadcdd5b31 metric 1024 pref medium");
      // The permanent ARP entry for a workload whose MAC is known, and none without a MAC.
      const neigh = (await lab.exec("n1", "ip", ["neigh", "show", "nud", "permanent"])).stdout;
      expect(neigh).toContain(`172.16.196.1 dev cali1dadcdd5b31 lladdr ${pa} PERMANENT`);
      expect(neigh).not.toContain("172.16.196.2");
    });

    it("writes the host-side sysctls of workload interfaces and global forwarding", async () => {
      const read = async (key: string) =>
        (await lab.exec("n1", "cat", [`/proc/sys/${key}`])).stdout.trim();
      const rp = await read("net/ipv4/conf/default/rp_filter");
      for (const cali of ["cali1dadcdd5b31", "cali42cd276b2be"]) {
        expect(await read(`net/ipv4/conf/${cali}/proxy_arp`)).toBe("1");
        expect(await read(`net/ipv4/neigh/${cali}/proxy_delay`)).toBe("0");
        expect(await read(`net/ipv4/conf/${cali}/forwarding`)).toBe("1");
        expect(await read(`net/ipv4/conf/${cali}/route_localnet`)).toBe("1");
        expect(await read(`net/ipv4/conf/${cali}/rp_filter`)).toBe(rp);
        expect(await read(`net/ipv6/conf/${cali}/accept_ra`)).toBe("0");
      }
      expect(await read("net/ipv6/conf/cali1dadcdd5b31/proxy_ndp")).toBe("1");
      expect(await read("net/ipv4/ip_forward")).toBe("1");
      expect(await read("net/ipv6/conf/all/forwarding")).toBe("1");
    });

    it("uses the kernel's protocol numbers: bird=12, Felix=80, boot=3", async () => {
      const plan = emptyPlan("k8s-master-1", {
        blackholes: [
          { prefix: "172.16.196.0/26", owner: "bird" },
          { prefix: "172.16.197.0/26", owner: "felix" },
        ],
      });
      await agent!.plan(plan);
      const j = JSON.parse(
        (await lab.exec("n1", "ip", ["-j", "route", "show", "table", "main"])).stdout,
      ) as {
        dst: string;
        protocol: string;
        type?: string;
      }[];
      const byDst = new Map(j.map((r) => [r.dst, r]));
      expect(byDst.get("172.16.196.0/26")?.protocol).toBe("bird");
      expect(byDst.get("172.16.197.0/26")?.protocol).toBe("80");
      expect(byDst.get("172.16.197.0/26")?.type).toBe("blackhole");
      // Workloads were dropped from the plan (grace period 0 here): their routes are gone.
      expect(byDst.has("172.16.196.1")).toBe(false);
    });

    it("replaces a route whose next hop changes and removes withdrawn routes", async () => {
      await agent!.bgp({ upserts: [{ prefix: "172.16.109.64/26", nexthops: ["192.168.0.13"] }] });
      expect(await ipRoutes(lab, "n1")).toContain(
        "172.16.109.64/26 via 192.168.0.13 dev ens160 proto bird",
      );
      await agent!.bgp({ withdrawals: ["172.16.109.64/26", "fd00:109::/122"] });
      const v4 = await ipRoutes(lab, "n1");
      expect(v4.some((l) => l.startsWith("172.16.109.64/26"))).toBe(false);
      expect((await ipRoutes(lab, "n1", 6)).some((l) => l.startsWith("fd00:109::/122"))).toBe(
        false,
      );
    });

    it("installs an ECMP set as one multipath route", async () => {
      await agent!.bgp({
        upserts: [{ prefix: "172.16.110.0/26", nexthops: ["192.168.0.12", "192.168.0.13"] }],
      });
      expect(await ipRoutes(lab, "n1")).toContain(
        "172.16.110.0/26 proto bird nexthop via 192.168.0.12 dev ens160 weight 1 nexthop via 192.168.0.13 dev ens160 weight 1",
      );
      await agent!.bgp({
        upserts: [{ prefix: "fd00:110::/122", nexthops: ["2001:db8::12", "2001:db8::13"] }],
      });
      const v6 = (await ipRoutes(lab, "n1", 6)).find((l) => l.startsWith("fd00:110::/122"));
      expect(v6).toBe(
        "fd00:110::/122 proto bird metric 1024 pref medium nexthop via 2001:db8::12 dev ens160 weight 1 nexthop via 2001:db8::13 dev ens160 weight 1",
      );
    });

    it("leaves a BGP route for the node's own subnet to the connected route, without a warning", async () => {
      // A leaf advertises the node's own subnet back (seen in every lab): BIRD never tries to
      // install it (its direct protocol's route beats BGP), and neither does wren.
      const before = (await agent!.status()).counters as { routeErrors: number };
      await agent!.bgp({ upserts: [{ prefix: "192.168.0.0/24", nexthops: ["192.168.0.12"] }] });
      const v4 = await ipRoutes(lab, "n1");
      expect(v4.filter((l) => l.startsWith("192.168.0.0/24 "))).toEqual([
        "192.168.0.0/24 dev ens160 proto kernel scope link src 192.168.0.11",
      ]);
      const status = await agent!.status();
      const bgp = status.bgp as {
        shadowed: number;
        notInstalled: { prefix: string; reason: string }[];
      };
      expect(bgp.shadowed).toBe(1);
      expect(bgp.notInstalled).toContainEqual({
        prefix: "192.168.0.0/24",
        reason: "shadowed by connected route",
      });
      const failures = status.failures as { route: string }[];
      expect(failures.some((f) => f.route.startsWith("192.168.0.0/24"))).toBe(false);
      expect((status.counters as { routeErrors: number }).routeErrors).toBe(before.routeErrors);
      // Logged at debug only: no warning names the prefix.
      const warnings = agent!.stderr
        .join("")
        .split("\n")
        .filter((l) => l.includes("192.168.0.0/24") && /"level":(40|50)/.test(l));
      expect(warnings).toEqual([]);
      // Once the connected route goes (the address is removed), the BGP route goes in.
      await lab.exec("n1", "ip", ["addr", "del", "192.168.0.11/24", "dev", "ens160"]);
      await lab.exec("n1", "ip", ["addr", "add", "192.168.0.11/32", "dev", "ens160"]);
      await lab.exec("n1", "ip", ["route", "add", "192.168.0.12/32", "dev", "ens160"]);
      await waitFor("the BGP route installed once nothing shadows it", async () =>
        (await ipRoutes(lab, "n1")).includes(
          "192.168.0.0/24 via 192.168.0.12 dev ens160 proto bird",
        ),
      );
      expect(((await agent!.status()).bgp as { shadowed: number }).shadowed).toBe(0);
      await agent!.bgp({ withdrawals: ["192.168.0.0/24"] });
      await lab.exec("n1", "ip", ["route", "del", "192.168.0.12/32", "dev", "ens160"]);
      await lab.exec("n1", "ip", ["addr", "del", "192.168.0.11/32", "dev", "ens160"]);
      await lab.exec("n1", "ip", ["addr", "add", "192.168.0.11/24", "dev", "ens160"]);
    });

    it("resolves next hops recursively and re-resolves when the underlying route changes", async () => {
      await lab.exec("n1", "ip", ["route", "add", "10.20.0.0/16", "via", "192.168.0.12"]);
      await agent!.bgp({ upserts: [{ prefix: "172.16.120.0/26", nexthops: ["10.20.1.1"] }] });
      expect(await ipRoutes(lab, "n1")).toContain(
        "172.16.120.0/26 via 192.168.0.12 dev ens160 proto bird",
      );
      await lab.exec("n1", "ip", ["route", "replace", "10.20.0.0/16", "via", "192.168.0.13"]);
      await waitFor("re-resolved route", async () =>
        (await ipRoutes(lab, "n1")).includes(
          "172.16.120.0/26 via 192.168.0.13 dev ens160 proto bird",
        ),
      );
      await lab.exec("n1", "ip", ["route", "del", "10.20.0.0/16"]);
      await waitFor(
        "unreachable next hop withdrawn",
        async () => !(await ipRoutes(lab, "n1")).some((l) => l.startsWith("172.16.120.0/26")),
      );
    });
  },
);

describe.skipIf(skip)(
  `VXLAN and CrossSubnet routes of seed 000${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let lab: Lab;
    let agent: AgentProcess | null = null;

    beforeAll(async () => {
      lab = await Lab.create();
      await lab.addNode("w1");
      await lab.addNode("lan");
      await lab.link("w1", "enp0s3", "lan", "enp0s3", {
        addrA: "10.0.0.21/24",
        addrB: ["10.0.0.22/24", "10.0.0.254/24"],
      });
      await lab.route("w1", { to: "30.0.0.0/24", via: "10.0.0.254" });
    });
    afterAll(async () => {
      await agent?.stop(true).catch(() => {});
      await lab?.cleanup();
    });

    it("programs vxlan.calico, its peer route, neighbour and FDB entry, and the same-subnet route", async () => {
      agent = await AgentProcess.start(
        lab,
        "w1",
        emptyPlan("worker1", {
          vxlan: [
            {
              family: "ipv4",
              name: "vxlan.calico",
              vni: 4096,
              port: 4789,
              address: "10.244.204.0",
              localAddress: "10.0.0.21",
              mac: "66:4a:0f:9b:1c:2d",
              mtu: null,
            },
          ],
          vxlanPeers: [
            {
              node: "worker3",
              family: "ipv4",
              nodeAddress: "30.0.0.23",
              tunnelAddress: "10.244.73.0",
              mac: "66:0a:4a:c5:63:05",
              blocks: ["10.244.73.0/24"],
            },
          ],
          staticRoutes: [{ prefix: "10.244.42.0/24", via: "10.0.0.22", owner: "felix" }],
          blackholes: [{ prefix: "10.244.204.0/24", owner: "felix" }],
          kernelPolicy: {
            rejectCidrs: [],
            pools: [{ cidr: "10.244.0.0/16", encap: "vxlan", crossSubnet: true }],
            nodeSubnets: ["10.0.0.0/24"],
          },
        }),
      );
      // VXLAN pool routes learned over BGP are Felix's business, never BIRD's.
      await agent.bgp({ upserts: [{ prefix: "10.244.42.0/24", nexthops: ["10.0.0.22"] }] });
      const routes = await ipRoutes(lab, "w1");
      expect(routes).toContain("10.244.42.0/24 via 10.0.0.22 dev enp0s3 proto 80 onlink");
      expect(routes).toContain("10.244.73.0/24 via 10.244.73.0 dev vxlan.calico onlink");
      expect(routes).toContain("blackhole 10.244.204.0/24 proto 80");
      const link = (await lab.exec("w1", "ip", ["-d", "link", "show", "vxlan.calico"])).stdout;
      expect(link).toContain("mtu 1450");
      expect(link).toContain("link/ether 66:4a:0f:9b:1c:2d");
      expect(link).toMatch(/vxlan id 4096 local 10\.0\.0\.21 dev enp0s3 .*dstport 4789 nolearning/);
      const addr = (await lab.exec("w1", "ip", ["-4", "addr", "show", "dev", "vxlan.calico"]))
        .stdout;
      expect(addr).toContain("inet 10.244.204.0/32 scope global vxlan.calico");
      const neigh = (await lab.exec("w1", "ip", ["neigh", "show", "dev", "vxlan.calico"])).stdout;
      expect(neigh).toContain("10.244.73.0 lladdr 66:0a:4a:c5:63:05 PERMANENT");
      const fdb = (await lab.exec("w1", "bridge", ["fdb", "show", "dev", "vxlan.calico"])).stdout;
      expect(fdb).toContain("66:0a:4a:c5:63:05 dst 30.0.0.23 self permanent");
    });

    it("installs IPIP CrossSubnet routes to same-subnet nodes without the tunnel", async () => {
      await agent!.plan(
        emptyPlan("worker1", {
          kernelPolicy: {
            rejectCidrs: [],
            pools: [{ cidr: "10.244.0.0/16", encap: "ipip", crossSubnet: true }],
            nodeSubnets: ["10.0.0.0/24"],
          },
        }),
      );
      await agent!.bgp({
        upserts: [
          { prefix: "10.244.42.0/24", nexthops: ["10.0.0.22"] },
          { prefix: "10.244.65.0/24", nexthops: ["30.0.0.23"] },
        ],
      });
      const routes = await ipRoutes(lab, "w1");
      expect(routes).toContain("10.244.42.0/24 via 10.0.0.22 dev enp0s3 proto bird");
      // The VXLAN device went with the pool.
      const links = (await lab.exec("w1", "ip", ["link", "show"])).stdout;
      expect(links).not.toContain("vxlan.calico");
      // Cross-subnet next hop needs tunl0; without it nothing is installed (and it says why).
      expect(routes.some((l) => l.startsWith("10.244.65.0/24"))).toBe(false);
      const bgp = (await agent!.status()).bgp as {
        notInstalled: { prefix: string; reason: string }[];
      };
      expect(bgp.notInstalled).toContainEqual({
        prefix: "10.244.65.0/24",
        reason: "30.0.0.23: tunl0 is missing or down",
      });
    });
  },
);

describe.skipIf(skip)(`IPv6 VXLAN (vxlan-v6.calico)${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let lab: Lab;
  let agent: AgentProcess | null = null;
  beforeAll(async () => {
    lab = await Lab.create();
    await lab.addNode("v6");
    await lab.addNode("lan");
    await lab.link("v6", "eth0", "lan", "eth0", {
      addrA: "2001:db8::2/64",
      addrB: "2001:db8::3/64",
    });
  });
  afterAll(async () => {
    await agent?.stop(true).catch(() => {});
    await lab?.cleanup();
  });

  it("creates vxlan-v6.calico (MTU host−70, /128 address) with its peer route, NDP and FDB entries", async () => {
    agent = await AgentProcess.start(
      lab,
      "v6",
      emptyPlan("node1", {
        vxlan: [
          {
            family: "ipv6",
            name: "vxlan-v6.calico",
            vni: 4096,
            port: 4789,
            address: "fd00:1::",
            localAddress: "2001:db8::2",
            mac: "66:0a:4a:c5:63:15",
            mtu: null,
          },
        ],
        vxlanPeers: [
          {
            node: "node2",
            family: "ipv6",
            nodeAddress: "2001:db8::3",
            tunnelAddress: "fd00:2::",
            mac: "66:0a:4a:c5:63:16",
            blocks: ["fd00:2::/122"],
          },
        ],
        blackholes: [{ prefix: "fd00:1::/122", owner: "felix" }],
        sysctls: { ipv4Forwarding: true, ipv6Forwarding: true },
      }),
    );
    const v6 = await ipRoutes(lab, "v6", 6);
    expect(v6).toContain(
      "fd00:2::/122 via fd00:2:: dev vxlan-v6.calico metric 1024 onlink pref medium",
    );
    expect(v6).toContain("blackhole fd00:1::/122 dev lo proto 80 metric 1024 pref medium");
    const link = (await lab.exec("v6", "ip", ["-d", "link", "show", "vxlan-v6.calico"])).stdout;
    expect(link).toContain("mtu 1430");
    expect(link).toMatch(/vxlan id 4096 local 2001:db8::2 dev eth0 .*dstport 4789 nolearning/);
    const addr = (await lab.exec("v6", "ip", ["-6", "addr", "show", "dev", "vxlan-v6.calico"]))
      .stdout;
    expect(addr).toContain("inet6 fd00:1::/128 scope global");
    const neigh = (await lab.exec("v6", "ip", ["-6", "neigh", "show", "dev", "vxlan-v6.calico"]))
      .stdout;
    expect(neigh).toContain("fd00:2:: lladdr 66:0a:4a:c5:63:16 PERMANENT");
    const fdb = (await lab.exec("v6", "bridge", ["fdb", "show", "dev", "vxlan-v6.calico"])).stdout;
    expect(fdb).toContain("66:0a:4a:c5:63:16 dst 2001:db8::3 self permanent");
  });
});

const ipipSkip = skipReason("ipip");
describe.skipIf(ipipSkip)(
  `IPIP routes via tunl0 (seed 000/003)${ipipSkip ? ` (skipped: ${ipipSkip}; tunl0 creation is covered by test/unit/dataplane/netlink-codec.test.ts)` : ""}`,
  () => {
    let lab: Lab;
    let agent: AgentProcess | null = null;
    beforeAll(async () => {
      lab = await Lab.create();
      await lab.addNode("m1");
      await lab.addNode("lan");
      await lab.link("m1", "enp0s3", "lan", "enp0s3", {
        addrA: "10.0.0.11/24",
        addrB: "10.0.0.21/24",
      });
    });
    afterAll(async () => {
      await agent?.stop(true).catch(() => {});
      await lab?.cleanup();
    });

    it("creates tunl0 and installs `via <node> dev tunl0 proto bird onlink`", async () => {
      agent = await AgentProcess.start(
        lab,
        "m1",
        emptyPlan("master1", {
          ipip: { address: "10.244.65.0", mtu: null },
          blackholes: [{ prefix: "10.244.65.0/24", owner: "bird" }],
          kernelPolicy: {
            rejectCidrs: [],
            pools: [{ cidr: "10.244.0.0/16", encap: "ipip", crossSubnet: false }],
            nodeSubnets: ["10.0.0.0/24"],
          },
        }),
      );
      await agent.bgp({ upserts: [{ prefix: "10.244.204.0/24", nexthops: ["10.0.0.21"] }] });
      expect(await ipRoutes(lab, "m1")).toContain(
        "10.244.204.0/24 via 10.0.0.21 dev tunl0 proto bird onlink",
      );
      const tunl = (await lab.exec("m1", "ip", ["-d", "addr", "show", "tunl0"])).stdout;
      expect(tunl).toContain("mtu 1480");
      expect(tunl).toContain("inet 10.244.65.0/32");
    });
  },
);
