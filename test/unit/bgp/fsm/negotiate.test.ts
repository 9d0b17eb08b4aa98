import { describe, expect, it } from "vitest";
import { buildLocalOpen, negotiate } from "../../../../src/bgp/fsm/index.js";
import type { Capability } from "../../../../src/bgp/wire/types.js";
import { config, grCap, peerOpen } from "./helpers.js";

const addrs = { localAddress: "10.0.0.1", remoteAddress: "10.0.0.2" };
const local = (o: Parameters<typeof config>[1] = {}) => config({}, o).local;

function fail(result: ReturnType<typeof negotiate>) {
  if (result.ok) throw new Error("expected a refusal");
  return result;
}
function ok(result: ReturnType<typeof negotiate>) {
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result.negotiated;
}

describe("our OPEN", () => {
  it("puts AS_TRANS in My AS above 65535 and the real AS in the 4-octet capability", () => {
    const open = buildLocalOpen(local({ localAs: 4200000001 }), false);
    expect(open.myAs).toBe(23456);
    expect(open.capabilities).toContainEqual({ type: "fourOctetAs", asn: 4200000001 });
  });

  it("advertises one multiprotocol capability per family, add-path per mode and extended next hop", () => {
    const open = buildLocalOpen(
      local({
        families: ["ipv4-unicast", "ipv6-unicast"],
        addPaths: "both",
        extendedNextHop: true,
        hostname: "node1",
      }),
      false,
    );
    const types = open.capabilities.map((c) => c.type);
    expect(types.filter((t) => t === "multiprotocol")).toHaveLength(2);
    expect(open.capabilities.find((c) => c.type === "addPath")).toMatchObject({
      families: [
        { afi: 1, safi: 1, direction: "both" },
        { afi: 2, safi: 1, direction: "both" },
      ],
    });
    expect(types).toContain("extendedNextHop");
    expect(open.capabilities).toContainEqual({ type: "fqdn", hostname: "node1", domain: "" });
  });
});

describe("OPEN checks (RFC 4271 §6.2, RFC 6793)", () => {
  it("refuses a wrong AS with Bad Peer AS", () => {
    const r = fail(
      negotiate(local(), peerOpen({ myAs: 65003 }, [{ type: "fourOctetAs", asn: 65003 }]), addrs),
    );
    expect(r.notification).toMatchObject({ code: 2, subcode: 2 });
  });

  it("takes the 4-octet AS from the capability when My AS is AS_TRANS", () => {
    const n = ok(
      negotiate(
        local({ remoteAs: 4200000002 }),
        peerOpen({ myAs: 23456 }, [{ type: "fourOctetAs", asn: 4200000002 }]),
        addrs,
      ),
    );
    expect(n.remoteAs).toBe(4200000002);
    expect(n.as4).toBe(true);
  });

  it("refuses AS_TRANS inside the 4-octet capability and a My AS contradicting it", () => {
    expect(
      fail(
        negotiate(
          local({ remoteAs: 23456 }),
          peerOpen({ myAs: 23456 }, [{ type: "fourOctetAs", asn: 23456 }]),
          addrs,
        ),
      ).notification.subcode,
    ).toBe(2);
    expect(
      fail(
        negotiate(local(), peerOpen({ myAs: 65005 }, [{ type: "fourOctetAs", asn: 65002 }]), addrs),
      ).notification.subcode,
    ).toBe(2);
  });

  it("accepts an old speaker without the 4-octet capability (as4 false)", () => {
    const n = ok(negotiate(local(), peerOpen({}, []), addrs));
    expect(n.as4).toBe(false);
    expect(n.families).toEqual(["ipv4-unicast"]);
  });

  it("refuses version 3 with the supported version as data", () => {
    const r = fail(negotiate(local(), peerOpen({ version: 3 }), addrs));
    expect(r.notification.subcode).toBe(1);
    expect([...r.notification.data]).toEqual([0, 4]);
  });

  it("refuses a zero BGP identifier, and our own identifier on iBGP only", () => {
    expect(
      fail(negotiate(local(), peerOpen({ bgpId: "0.0.0.0" }), addrs)).notification.subcode,
    ).toBe(3);
    const ibgp = local({ remoteAs: 65001 });
    const same = peerOpen({ myAs: 65001, bgpId: "10.0.0.1" }, [
      { type: "fourOctetAs", asn: 65001 },
    ]);
    expect(fail(negotiate(ibgp, same, addrs)).notification.subcode).toBe(3);
    const ebgpSame = peerOpen({ bgpId: "10.0.0.1" });
    expect(ok(negotiate(local(), ebgpSame, addrs)).remoteRouterId).toBe("10.0.0.1");
  });

  it("refuses hold times 1 and 2 with Unacceptable Hold Time", () => {
    expect(fail(negotiate(local(), peerOpen({ holdTime: 1 }), addrs)).notification.subcode).toBe(6);
    expect(fail(negotiate(local(), peerOpen({ holdTime: 2 }), addrs)).notification.subcode).toBe(6);
  });

  it("refuses unknown optional parameters", () => {
    const r = fail(
      negotiate(
        local(),
        peerOpen({ otherParameters: [{ type: 7, value: new Uint8Array(0) }] }),
        addrs,
      ),
    );
    expect(r.notification.subcode).toBe(4);
  });
});

