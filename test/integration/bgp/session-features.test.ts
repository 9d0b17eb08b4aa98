// Session features against FRR 8.4 and a raw peer: connection collisions (RFC 4271 §6.8) with
// both router-ID orders (FRR, and forced with two raw connections), GTSM (RFC 5082) accepted and refused, header errors from a raw peer
// answered with the RFC 4271 §6.1 NOTIFICATIONs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSockopt } from "../../../src/bgp/session/sockopt.js";
import { Lab, RawBgpPeer, skipReason, startFrr, waitUntil } from "../../harness/index.js";
import { keepalive, message, open } from "../../harness/peers/bgp-bytes.js";
import { SpeakerProcess, speakerJson, wrenBuildMissing } from "./speaker-process.js";

const skip = skipReason("frr") ?? wrenBuildMissing();

const frrConf = (routerId: string, extra = "") => `frr defaults datacenter
hostname frr
log file /dev/null
!
router bgp 65002
 bgp router-id ${routerId}
 no bgp ebgp-requires-policy
 neighbor 10.0.6.1 remote-as 65001
 neighbor 10.0.6.1 timers 3 9
 neighbor 10.0.6.1 timers connect 1
${extra}`;

async function establishedConnections(lab: Lab, node: string): Promise<number> {
  const { stdout } = await lab.exec(node, "ss", [
    "-Htn",
    "state",
    "established",
    "( sport = :179 or dport = :179 )",
  ]);
  return stdout.split("\n").filter((l) => l.trim()).length;
}

