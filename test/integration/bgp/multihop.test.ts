// eBGP TTL handling through a router namespace (wren ── r ── frr, two hops): with `multihop: 2`
// wren's packets survive the router and the session comes up; without multihop wren sends eBGP
// packets with TTL 1 (like BIRD and FRR), they die at the router and the session never does.
// Also a peer whose OPEN has no family in common gets OPEN Message Error / Unsupported Capability.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSockopt } from "../../../src/bgp/session/sockopt.js";
import { Lab, RawBgpPeer, skipReason, startFrr } from "../../harness/index.js";
import { cap, open } from "../../harness/peers/bgp-bytes.js";
import { SpeakerProcess, speakerJson, wrenBuildMissing } from "./speaker-process.js";

const skip =
  skipReason("frr") ??
  wrenBuildMissing() ??
  (loadSockopt() ? undefined : "the socket-option addon is not built");

describe.skipIf(skip)(`eBGP multihop TTL${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create();
    for (const n of ["wren", "r", "frr", "raw"]) await lab.addNode(n);
    await lab.link("wren", "eth0", "r", "eth0", { addrA: "10.0.30.1/30", addrB: "10.0.30.2/30" });
    await lab.link("r", "eth1", "frr", "eth0", { addrA: "10.0.31.1/30", addrB: "10.0.31.2/30" });
    await lab.link("wren", "eth1", "raw", "eth0", { addrA: "10.0.32.1/30", addrB: "10.0.32.2/30" });
    await lab.route("wren", { to: "10.0.31.0/30", via: "10.0.30.2" });
    await lab.route("frr", { to: "10.0.30.0/30", via: "10.0.31.1" });
  });
  afterAll(() => lab?.cleanup());

  const frrConf = `frr defaults datacenter
hostname frr
log file /dev/null
!
router bgp 65002
 bgp router-id 10.0.31.2
 no bgp ebgp-requires-policy
 neighbor 10.0.30.1 remote-as 65001
 neighbor 10.0.30.1 ebgp-multihop 2
 neighbor 10.0.30.1 timers 3 9
 neighbor 10.0.30.1 timers connect 1
`;

  it("multihop 2 crosses the router; the default TTL 1 does not", async () => {
    const frr = await startFrr(lab, "frr", frrConf);
    const peer = {
      name: "frr",
      address: "10.0.31.2",
      asNumber: 65002,
      holdTime: 9,
      connectRetryTime: 1,
    };
    let wren = await SpeakerProcess.start(
      lab,
      "wren",
      speakerJson({ routerId: "10.0.30.1", asNumber: 65001, peers: [{ ...peer, multihop: 2 }] }),
    );
    try {
      await wren.waitEstablished("frr");
      await frr.waitEstablished("10.0.30.1");
      await wren.stop("withdraw");
      wren = await SpeakerProcess.start(
        lab,
        "wren",
        speakerJson({ routerId: "10.0.30.1", asNumber: 65001, peers: [peer] }),
      );
      await new Promise((r) => setTimeout(r, 6000));
      expect((await wren.peer("frr")).bgpState).not.toBe("Established");
      expect(await frr.neighborState("10.0.30.1")).not.toBe("Established");
    } finally {
      await wren.stop("withdraw");
      await frr.stop();
    }
  });

  it("an OPEN without a family in common gets Unsupported Capability with our families", async () => {
    const wren = await SpeakerProcess.start(
      lab,
      "wren",
      speakerJson({
        routerId: "10.0.30.1",
        asNumber: 65001,
        peers: [{ name: "raw", address: "10.0.32.2", asNumber: 65002, passive: true }],
      }),
    );
    const raw = await RawBgpPeer.start(lab, "raw");
    try {
      await raw.connect("10.0.32.1", 179);
      raw.send(
        open({
          as: 65002,
          bgpId: "10.0.32.2",
          holdTime: 9,
          capabilities: [cap.multiprotocol(2, 1), cap.as4(65002)],
        }),
      );
      const n = await raw.waitForNotification();
      expect({ code: n.code, subcode: n.subcode, data: [...n.data] }).toEqual({
        code: 2,
        subcode: 7,
        data: [1, 4, 0, 1, 0, 1],
      });
      expect((await wren.peer("raw")).lastError).toBe("BGP Error: Required capability missing");
    } finally {
      await raw.stop();
      await wren.stop("withdraw");
    }
  });
});
