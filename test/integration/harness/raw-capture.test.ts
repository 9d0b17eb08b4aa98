// Self-test of the raw BGP peer and the capture check, against FRR:
//   raw (10.0.9.2) --10.0.9.0/30-- frr (AS65001, 10.0.9.1)
// The raw peer opens a session with hand-built bytes, announces a route FRR installs, receives and
// parses FRR's UPDATE; a bad marker and a bad length draw the RFC 4271 §6.1 NOTIFICATIONs; FRR also
// connects to a listening raw peer; tshark finds FRR's traffic clean and flags a crafted bad UPDATE.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Capture } from "../../harness/capture.js";
import { Lab } from "../../harness/netns.js";
import {
  announce,
  attr,
  hex,
  keepalive,
  MessageType,
  message,
  open,
  update,
} from "../../harness/peers/bgp-bytes.js";
import { type FrrPeer, startFrr } from "../../harness/peers/frr.js";
import { RawBgpPeer } from "../../harness/peers/raw.js";
import { waitForPrefix, waitForState } from "../../harness/peers/runner.js";
import { skipReason } from "../../harness/tools.js";

const skip = skipReason("frr", "tcpdump", "tshark");

const FRR = `frr defaults traditional
hostname frr
ip route 10.101.0.0/24 blackhole
!
router bgp 65001
 bgp router-id 10.0.9.1
 no bgp ebgp-requires-policy
 neighbor 10.0.9.2 remote-as 65010
 neighbor 10.0.9.2 timers 3 9
 neighbor 10.0.9.2 timers connect 1
 neighbor 10.0.9.2 passive
 neighbor 10.0.9.6 remote-as 65011
 neighbor 10.0.9.6 timers connect 1
 address-family ipv4 unicast
  network 10.101.0.0/24
 exit-address-family
!
`;

describe.skipIf(skip)(
  `harness: raw BGP peer and capture check${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let lab: Lab;
    let frr: FrrPeer;

    beforeAll(async () => {
      lab = await Lab.create();
      await Promise.all([lab.addNode("frr"), lab.addNode("raw"), lab.addNode("raw2")]);
      await lab.link("frr", "eth0", "raw", "eth0", { addrA: "10.0.9.1/30", addrB: "10.0.9.2/30" });
      await lab.link("frr", "eth1", "raw2", "eth0", { addrA: "10.0.9.5/30", addrB: "10.0.9.6/30" });
      frr = await startFrr(lab, "frr", FRR);
      // FRR refuses connections from a peer it still holds in Idle (the first seconds after start)
      await waitForState(frr, "10.0.9.2", "Active");
    });

    afterAll(async () => {
      await lab?.cleanup();
    });

    it("opens a session with hand-built bytes, announces a route and parses FRR's UPDATE", async () => {
      const cap = await Capture.start(lab, "frr", "eth0");
      const raw = await RawBgpPeer.start(lab, "raw");
      await raw.connect("10.0.9.1");
      const theirOpen = await raw.establish({ as: 65010, bgpId: "10.0.9.2", holdTime: 9 });
      expect(theirOpen.open).toMatchObject({
        version: 4,
        as: 65001,
        bgpId: "10.0.9.1",
        holdTime: 9,
      });
      expect(theirOpen.open?.capabilities.some((c) => c.code === 65)).toBe(true);
      await frr.waitEstablished("10.0.9.2");

      raw.send(announce(["10.50.0.0/24"], [65010], "10.0.9.2", [attr.med(5)]));
      await waitForPrefix(frr, "10.50.0.0/24");
      const rib = await frr.bgpRib();
      expect(JSON.stringify(rib.routes?.["10.50.0.0/24"])).toContain('"metric":5');

      const upd = await raw.waitForMessage(
        (m) => m.update?.nlri.includes("10.101.0.0/24") ?? false,
      );
      const codes = upd.update!.attributes.map((a) => a.code);
      expect(codes).toEqual(expect.arrayContaining([1, 2, 3]));
      raw.send(keepalive());
      const report = await cap.stop();
      expect(report.clean).toBe(true);
      expect(report.messages.OPEN).toBe(2);
      expect(report.messages.UPDATE).toBeGreaterThanOrEqual(2);
      await raw.stop();
    });

    it("a bad marker draws NOTIFICATION 1/1 and a bad length 1/2 (RFC 4271 §6.1)", async () => {
      const raw = await RawBgpPeer.start(lab, "raw");
      await waitForState(frr, "10.0.9.2", "Active");
      await raw.connect("10.0.9.1");
      raw.send(message(MessageType.KEEPALIVE, Buffer.alloc(0), { marker: Buffer.alloc(16, 0) }));
      expect(await raw.waitForNotification()).toMatchObject({ code: 1, subcode: 1 });
      await raw.waitClosed();

      await waitForState(frr, "10.0.9.2", "Active");
      await raw.connect("10.0.9.1");
      raw.send(message(MessageType.KEEPALIVE, Buffer.alloc(0), { length: 18 }));
      expect(await raw.waitForNotification()).toMatchObject({ code: 1, subcode: 2 });
      await raw.waitClosed();
      await raw.stop();
    });

    it("listens, and FRR connects to it", async () => {
      const raw = await RawBgpPeer.start(lab, "raw2");
      await raw.listen("10.0.9.6");
      await raw.waitConnected();
      const theirOpen = await raw.establish({ as: 65011, bgpId: "10.0.9.6" });
      expect(theirOpen.open?.as).toBe(65001);
      await frr.waitEstablished("10.0.9.6");
      await raw.stop();
    });

    it("tshark flags a malformed UPDATE on the wire", async () => {
      const cap = await Capture.start(lab, "frr", "eth0", { name: "cap-bad" });
      const raw = await RawBgpPeer.start(lab, "raw");
      await waitForState(frr, "10.0.9.2", "Active");
      await raw.connect("10.0.9.1");
      await raw.establish({ as: 65010, bgpId: "10.0.9.2", holdTime: 9 });
      // total path attribute length 50 overruns the message; ORIGIN claims 5 bytes
      raw.send(update({ attributes: [hex("40 01 05 00")], attributesLength: 50 }));
      const n = await raw.waitForNotification();
      expect(n.code).toBe(3);
      const report = await cap.stop();
      expect(report.clean).toBe(false);
      expect(report.malformed.length).toBeGreaterThan(0);
      expect(report.malformed.some((f) => f.bgpTypes.split(",").includes("2"))).toBe(true);
      await raw.stop();
    });

    it("open() builds what tshark and FRR accept: 4-octet AS goes out as AS_TRANS", () => {
      const b = open({ as: 4200000001, bgpId: "10.0.0.1" });
      expect(b.readUInt16BE(16)).toBe(b.length);
      expect(b.readUInt16BE(20)).toBe(23456);
    });
  },
);
