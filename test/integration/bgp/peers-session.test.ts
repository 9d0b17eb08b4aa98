// wren speaker ↔ BIRD 2, BIRD 1.6 (bird for IPv4, bird6 for IPv6), GoBGP 3 and ExaBGP 4 in
// namespaces: every session Established, checked from both sides (birdc show protocols,
// gobgp neighbor -j, ExaBGP's neighbor state), IPv4 and IPv6 sessions with each; routes both ways
// (IPv4 and IPv6), communities and large communities relayed, withdrawals, de-configuring a peer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteView } from "../../../src/common/contracts/speaker.js";
import {
  type BirdPeer,
  type ExabgpPeer,
  type GobgpPeer,
  Lab,
  skipReason,
  startBird,
  startExabgp,
  startGobgp,
  waitFor,
  waitUntil,
} from "../../harness/index.js";
import { ribMissing, SpeakerProcess, speakerJson, wrenBuildMissing } from "./speaker-process.js";

const skip = skipReason("bird2", "bird1", "gobgp", "exabgp") ?? wrenBuildMissing() ?? ribMissing();

const ALL = [{ name: "all", statements: [{ result: "accept" }] }];
const TIMERS =
  "hold time 9; keepalive time 3; connect delay time 1; connect retry time 1; error wait time 1, 5;";

