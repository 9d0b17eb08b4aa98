// Self-test of the harness's peer runners against each other, all in namespaces of one Lab:
//   frr (AS65001) --10.0.12.0/30-- bird2 (AS65002) --10.0.24.0/30-- exabgp (AS65004)
//   frr --10.0.13.0/30 + fd00:13::/64-- bird 1.6 (AS65013, bird + bird6)
//   frr --switch sw (10.0.100.0/24)-- gobgp (AS65003)
// Every session Established on both ends, routes pass each way (RIB and kernel FIB), ExaBGP
// announces odd attributes and withdraws on demand and records what it receives, GoBGP bulk
// loads through MRT, and cleanup leaves nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namespaceExists } from "../../../src/lab/netns.js";
import { isAlive } from "../../../src/lab/process.js";
import { Lab } from "../../harness/netns.js";
import { type BirdPeer, startBird } from "../../harness/peers/bird.js";
import { type ExabgpPeer, startExabgp } from "../../harness/peers/exabgp.js";
import { type FrrPeer, startFrr } from "../../harness/peers/frr.js";
import { type GobgpPeer, startGobgp } from "../../harness/peers/gobgp.js";
import { waitForPrefix } from "../../harness/peers/runner.js";
import { skipReason } from "../../harness/tools.js";
import { waitFor, waitUntil } from "../../harness/wait.js";

const skip = skipReason("frr", "bird2", "bird1", "gobgp", "exabgp");

const FRR = `frr defaults traditional
hostname frr
ip route 10.101.0.0/24 blackhole
ipv6 route fd00:101::/64 blackhole
!
router bgp 65001
 bgp router-id 10.0.12.1
 no bgp ebgp-requires-policy
 neighbor 10.0.12.2 remote-as 65002
 neighbor 10.0.13.2 remote-as 65013
 neighbor fd00:13::2 remote-as 65013
 neighbor 10.0.100.3 remote-as 65003
 neighbor 10.0.12.2 timers connect 1
 neighbor 10.0.13.2 timers connect 1
 neighbor fd00:13::2 timers connect 1
 neighbor 10.0.100.3 timers connect 1
 address-family ipv4 unicast
  network 10.101.0.0/24
 exit-address-family
 address-family ipv6 unicast
  network fd00:101::/64
  neighbor fd00:13::2 activate
 exit-address-family
!
`;

const BIRD2 = `router id 10.0.12.2;
protocol device { }
protocol kernel { ipv4 { import none; export where source = RTS_BGP; }; }
protocol static { ipv4; route 10.102.0.0/24 blackhole; }
template bgp peer {
  hold time 9; keepalive time 3; connect delay time 1; connect retry time 2; error wait time 1, 5;
  ipv4 { import all; export all; };
}
protocol bgp frr from peer { local 10.0.12.2 as 65002; neighbor 10.0.12.1 as 65001; }
protocol bgp exa from peer { local 10.0.24.1 as 65002; neighbor 10.0.24.2 as 65004; }
`;

const BIRD1 = `router id 10.0.13.2;
protocol device { scan time 10; }
protocol kernel { import none; export where source = RTS_BGP; scan time 15; }
protocol static { route 10.113.0.0/24 blackhole; }
protocol bgp frr {
  local 10.0.13.2 as 65013; neighbor 10.0.13.1 as 65001;
  hold time 9; keepalive time 3; connect delay time 1; connect retry time 2; error wait time 1, 5;
  import all; export all;
}
`;

const BIRD6 = `router id 10.0.13.2;
protocol device { scan time 10; }
protocol kernel { import none; export where source = RTS_BGP; scan time 15; }
protocol bgp frr {
  local fd00:13::2 as 65013; neighbor fd00:13::1 as 65001;
  hold time 9; keepalive time 3; connect delay time 1; connect retry time 2; error wait time 1, 5;
  import all; export none;
}
`;

