// Routes through wren speaker with FRR 8.4 (and BIRD 2 downstream): IPv4 and IPv6 both ways,
// withdrawals, communities and large communities carried on, route refresh, max-prefix, and
// graceful restart in both directions. Both sides' views are checked (wren's routes command,
// FRR's BGP RIB and its kernel FIB, BIRD's routes).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteView } from "../../../src/common/contracts/speaker.js";
import {
  type FrrPeer,
  Lab,
  skipReason,
  startBird,
  startFrr,
  waitFor,
  waitUntil,
} from "../../harness/index.js";
import { ribMissing, SpeakerProcess, speakerJson, wrenBuildMissing } from "./speaker-process.js";

const skip = skipReason("frr", "bird2") ?? wrenBuildMissing() ?? ribMissing();

const ACCEPT_ALL = [{ name: "all", statements: [{ result: "accept" }] }];

function frrConf(
  opts: { gr?: boolean; restartTime?: number; extra?: string; v4Networks?: string[] } = {},
): string {
  const nets = opts.v4Networks ?? ["10.100.1.0/24", "10.100.2.0/24"];
  return `frr defaults datacenter
hostname frr
log file /dev/null
!
${nets.map((n) => `ip route ${n} blackhole`).join("\n")}
ipv6 route fd00:100:1::/64 blackhole
!
ip prefix-list P2 seq 5 permit 10.100.2.0/24
route-map TAG permit 10
 match ip address prefix-list P2
 set community 65002:8 no-export additive
route-map TAG permit 20
 set community 65002:7 additive
 set large-community 65002:1:2 additive
!
router bgp 65002
 bgp router-id 10.0.1.2
 no bgp ebgp-requires-policy
${opts.gr ? ` bgp graceful-restart\n bgp graceful-restart restart-time ${opts.restartTime ?? 60}\n bgp graceful-restart stalepath-time 60\n` : ""} neighbor 10.0.1.1 remote-as 65001
 neighbor 10.0.1.1 timers 3 9
 neighbor 10.0.1.1 timers connect 1
 neighbor fd00:1::1 remote-as 65001
 neighbor fd00:1::1 timers 3 9
 neighbor fd00:1::1 timers connect 1
 address-family ipv4 unicast
${nets.map((n) => `  network ${n}`).join("\n")}
  neighbor 10.0.1.1 route-map TAG out
  neighbor 10.0.1.1 send-community all
 exit-address-family
 address-family ipv6 unicast
  network fd00:100:1::/64
  neighbor fd00:1::1 activate
 exit-address-family
${opts.extra ?? ""}`;
}

function wrenConfig(o: { originate?: string[]; maxPrefix?: object; gr?: boolean } = {}): object {
  const common = { holdTime: 9, keepaliveTime: 3, connectRetryTime: 1, exportPolicy: ["all"] };
  return speakerJson({
    routerId: "10.0.1.1",
    asNumber: 65001,
    originate: o.originate ?? ["10.200.1.0/24", "fd00:200:1::/64"],
    peers: [
      {
        name: "frr",
        address: "10.0.1.2",
        asNumber: 65002,
        ...common,
        ...(o.maxPrefix ? { maxPrefix: o.maxPrefix } : {}),
      },
      { name: "frr6", address: "fd00:1::2", asNumber: 65002, ...common },
      { name: "bird", address: "10.0.2.2", asNumber: 65003, ...common },
    ],
    extra: {
      policies: ACCEPT_ALL,
      gracefulRestart: { enabled: o.gr ?? true, restartTime: 60, convergenceTimeout: 5 },
    },
  });
}

async function wrenRoutes(wren: SpeakerProcess, query: object = {}): Promise<RouteView[]> {
  return (await wren.command({ cmd: "routes", ...query })).result as RouteView[];
}

async function wrenHas(
  wren: SpeakerProcess,
  prefix: string,
  present = true,
): Promise<RouteView | undefined> {
  return waitUntil(
    `wren to ${present ? "have" : "drop"} ${prefix}`,
    async () => (await wrenRoutes(wren)).find((r) => r.prefix === prefix),
    (r) => (r !== undefined) === present,
    { timeoutMs: 30_000, intervalMs: 150 },
  );
}

