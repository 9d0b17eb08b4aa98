// Route reflection and ECMP with FRR 8.4 in namespaces: wren as route reflector for two FRR
// clients (RFC 4456: ORIGINATOR_ID and CLUSTER_LIST set), wren as client of an FRR reflector,
// and two eBGP upstreams with equal-length AS paths giving a multipath best set.
//
//   frr3 ── frr1 ── wren ── frr2
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteView } from "../../../src/common/contracts/speaker.js";
import { type FrrPeer, Lab, skipReason, startFrr, waitUntil } from "../../harness/index.js";
import { ribMissing, SpeakerProcess, speakerJson, wrenBuildMissing } from "./speaker-process.js";

const skip = skipReason("frr") ?? wrenBuildMissing() ?? ribMissing();
const ALL = [{ name: "all", statements: [{ result: "accept" }] }];

const head = (name: string) => `frr defaults datacenter
hostname ${name}
log file /dev/null
!
`;

async function frrPath(frr: FrrPeer, prefix: string): Promise<Record<string, unknown> | undefined> {
  const j = (await frr.json(`show bgp ipv4 unicast ${prefix} json`)) as {
    paths?: Record<string, unknown>[];
  };
  return j.paths?.[0];
}

describe.skipIf(skip)(
  `route reflection and ECMP with FRR${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let lab: Lab;
    beforeAll(async () => {
      lab = await Lab.create();
      for (const n of ["wren", "frr1", "frr2", "frr3"]) await lab.addNode(n);
      await lab.link("wren", "eth1", "frr1", "eth0", {
        addrA: "10.0.11.1/30",
        addrB: "10.0.11.2/30",
      });
      await lab.link("wren", "eth2", "frr2", "eth0", {
        addrA: "10.0.12.1/30",
        addrB: "10.0.12.2/30",
      });
      await lab.link("frr1", "eth1", "frr3", "eth0", {
        addrA: "10.0.13.1/30",
        addrB: "10.0.13.2/30",
      });
    });
    afterAll(() => lab?.cleanup());

    const routes = async (wren: SpeakerProcess, prefix: string) =>
      ((await wren.command({ cmd: "routes", prefix })).result as RouteView[])[0];

    it("wren as route reflector: a client's route reaches the other client with ORIGINATOR_ID and CLUSTER_LIST", async () => {
      const client = (n: 1 | 2, net: string) =>
        `${head(`frr${n}`)}ip route ${net} blackhole
ip route 10.0.0.0/16 10.0.1${n}.1
router bgp 65001
 bgp router-id 10.0.1${n}.2
 neighbor 10.0.1${n}.1 remote-as 65001
 neighbor 10.0.1${n}.1 timers 3 9
 neighbor 10.0.1${n}.1 timers connect 1
 address-family ipv4 unicast
  network ${net}
 exit-address-family
`;
      const frr1 = await startFrr(lab, "frr1", client(1, "10.111.0.0/24"));
      const frr2 = await startFrr(lab, "frr2", client(2, "10.112.0.0/24"));
      const peer = (name: string, address: string) => ({
        name,
        address,
        asNumber: 65001,
        rrClient: true,
        holdTime: 9,
        connectRetryTime: 1,
        exportPolicy: ["all"],
      });
      const wren = await SpeakerProcess.start(
        lab,
        "wren",
        speakerJson({
          routerId: "10.0.0.1",
          asNumber: 65001,
          peers: [peer("frr1", "10.0.11.2"), peer("frr2", "10.0.12.2")],
          extra: { policies: ALL, clusterId: "10.0.0.100" },
        }),
      );
      try {
        await wren.waitEstablished("frr1");
        await wren.waitEstablished("frr2");
        const reflected = await waitUntil(
          "frr2 to receive frr1's route",
          () => frrPath(frr2, "10.111.0.0/24"),
          (p) => p !== undefined,
          { timeoutMs: 30_000 },
        );
        expect(reflected!.originatorId).toBe("10.0.11.2");
        expect(JSON.stringify(reflected!.clusterList)).toContain("10.0.0.100");
        expect(JSON.stringify(reflected!.nexthops)).toContain("10.0.11.2"); // next hop unchanged on iBGP
        const back = await waitUntil(
          "frr1 to receive frr2's route",
          () => frrPath(frr1, "10.112.0.0/24"),
          (p) => p !== undefined,
          { timeoutMs: 30_000 },
        );
        expect(back!.originatorId).toBe("10.0.12.2");
        expect((await wren.peer("frr1")).rrClient).toBe(true);
      } finally {
        await wren.stop("withdraw");
        await frr1.stop();
        await frr2.stop();
      }
    });

    it("wren as client of an FRR reflector: frr3's route arrives with FRR's cluster list", async () => {
      const frr1 = await startFrr(
        lab,
        "frr1",
        `${head("frr1")}router bgp 65001
 bgp router-id 10.0.11.2
 bgp cluster-id 10.0.0.200
 neighbor 10.0.11.1 remote-as 65001
 neighbor 10.0.11.1 timers 3 9
 neighbor 10.0.11.1 timers connect 1
 neighbor 10.0.13.2 remote-as 65001
 neighbor 10.0.13.2 timers 3 9
 neighbor 10.0.13.2 timers connect 1
 address-family ipv4 unicast
  neighbor 10.0.11.1 route-reflector-client
  neighbor 10.0.13.2 route-reflector-client
 exit-address-family
`,
      );
      const frr3 = await startFrr(
        lab,
        "frr3",
        `${head("frr3")}ip route 10.113.0.0/24 blackhole
router bgp 65001
 bgp router-id 10.0.13.2
 neighbor 10.0.13.1 remote-as 65001
 neighbor 10.0.13.1 timers 3 9
 neighbor 10.0.13.1 timers connect 1
 address-family ipv4 unicast
  network 10.113.0.0/24
 exit-address-family
`,
      );
      const wren = await SpeakerProcess.start(
        lab,
        "wren",
        speakerJson({
          routerId: "10.0.0.1",
          asNumber: 65001,
          originate: ["10.101.0.0/24"],
          peers: [
            {
              name: "rr",
              address: "10.0.11.2",
              asNumber: 65001,
              holdTime: 9,
              connectRetryTime: 1,
              exportPolicy: ["all"],
            },
          ],
          extra: { policies: ALL },
        }),
      );
      try {
        await wren.waitEstablished("rr");
        const r = await waitUntil(
          "wren to learn frr3's route via the reflector",
          () => routes(wren, "10.113.0.0/24"),
          (x) => x !== undefined,
          { timeoutMs: 30_000 },
        );
        expect(r!.paths[0]).toMatchObject({ originatorId: "10.0.13.2", nexthop: "10.0.13.2" });
        expect(r!.paths[0].clusterList).toEqual(["10.0.0.200"]);
        // and wren's own route goes the other way through the reflector
        await waitUntil(
          "frr3 to learn wren's route",
          () => frrPath(frr3, "10.101.0.0/24"),
          (p) => p !== undefined,
          { timeoutMs: 30_000 },
        );
      } finally {
        await wren.stop("withdraw");
        await frr1.stop();
        await frr3.stop();
      }
    });

    it("ECMP: two eBGP upstreams with equal-length AS paths form a multipath set (multipath-relax)", async () => {
      const upstream = (n: 1 | 2, as: number) =>
        `${head(`frr${n}`)}ip route 10.120.0.0/24 blackhole
router bgp ${as}
 bgp router-id 10.0.1${n}.2
 no bgp ebgp-requires-policy
 neighbor 10.0.1${n}.1 remote-as 65001
 neighbor 10.0.1${n}.1 timers 3 9
 neighbor 10.0.1${n}.1 timers connect 1
 address-family ipv4 unicast
  network 10.120.0.0/24
 exit-address-family
`;
      const frr1 = await startFrr(lab, "frr1", upstream(1, 65101));
      const frr2 = await startFrr(lab, "frr2", upstream(2, 65102));
      const cfg = (maxPaths: number, multipathRelax: boolean) =>
        speakerJson({
          routerId: "10.0.0.1",
          asNumber: 65001,
          peers: [
            {
              name: "up1",
              address: "10.0.11.2",
              asNumber: 65101,
              holdTime: 9,
              connectRetryTime: 1,
            },
            {
              name: "up2",
              address: "10.0.12.2",
              asNumber: 65102,
              holdTime: 9,
              connectRetryTime: 1,
            },
          ],
          extra: { maxPaths, multipathRelax },
        });
      const wren = await SpeakerProcess.start(lab, "wren", cfg(2, true));
      try {
        await wren.waitEstablished("up1");
        await wren.waitEstablished("up2");
        const r = await waitUntil(
          "two paths for 10.120.0.0/24",
          () => routes(wren, "10.120.0.0/24"),
          (x) => (x?.paths.length ?? 0) === 2,
          { timeoutMs: 30_000 },
        );
        const used = r!.paths.filter((p) => p.best || p.multipath);
        expect(used.map((p) => p.nexthop).sort()).toEqual(["10.0.11.2", "10.0.12.2"]);
        expect(r!.paths.filter((p) => p.best)).toHaveLength(1);
        // without multipath-relax, different neighbour ASes are not combined
        await wren.command({ cmd: "configure", config: cfg(2, false) });
        await waitUntil(
          "a single path in use",
          () => routes(wren, "10.120.0.0/24"),
          (x) => x !== undefined && x.paths.filter((p) => p.best || p.multipath).length === 1,
          { timeoutMs: 20_000 },
        );
        expect((await wren.peer("up1")).bgpState).toBe("Established");
      } finally {
        await wren.stop("withdraw");
        await frr1.stop();
        await frr2.stop();
      }
    });
  },
);
