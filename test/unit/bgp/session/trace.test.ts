// Debug message traces (issue 6): the one-line summaries of each message type, and the pure
// on-link test that decides whether our link-local address goes with IPv6 next hop self.
import { describe, expect, it } from "vitest";
import { onLinkLinkLocal } from "../../../../src/bgp/session/link-local.js";
import { describeMessage, traceEnabled } from "../../../../src/bgp/session/trace.js";
import {
  encodeEndOfRib,
  encodeMessage,
  makeContext,
  NlriBuilder,
  packUpdates,
} from "../../../../src/bgp/wire/index.js";

const ctx = makeContext({ as4: true });

describe("message traces", () => {
  it("UPDATE: NLRI and withdrawn counts with the attribute summary", () => {
    const b = new NlriBuilder("ipv4", false, 3);
    b.appendIPv4(0xc0000200, 24);
    b.appendIPv4(0xc6336400, 24);
    b.appendIPv4(0xcb007100, 24);
    const [m] = packUpdates(
      {
        family: "ipv4",
        attributes: {
          origin: "igp",
          asPath: [
            { type: "sequence", asns: [65001, 65100] },
            { type: "set", asns: [7, 8] },
          ],
          nextHop: "10.0.0.2",
          med: 5,
          communities: [65001 * 65536 + 7, 0xffffff01],
          largeCommunities: [[65001, 1, 2]],
        },
        announce: b.build(),
      },
      ctx,
    );
    const t = describeMessage(m, ctx);
    expect(t.text).toBe(
      "UPDATE ipv4 3 NLRI, 0 withdrawn: origin igp, as-path 65001 65100 {7,8}, next-hop 10.0.0.2, med 5, communities 65001:7 NO_EXPORT, large-communities 65001:1:2",
    );
    expect(t.fields).toMatchObject({ nlri: 3, withdrawn: 0, med: 5, communities: 2 });
  });

  it("UPDATE: IPv6 through MP_REACH with global and link-local next hops; withdrawals; End-of-RIB", () => {
    const b = new NlriBuilder("ipv6", false, 1);
    b.append(new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 32);
    const [m] = packUpdates(
      {
        family: "ipv6",
        attributes: { origin: "igp", asPath: [] },
        announce: b.build(),
        nextHops: ["2001:db8::1", "fe80::1"],
      },
      ctx,
    );
    expect(describeMessage(m, ctx).text).toBe(
      "UPDATE ipv6 1 NLRI, 0 withdrawn: origin igp, as-path (empty), next-hop 2001:db8::1,fe80::1",
    );
    const [w] = packUpdates({ family: "ipv6", attributes: null, withdraw: b.build() }, ctx);
    expect(describeMessage(w, ctx).text).toBe("UPDATE ipv6 0 NLRI, 1 withdrawn");
    expect(describeMessage(encodeEndOfRib("ipv6-unicast", ctx), ctx).text).toBe(
      "UPDATE End-of-RIB ipv6-unicast",
    );
  });

  it("NOTIFICATION: code and subcode names, the text and the data; Hard Reset shows what it wraps", () => {
    const m = encodeMessage(
      {
        type: "NOTIFICATION",
        code: 6,
        subcode: 9,
        data: new Uint8Array([6, 1, 0, 1, 1, 0, 0, 0, 2]),
      },
      ctx,
    );
    const t = describeMessage(m);
    expect(t.fields).toMatchObject({
      code: 6,
      subcode: 9,
      codeName: "Cease",
      subcodeName: "Hard Reset",
      data: "060100010100000002",
    });
    expect(t.text).toBe(
      "NOTIFICATION 6/9 Cease / Hard Reset: Hard reset (Maximum number of prefixes reached) (data 060100010100000002)",
    );
  });

  it("OPEN with its capabilities, KEEPALIVE, ROUTE-REFRESH", () => {
    const open = encodeMessage(
      {
        type: "OPEN",
        version: 4,
        myAs: 65001,
        holdTime: 90,
        bgpId: "10.0.0.1",
        capabilities: [
          { type: "multiprotocol", afi: 1, safi: 1 },
          { type: "fourOctetAs", asn: 65001 },
          {
            type: "gracefulRestart",
            restarting: true,
            notification: true,
            restartTime: 120,
            families: [],
          },
        ],
        otherParameters: [],
      },
      ctx,
    );
    expect(describeMessage(open).text).toBe(
      "OPEN as 65001, hold 90, id 10.0.0.1, capabilities: mp ipv4-unicast, as4 65001, graceful-restart 120s RN",
    );
    expect(describeMessage(encodeMessage({ type: "KEEPALIVE" }, ctx)).text).toBe("KEEPALIVE");
    const rr = encodeMessage({ type: "ROUTE-REFRESH", afi: 2, safi: 1, subtype: 1 }, ctx);
    expect(describeMessage(rr).text).toBe("ROUTE-REFRESH ipv6-unicast BoRR");
  });

  it("tracing is on only when the logger says debug is enabled", () => {
    const noop = () => {};
    const logger = (level: string) => ({
      debug: noop,
      info: noop,
      warn: noop,
      error: noop,
      isLevelEnabled: (l: string) => l === level,
    });
    expect(traceEnabled(logger("debug"))).toBe(true);
    expect(traceEnabled(logger("info"))).toBe(false);
  });
});

describe("our link-local address for an on-link IPv6 peer (RFC 2545 §3)", () => {
  const iface = (address: string, cidr: string, scopeid = 0) => ({
    address,
    cidr,
    netmask: "",
    family: "IPv6" as const,
    mac: "00:00:00:00:00:00",
    internal: false,
    scopeid,
  });
  const table = {
    lo: [iface("::1", "::1/128")],
    eth0: [
      iface("2001:db8:1::1", "2001:db8:1::1/64"),
      iface("fe80::a8c1:abff:fe00:1", "fe80::a8c1:abff:fe00:1/64", 2),
    ],
    eth1: [iface("2001:db8:2::1", "2001:db8:2::1/64")],
  };

  it("the interface's link-local address when the peer is on the interface's subnet", () => {
    expect(onLinkLinkLocal("2001:db8:1::1", "2001:db8:1::2", table)).toBe("fe80::a8c1:abff:fe00:1");
  });

  it("none for a peer beyond the subnet (multihop), an interface without link-local, IPv4", () => {
    expect(onLinkLinkLocal("2001:db8:1::1", "2001:db8:9::2", table)).toBeNull();
    expect(onLinkLinkLocal("2001:db8:2::1", "2001:db8:2::2", table)).toBeNull();
    expect(onLinkLinkLocal("10.0.0.1", "10.0.0.2", table)).toBeNull();
    expect(onLinkLinkLocal("::ffff:10.0.0.1", "::ffff:10.0.0.2", table)).toBeNull();
    expect(onLinkLinkLocal("2001:db8:7::1", "2001:db8:7::2", table)).toBeNull();
  });
});