describe.skipIf(skip)(`session features${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create();
    await lab.addNode("wren");
    await lab.addNode("frr");
    await lab.addNode("raw");
    await lab.link("wren", "eth0", "frr", "eth0", { addrA: "10.0.6.1/30", addrB: "10.0.6.2/30" });
    await lab.link("wren", "eth1", "raw", "eth0", { addrA: "10.0.7.1/30", addrB: "10.0.7.2/30" });
  });
  afterAll(() => lab?.cleanup());

  for (const [label, frrId] of [
    ["FRR has the higher BGP identifier", "10.0.6.9"],
    ["FRR has the lower BGP identifier", "10.0.0.9"],
  ] as const) {
    it(`collision, both sides dialling (${label}): one connection survives, Established both sides`, async () => {
      const frr = await startFrr(lab, "frr", frrConf(frrId));
      const wren = await SpeakerProcess.start(
        lab,
        "wren",
        speakerJson({
          routerId: "10.0.6.1",
          asNumber: 65001,
          peers: [
            {
              name: "frr",
              address: "10.0.6.2",
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
        await frr.waitEstablished("10.0.6.1");
        // settle: a losing connection, if any, is gone within a moment
        await waitUntil(
          "a single BGP connection",
          () => establishedConnections(lab, "wren"),
          (n) => n === 1,
          { timeoutMs: 10_000 },
        );
        await new Promise((r) => setTimeout(r, 3500));
        expect((await wren.peer("frr")).bgpState).toBe("Established");
        expect(await establishedConnections(lab, "wren")).toBe(1);
      } finally {
        await wren.stop("withdraw");
        await frr.stop();
      }
    });
  }

  for (const [label, rawId, loser] of [
    ["the peer's identifier is higher: our own connection gives way", "10.0.7.2", "ours"],
    ["the peer's identifier is lower: the peer's connection gives way", "10.0.0.2", "theirs"],
  ] as const) {
    it(`forced collision (RFC 4271 §6.8), ${label}`, async () => {
      // raw-L accepts wren's connection; raw-C opens one to wren; both send OPEN with the same id,
      // raw-C's first so that wren is in OpenConfirm on it when raw-L's OPEN arrives.
      const listener = await RawBgpPeer.start(lab, "raw");
      await listener.listen("10.0.7.2", 179);
      const wren = await SpeakerProcess.start(
        lab,
        "wren",
        speakerJson({
          routerId: "10.0.7.1",
          asNumber: 65001,
          peers: [
            {
              name: "raw",
              address: "10.0.7.2",
              asNumber: 65002,
              holdTime: 90,
              connectRetryTime: 1,
            },
          ],
        }),
      );
      const dialer = await RawBgpPeer.start(lab, "raw");
      try {
        await listener.waitConnected();
        await listener.waitForMessage(1); // wren's OPEN on its own connection
        await dialer.connect("10.0.7.1", 179);
        dialer.send(open({ as: 65002, bgpId: rawId, holdTime: 90 }));
        await dialer.waitForMessage(4); // wren's KEEPALIVE: that connection is in OpenConfirm
        listener.send(open({ as: 65002, bgpId: rawId, holdTime: 90 }));
        const [gone, kept] = loser === "ours" ? [listener, dialer] : [dialer, listener];
        const n = await gone.waitForNotification();
        expect({ code: n.code, subcode: n.subcode }).toEqual({ code: 6, subcode: 7 });
        await gone.waitClosed();
        kept.send(keepalive());
        await wren.waitEstablished("raw", 10_000);
        expect(kept.closed).toBe(false);
      } finally {
        await dialer.stop();
        await listener.stop();
        await wren.stop("withdraw");
      }
    });
  }

  it.skipIf(!loadSockopt())(
    `GTSM: with ttl-security on both sides Established; against a TTL-1 sender never${loadSockopt() ? "" : " (skipped: the socket-option addon is not built)"}`,
    async () => {
      const frr = await startFrr(
        lab,
        "frr",
        frrConf("10.0.6.2", " neighbor 10.0.6.1 ttl-security hops 1\n"),
      );
      const peer = {
        name: "frr",
        address: "10.0.6.2",
        asNumber: 65002,
        holdTime: 9,
        keepaliveTime: 3,
        connectRetryTime: 1,
        ttlSecurity: 1,
      };
      let wren = await SpeakerProcess.start(
        lab,
        "wren",
        speakerJson({ routerId: "10.0.6.1", asNumber: 65001, peers: [peer] }),
      );
      try {
        await wren.waitEstablished("frr");
        await frr.waitEstablished("10.0.6.1");
        await wren.stop("withdraw");
        await frr.stop();
        // FRR without ttl-security sends eBGP packets with TTL 1: wren (min TTL 255) must drop them
        const plain = await startFrr(lab, "frr", frrConf("10.0.6.2"));
        wren = await SpeakerProcess.start(
          lab,
          "wren",
          speakerJson({
            routerId: "10.0.6.1",
            asNumber: 65001,
            peers: [{ ...peer, passive: true }],
          }),
        );
        await new Promise((r) => setTimeout(r, 5000));
        expect((await wren.peer("frr")).bgpState).not.toBe("Established");
        await plain.stop();
      } finally {
        await wren.stop("withdraw");
        await frr.stop().catch(() => {});
      }
    },
  );

  it.skipIf(!loadSockopt() || skipReason("tcpdump") !== undefined)(
    `BGP packets leave marked DSCP CS6 (TOS 0xc0), like BIRD and FRR${loadSockopt() ? "" : " (skipped: the socket-option addon is not built)"}`,
    async () => {
      const frr = await startFrr(lab, "frr", frrConf("10.0.6.2"));
      const dump = lab.exec(
        "frr",
        "timeout",
        [
          "20",
          "tcpdump",
          "-i",
          "eth0",
          "-n",
          "-v",
          "-c",
          "4",
          "tcp and src host 10.0.6.1 and port 179",
        ],
        { allowFailure: true },
      );
      await new Promise((r) => setTimeout(r, 500));
      const wren = await SpeakerProcess.start(
        lab,
        "wren",
        speakerJson({
          routerId: "10.0.6.1",
          asNumber: 65001,
          peers: [
            {
              name: "frr",
              address: "10.0.6.2",
              asNumber: 65002,
              holdTime: 9,
              keepaliveTime: 3,
              connectRetryTime: 1,
            },
          ],
        }),
      );
      try {
        const { stdout } = await dump;
        const headers = stdout.split("\n").filter((l) => /^\d/.test(l) && l.includes(" IP "));
        expect(headers.length).toBeGreaterThanOrEqual(1);
        for (const h of headers) expect(h).toContain("tos 0xc0");
      } finally {
        await wren.stop("withdraw");
        await frr.stop();
      }
    },
  );

  it("raw peer: bad marker, bad length and bad type get their NOTIFICATIONs, then a valid OPEN is accepted", async () => {
    const cfg = speakerJson({
      routerId: "10.0.7.1",
      asNumber: 65001,
      peers: [{ name: "raw", address: "10.0.7.2", asNumber: 65002, holdTime: 9, passive: true }],
    });
    let wren = await SpeakerProcess.start(lab, "wren", cfg);
    try {
      const cases: { what: string; bytes: Buffer; code: number; subcode: number }[] = [
        {
          what: "bad marker",
          bytes: message(4, Buffer.alloc(0), { marker: Buffer.alloc(16) }),
          code: 1,
          subcode: 1,
        },
        {
          what: "length below 19",
          bytes: message(4, Buffer.alloc(0), { length: 18 }),
          code: 1,
          subcode: 2,
        },
        { what: "type 9", bytes: message(9, Buffer.alloc(0)), code: 1, subcode: 3 },
      ];
      for (const c of cases) {
        const raw = await RawBgpPeer.start(lab, "raw");
        try {
          await raw.connect("10.0.7.1", 179);
          raw.send(c.bytes);
          const n = await raw.waitForNotification();
          expect({ what: c.what, code: n.code, subcode: n.subcode }).toEqual({
            what: c.what,
            code: c.code,
            subcode: c.subcode,
          });
          await raw.waitClosed();
        } finally {
          await raw.stop();
        }
        expect((await wren.peer("raw")).bgpState).toBe("Idle");
        if (c === cases[0]) {
          // the error wait (5 s after a first error) ends and wren accepts again
          await wren.waitPeer("raw", "back to Active", (p) => p.bgpState === "Active", 20_000);
        } else {
          // later errors wait 10 s, 20 s...: start afresh instead of waiting
          await wren.stop("withdraw");
          wren = await SpeakerProcess.start(lab, "wren", cfg);
        }
      }
      // a valid OPEN + KEEPALIVE brings the session up
      const raw = await RawBgpPeer.start(lab, "raw");
      try {
        await raw.connect("10.0.7.1", 179);
        raw.send(open({ as: 65002, bgpId: "10.0.7.2", holdTime: 9 }));
        raw.send(keepalive());
        await wren.waitEstablished("raw", 10_000);
      } finally {
        await raw.stop();
      }
    } finally {
      await wren.stop("withdraw");
    }
  });
});
