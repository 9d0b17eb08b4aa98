// wren speaker ↔ FRR 8.4 in namespaces: sessions (eBGP, iBGP, IPv4 and IPv6 transport), both
// sides' views, hold timer expiry, NOTIFICATIONs for bad OPENs, shutdown communication, TCP-MD5.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FrrPeer, Lab, skipReason, startFrr, waitUntil } from "../../harness/index.js";
import { SpeakerProcess, speakerJson, wrenBuildMissing } from "./speaker-process.js";

const skip = skipReason("frr") ?? wrenBuildMissing();

function frrConf(extra: string): string {
  return `frr defaults datacenter
hostname frr
log file /dev/null
!
${extra}
`;
}

describe.skipIf(skip)(`wren speaker with FRR 8.4${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create();
    await lab.addNode("wren");
    await lab.addNode("frr");
    await lab.link("wren", "eth0", "frr", "eth0", {
      addrA: ["10.0.1.1/30", "fd00:1::1/64"],
      addrB: ["10.0.1.2/30", "fd00:1::2/64"],
    });
  });
  afterAll(() => lab?.cleanup());

  it("eBGP over IPv4 and iBGP over IPv6: Established on both sides with the negotiated view", async () => {
    const frr = await startFrr(
      lab,
      "frr",
      frrConf(`router bgp 65002
 bgp router-id 10.0.1.2
 no bgp ebgp-requires-policy
 neighbor 10.0.1.1 remote-as 65001
 neighbor 10.0.1.1 timers 3 9
 neighbor 10.0.1.1 timers connect 1
 neighbor fd00:1::1 remote-as 65002
 neighbor fd00:1::1 timers 3 9
 neighbor fd00:1::1 timers connect 1
 address-family ipv6 unicast
  neighbor fd00:1::1 activate
 exit-address-family
`),
    );
    const wren = await SpeakerProcess.start(
      lab,
      "wren",
      speakerJson({
        routerId: "10.0.1.1",
        asNumber: 65001,
        peers: [
          {
            name: "frr_v4",
            address: "10.0.1.2",
            asNumber: 65002,
            holdTime: 9,
            keepaliveTime: 3,
            connectRetryTime: 1,
          },
          // iBGP needs the same AS on our side: a per-peer local AS
          {
            name: "frr_v6",
            address: "fd00:1::2",
            asNumber: 65002,
            localAsNumber: 65002,
            holdTime: 9,
            keepaliveTime: 3,
            connectRetryTime: 1,
          },
        ],
      }),
    );
    try {
      const v4 = await wren.waitEstablished("frr_v4");
      const v6 = await wren.waitEstablished("frr_v6");
      await frr.waitEstablished("10.0.1.1");
      await frr.waitEstablished("fd00:1::1");
      expect(v4.negotiated).toMatchObject({
        holdTime: 9,
        keepaliveTime: 3,
        as4: true,
        families: ["ipv4-unicast"],
        routeRefresh: true,
        gracefulRestart: true,
        remoteRouterId: "10.0.1.2",
      });
      expect(typeof v4.negotiated?.remoteHostname).toBe("string");
      expect(v6.negotiated).toMatchObject({ families: ["ipv6-unicast"] });
      expect(v4.state).toBe("up");
      const sum = (await frr.json("show bgp neighbors 10.0.1.1 json")) as Record<
        string,
        Record<string, unknown>
      >;
      const n = sum["10.0.1.1"];
      expect(n.bgpState).toBe("Established");
      expect(n.remoteAs).toBe(65001);
      expect(n.nbrExternalLink).toBe(true);
      const summary = (await frr.json("show bgp summary json")) as {
        ipv4Unicast: { peers: Record<string, { state: string; remoteAs: number }> };
        ipv6Unicast: { peers: Record<string, { state: string }> };
      };
      expect(summary.ipv4Unicast.peers["10.0.1.1"]).toMatchObject({
        state: "Established",
        remoteAs: 65001,
      });
      expect(summary.ipv6Unicast.peers["fd00:1::1"]).toMatchObject({ state: "Established" });
      const n6 = (
        (await frr.json("show bgp neighbors fd00:1::1 json")) as Record<
          string,
          Record<string, unknown>
        >
      )["fd00:1::1"];
      expect(n6.nbrInternalLink).toBe(true);
      // keepalives flow: FRR counts more than one after a few seconds
      await waitUntil(
        "FRR to receive keepalives from wren",
        async () =>
          (
            (await frr.json("show bgp neighbors 10.0.1.1 json")) as Record<
              string,
              { messageStats: { keepalivesRecv: number } }
            >
          )["10.0.1.1"].messageStats.keepalivesRecv,
        (k) => k >= 3,
        { timeoutMs: 20_000 },
      );
      expect((await wren.peer("frr_v4")).messages.keepalivesIn).toBeGreaterThanOrEqual(1);

      // administrative shutdown from wren reaches FRR with its RFC 9003 message
      await wren.command({
        cmd: "configure",
        config: speakerJson({
          routerId: "10.0.1.1",
          asNumber: 65001,
          peers: [
            {
              name: "frr_v4",
              address: "10.0.1.2",
              asNumber: 65002,
              holdTime: 9,
              keepaliveTime: 3,
              connectRetryTime: 1,
              shutdown: true,
            },
            {
              name: "frr_v6",
              address: "fd00:1::2",
              asNumber: 65002,
              localAsNumber: 65002,
              holdTime: 9,
              keepaliveTime: 3,
              connectRetryTime: 1,
            },
          ],
        }),
      });
      await waitUntil(
        "FRR to record wren's shutdown",
        async () =>
          (
            (await frr.json("show bgp neighbors 10.0.1.1 json")) as Record<
              string,
              Record<string, unknown>
            >
          )["10.0.1.1"],
        (x) => x.bgpState !== "Established" && typeof x.lastNotificationReason === "string",
        { timeoutMs: 20_000 },
      );
      const after = (
        (await frr.json("show bgp neighbors 10.0.1.1 json")) as Record<
          string,
          Record<string, unknown>
        >
      )["10.0.1.1"];
      expect(String(after.lastNotificationReason)).toMatch(/Cease/);
      expect(JSON.stringify(after)).toContain("shut down by wren configuration");
      // the other session was not touched
      expect((await wren.peer("frr_v6")).bgpState).toBe("Established");
    } finally {
      await wren.stop("withdraw");
      await frr.stop();
    }
  });

  it("hold timer expiry: wren notices a silent peer and says so like BIRD", async () => {
    const frr = await startFrr(
      lab,
      "frr",
      frrConf(`router bgp 65002
 bgp router-id 10.0.1.2
 no bgp ebgp-requires-policy
 neighbor 10.0.1.1 remote-as 65001
 neighbor 10.0.1.1 timers 3 9
 neighbor 10.0.1.1 timers connect 1
`),
    );
    const wren = await SpeakerProcess.start(
      lab,
      "wren",
      speakerJson({
        routerId: "10.0.1.1",
        asNumber: 65001,
        peers: [
          {
            name: "frr",
            address: "10.0.1.2",
            asNumber: 65002,
            holdTime: 9,
            keepaliveTime: 3,
            connectRetryTime: 1,
          },
        ],
      }),
    );
    try {
      await wren.waitEstablished("frr");
      // silence FRR: its end of the link goes down, so nothing flows and no FIN/RST is sent
      await lab.sh("frr", "ip link set eth0 down");
      const p = await wren.waitPeer(
        "frr",
        "hold timer expiry",
        (x) => x.lastError === "BGP Error: Hold timer expired",
        20_000,
      );
      expect(p.bgpState).not.toBe("Established");
      await lab.sh("frr", "ip link set eth0 up");
      await wren.waitEstablished("frr", 60_000);
    } finally {
      await wren.stop("withdraw");
      await frr.stop();
    }
  });

  it("a bad OPEN (wrong AS) is answered with OPEN Message Error / Bad Peer AS, seen by FRR", async () => {
    const frr = await startFrr(
      lab,
      "frr",
      frrConf(`router bgp 65002
 bgp router-id 10.0.1.2
 no bgp ebgp-requires-policy
 neighbor 10.0.1.1 remote-as 65001
 neighbor 10.0.1.1 timers 3 9
 neighbor 10.0.1.1 timers connect 1
`),
    );
    // wren expects AS 65009 from FRR
    const wren = await SpeakerProcess.start(
      lab,
      "wren",
      speakerJson({
        routerId: "10.0.1.1",
        asNumber: 65001,
        peers: [
          { name: "frr", address: "10.0.1.2", asNumber: 65009, holdTime: 9, connectRetryTime: 1 },
        ],
      }),
    );
    try {
      const p = await wren.waitPeer(
        "frr",
        "Bad peer AS",
        (x) => x.lastError === "BGP Error: Bad peer AS",
        20_000,
      );
      expect(p.messages.notificationsOut).toBeGreaterThanOrEqual(1);
      await waitUntil(
        "FRR to record the NOTIFICATION",
        async () =>
          (
            (await frr.json("show bgp neighbors 10.0.1.1 json")) as Record<
              string,
              Record<string, unknown>
            >
          )["10.0.1.1"],
        (x) =>
          /OPEN Message Error\/Bad Peer AS/.test(
            String(x.lastNotificationReason ?? x.lastResetDueTo ?? ""),
          ),
        { timeoutMs: 20_000 },
      );
    } finally {
      await wren.stop("withdraw");
      await frr.stop();
    }
  });

  it("TCP-MD5: sessions come up with the right password and not with a wrong one", async () => {
    const frr = await startFrr(
      lab,
      "frr",
      frrConf(`router bgp 65002
 bgp router-id 10.0.1.2
 no bgp ebgp-requires-policy
 neighbor 10.0.1.1 remote-as 65001
 neighbor 10.0.1.1 password s3cret
 neighbor 10.0.1.1 timers 3 9
 neighbor 10.0.1.1 timers connect 1
`),
    );
    const cfg = (password: string) =>
      speakerJson({
        routerId: "10.0.1.1",
        asNumber: 65001,
        peers: [
          {
            name: "frr",
            address: "10.0.1.2",
            asNumber: 65002,
            holdTime: 9,
            connectRetryTime: 1,
            password,
          },
        ],
      });
    let wren = await SpeakerProcess.start(lab, "wren", cfg("wrong"));
    try {
      await new Promise((r) => setTimeout(r, 4000));
      expect((await wren.peer("frr")).bgpState).not.toBe("Established");
      await wren.stop("withdraw");
      wren = await SpeakerProcess.start(lab, "wren", cfg("s3cret"));
      await wren.waitEstablished("frr");
      await frr.waitEstablished("10.0.1.1");
    } finally {
      await wren.stop("withdraw");
      await frr.stop();
    }
  });
});

export type { FrrPeer };
