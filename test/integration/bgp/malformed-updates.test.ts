// A raw peer sends malformed UPDATEs to wren speaker: the RFC 7606 action is taken (treat-as-
// withdraw and attribute-discard keep the session up; a malformed attribute list resets it with
// the right NOTIFICATION), and wren never crashes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteView } from "../../../src/common/contracts/speaker.js";
import { Lab, RawBgpPeer, skipReason, waitUntil } from "../../harness/index.js";
import { announce, attr, attribute, update } from "../../harness/peers/bgp-bytes.js";
import { ribMissing, SpeakerProcess, speakerJson, wrenBuildMissing } from "./speaker-process.js";

const skip = skipReason("root") ?? wrenBuildMissing() ?? ribMissing();

describe.skipIf(skip)(
  `malformed UPDATEs from a raw peer (RFC 7606)${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let lab: Lab;
    let wren: SpeakerProcess;
    let raw: RawBgpPeer;

    const routes = async (): Promise<string[]> =>
      ((await wren.command({ cmd: "routes" })).result as RouteView[]).map((r) => r.prefix);
    const has = (prefix: string, present = true) =>
      waitUntil(
        `wren to ${present ? "have" : "not have"} ${prefix}`,
        routes,
        (ps) => ps.includes(prefix) === present,
        { timeoutMs: 15_000 },
      );

    beforeAll(async () => {
      lab = await Lab.create();
      await lab.addNode("wren");
      await lab.addNode("raw");
      await lab.link("wren", "eth0", "raw", "eth0", { addrA: "10.0.8.1/30", addrB: "10.0.8.2/30" });
      wren = await SpeakerProcess.start(
        lab,
        "wren",
        speakerJson({
          routerId: "10.0.8.1",
          asNumber: 65001,
          peers: [
            { name: "raw", address: "10.0.8.2", asNumber: 65002, holdTime: 90, passive: true },
          ],
        }),
      );
      raw = await RawBgpPeer.start(lab, "raw");
      await raw.connect("10.0.8.1", 179);
      await raw.establish({ as: 65002, bgpId: "10.0.8.2", holdTime: 90 });
      await wren.waitEstablished("raw");
    });
    afterAll(async () => {
      await raw?.stop();
      await wren?.stop("withdraw");
      await lab?.cleanup();
    });

    it("a valid UPDATE is accepted", async () => {
      raw.send(announce(["10.9.1.0/24"], [65002], "10.0.8.2"));
      await has("10.9.1.0/24");
    });

    it("invalid ORIGIN value → treat-as-withdraw (RFC 7606 §7.1), session stays up", async () => {
      raw.send(announce(["10.9.2.0/24"], [65002], "10.0.8.2"));
      await has("10.9.2.0/24");
      raw.send(
        update({
          attributes: [
            attribute(0x40, 1, Buffer.from([7])),
            attr.asPath([65002]),
            attr.nextHop("10.0.8.2"),
          ],
          nlri: ["10.9.2.0/24"],
        }),
      );
      await has("10.9.2.0/24", false);
      expect((await wren.peer("raw")).bgpState).toBe("Established");
    });

    it("COMMUNITIES with a length not a multiple of 4 → treat-as-withdraw (§7.8), session stays up", async () => {
      raw.send(announce(["10.9.3.0/24"], [65002], "10.0.8.2", [attr.communities(["65002:1"])]));
      await has("10.9.3.0/24");
      raw.send(
        announce(["10.9.3.0/24"], [65002], "10.0.8.2", [
          attribute(0xc0, 8, Buffer.from([0, 1, 0])),
        ]),
      );
      await has("10.9.3.0/24", false);
      expect((await wren.peer("raw")).bgpState).toBe("Established");
    });

    it("AGGREGATOR of the wrong length → attribute discarded (§7.7), route kept", async () => {
      raw.send(
        announce(["10.9.4.0/24"], [65002], "10.0.8.2", [
          attribute(0xc0, 7, Buffer.from([0, 1, 2])),
        ]),
      );
      await has("10.9.4.0/24");
      expect((await wren.peer("raw")).bgpState).toBe("Established");
    });

    it("missing NEXT_HOP with NLRI → treat-as-withdraw (§3 d), session stays up", async () => {
      raw.send(
        update({ attributes: [attr.origin(0), attr.asPath([65002])], nlri: ["10.9.1.0/24"] }),
      );
      await has("10.9.1.0/24", false);
      expect((await wren.peer("raw")).bgpState).toBe("Established");
    });

    it("attribute list longer than the message → session reset with UPDATE Message Error", async () => {
      raw.send(
        update({
          attributes: [attr.origin(0), attr.asPath([65002]), attr.nextHop("10.0.8.2")],
          nlri: ["10.9.5.0/24"],
          attributesLength: 200,
        }),
      );
      const n = await raw.waitForNotification();
      expect(n.code).toBe(3);
      await wren.waitPeer("raw", "session reset", (p) => p.bgpState !== "Established", 10_000);
      expect(wren.running).toBe(true);
    });
  },
);
