// Capabilities with FRR 8.4 beyond the basics: ADD-PATH (RFC 7911) — wren sends both paths of a
// prefix to a downstream FRR that advertises ADD-PATH receive — and extended next hop (RFC 8950)
// — IPv4 routes over an IPv6-only session, with IPv6 next hops, both ways.
//
//   frr1 (AS 65101) ─┐
//                    wren ── frr3 (downstream, ADD-PATH receive; IPv6-only session for ENH)
//   frr2 (AS 65102) ─┘
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteView } from "../../../src/common/contracts/speaker.js";
import { Lab, skipReason, startFrr, waitUntil } from "../../harness/index.js";
import { ribMissing, SpeakerProcess, speakerJson, wrenBuildMissing } from "./speaker-process.js";

const skip = skipReason("frr") ?? wrenBuildMissing() ?? ribMissing();
const ALL = [{ name: "all", statements: [{ result: "accept" }] }];
const head = (name: string) => `frr defaults datacenter
hostname ${name}
log file /dev/null
!
`;

describe.skipIf(skip)(
  `ADD-PATH and extended next hop with FRR${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let lab: Lab;
    beforeAll(async () => {
      lab = await Lab.create();
      for (const n of ["wren", "frr1", "frr2", "frr3"]) await lab.addNode(n);
      await lab.link("wren", "eth1", "frr1", "eth0", {
        addrA: "10.0.41.1/30",
        addrB: "10.0.41.2/30",
      });
      await lab.link("wren", "eth2", "frr2", "eth0", {
        addrA: "10.0.42.1/30",
        addrB: "10.0.42.2/30",
      });
      await lab.link("wren", "eth3", "frr3", "eth0", {
        addrA: ["10.0.43.1/30", "fd00:43::1/64"],
        addrB: ["10.0.43.2/30", "fd00:43::2/64"],
      });
    });
    afterAll(() => lab?.cleanup());

    it("ADD-PATH: the downstream FRR receives both paths of a prefix from wren", async () => {
      const upstream = (n: 1 | 2) =>
        `${head(`frr${n}`)}ip route 10.140.0.0/24 blackhole
router bgp 6510${n}
 bgp router-id 10.0.4${n}.2
 no bgp ebgp-requires-policy
 neighbor 10.0.4${n}.1 remote-as 65001
 neighbor 10.0.4${n}.1 timers 3 9
 neighbor 10.0.4${n}.1 timers connect 1
 address-family ipv4 unicast
  network 10.140.0.0/24
 exit-address-family
`;
      const frr1 = await startFrr(lab, "frr1", upstream(1));
      const frr2 = await startFrr(lab, "frr2", upstream(2));
      const frr3 = await startFrr(
        lab,
        "frr3",
        `${head("frr3")}router bgp 65103
 bgp router-id 10.0.43.2
 no bgp ebgp-requires-policy
 neighbor 10.0.43.1 remote-as 65001
 neighbor 10.0.43.1 timers 3 9
 neighbor 10.0.43.1 timers connect 1
`,
      );
      const common = { holdTime: 9, connectRetryTime: 1 };
      const wren = await SpeakerProcess.start(
        lab,
        "wren",
        speakerJson({
          routerId: "10.0.0.1",
          asNumber: 65001,
          peers: [
            { name: "up1", address: "10.0.41.2", asNumber: 65101, ...common },
            { name: "up2", address: "10.0.42.2", asNumber: 65102, ...common },
            {
              name: "down",
              address: "10.0.43.2",
              asNumber: 65103,
              addPaths: "send",
              exportPolicy: ["all"],
              ...common,
            },
          ],
          extra: { policies: ALL },
        }),
      );
      try {
        const down = await wren.waitEstablished("down");
        expect(down.negotiated?.addPathSend).toEqual(["ipv4-unicast"]);
        const paths = await waitUntil(
          "FRR to hold two paths for 10.140.0.0/24 from wren",
          async () =>
            (
              (await frr3.json("show bgp ipv4 unicast 10.140.0.0/24 json")) as {
                paths?: { aspath?: { string: string } }[];
              }
            ).paths ?? [],
          (p) => p.length === 2,
          { timeoutMs: 30_000 },
        );
        expect(paths.map((p) => p.aspath?.string).sort()).toEqual(["65001 65101", "65001 65102"]);
      } finally {
        await wren.stop("withdraw");
        await Promise.all([frr1.stop(), frr2.stop(), frr3.stop()]);
      }
    });

    it("extended next hop: IPv4 routes over an IPv6-only session, both ways", async () => {
      const frr3 = await startFrr(
        lab,
        "frr3",
        `${head("frr3")}ip route 10.150.0.0/24 blackhole
router bgp 65103
 bgp router-id 10.0.43.2
 no bgp ebgp-requires-policy
 neighbor fd00:43::1 remote-as 65001
 neighbor fd00:43::1 timers 3 9
 neighbor fd00:43::1 timers connect 1
 neighbor fd00:43::1 capability extended-nexthop
 address-family ipv4 unicast
  network 10.150.0.0/24
  neighbor fd00:43::1 activate
 exit-address-family
 address-family ipv6 unicast
  neighbor fd00:43::1 activate
 exit-address-family
`,
      );
      const wren = await SpeakerProcess.start(
        lab,
        "wren",
        speakerJson({
          routerId: "10.0.0.1",
          asNumber: 65001,
          originate: ["10.151.0.0/24"],
          peers: [
            {
              name: "v6",
              address: "fd00:43::2",
              asNumber: 65103,
              families: ["ipv4", "ipv6"],
              holdTime: 9,
              connectRetryTime: 1,
              exportPolicy: ["all"],
            },
          ],
          extra: { policies: ALL },
        }),
      );
      try {
        const p = await wren.waitEstablished("v6");
        expect(p.negotiated?.families).toEqual(["ipv4-unicast", "ipv6-unicast"]);
        const r = await waitUntil(
          "wren to learn 10.150.0.0/24 over IPv6",
          async () =>
            (
              (await wren.command({ cmd: "routes", prefix: "10.150.0.0/24" })).result as RouteView[]
            )[0],
          (x) => x !== undefined,
          { timeoutMs: 30_000 },
        );
        expect(r!.paths[0].nexthop).toMatch(/^fd00:43::2$|^fe80:/);
        await waitUntil(
          "FRR to learn wren's IPv4 route with an IPv6 next hop",
          async () =>
            (await frr3.json("show bgp ipv4 unicast 10.151.0.0/24 json")) as {
              paths?: { nexthops?: { ip: string; afi: string }[] }[];
            },
          (x) => (x.paths?.[0]?.nexthops ?? []).some((n) => n.afi === "ipv6"),
          { timeoutMs: 30_000 },
        );
      } finally {
        await wren.stop("withdraw");
        await frr3.stop();
      }
    });
  },
);