async function frrHas(frr: FrrPeer, prefix: string, present = true): Promise<void> {
  await waitUntil(
    `FRR to ${present ? "have" : "drop"} ${prefix}`,
    () => frr.prefixes(),
    (ps) => ps.includes(prefix) === present,
    { timeoutMs: 30_000, intervalMs: 150 },
  );
}

describe.skipIf(skip)(`routes with FRR 8.4 and BIRD 2${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create();
    await lab.addNode("wren");
    await lab.addNode("frr");
    await lab.addNode("bird");
    await lab.link("wren", "eth0", "frr", "eth0", {
      addrA: ["10.0.1.1/30", "fd00:1::1/64"],
      addrB: ["10.0.1.2/30", "fd00:1::2/64"],
    });
    await lab.link("wren", "eth1", "bird", "eth0", { addrA: "10.0.2.1/30", addrB: "10.0.2.2/30" });
  });
  afterAll(() => lab?.cleanup());

  it("IPv4 and IPv6 routes both ways, communities carried to BIRD, withdrawals both ways", async () => {
    const frr = await startFrr(lab, "frr", frrConf());
    const bird = await startBird(
      lab,
      "bird",
      `router id 10.0.2.2;
protocol device { }
protocol bgp wren { local 10.0.2.2 as 65003; neighbor 10.0.2.1 as 65001;
  hold time 9; keepalive time 3; connect delay time 1; connect retry time 1; error wait time 1, 5;
  ipv4 { import all; export none; }; }
`,
      { variant: "2" },
    );
    const wren = await SpeakerProcess.start(lab, "wren", wrenConfig());
    try {
      await wren.waitEstablished("frr");
      await wren.waitEstablished("frr6");
      const r = (await wrenHas(wren, "10.100.1.0/24"))!;
      expect(r.paths[0]).toMatchObject({
        peer: "10.0.1.2",
        nexthop: "10.0.1.2",
        asPath: "65002",
        best: true,
      });
      expect(r.paths[0].communities).toEqual(expect.arrayContaining(["65002:7"]));
      expect(r.paths[0].largeCommunities).toEqual(["65002:1:2"]);
      await wrenHas(wren, "fd00:100:1::/64");
      // wren → FRR, in FRR's BGP RIB and kernel
      await frrHas(frr, "10.200.1.0/24");
      await frrHas(frr, "fd00:200:1::/64");
      // IPv6 next hop self on a shared link: global and link-local (RFC 2545 §3), as FRR sends
      const wrenLinkLocal = (
        await lab.exec("wren", "ip", ["-6", "-o", "addr", "show", "dev", "eth0", "scope", "link"])
      ).stdout.match(/inet6 (fe80::[0-9a-f:]+)\//)?.[1];
      expect(wrenLinkLocal).toBeDefined();
      const v6 = (await frr.json("show bgp ipv6 unicast fd00:200:1::/64 json")) as {
        paths?: { nexthops?: { ip: string; scope?: string }[] }[];
      };
      expect(v6.paths?.[0]?.nexthops?.map((n) => [n.ip, n.scope])).toEqual([
        ["fd00:1::1", "global"],
        [wrenLinkLocal, "link-local"],
      ]);
      await waitFor("10.200.1.0/24 via 10.0.1.1 in FRR's kernel", async () => {
        const { stdout } = await lab.exec("frr", "ip", ["-4", "route", "show", "10.200.1.0/24"]);
        return stdout.includes("via 10.0.1.1");
      });
      // FRR → wren → BIRD: communities carried on; NO_EXPORT (10.100.2.0/24) stops at wren
      await waitFor("BIRD to have wren's prefix", async () =>
        (await bird.routes()).some((x) => x.prefix === "10.200.1.0/24"),
      );
      await waitFor("BIRD to have FRR's prefix via wren", async () =>
        (await bird.routes()).some((x) => x.prefix === "10.100.1.0/24"),
      );
      const all = await bird.birdc("show", "route", "all", "10.100.1.0/24");
      expect(all).toContain("(65002,7)");
      expect(all).toMatch(/\(65002, 1, 2\)/);
      expect(all).toMatch(/65001 65002/);
      expect((await bird.routes()).some((x) => x.prefix === "10.100.2.0/24")).toBe(false);
      // withdrawals: FRR drops one network, wren drops one originated prefix
      await frr.vtysh(
        "configure terminal",
        "router bgp 65002",
        "address-family ipv4 unicast",
        "no network 10.100.2.0/24",
      );
      await wrenHas(wren, "10.100.2.0/24", false);
      await wren.command({
        cmd: "configure",
        config: wrenConfig({ originate: ["fd00:200:1::/64"] }),
      });
      await frrHas(frr, "10.200.1.0/24", false);
      await frrHas(frr, "fd00:200:1::/64");
    } finally {
      await wren.stop("withdraw");
      await bird.stop();
      await frr.stop();
    }
  });

  it("route refresh: FRR's soft inbound clear makes wren re-send its routes", async () => {
    const frr = await startFrr(lab, "frr", frrConf());
    const wren = await SpeakerProcess.start(lab, "wren", wrenConfig());
    try {
      await wren.waitEstablished("frr");
      await frrHas(frr, "10.200.1.0/24");
      const before = (await wren.peer("frr")).messages.updatesOut;
      await frr.vtysh("clear bgp ipv4 unicast 10.0.1.1 soft in");
      await wren.waitPeer(
        "frr",
        "UPDATEs re-sent after ROUTE-REFRESH",
        (p) => p.messages.updatesOut > before,
        20_000,
      );
      await frrHas(frr, "10.200.1.0/24");
    } finally {
      await wren.stop("withdraw");
      await frr.stop();
    }
  });

  it("max-prefix: more prefixes than allowed → Cease / Maximum Number of Prefixes Reached", async () => {
    const frr = await startFrr(
      lab,
      "frr",
      frrConf({ v4Networks: ["10.100.1.0/24", "10.100.2.0/24", "10.100.3.0/24"] }),
    );
    const wren = await SpeakerProcess.start(
      lab,
      "wren",
      wrenConfig({ maxPrefix: { limit: 2, action: "restart", restartAfter: 30 } }),
    );
    try {
      const p = await wren.waitPeer(
        "frr",
        "max-prefix teardown",
        (x) => /Maximum number of prefixes/.test(x.lastError ?? ""),
        30_000,
      );
      expect(p.bgpState).toBe("Idle");
      await waitUntil(
        "FRR to record the Cease",
        async () =>
          (
            (await frr.json("show bgp neighbors 10.0.1.1 json")) as Record<
              string,
              Record<string, unknown>
            >
          )["10.0.1.1"],
        (x) => /Cease/.test(String(x.lastNotificationReason ?? "")),
        { timeoutMs: 20_000 },
      );
    } finally {
      await wren.stop("withdraw");
      await frr.stop();
    }
  });

  it("max-prefix with graceful restart's N bit: sent as a Hard Reset, so neither side keeps the other's routes as stale", async () => {
    const frr = await startFrr(
      lab,
      "frr",
      frrConf({
        gr: true,
        v4Networks: ["10.100.1.0/24", "10.100.2.0/24", "10.100.3.0/24"],
        // FRR only waits for wren: its last NOTIFICATION stays the one wren sent
        extra: " neighbor 10.0.1.1 passive\n",
      }),
    );
    const wren = await SpeakerProcess.start(
      lab,
      "wren",
      wrenConfig({ maxPrefix: { limit: 2, action: "restart", restartAfter: 60 } }),
    );
    try {
      type Neighbor = {
        gracefulRestartInfo?: { nBit?: boolean };
        lastNotificationReason?: string;
        lastNotificationHardReset?: boolean;
      };
      const neighbor = async () =>
        ((await frr.json("show bgp neighbors 10.0.1.1 json")) as Record<string, Neighbor>)[
          "10.0.1.1"
        ] ?? {};
      const p = await wren.waitPeer(
        "frr",
        "max-prefix teardown",
        (x) => /Maximum number of prefixes/.test(x.lastError ?? ""),
        30_000,
      );
      expect(p.bgpState).toBe("Idle");
      const n = await waitUntil(
        "FRR to record the Hard Reset",
        neighbor,
        (x) => x.lastNotificationHardReset === true,
        { timeoutMs: 20_000 },
      );
      // FRR shows the Cease the Hard Reset carried (RFC 8538 §4)
      expect(n.lastNotificationReason).toBe("Cease/Maximum Number of Prefixes Reached");
      // FRR flushed wren's routes instead of keeping them stale, and wren flushed FRR's
      await frrHas(frr, "10.200.1.0/24", false);
      expect((await wren.peer("frr")).staleRoutes).toBe(0);
      expect((await wrenRoutes(wren)).filter((r) => r.prefix.startsWith("10.100."))).toEqual([]);
    } finally {
      await wren.stop("withdraw");
      await frr.stop();
    }
  });

  it("graceful restart, wren as helper: FRR's bgpd killed → routes kept (stale) until its End-of-RIB", async () => {
    const frr = await startFrr(lab, "frr", frrConf({ gr: true }));
    const wren = await SpeakerProcess.start(lab, "wren", wrenConfig());
    try {
      await wren.waitEstablished("frr");
      await wrenHas(wren, "10.100.1.0/24");
      await frr.kill(["bgpd"]);
      await wren.waitPeer("frr", "session down", (p) => p.bgpState !== "Established", 20_000);
      const held = (await wrenHas(wren, "10.100.1.0/24"))!;
      expect(held.paths[0].stale).toBe(true);
      await frr.restart();
      await wren.waitEstablished("frr", 60_000);
      await waitUntil(
        "the route to be fresh again",
        async () => (await wrenRoutes(wren)).find((r) => r.prefix === "10.100.1.0/24"),
        (r) => r !== undefined && r.paths[0].stale === false,
        { timeoutMs: 30_000 },
      );
    } finally {
      await wren.stop("withdraw");
      await frr.stop();
    }
  });

  it("graceful restart, wren as helper: a peer that does not come back is purged when its restart time ends", async () => {
    const frr = await startFrr(lab, "frr", frrConf({ gr: true, restartTime: 5 }));
    const wren = await SpeakerProcess.start(lab, "wren", wrenConfig());
    try {
      await wren.waitEstablished("frr");
      await wrenHas(wren, "10.100.1.0/24");
      await frr.kill(["bgpd"]);
      await wren.waitPeer("frr", "session down", (p) => p.bgpState !== "Established", 20_000);
      expect((await wrenHas(wren, "10.100.1.0/24"))!.paths[0].stale).toBe(true);
      await wrenHas(wren, "10.100.1.0/24", false);
      expect((await wren.peer("frr")).staleRoutes).toBe(0);
    } finally {
      await wren.stop("withdraw");
      await frr.stop();
    }
  });

  it("graceful restart, wren restarting: FRR keeps wren's routes across a graceful stop and restart", async () => {
    const frr = await startFrr(lab, "frr", frrConf({ gr: true }));
    let wren = await SpeakerProcess.start(lab, "wren", wrenConfig());
    try {
      await wren.waitEstablished("frr");
      await frrHas(frr, "10.200.1.0/24");
      await wren.stop("graceful");
      // FRR must keep the route (stale) while wren is gone
      await new Promise((r) => setTimeout(r, 2000));
      expect(await frr.prefixes()).toContain("10.200.1.0/24");
      const rib = (await frr.json("show bgp ipv4 unicast 10.200.1.0/24 json")) as {
        paths?: { stale?: boolean }[];
      };
      expect(rib.paths?.[0]?.stale).toBe(true);
      wren = await SpeakerProcess.start(lab, "wren", wrenConfig(), { args: ["--restarted"] });
      await wren.waitEstablished("frr", 60_000);
      await waitUntil(
        "FRR to refresh wren's route",
        async () =>
          (await frr.json("show bgp ipv4 unicast 10.200.1.0/24 json")) as {
            paths?: { stale?: boolean }[];
          },
        (x) => x.paths?.[0] !== undefined && !x.paths[0].stale,
        { timeoutMs: 30_000 },
      );
    } finally {
      await wren.stop("withdraw");
      await frr.stop();
    }
  });
});
