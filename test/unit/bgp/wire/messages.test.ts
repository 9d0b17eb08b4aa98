// OPEN (RFC 4271 §4.2, §6.2; RFC 5492; RFC 9072), NOTIFICATION (§4.5, RFC 8203/9003),
// KEEPALIVE and ROUTE-REFRESH (RFC 2918, RFC 7313), and the names of every code/subcode.
import { describe, expect, it } from "vitest";
import {
  BgpError,
  type Capability,
  CeaseSubcode,
  decodeMessage,
  encodeMessage,
  encodeShutdownCommunication,
  makeContext,
  notificationCodeName,
  notificationSubcodeName,
  type OpenMessage,
  peerAsOf,
  shutdownNotification,
  toJson,
  validateOpen,
} from "../../../../src/bgp/wire/index.js";
import { bytesToHex, hexToBytes } from "../../../../src/common/bytes/hex.js";
import { message } from "./helpers/build.js";

const ctx = makeContext();

const CAPS: Capability[] = [
  { type: "multiprotocol", afi: 1, safi: 1 },
  { type: "multiprotocol", afi: 2, safi: 1 },
  { type: "routeRefresh" },
  { type: "routeRefreshCisco" },
  { type: "enhancedRouteRefresh" },
  { type: "fourOctetAs", asn: 4200000001 },
  {
    type: "gracefulRestart",
    restarting: true,
    notification: true,
    restartTime: 120,
    families: [{ afi: 1, safi: 1, forwarding: true }],
  },
  {
    type: "addPath",
    families: [
      { afi: 1, safi: 1, direction: "both" },
      { afi: 2, safi: 1, direction: "receive" },
    ],
  },
  { type: "extendedNextHop", entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
  { type: "extendedMessage" },
  { type: "fqdn", hostname: "leaf-1", domain: "lab.example" },
  { type: "unknown", code: 71, value: new Uint8Array(0) },
  { type: "unknown", code: 200, value: Uint8Array.of(1, 2, 3) },
];

function open(over: Partial<OpenMessage> = {}): OpenMessage {
  return {
    type: "OPEN",
    version: 4,
    myAs: 23456,
    holdTime: 90,
    bgpId: "192.0.2.1",
    capabilities: CAPS,
    otherParameters: [],
    ...over,
  };
}

function bgpError(fn: () => unknown): BgpError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BgpError) return err;
    throw err;
  }
  throw new Error("expected a BgpError");
}