const GOBGP = `[global.config]
  as = 65003
  router-id = "10.0.100.3"
  local-address-list = ["10.0.100.3"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "10.0.100.1"
    peer-as = 65001
  [neighbors.timers.config]
    connect-retry = 1
    hold-time = 9
    keepalive-interval = 3
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
`;

const EXABGP = `neighbor 10.0.24.1 {
    router-id 10.0.24.2;
    local-address 10.0.24.2;
    local-as 65004;
    peer-as 65002;
    hold-time 9;
    family {
        ipv4 unicast;
    }
    static {
        route 10.104.0.0/24 next-hop self;
    }
}
`;

async function fibHas(lab: Lab, node: string, prefix: string, via: string): Promise<void> {
  await waitFor(`${prefix} via ${via} in ${node}'s kernel FIB`, async () => {
    const { stdout } = await lab.exec(node, "ip", [
      prefix.includes(":") ? "-6" : "-4",
      "route",
      "show",
      prefix,
    ]);
    return stdout.includes(`via ${via}`);
  });
}

describe.skipIf(skip)(
  `harness: FRR, BIRD 2, BIRD 1.6, GoBGP, ExaBGP runners${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let lab: Lab;
    let frr: FrrPeer;
    let bird: BirdPeer;
    let bird1: BirdPeer;
    let bird6: BirdPeer;
    let gobgp: GobgpPeer;
    let exa: ExabgpPeer;

    beforeAll(async () => {
      lab = await Lab.create();
      await Promise.all(["frr", "bird", "bird1", "gobgp", "exa"].map((n) => lab.addNode(n)));
      await lab.addSwitch("sw");
      await lab.link("frr", "to-bird", "bird", "to-frr", {
        addrA: "10.0.12.1/30",
        addrB: "10.0.12.2/30",
      });
      await lab.link("frr", "to-b1", "bird1", "to-frr", {
        addrA: ["10.0.13.1/30", "fd00:13::1/64"],
        addrB: ["10.0.13.2/30", "fd00:13::2/64"],
      });
      await lab.link("bird", "to-exa", "exa", "to-bird", {
        addrA: "10.0.24.1/30",
        addrB: "10.0.24.2/30",
      });
      await lab.attach("sw", "frr", "sw0", "10.0.100.1/24");
      await lab.attach("sw", "gobgp", "sw0", "10.0.100.3/24");
      [frr, bird, bird1, bird6, gobgp, exa] = await Promise.all([
        startFrr(lab, "frr", FRR),
        startBird(lab, "bird", BIRD2),
        startBird(lab, "bird1", BIRD1, { variant: "1", name: "bird4" }),
        startBird(lab, "bird1", BIRD6, { variant: "1-6", name: "bird6" }),
        startGobgp(lab, "gobgp", GOBGP),
        startExabgp(lab, "exa", EXABGP),
      ]);
    });

    afterAll(async () => {
      await lab?.cleanup();
    });

    it("brings every session to Established on both ends", async () => {
      await Promise.all([
        frr.waitEstablished("10.0.12.2"),
        bird.waitEstablished("10.0.12.1"),
        frr.waitEstablished("10.0.13.2"),
        bird1.waitEstablished("10.0.13.1"),
        frr.waitEstablished("fd00:13::2"),
        bird6.waitEstablished("fd00:13::1"),
        frr.waitEstablished("10.0.100.3"),
        gobgp.waitEstablished("10.0.100.1"),
        bird.waitEstablished("10.0.24.2"),
        exa.waitEstablished("10.0.24.1"),
      ]);
      const protos = await bird.protocols();
      expect(
        protos.filter((p) => p.proto === "BGP").map((p) => [p.name, p.bgpState, p.neighborAs]),
      ).toEqual([
        ["frr", "Established", 65001],
        ["exa", "Established", 65004],
      ]);
    });

    it("passes routes both ways between FRR and BIRD 2 (RIB and kernel FIB)", async () => {
      await waitForPrefix(frr, "10.102.0.0/24");
      await waitForPrefix(bird, "10.101.0.0/24");
      await fibHas(lab, "frr", "10.102.0.0/24", "10.0.12.2");
      await fibHas(lab, "bird", "10.101.0.0/24", "10.0.12.1");
      const r = (await bird.routes()).find(
        (x) => x.prefix === "10.101.0.0/24" && x.protocol === "frr",
      );
      expect(r).toMatchObject({ primary: true, via: ["10.0.12.1"], asInfo: "AS65001i" });
    });

    it("passes routes between FRR and BIRD 1.6 over IPv4 (bird) and IPv6 (bird6)", async () => {
      await waitForPrefix(bird1, "10.101.0.0/24");
      await waitForPrefix(frr, "10.113.0.0/24");
      await fibHas(lab, "bird1", "10.101.0.0/24", "10.0.13.1");
      await waitForPrefix(bird6, "fd00:101::/64");
      await fibHas(lab, "bird1", "fd00:101::/64", "fd00:13::1");
    });

    it("GoBGP originates on demand and bulk-loads 1000 prefixes through MRT into FRR's FIB", async () => {
      await gobgp.addRoute("10.103.0.0/24", "community", "65003:1", "med", "10");
      await waitForPrefix(frr, "10.103.0.0/24");
      await waitForPrefix(gobgp, "10.101.0.0/24");
      await gobgp.inject(1000, "10.64.0.0", 24, { asPath: [65003, 65100] });
      await waitUntil(
        "1000 injected prefixes via gobgp in frr's kernel FIB",
        async () => {
          const { stdout } = await lab.exec("frr", "ip", [
            "-4",
            "route",
            "show",
            "root",
            "10.64.0.0/14",
          ]);
          return stdout.split("\n").filter((l) => l.includes("via 10.0.100.3")).length;
        },
        (n) => n === 1000,
      );
    });

    it("ExaBGP announces odd attributes and withdraws on demand, and records what it receives", async () => {
      await exa.announce(
        "10.104.1.0/24",
        "med 50 community [65004:1 no-export] large-community [65004:1:2] as-path [ 65004 65010 ( 65020 65021 ) ]",
      );
      await waitForPrefix(bird, "10.104.1.0/24");
      const detail = await bird.birdc("show", "route", "10.104.1.0/24", "all");
      expect(detail).toContain("65004 65010 {65020 65021}");
      expect(detail).toContain("BGP.med: 50");
      expect(detail).toContain("(65004, 1, 2)");
      await exa.withdraw("10.104.1.0/24");
      await waitForPrefix(bird, "10.104.1.0/24", false);
      await waitForPrefix(exa, "10.102.0.0/24");
      const got = await exa.received("10.0.24.1");
      expect(got["10.101.0.0/24"]?.attribute).toMatchObject({ "as-path": [65002, 65001] });
      await expect(
        exa.command("announce route 10.104.9.0/24 next-hop self no-such-attr 1"),
      ).rejects.toThrow(/rejected/);
      await exa.bulkAnnounce(500, "10.128.0.0", 24);
      await waitFor(
        "500 bulk prefixes in bird's RIB",
        async () => (await bird.prefixes()).length >= 500 + 5,
      );
    });

    it("a SIGKILLed BIRD drops the session at FRR; restart brings it back", async () => {
      const old = bird.processId!;
      await bird.kill();
      expect(isAlive(old)).toBe(false);
      await waitFor(
        "frr to see bird's session down",
        async () => (await frr.neighborState("10.0.12.2")) !== "Established",
      );
      await bird.start();
      await frr.waitEstablished("10.0.12.2");
    });

    it("cleanup removes every namespace and process", async () => {
      const namespaces = lab.namespaces();
      const pids = lab.processes().map((p) => p.pid);
      await lab.cleanup();
      expect(namespaces.filter(namespaceExists)).toEqual([]);
      expect(pids.filter(isAlive)).toEqual([]);
    });
  },
);