describe.skipIf(skip)(
  `wren speaker with BIRD 2, BIRD 1.6, GoBGP, ExaBGP${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let lab: Lab;
    let wren: SpeakerProcess;
    let bird2: BirdPeer;
    let bird1: BirdPeer;
    let bird6: BirdPeer;
    let gobgp: GobgpPeer;
    let exabgp: ExabgpPeer;

    beforeAll(async () => {
      lab = await Lab.create();
      for (const n of ["wren", "bird2", "bird1", "gobgp", "exa"]) await lab.addNode(n);
      await lab.link("wren", "b2", "bird2", "eth0", {
        addrA: ["10.0.2.1/30", "fd00:2::1/64"],
        addrB: ["10.0.2.2/30", "fd00:2::2/64"],
      });
      await lab.link("wren", "b1", "bird1", "eth0", {
        addrA: ["10.0.3.1/30", "fd00:3::1/64"],
        addrB: ["10.0.3.2/30", "fd00:3::2/64"],
      });
      await lab.link("wren", "gb", "gobgp", "eth0", {
        addrA: ["10.0.4.1/30", "fd00:4::1/64"],
        addrB: ["10.0.4.2/30", "fd00:4::2/64"],
      });
      await lab.link("wren", "ex", "exa", "eth0", {
        addrA: ["10.0.5.1/30", "fd00:5::1/64"],
        addrB: ["10.0.5.2/30", "fd00:5::2/64"],
      });

      bird2 = await startBird(
        lab,
        "bird2",
        `router id 10.0.2.2;
protocol device { }
protocol static { ipv4; route 10.112.0.0/24 blackhole; }
protocol kernel { ipv4 { import none; export where source = RTS_BGP; }; }
protocol bgp wren { local 10.0.2.2 as 65012; neighbor 10.0.2.1 as 65001; ${TIMERS}
  ipv4 { import all; export all; }; }
protocol static static6 { ipv6; route fd00:112::/64 blackhole; }
protocol bgp wren6 { local fd00:2::2 as 65012; neighbor fd00:2::1 as 65001; ${TIMERS}
  ipv6 { import all; export all; }; }
`,
        { variant: "2" },
      );
      bird1 = await startBird(
        lab,
        "bird1",
        `router id 10.0.3.2;
protocol device { }
protocol static { route 10.113.0.0/24 blackhole; }
protocol kernel { import none; export where source = RTS_BGP; }
protocol bgp wren { local 10.0.3.2 as 65013; neighbor 10.0.3.1 as 65001; ${TIMERS} import all; export all; }
`,
        { variant: "1" },
      );
      bird6 = await startBird(
        lab,
        "bird1",
        `router id 10.0.3.2;
protocol device { }
protocol static { route fd00:113::/64 blackhole; }
protocol bgp wren6 { local fd00:3::2 as 65013; neighbor fd00:3::1 as 65001; ${TIMERS} import all; export all; }
`,
        { variant: "1-6", name: "bird6" },
      );
      gobgp = await startGobgp(
        lab,
        "gobgp",
        `[global.config]
  as = 65014
  router-id = "10.0.4.2"
  local-address-list = ["10.0.4.2"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.0.4.1"
    peer-as = 65001
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
[[neighbors]]
  [neighbors.config]
    neighbor-address = "fd00:4::1"
    peer-as = 65001
  [neighbors.transport.config]
    local-address = "fd00:4::2"
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
`,
      );
      exabgp = await startExabgp(
        lab,
        "exa",
        `neighbor 10.0.5.1 {
    router-id 10.0.5.2;
    local-address 10.0.5.2;
    local-as 65015;
    peer-as 65001;
    hold-time 9;
    family {
        ipv4 unicast;
    }
}
neighbor fd00:5::1 {
    router-id 10.0.5.2;
    local-address fd00:5::2;
    local-as 65015;
    peer-as 65001;
    hold-time 9;
    family {
        ipv6 unicast;
    }
}
`,
      );
      const peer = (name: string, address: string, asNumber: number) => ({
        name,
        address,
        asNumber,
        holdTime: 9,
        keepaliveTime: 3,
        connectRetryTime: 1,
        exportPolicy: ["all"],
      });
      wren = await SpeakerProcess.start(
        lab,
        "wren",
        speakerJson({
          routerId: "10.0.0.1",
          asNumber: 65001,
          peers: [
            peer("bird2", "10.0.2.2", 65012),
            peer("bird2_6", "fd00:2::2", 65012),
            peer("bird1", "10.0.3.2", 65013),
            peer("bird6", "fd00:3::2", 65013),
            peer("gobgp", "10.0.4.2", 65014),
            peer("gobgp6", "fd00:4::2", 65014),
            { ...peer("exabgp", "10.0.5.2", 65015), passive: true },
            { ...peer("exabgp6", "fd00:5::2", 65015), passive: true },
          ],
          originate: ["10.201.0.0/24", "fd00:201::/64"],
          extra: { policies: ALL },
        }),
      );
    });
    afterAll(async () => {
      await wren?.stop("withdraw");
      await lab?.cleanup();
    });

    it("BIRD 2: Established on both sides", async () => {
      const p = await wren.waitEstablished("bird2");
      await bird2.waitEstablished("10.0.2.1");
      const proto = (await bird2.protocols()).find((x) => x.name === "wren")!;
      expect(proto).toMatchObject({ state: "up", bgpState: "Established" });
      expect(p.negotiated).toMatchObject({
        remoteRouterId: "10.0.2.2",
        families: ["ipv4-unicast"],
        as4: true,
        routeRefresh: true,
        enhancedRouteRefresh: true,
      });
    });

    it("BIRD 1.6 (bird, IPv4): Established on both sides", async () => {
      const p = await wren.waitEstablished("bird1");
      await bird1.waitEstablished("10.0.3.1");
      expect(p.negotiated).toMatchObject({ families: ["ipv4-unicast"], as4: true });
    });

    it("BIRD 1.6 (bird6, IPv6): Established on both sides", async () => {
      const p = await wren.waitEstablished("bird6");
      await bird6.waitEstablished("fd00:3::1");
      expect(p.negotiated).toMatchObject({ families: ["ipv6-unicast"], localAddress: "fd00:3::1" });
    });

    it("GoBGP 3: Established on both sides", async () => {
      const p = await wren.waitEstablished("gobgp");
      await gobgp.waitEstablished("10.0.4.1");
      // gobgpd has two neighbours (the IPv6 one comes up later): look at the IPv4 one.
      const n = (await gobgp.neighbors()).find(
        (x) => x.conf?.neighbor_address === "10.0.4.1",
      ) as unknown as { state: { session_state: number; peer_as: number } } | undefined;
      expect(n?.state.session_state).toBe(6);
      expect(p.negotiated).toMatchObject({ remoteRouterId: "10.0.4.2", holdTime: 9 });
    });

    it("ExaBGP 4 (wren passive, ExaBGP dials): Established on both sides", async () => {
      const p = await wren.waitEstablished("exabgp");
      await exabgp.waitEstablished("10.0.5.1");
      expect(p.passive).toBe(true);
      expect(p.negotiated).toMatchObject({ remoteRouterId: "10.0.5.2" });
    });

    const wrenPrefixes = async () =>
      ((await wren.command({ cmd: "routes" })).result as RouteView[]).map((r) => r.prefix);
    const wrenRoute = async (prefix: string) =>
      ((await wren.command({ cmd: "routes", prefix })).result as RouteView[])[0];
    const wrenHas = (prefix: string, present = true) =>
      waitUntil(
        `wren to ${present ? "have" : "drop"} ${prefix}`,
        wrenPrefixes,
        (ps) => ps.includes(prefix) === present,
        { timeoutMs: 30_000 },
      );

    it("IPv6 sessions with BIRD 2, GoBGP and ExaBGP are Established", async () => {
      for (const name of ["bird2_6", "gobgp6", "exabgp6"]) {
        const p = await wren.waitEstablished(name);
        expect(p.negotiated?.families).toEqual(["ipv6-unicast"]);
      }
      await bird2.waitEstablished("fd00:2::1");
      await gobgp.waitEstablished("fd00:4::1");
      await exabgp.waitEstablished("fd00:5::1");
    });

    it("routes both ways with BIRD 2, BIRD 1.6, GoBGP and ExaBGP, IPv4 and IPv6", async () => {
      await gobgp.addRoute("10.114.0.0/24");
      await gobgp.addRoute("fd00:114::/64");
      await exabgp.waitEstablished("10.0.5.1");
      await exabgp.waitEstablished("fd00:5::1");
      await exabgp.announce("fd00:115::/64", "next-hop self");
      await exabgp.announce(
        "10.115.0.0/24",
        "next-hop self community [65015:1] large-community [65015:1:2]",
      );
      for (const [prefix, from] of [
        ["10.112.0.0/24", "10.0.2.2"],
        ["10.113.0.0/24", "10.0.3.2"],
        ["fd00:113::/64", "fd00:3::2"],
        ["10.114.0.0/24", "10.0.4.2"],
        ["10.115.0.0/24", "10.0.5.2"],
        ["fd00:112::/64", "fd00:2::2"],
        ["fd00:114::/64", "fd00:4::2"],
        ["fd00:115::/64", "fd00:5::2"],
      ]) {
        await wrenHas(prefix);
        expect((await wrenRoute(prefix)).paths[0]).toMatchObject({ nexthop: from, best: true });
      }
      // wren's own prefixes and the ones it relays reach every peer
      await waitFor("BIRD 2 to have wren's and ExaBGP's routes", async () => {
        const ps = (await bird2.routes()).map((r) => r.prefix);
        return (
          ps.includes("10.201.0.0/24") &&
          ps.includes("10.115.0.0/24") &&
          ps.includes("10.114.0.0/24")
        );
      });
      // and into their kernels
      for (const [node, via] of [
        ["bird2", "10.0.2.1"],
        ["bird1", "10.0.3.1"],
      ]) {
        await waitFor(`10.201.0.0/24 via ${via} in ${node}'s kernel`, async () => {
          const { stdout } = await lab.exec(node, "ip", ["-4", "route", "show", "10.201.0.0/24"]);
          return stdout.includes(`via ${via}`);
        });
      }
      await waitFor("BIRD 1.6 to have wren's route", async () =>
        (await bird1.routes()).some((r) => r.prefix === "10.201.0.0/24"),
      );
      await waitFor("BIRD 2 to have wren's IPv6 route", async () =>
        (await bird2.routes()).some((r) => r.prefix === "fd00:201::/64"),
      );
      await waitFor(
        "GoBGP to have wren's IPv6 route",
        async () => "fd00:201::/64" in (await gobgp.rib("ipv6")),
      );
      await waitFor(
        "ExaBGP to have wren's IPv6 route",
        async () => "fd00:201::/64" in (await exabgp.received("fd00:5::1")),
      );
      await waitFor("bird6 to have wren's IPv6 route", async () =>
        (await bird6.routes()).some((r) => r.prefix === "fd00:201::/64"),
      );
      await waitFor(
        "GoBGP to have wren's route",
        async () => "10.201.0.0/24" in (await gobgp.rib("ipv4")),
      );
      await waitFor(
        "ExaBGP to have wren's route",
        async () => "10.201.0.0/24" in (await exabgp.received("10.0.5.1")),
      );
      // communities and large communities survive the trip ExaBGP → wren → BIRD 2
      const viaWren = await wrenRoute("10.115.0.0/24");
      expect(viaWren.paths[0].communities).toContain("65015:1");
      expect(viaWren.paths[0].largeCommunities).toContain("65015:1:2");
      const all = await bird2.birdc("show", "route", "all", "10.115.0.0/24");
      expect(all).toContain("(65015,1)");
      expect(all).toMatch(/\(65015, 1, 2\)/);
      expect(all).toMatch(/65001 65015/);
    });

    it("withdrawals propagate: ExaBGP and GoBGP withdraw, wren and BIRD 2 drop the routes", async () => {
      await exabgp.withdraw("10.115.0.0/24", "next-hop self");
      await gobgp.deleteRoute("10.114.0.0/24");
      await wrenHas("10.115.0.0/24", false);
      await wrenHas("10.114.0.0/24", false);
      await waitFor("BIRD 2 to drop them", async () => {
        const ps = (await bird2.routes()).map((r) => r.prefix);
        return !ps.includes("10.115.0.0/24") && !ps.includes("10.114.0.0/24");
      });
    });

    it("a peer removed from the configuration gets Cease / Peer De-configured; the others stay up", async () => {
      const status = await wren.status();
      const keep = status.peers
        .filter((p) => p.name !== "bird2")
        .map((p) => ({
          name: p.name,
          address: p.address,
          asNumber: p.asNumber,
          holdTime: 9,
          keepaliveTime: 3,
          connectRetryTime: 1,
          passive: p.passive,
        }));
      const r = await wren.command({
        cmd: "configure",
        config: speakerJson({
          routerId: "10.0.0.1",
          asNumber: 65001,
          peers: keep.map((k) => ({ ...k, exportPolicy: ["all"] })),
          originate: ["10.201.0.0/24", "fd00:201::/64"],
          extra: { policies: ALL },
        }),
      });
      expect(r.result).toMatchObject({ removed: ["bird2"], reset: [] });
      const proto = await (async () => {
        for (let i = 0; i < 100; i++) {
          const x = (await bird2.protocols()).find((y) => y.name === "wren")!;
          if (x.bgpState !== "Established") return x;
          await new Promise((r2) => setTimeout(r2, 100));
        }
        throw new Error("BIRD 2 stayed Established");
      })();
      expect(proto.info).toMatch(/Received: Peer de-configured|Hard reset/i);
      for (const name of ["bird1", "bird6", "gobgp", "exabgp"])
        expect((await wren.peer(name)).bgpState).toBe("Established");
    });
  },
);