describe("capability negotiation", () => {
  it("takes the smaller hold time and keepalive = min(configured, hold/3)", () => {
    expect(
      ok(negotiate(local({ holdTime: 240, keepaliveTime: 80 }), peerOpen({ holdTime: 9 }), addrs)),
    ).toMatchObject({ holdTime: 9, keepaliveTime: 3 });
    expect(
      ok(
        negotiate(local({ holdTime: 240, keepaliveTime: 80 }), peerOpen({ holdTime: 180 }), addrs),
      ),
    ).toMatchObject({ holdTime: 180, keepaliveTime: 60 });
    expect(
      ok(
        negotiate(local({ holdTime: 240, keepaliveTime: 80 }), peerOpen({ holdTime: 300 }), addrs),
      ),
    ).toMatchObject({ holdTime: 240, keepaliveTime: 80 });
  });

  it("keeps the common families; none in common is Unsupported Capability with our families as data", () => {
    const v6only: Capability[] = [{ type: "multiprotocol", afi: 2, safi: 1 }];
    const both = local({ families: ["ipv4-unicast", "ipv6-unicast"] });
    expect(ok(negotiate(both, peerOpen({}, v6only), addrs)).families).toEqual(["ipv6-unicast"]);
    const r = fail(negotiate(local(), peerOpen({}, v6only), addrs));
    expect(r.notification).toMatchObject({ code: 2, subcode: 7 });
    expect([...r.notification.data]).toEqual([1, 4, 0, 1, 0, 1]);
  });

  it("negotiates ADD-PATH per direction", () => {
    const caps: Capability[] = [
      { type: "multiprotocol", afi: 1, safi: 1 },
      { type: "addPath", families: [{ afi: 1, safi: 1, direction: "send" }] },
    ];
    const n = ok(negotiate(local({ addPaths: "both" }), peerOpen({}, caps), addrs));
    expect(n.addPathReceive).toEqual(["ipv4-unicast"]);
    expect(n.addPathSend).toEqual([]);
    const off = ok(negotiate(local({ addPaths: "off" }), peerOpen({}, caps), addrs));
    expect(off.addPathReceive).toEqual([]);
  });

  it("builds the graceful restart view only when both sides advertised it", () => {
    const caps = [...peerOpen().capabilities, grCap(true, true)];
    expect(ok(negotiate(local(), peerOpen({}, caps), addrs)).gracefulRestart).toEqual({
      restartTime: 120,
      restarting: true,
      notification: true,
      families: [{ family: "ipv4-unicast", forwarding: true }],
    });
    expect(
      ok(negotiate(local({ gracefulRestart: null }), peerOpen({}, caps), addrs)).gracefulRestart,
    ).toBeNull();
    expect(ok(negotiate(local(), peerOpen(), addrs)).gracefulRestart).toBeNull();
  });

  it("negotiates route refresh in either encoding, enhanced route refresh, extended message and next hop, hostname", () => {
    const caps: Capability[] = [
      { type: "multiprotocol", afi: 1, safi: 1 },
      { type: "routeRefreshCisco" },
      { type: "enhancedRouteRefresh" },
      { type: "extendedMessage" },
      { type: "extendedNextHop", entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
      { type: "fqdn", hostname: "leaf1", domain: "" },
    ];
    const n = ok(negotiate(local({ extendedNextHop: true }), peerOpen({}, caps), addrs));
    expect(n).toMatchObject({
      routeRefresh: true,
      enhancedRouteRefresh: true,
      extendedMessage: true,
      extendedNextHop: ["ipv4-unicast"],
      remoteHostname: "leaf1",
      ibgp: false,
      localAddress: "10.0.0.1",
      remoteAddress: "10.0.0.2",
    });
  });
});
