// The real daemon in a namespace against FRR 8.4 leaves (issue 6): start and status JSON, the
// node's IPAM block claimed and advertised, a peer added by writing a YAML file without bouncing
// the others (checked on FRR's side), invalid YAML refused (old config kept; error in `wren show
// config` and /readyz), SIGHUP, session reset and reconnection, SIGTERM with graceful restart
// (FRR keeps wren's routes as stale, the kernel keeps wren's routes, the next start restarts),
// and --no-graceful (withdraw and clean).
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProtocolsJson } from "../../../src/daemon/views.js";
import { type FrrPeer, Lab, skipReason, startFrr, waitUntil } from "../../harness/index.js";
import { WrenProcess, wrenBuildMissing } from "./wren-process.js";

const skip = skipReason("frr") ?? wrenBuildMissing();

const NODE = "n1";
const WREN_IP = "10.0.0.11";
const TORS = [
  { name: "tor1", ip: "10.0.0.254", as: 65001, net: "192.168.1.0/24" },
  { name: "tor2", ip: "10.0.0.253", as: 65002, net: "192.168.2.0/24" },
  { name: "tor3", ip: "10.0.0.252", as: 65003, net: "192.168.3.0/24" },
] as const;

function frrConf(t: (typeof TORS)[number]): string {
  return `frr defaults datacenter
hostname ${t.name}
log file /dev/null
!
ip route ${t.net} blackhole
!
router bgp ${t.as}
 bgp router-id ${t.ip}
 no bgp ebgp-requires-policy
 bgp graceful-restart
 bgp graceful-restart restart-time 120
 bgp graceful-restart stalepath-time 120
 neighbor ${WREN_IP} remote-as 64512
 neighbor ${WREN_IP} timers connect 1
 address-family ipv4 unicast
  network ${t.net}
 exit-address-family
`;
}

const BASE_YAML = `apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata:
  name: default
spec:
  nodeToNodeMeshEnabled: false
  asNumber: 64512
---
apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: ${NODE}
spec:
  bgp:
    ipv4Address: ${WREN_IP}/24
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pods
spec:
  cidr: 10.244.0.0/16
  blockSize: 26
  ipipMode: Never
  vxlanMode: Never
`;

function peerYaml(t: (typeof TORS)[number]): string {
  return `apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: ${t.name}
spec:
  node: ${NODE}
  peerIP: ${t.ip}
  asNumber: ${t.as}
`;
}

interface FrrNeighbor {
  bgpState?: string;
  gracefulRestartInfo?: { rBit?: boolean; nBit?: boolean };
  connectionsEstablished?: number;
  connectionsDropped?: number;
}

async function frrNeighbor(frr: FrrPeer): Promise<FrrNeighbor> {
  const j = await frr.json<Record<string, FrrNeighbor>>(`show bgp neighbors ${WREN_IP} json`);
  return j[WREN_IP] ?? {};
}

function hasAllRoutes(routes: readonly string[], block: string): boolean {
  return (
    routes.includes(`blackhole ${block} proto bird`) &&
    TORS.every((t) => routes.some((r) => r.startsWith(`${t.net} via ${t.ip} dev eth0 proto bird`)))
  );
}

function bgpKernelRoutes(routes: readonly string[]): string[] {
  return routes.filter((r) => r.includes("proto bird")).sort();
}