describe("OPEN", () => {
  it("round-trips every capability, grouped in one parameter or one per capability", () => {
    for (const capabilityParameters of ["single", "perCapability"] as const) {
      const bytes = encodeMessage(open(), ctx, { open: { capabilityParameters } });
      expect(decodeMessage(bytes, ctx)).toEqual(open());
    }
  });

  it("decodes the RFC 9072 extended optional parameters format", () => {
    const bytes = encodeMessage(open(), ctx, { open: { extendedParameters: true } });
    expect(bytes[19 + 9]).toBe(255);
    expect(bytes[19 + 10]).toBe(255);
    expect(decodeMessage(bytes, ctx)).toEqual(open());
  });

  it("switches to the extended format by itself when parameters exceed 255 octets", () => {
    const many: Capability[] = Array.from({ length: 60 }, (_, i) => ({
      type: "multiprotocol",
      afi: 1,
      safi: i + 1,
    }));
    const o = open({ capabilities: many });
    const bytes = encodeMessage(o, ctx, { open: { capabilityParameters: "perCapability" } });
    expect(bytes[19 + 9]).toBe(255);
    expect(decodeMessage(bytes, ctx)).toEqual(o);
  });

  it("keeps a known capability with a wrong length as unknown raw bytes", () => {
    // Capability 65 (4-octet AS) with 2 octets.
    const body = hexToBytes("04 fde8 005a c0000201 06 02 04 4102fde8");
    const o = decodeMessage(message(1, body), ctx) as OpenMessage;
    expect(o.capabilities).toEqual([
      { type: "unknown", code: 65, value: Uint8Array.of(0xfd, 0xe8) },
    ]);
  });

  it("rejects a capability running past its parameter (2/0)", () => {
    const e = bgpError(() =>
      decodeMessage(message(1, hexToBytes("04 fde8 005a c0000201 04 02 02 4108")), ctx),
    );
    expect([e.notification.code, e.notification.subcode]).toEqual([2, 0]);
  });

  it("rejects an unsupported version with 2/1 and our version in the data", () => {
    const e = bgpError(() => decodeMessage(encodeMessage(open({ version: 3 }), ctx), ctx));
    expect([e.notification.code, e.notification.subcode]).toEqual([2, 1]);
    expect(e.notification.data).toEqual(Uint8Array.of(0, 4));
  });

  it("rejects hold times 1 and 2 (2/6) and accepts 0 and 3", () => {
    for (const holdTime of [1, 2]) {
      const e = bgpError(() => decodeMessage(encodeMessage(open({ holdTime }), ctx), ctx));
      expect([e.notification.code, e.notification.subcode]).toEqual([2, 6]);
    }
    for (const holdTime of [0, 3])
      expect(() => decodeMessage(encodeMessage(open({ holdTime }), ctx), ctx)).not.toThrow();
  });

  it("rejects BGP Identifier 0 (2/3) and AS 0 (2/2, RFC 7607)", () => {
    expect(
      bgpError(() => decodeMessage(encodeMessage(open({ bgpId: "0.0.0.0" }), ctx), ctx))
        .notification.subcode,
    ).toBe(3);
    expect(
      bgpError(() => decodeMessage(encodeMessage(open({ myAs: 0 }), ctx), ctx)).notification
        .subcode,
    ).toBe(2);
  });

  it("rejects optional parameters other than capabilities (2/4)", () => {
    const o = open({ otherParameters: [{ type: 1, value: Uint8Array.of(0) }] });
    expect(bgpError(() => decodeMessage(encodeMessage(o, ctx), ctx)).notification.subcode).toBe(4);
  });

  it("validateOpen: Bad Peer AS carries the My Autonomous System field", () => {
    const o = open();
    expect(peerAsOf(o)).toBe(4200000001);
    expect(() => validateOpen(o, { peerAs: 4200000001 })).not.toThrow();
    const e = bgpError(() => validateOpen(o, { peerAs: 65001 }));
    expect([e.notification.code, e.notification.subcode]).toEqual([2, 2]);
    expect(e.notification.data).toEqual(Uint8Array.of(0x5b, 0xa0));
    expect(e.code).toBe("ERR_BGP_OPEN_BAD_PEER_AS");
  });

  it("validateOpen: an internal peer with our BGP Identifier is refused (2/3)", () => {
    const o = open({ myAs: 65000, capabilities: [{ type: "fourOctetAs", asn: 65000 }] });
    expect(
      bgpError(() => validateOpen(o, { localAs: 65000, localBgpId: "192.0.2.1" })).notification
        .subcode,
    ).toBe(3);
    expect(() => validateOpen(o, { localAs: 65001, localBgpId: "192.0.2.1" })).not.toThrow();
  });

  it("validateOpen: a local minimum hold time is enforced (2/6)", () => {
    expect(
      bgpError(() => validateOpen(open({ holdTime: 5 }), { minHoldTime: 9 })).notification.subcode,
    ).toBe(6);
  });
});

