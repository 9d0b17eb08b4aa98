import { describe, expect, it } from "vitest";
import { peerConfig, RibHarness, speakerConfig, type UpdateSummary } from "./harness.js";

const A = peerConfig("A", "10.0.0.2", 65001);
const B = peerConfig("B", "10.0.0.3", 65002);

function updates(msgs: unknown[]): UpdateSummary[] {
  return msgs.filter(
    (m) => !(typeof m === "object" && m !== null && "type" in m),
  ) as UpdateSummary[];
}

describe("RibEngine basics", () => {
  it("learns from one eBGP peer, installs in the kernel, advertises to another with prepend and next hop self", async () => {
    const h = new RibHarness(speakerConfig([A, B]));
    h.up("A");
    h.up("B");
    await h.settle();
    // B gets an empty initial table: only End-of-RIB.
    expect(h.take("B")).toEqual([{ eor: "ipv4-unicast" }]);
    h.send("A", {
      announce: ["192.0.2.0/24", "198.51.100.0/24"],
      asPath: "65001 65100",
      nextHop: "10.0.0.2",
      med: 5,
      communities: ["65001:7"],
    });
    await h.settle();
    expect(h.engine.locRibSize()).toEqual({ ipv4: 2, ipv6: 0 });
    expect(h.kernel.get("192.0.2.0/24")).toEqual(["10.0.0.2"]);
    const toB = updates(h.take("B"));
    expect(toB).toEqual([
      {
        announce: ["192.0.2.0/24", "198.51.100.0/24"],
        nextHop: "10.0.0.1",
        asPath: "64512 65001 65100",
        origin: "igp",
        communities: ["65001:7"],
      },
    ]);
    // Not sent back to A (its own routes): only End-of-RIB.
    expect(h.take("A")).toEqual([{ eor: "ipv4-unicast" }]);
    h.send("A", { withdraw: ["192.0.2.0/24"] });
    await h.settle();
    expect(updates(h.take("B"))).toEqual([{ withdraw: ["192.0.2.0/24"] }]);
    expect(h.kernel.has("192.0.2.0/24")).toBe(false);
    expect(h.engine.peerCounters("A")).toEqual({
      received: 1,
      accepted: 1,
      advertised: 0,
      stale: 0,
    });
    expect(h.engine.peerCounters("B")).toEqual({
      received: 0,
      accepted: 0,
      advertised: 1,
      stale: 0,
    });
  });
});