async function kernelRoutes(lab: Lab, node: string): Promise<string[]> {
  const r = await lab.exec(node, "ip", ["-4", "route", "show"]);
  return r.stdout
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

describe.skipIf(skip)(`wren run against FRR leaves${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let lab: Lab;
  let ds: string;
  const frrs: FrrPeer[] = [];
  let wren: WrenProcess;

  beforeAll(async () => {
    lab = await Lab.create();
    await lab.addSwitch("sw");
    await lab.addNode(NODE);
    await lab.attach("sw", NODE, "eth0", `${WREN_IP}/24`);
    for (const t of TORS) {
      await lab.addNode(t.name);
      await lab.attach("sw", t.name, "eth0", `${t.ip}/24`);
    }
    ds = lab.dir(NODE, "ds");
    writeFileSync(join(ds, "base.yaml"), BASE_YAML);
    writeFileSync(join(ds, "tor1.yaml"), peerYaml(TORS[0]));
    writeFileSync(join(ds, "tor2.yaml"), peerYaml(TORS[1]));
    for (const t of TORS) frrs.push(await startFrr(lab, t.name, frrConf(t)));
    wren = await WrenProcess.start(lab, { labNode: NODE, node: NODE, datastore: ds });
  });

  afterAll(async () => {
    for (const f of frrs) await f.stop().catch(() => {});
    await lab?.cleanup();
  });

  it("starts, peers with both leaves and reports the documented status JSON", async () => {
    await frrs[0].waitEstablished(WREN_IP, 30_000);
    await frrs[1].waitEstablished(WREN_IP, 30_000);
    const status = await waitUntil(
      "wren to receive both leaves' prefixes",
      () => wren.status(),
      // FRR also sends wren's own block back (eBGP); wren's AS-path loop check rejects it.
      (s) =>
        s.peers.length === 2 &&
        s.peers.every((p) => p.bgpState === "Established" && p.prefixes.accepted === 1),
    );
    expect(Object.keys(status).sort()).toEqual(["asNumber", "config", "node", "peers", "routerId"]);
    expect(status).toMatchObject({
      node: NODE,
      routerId: WREN_IP,
      asNumber: 64512,
      config: { ok: true, error: null },
    });
    for (const p of status.peers) {
      expect(Object.keys(p).sort()).toEqual(
        [
          "address",
          "asNumber",
          "bgpState",
          "family",
          "info",
          "port",
          "prefixes",
          "since",
          "state",
          "type",
        ].sort(),
      );
      expect(p).toMatchObject({
        port: 179,
        type: "node specific",
        family: "ipv4",
        state: "up",
        info: "Established",
      });
      expect(Number.isNaN(Date.parse(p.since))).toBe(false);
    }
    expect(status.peers.map((p) => `${p.address} AS${p.asNumber}`).sort()).toEqual([
      "10.0.0.253 AS65002",
      "10.0.0.254 AS65001",
    ]);
    const text = await wren.cli(["status"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /\| 10\.0\.0\.254 +\| node specific \| up +\| \d\d:\d\d:\d\d \| Established +\|/,
    );
  });

  it("at --log-level debug, traces BGP messages with peer, direction, type and a summary", async () => {
    const events = wren.logEvents().filter((e) => e.component === "bgp");
    const open = events.find((e) => typeof e.msg === "string" && e.msg.startsWith("received OPEN"));
    expect(open).toMatchObject({ level: 20, dir: "in", type: "OPEN" });
    expect(String(open?.peer)).toMatch(/^Node_10_0_0_25[34]$/);
    expect(open?.msg).toMatch(/^received OPEN as 6500[12], hold \d+, id 10\.0\.0\.25[34], /);
    const update = events.find(
      (e) =>
        e.dir === "in" &&
        e.type === "UPDATE" &&
        typeof e.msg === "string" &&
        /^received UPDATE ipv4 1 NLRI, 0 withdrawn: origin igp, as-path 6500[12], next-hop 10\.0\.0\.25[34]/.test(
          e.msg,
        ),
    );
    expect(update).toMatchObject({ nlri: 1, withdrawn: 0 });
    expect(
      events.some((e) => e.dir === "out" && e.msg === "sent UPDATE End-of-RIB ipv4-unicast"),
    ).toBe(true);
  });

  it("claims an IPAM block, blackholes it in the kernel and advertises it to the leaves", async () => {
    const config = await wren.config();
    const block = config.plan?.blocks.find((b) => b.state === "claimed")?.cidr;
    expect(block).toMatch(/^10\.244\.\d+\.\d+\/26$/);
    await waitUntil(
      "FRR tor1 to learn wren's block",
      () => frrs[0].prefixes(),
      (ps) => ps.includes(block!),
    );
    const routes = await kernelRoutes(lab, NODE);
    expect(routes).toContain(`blackhole ${block} proto bird`);
    expect(
      routes.some((r) => r.startsWith(`${TORS[0].net} via ${TORS[0].ip} dev eth0 proto bird`)),
    ).toBe(true);
  });

  it("a WorkloadEndpoint written to the datastore gets its kernel route on its cali interface", async () => {
    await lab.exec(NODE, "ip", [
      "link",
      "add",
      "calitest00001",
      "type",
      "veth",
      "peer",
      "name",
      "podtest0",
    ]);
    await lab.linkUp(NODE, "podtest0");
    await lab.linkUp(NODE, "calitest00001");
    const block = (await wren.config()).plan!.blocks[0].cidr;
    const podIp = block.replace(/\.0\/26$/, ".5");
    writeFileSync(
      join(ds, "wep.yaml"),
      `apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata:
  name: n1-k8s-pod1-eth0
  namespace: default
spec:
  node: ${NODE}
  orchestrator: k8s
  pod: pod1
  endpoint: eth0
  interfaceName: calitest00001
  ipNetworks: [${podIp}/32]
`,
    );
    await waitUntil(
      "the workload route",
      () => kernelRoutes(lab, NODE),
      (rs) => rs.some((r) => r.startsWith(`${podIp} dev calitest00001`)),
    );
    expect((await wren.config()).plan?.dataplane.workloads.map((w) => w.name)).toEqual([
      "calitest00001",
    ]);
  });

  it("show protocols, show routes and --why render the real speaker's views", async () => {
    const protocols = await wren.cli(["show", "protocols"]);
    expect(protocols.code).toBe(0);
    expect(protocols.stdout).toMatch(/^Name +Proto +Table +State +Since +Info$/m);
    expect(protocols.stdout).toMatch(
      /^Node_10_0_0_254 +BGP +master4 +up +\d\d:\d\d:\d\d +Established$/m,
    );
    const detail = await wren.cli(["show", "protocols", "10.0.0.254"]);
    expect(detail.stdout).toContain("Neighbor AS:          65001");
    expect(detail.stdout).toContain("Neighbor ID:          10.0.0.254");
    expect(detail.stdout).toMatch(/Routes: +2 received, 1 accepted, 1 advertised/);
    const routes = await wren.cli(["show", "routes"]);
    expect(routes.code).toBe(0);
    expect(routes.stdout).toMatch(
      /^\*> 192\.168\.1\.0\/24 +10\.0\.0\.254 +10\.0\.0\.254 .*65001 i$/m,
    );
    const why = await wren.cli(["show", "routes", "--why", "192.168.1.0/24"]);
    expect(why.stdout.split("\n")[0]).toBe(
      "192.168.1.0/24: 1 path, best via 10.0.0.254 from 10.0.0.254",
    );
    const json = JSON.parse(
      (await wren.cli(["show", "routes", "192.168.2.0/24", "--json"])).stdout,
    );
    expect(json.routes[0].prefix).toBe("192.168.2.0/24");
    expect(json.routes[0].paths[0]).toMatchObject({ best: true, nexthop: "10.0.0.253" });
  });

  it("serves /livez, /readyz and /metrics in its namespace", async () => {
    expect(await wren.http("/livez")).toMatchObject({ status: 200 });
    const ready = await wren.http("/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toMatch(/^ok: (all 2|2 of 2) BGP peers established\n$/);
    const m = await wren.http("/metrics");
    expect(m.body).toContain(
      'wren_bgp_session_established{peer="10.0.0.254",name="Node_10_0_0_254"} 1',
    );
    expect(m.body).toContain(
      'wren_bgp_prefixes_accepted{peer="10.0.0.254",name="Node_10_0_0_254"} 1',
    );
    expect(m.body).toMatch(/wren_kernel_route_operations_total [1-9]/);
  });

  it("a peer added by writing a YAML file comes up without bouncing the others", async () => {
    const before = await Promise.all([frrNeighbor(frrs[0]), frrNeighbor(frrs[1])]);
    const sinceBefore = Object.fromEntries(
      (await wren.status()).peers.map((p) => [p.address, p.since]),
    );
    writeFileSync(join(ds, "tor3.yaml"), peerYaml(TORS[2]));
    await frrs[2].waitEstablished(WREN_IP, 30_000);
    const after = await Promise.all([frrNeighbor(frrs[0]), frrNeighbor(frrs[1])]);
    for (let i = 0; i < 2; i++) {
      expect(after[i].bgpState).toBe("Established");
      expect(after[i].connectionsEstablished).toBe(before[i].connectionsEstablished);
      expect(after[i].connectionsDropped).toBe(before[i].connectionsDropped);
    }
    const status = await wren.status();
    expect(status.peers).toHaveLength(3);
    for (const [addr, since] of Object.entries(sinceBefore)) {
      expect(status.peers.find((p) => p.address === addr)?.since).toBe(since);
    }
  });

  it("invalid YAML is refused: old config kept, error in show config and /readyz, fixed again", async () => {
    const drops = (await frrNeighbor(frrs[0])).connectionsDropped;
    writeFileSync(
      join(ds, "broken.yaml"),
      "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: [unclosed\n",
    );
    const config = await waitUntil(
      "wren to refuse broken.yaml",
      () => wren.config(),
      (c) => !c.ok,
    );
    expect(config.error).toMatch(/^broken\.yaml:\d+: YAML syntax error/);
    expect(config.plan?.peers).toHaveLength(3);
    const ready = await wren.http("/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body).toContain("broken.yaml");
    const show = await wren.cli(["show", "config"]);
    expect(show.stdout).toContain("CHANGE REFUSED");
    expect(show.stdout).toMatch(/error: broken\.yaml:\d+/);
    expect((await wren.status()).config.ok).toBe(false);
    expect((await frrNeighbor(frrs[0])).connectionsDropped).toBe(drops);
    rmSync(join(ds, "broken.yaml"));
    await waitUntil(
      "wren to accept the fixed datastore",
      () => wren.config(),
      (c) => c.ok,
    );
    expect((await wren.http("/readyz")).status).toBe(200);
  });

  it("SIGHUP re-reads the datastore", async () => {
    const count = async () => {
      const m = (await wren.http("/metrics")).body;
      const line = m
        .split("\n")
        .find((l) =>
          l.startsWith('wren_config_reloads_total{result="unchanged",trigger="sighup"}'),
        );
      return line ? Number(line.split(" ").at(-1)) : 0;
    };
    const before = await count();
    wren.signal("SIGHUP");
    await waitUntil("a SIGHUP reload to be counted", count, (n) => n === before + 1);
  });

  it("a session reset by the leaf reconnects within the connect-retry time", async () => {
    await frrs[0].vtysh(`clear bgp ${WREN_IP}`);
    await waitUntil(
      "tor1 to drop the session",
      () => frrNeighbor(frrs[0]),
      (n) => (n.connectionsDropped ?? 0) > 0,
      { timeoutMs: 10_000 },
    );
    await frrs[0].waitEstablished(WREN_IP, 15_000);
    await waitUntil(
      "tor1's network back in wren's kernel table",
      () => kernelRoutes(lab, NODE),
      (rs) => rs.some((r) => r.startsWith(`${TORS[0].net} via ${TORS[0].ip}`)),
    );
  });

  it("SIGTERM stops gracefully: FRR keeps wren's routes as stale, the kernel keeps the routes; the next start restarts with the R bit", async () => {
    const block = (await wren.config()).plan!.blocks[0].cidr;
    const kernelBefore = bgpKernelRoutes(
      await waitUntil(
        "the block and the three leaf networks in the kernel",
        () => kernelRoutes(lab, NODE),
        (rs) => hasAllRoutes(rs, block),
      ),
    );
    await wren.stop("SIGTERM");
    expect(wren.logEvents().some((e) => e.msg === "wren stopped" && e.mode === "graceful")).toBe(
      true,
    );
    await waitUntil(
      "tor1 to notice wren is gone",
      () => frrNeighbor(frrs[0]),
      (n) => n.bgpState !== "Established",
      {
        timeoutMs: 10_000,
      },
    );
    const rib = await frrs[0].json<{ paths?: { stale?: boolean }[] }>(
      `show bgp ipv4 unicast ${block} json`,
    );
    expect(rib.paths?.[0]?.stale).toBe(true);
    expect(bgpKernelRoutes(await kernelRoutes(lab, NODE))).toEqual(kernelBefore);

    wren = await WrenProcess.start(lab, { labNode: NODE, node: NODE, datastore: ds });
    expect(wren.logEvents().findLast((e) => e.msg === "wren starting")?.restarting).toBe(true);
    for (const f of frrs) await f.waitEstablished(WREN_IP, 30_000);
    const gr = (await frrNeighbor(frrs[0])).gracefulRestartInfo;
    expect(gr?.rBit).toBe(true); // FRR saw wren's Restart State bit
    await waitUntil(
      "tor1 to refresh wren's block",
      () => frrs[0].json<{ paths?: { stale?: boolean }[] }>(`show bgp ipv4 unicast ${block} json`),
      (x) => x.paths?.[0] !== undefined && !x.paths[0].stale,
    );
    const after = await waitUntil(
      "every route back in the kernel",
      () => kernelRoutes(lab, NODE),
      (rs) => hasAllRoutes(rs, block),
    );
    expect(bgpKernelRoutes(after)).toEqual(kernelBefore);
  });

  it("no kernel route disappears at any moment of a graceful restart, and no leaf withdraws wren's block", async () => {
    const block = (await wren.config()).plan!.blocks[0].cidr;
    await waitUntil(
      "the block and the three leaf networks in the kernel",
      () => kernelRoutes(lab, NODE),
      (rs) => hasAllRoutes(rs, block),
    );
    // The speaker reports each leaf's End-of-RIB: the stale-route sweep waits for it.
    await waitUntil(
      "every leaf's End-of-RIB as the speaker reports it",
      async () => (await wren.ctl<ProtocolsJson>("protocols")).peers,
      (peers) =>
        peers.length === TORS.length &&
        peers.every((p) => p.bgpState === "Established" && p.endOfRibReceived === true),
    );
    // `ip monitor route` in wren's namespace and in every leaf's (zebra would delete wren's block
    // from a leaf's kernel if bgpd withdrew it), from before the stop until after the sweep.
    const nodes = [NODE, ...TORS.map((t) => t.name)];
    const monitors = await Promise.all(
      nodes.map((n) => lab.spawn(n, "route-monitor", "ip", ["monitor", "route"])),
    );
    const logOf = (i: number) => {
      try {
        return readFileSync(monitors[i].logFile, "utf8");
      } catch {
        return "";
      }
    };
    // A route added and deleted in table 100 (no daemon looks there) shows each monitor is
    // listening, and later that everything before it has been written.
    const mark = async (address: string) => {
      for (const n of nodes) {
        await lab.exec(n, "ip", ["route", "add", `${address}/32`, "dev", "lo", "table", "100"]);
        await lab.exec(n, "ip", ["route", "del", `${address}/32`, "dev", "lo", "table", "100"]);
      }
      await waitUntil(
        `every route monitor to report the marker ${address}`,
        () => nodes.map((_, i) => logOf(i)),
        (logs) => logs.every((l) => l.includes(`Deleted ${address} dev lo table 100`)),
      );
    };
    try {
      await mark("198.51.100.1");
      await wren.stop("SIGTERM");
      wren = await WrenProcess.start(lab, { labNode: NODE, node: NODE, datastore: ds });
      const sweep = await waitUntil(
        "the stale-route sweep",
        () =>
          wren
            .logEvents()
            .find(
              (e) => typeof e.msg === "string" && e.msg.startsWith("sweeping stale kernel routes"),
            ),
        (e) => e !== undefined,
        { timeoutMs: 60_000 },
      );
      // Not the convergence timeout: every leaf's End-of-RIB was seen.
      expect(sweep?.reason).toBe("every peer is Established and sent End-of-RIB");
      for (const f of frrs) {
        await waitUntil(
          `${f.ns} to refresh wren's block`,
          () => f.json<{ paths?: { stale?: boolean }[] }>(`show bgp ipv4 unicast ${block} json`),
          (x) => x.paths?.[0] !== undefined && !x.paths[0].stale,
        );
      }
      await mark("198.51.100.2");
    } finally {
      for (const m of monitors) await lab.stop(m, 1000);
    }
    const deleted = (i: number, what: (line: string) => boolean) =>
      logOf(i)
        .split("\n")
        .filter((l) => l.startsWith("Deleted") && what(l));
    expect(deleted(0, (l) => l.includes("proto bird"))).toEqual([]);
    for (let i = 1; i < nodes.length; i++) {
      expect(deleted(i, (l) => l.startsWith(`Deleted ${block} `))).toEqual([]);
    }
    expect(hasAllRoutes(await kernelRoutes(lab, NODE), block)).toBe(true);
  });

  it("--no-graceful withdraws from the leaves and removes wren's kernel routes", async () => {
    await wren.stop("SIGTERM");
    wren = await WrenProcess.start(lab, {
      labNode: NODE,
      node: NODE,
      datastore: ds,
      args: ["--no-graceful"],
    });
    const block = (await wren.config()).plan!.blocks[0].cidr;
    await waitUntil(
      "tor1 to have wren's block",
      () => frrs[0].prefixes(),
      (ps) => ps.includes(block),
    );
    await waitUntil(
      "wren to install tor1's network",
      () => kernelRoutes(lab, NODE),
      (rs) => rs.some((r) => r.startsWith(TORS[0].net)),
    );
    await wren.stop("SIGTERM");
    expect(wren.logEvents().some((e) => e.msg === "wren stopped" && e.mode === "withdraw")).toBe(
      true,
    );
    await waitUntil(
      "tor1 to drop wren's block",
      () => frrs[0].prefixes(),
      (ps) => !ps.includes(block),
      { timeoutMs: 10_000 },
    );
    expect((await kernelRoutes(lab, NODE)).filter((r) => r.includes("proto bird"))).toEqual([]);
  });
});