describe("NOTIFICATION", () => {
  it("round-trips a shutdown communication (RFC 9003) as UTF-8 with a length octet", () => {
    const n = shutdownNotification("maintenance — back at 14:00 ✓");
    const bytes = encodeMessage(n, ctx);
    const back = decodeMessage(bytes, ctx);
    expect(back).toEqual(n);
    expect(toJson(back)).toMatchObject({
      code: 6,
      subcode: 2,
      shutdownCommunication: "maintenance — back at 14:00 ✓",
    });
  });

  it("refuses a communication longer than 255 octets", () => {
    expect(() => encodeShutdownCommunication("é".repeat(128))).toThrow(RangeError);
    expect(encodeShutdownCommunication("x".repeat(255)).length).toBe(256);
  });

  it("keeps malformed communication data without decoding text (no error)", () => {
    const bad = message(3, hexToBytes("06 02 10 6869")); // length 16, 2 octets present
    const n = decodeMessage(bad, ctx);
    expect(n).toEqual({ type: "NOTIFICATION", code: 6, subcode: 2, data: hexToBytes("106869") });
    const invalidUtf8 = message(3, hexToBytes("06 04 02 c328"));
    expect(decodeMessage(invalidUtf8, ctx)).not.toHaveProperty("shutdownCommunication");
  });

  it("names every code and subcode of RFC 4271 §4.5, RFC 4486, RFC 6608 and RFC 7313", () => {
    const expected: Record<number, number[]> = {
      1: [1, 2, 3],
      2: [1, 2, 3, 4, 6, 7],
      3: [1, 2, 3, 4, 5, 6, 8, 9, 10, 11],
      5: [1, 2, 3],
      6: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      7: [1],
    };
    for (const [code, subs] of Object.entries(expected)) {
      expect(notificationCodeName(Number(code))).not.toMatch(/Unknown/);
      for (const s of subs)
        expect(notificationSubcodeName(Number(code), s), `${code}/${s}`).not.toMatch(/Unknown/);
    }
    expect(notificationSubcodeName(6, CeaseSubcode.ADMINISTRATIVE_RESET)).toBe(
      "Administrative Reset",
    );
    expect(notificationCodeName(9)).toBe("Unknown (9)");
  });

  it("truncates data that would not fit in a message", () => {
    const bytes = encodeMessage(
      { type: "NOTIFICATION", code: 3, subcode: 1, data: new Uint8Array(5000) },
      ctx,
    );
    expect(bytes.length).toBe(4096);
  });
});

describe("KEEPALIVE and ROUTE-REFRESH", () => {
  it("KEEPALIVE is the bare header", () => {
    expect(bytesToHex(encodeMessage({ type: "KEEPALIVE" }, ctx))).toBe(`${"ff".repeat(16)}001304`);
  });

  it("round-trips ROUTE-REFRESH with RFC 7313 subtypes", () => {
    for (const subtype of [0, 1, 2]) {
      const rr = { type: "ROUTE-REFRESH" as const, afi: 2, safi: 1, subtype };
      expect(decodeMessage(encodeMessage(rr, ctx), ctx)).toEqual(rr);
    }
  });

  it("rejects a BoRR/EoRR that is not 23 octets with 7/1 carrying the message (RFC 7313 §5)", () => {
    const bad = message(5, hexToBytes("0001 01 01 00"));
    const e = bgpError(() => decodeMessage(bad, ctx));
    expect([e.notification.code, e.notification.subcode]).toEqual([7, 1]);
    expect(e.notification.data).toEqual(bad);
  });

  it("keeps ORF entries after a request raw", () => {
    const rr = decodeMessage(message(5, hexToBytes("0001 00 01 01 40 0000")), ctx);
    expect(rr).toEqual({
      type: "ROUTE-REFRESH",
      afi: 1,
      safi: 1,
      subtype: 0,
      orfEntries: hexToBytes("01400000"),
    });
  });
});

describe("decodeMessage header checks", () => {
  it("rejects a length field that disagrees with the bytes given", () => {
    const k = encodeMessage({ type: "KEEPALIVE" }, ctx);
    const e = bgpError(() => decodeMessage(Uint8Array.of(...k, 0), ctx));
    expect([e.notification.code, e.notification.subcode]).toEqual([1, 2]);
  });

  it("rejects UPDATEs over 4096 octets unless the context has extended messages", () => {
    const big = message(2, hexToBytes(`0000 0000 ${"18 0a0000".repeat(1200)}`));
    expect(bgpError(() => decodeMessage(big, ctx)).notification.subcode).toBe(2);
    expect(() => decodeMessage(big, makeContext({ extendedMessage: true }))).not.toThrow();
  });
});
