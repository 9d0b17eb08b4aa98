// UPDATE decoding details beyond RFC 7606: the attribute cache (decode each attribute set once),
// End-of-RIB markers (RFC 4724 §2), ADD-PATH identifiers (RFC 7911), the RFC 6793 §4.2.3 merge,
// unknown attributes, and packUpdates (RIB-side UPDATE generation up to the negotiated size).
import { describe, expect, it } from "vitest";
import {
  type AttributeCache,
  decodeUpdate,
  encodeEndOfRib,
  HEADER_LENGTH,
  makeContext,
  NlriBuilder,
  nlriFromPrefixes,
  nlriToPrefixes,
  type PathAttributes,
  packUpdates,
  toJson,
} from "../../../../src/bgp/wire/index.js";
import { formatPrefix, parsePrefix } from "../../../../src/common/ip/prefix.js";
import { attr, MANDATORY_2, NLRI_24, updateBody } from "./helpers/build.js";

const TWO = makeContext();
const FOUR = makeContext({ as4: true });

function mapCache(): AttributeCache & { map: Map<string, PathAttributes> } {
  const map = new Map<string, PathAttributes>();
  return { map, get: (k) => map.get(k), set: (k, v) => void map.set(k, v) };
}

const ATTRS: PathAttributes = {
  origin: "igp",
  asPath: [{ type: "sequence", asns: [65001, 4200000001] }],
  nextHop: "192.0.2.1",
  med: 10,
  communities: [0xfde80064, 0xffffff01],
  largeCommunities: [[4200000001, 1, 2]],
};

function v4(n: number, base = 0x0a000000, len = 24): ReturnType<typeof nlriFromPrefixes> {
  const b = new NlriBuilder("ipv4", false, n);
  for (let i = 0; i < n; i++) b.appendIPv4(base + i * 256, len);
  return b.build();
}

describe("attribute cache", () => {
  it("decodes an attribute set once and shares the frozen object", () => {
    const cache = mapCache();
    const [a, b] = packUpdates({ family: "ipv4", attributes: ATTRS, announce: v4(2000) }, FOUR);
    const da = decodeUpdate(a.subarray(HEADER_LENGTH), FOUR, cache);
    const db = decodeUpdate(b.subarray(HEADER_LENGTH), FOUR, cache);
    expect(cache.map.size).toBe(1);
    expect(db.update.attributes).toBe(da.update.attributes);
    expect(Object.isFrozen(da.update.attributes)).toBe(true);
    expect(Object.isFrozen(da.update.attributes.asPath)).toBe(true);
    expect(da.attrKey).toBe(db.attrKey);
    expect(da.update.nlri.count + db.update.nlri.count).toBe(2000);
  });

  it("keeps per-message MP NLRI out of the shared set", () => {
    const cache = mapCache();
    const list = nlriFromPrefixes("ipv6", [
      parsePrefix("2001:db8:1::/48"),
      parsePrefix("2001:db8:2::/48"),
    ]);
    const msgs = [list, nlriFromPrefixes("ipv6", [parsePrefix("2001:db8:3::/48")])].map(
      (announce) =>
        packUpdates(
          { family: "ipv6", attributes: ATTRS, announce, nextHops: ["2001:db8::1", "fe80::1"] },
          FOUR,
        )[0],
    );
    const d = msgs.map((m) => decodeUpdate(m.subarray(HEADER_LENGTH), FOUR, cache));
    expect(d[1].update.attributes).toBe(d[0].update.attributes);
    expect(d[0].update.attributes.mpReach?.nlri).toBeNull();
    expect(d[0].update.attributes.mpReach?.nextHops).toEqual(["2001:db8::1", "fe80::1"]);
    expect(nlriToPrefixes(d[0].mpReachNlri!).map(formatPrefix)).toEqual([
      "2001:db8:1::/48",
      "2001:db8:2::/48",
    ]);
    expect(nlriToPrefixes(d[1].mpReachNlri!).map(formatPrefix)).toEqual(["2001:db8:3::/48"]);
    // Without a cache the attribute set carries the NLRI too.
    expect(
      decodeUpdate(msgs[0].subarray(HEADER_LENGTH), FOUR).update.attributes.mpReach?.nlri?.count,
    ).toBe(2);
  });

  it("does not cache sets with errors, and keys sets per context", () => {
    const cache = mapCache();
    const body = updateBody({ attrs: [...MANDATORY_2, attr(0x40, 6, "00")], nlri: NLRI_24 });
    expect(decodeUpdate(body, TWO, cache).action).toBe("attribute-discard");
    expect(decodeUpdate(body, TWO, cache).action).toBe("attribute-discard");
    expect(cache.map.size).toBe(0);
    const good = updateBody({ attrs: MANDATORY_2, nlri: NLRI_24 });
    const k2 = decodeUpdate(good, TWO, cache).attrKey;
    const k2e = decodeUpdate(good, makeContext({ ebgp: true }), cache).attrKey;
    expect(k2).not.toBe(k2e);
  });
});

describe("NLRI fields", () => {
  it("clears host bits beyond the prefix length and decodes /0", () => {
    const d = decodeUpdate(updateBody({ withdrawn: "19 0a0000ff 00 1f c0a80103" }), TWO);
    expect(toJson(d).withdrawn).toEqual(["10.0.0.128/25", "0.0.0.0/0", "192.168.1.2/31"]);
  });
});

describe("End-of-RIB (RFC 4724 §2)", () => {
  it("recognises the markers of both families and only them", () => {
    for (const fam of ["ipv4-unicast", "ipv6-unicast"] as const) {
      const d = decodeUpdate(encodeEndOfRib(fam, TWO).subarray(HEADER_LENGTH), TWO);
      expect(d.endOfRib).toBe(fam);
      expect(toJson(d)).toMatchObject({ endOfRib: true, family: fam });
    }
    expect(decodeUpdate(updateBody({ withdrawn: NLRI_24 }), TWO).endOfRib).toBeNull();
    expect(
      decodeUpdate(updateBody({ attrs: [attr(0x80, 15, "000201 30 20010db80001")] }), TWO).endOfRib,
    ).toBeNull();
  });
});

describe("ADD-PATH (RFC 7911)", () => {
  it("reads path identifiers only when the context has ADD-PATH for the family", () => {
    const ctx = makeContext({ addPath: ["ipv4-unicast"] });
    const body = updateBody({ attrs: MANDATORY_2, nlri: "00000007 18 0a0000 00000009 18 0a0000" });
    const d = decodeUpdate(body, ctx);
    expect(toJson(d).nlri).toEqual([
      { prefix: "10.0.0.0/24", pathId: 7 },
      { prefix: "10.0.0.0/24", pathId: 9 },
    ]);
    // Read without ADD-PATH the same octets are other prefixes entirely.
    expect(toJson(decodeUpdate(body, TWO)).nlri).not.toContain("10.0.0.0/24");
  });
});

describe("AS4_PATH merge on 2-octet sessions (RFC 6793 §4.2.3)", () => {
  it("rebuilds the path from AS_PATH and AS4_PATH", () => {
    const body = updateBody({
      attrs: [
        attr(0x40, 1, "00"),
        attr(0x40, 2, "0203 fde9 5ba0 5ba0"), // 65001 23456 23456
        attr(0x40, 3, "c0000201"),
        attr(0xc0, 17, "0202 fa56ea01 fa56ea02"), // 4200000001 4200000002
      ],
      nlri: NLRI_24,
    });
    const d = decodeUpdate(body, TWO);
    expect(d.update.attributes.asPath).toEqual([
      { type: "sequence", asns: [65001, 4200000001, 4200000002] },
    ]);
    expect(d.update.attributes.as4Path).toEqual([
      { type: "sequence", asns: [4200000001, 4200000002] },
    ]);
  });

  it("ignores AS4_PATH longer than AS_PATH and when AGGREGATOR is not AS_TRANS", () => {
    const longer = updateBody({
      attrs: [...MANDATORY_2, attr(0xc0, 17, "0202 fa56ea01 fa56ea02")],
      nlri: NLRI_24,
    });
    expect(decodeUpdate(longer, TWO).update.attributes.asPath).toEqual([
      { type: "sequence", asns: [65000] },
    ]);
    const agg = updateBody({
      attrs: [
        attr(0x40, 1, "00"),
        attr(0x40, 2, "0201 5ba0"),
        attr(0x40, 3, "c0000201"),
        attr(0xc0, 7, "fde9c0000201"),
        attr(0xc0, 17, "0201 fa56ea01"),
        attr(0xc0, 18, "fa56ea01c0000201"),
      ],
      nlri: NLRI_24,
    });
    const a = decodeUpdate(agg, TWO).update.attributes;
    expect(a.asPath).toEqual([{ type: "sequence", asns: [23456] }]);
    expect(a.aggregator).toEqual({ asn: 65001, address: "192.0.2.1" });
  });

  it("takes AS4_AGGREGATOR when AGGREGATOR is AS_TRANS; drops AS4_* on 4-octet sessions", () => {
    const body = updateBody({
      attrs: [
        attr(0x40, 1, "00"),
        attr(0x40, 2, "0201 5ba0"),
        attr(0x40, 3, "c0000201"),
        attr(0xc0, 7, "5ba0c0000201"),
        attr(0xc0, 18, "fa56ea01c0000201"),
      ],
      nlri: NLRI_24,
    });
    expect(decodeUpdate(body, TWO).update.attributes.aggregator).toEqual({
      asn: 4200000001,
      address: "192.0.2.1",
    });
    const four = updateBody({
      attrs: [
        attr(0x40, 1, "00"),
        attr(0x40, 2, "0201 0000fde8"),
        attr(0x40, 3, "c0000201"),
        attr(0xc0, 17, "0201 fa56ea01"),
      ],
      nlri: NLRI_24,
    });
    const d = decodeUpdate(four, FOUR);
    expect(d.update.attributes.as4Path).toBeUndefined();
    expect(d.errors).toEqual([]);
  });

  it("the encoder writes AS_TRANS + AS4_PATH / AS4_AGGREGATOR for 2-octet sessions", () => {
    const attrs: PathAttributes = {
      ...ATTRS,
      aggregator: { asn: 4200000009, address: "192.0.2.9" },
    };
    const [m] = packUpdates({ family: "ipv4", attributes: attrs, announce: v4(1) }, TWO);
    const d = decodeUpdate(m.subarray(HEADER_LENGTH), TWO);
    expect(d.update.attributes.asPath).toEqual(ATTRS.asPath);
    expect(d.update.attributes.aggregator).toEqual({ asn: 4200000009, address: "192.0.2.9" });
    expect(d.update.attributes.as4Path).toEqual(ATTRS.asPath);
    const raw = decodeUpdate(m.subarray(HEADER_LENGTH), FOUR); // read naively as 4-octet: fails
    expect(raw.action).toBe("treat-as-withdraw");
  });
});

describe("unknown attributes (RFC 4271 §5)", () => {
  it("keeps optional ones and re-sends transitive ones with Partial set, non-transitive ones not at all", () => {
    const body = updateBody({
      attrs: [...MANDATORY_2, attr(0xc0, 99, "0102"), attr(0x80, 98, "03")],
      nlri: NLRI_24,
    });
    const d = decodeUpdate(body, TWO);
    expect(d.update.attributes.unknown).toEqual([
      { flags: 0xc0, code: 99, value: Uint8Array.of(1, 2) },
      { flags: 0x80, code: 98, value: Uint8Array.of(3) },
    ]);
    const [m] = packUpdates(
      { family: "ipv4", attributes: d.update.attributes, announce: d.update.nlri },
      TWO,
    );
    expect(decodeUpdate(m.subarray(HEADER_LENGTH), TWO).update.attributes.unknown).toEqual([
      { flags: 0xe0, code: 99, value: Uint8Array.of(1, 2) },
    ]);
  });
});

describe("packUpdates", () => {
  it("packs 10,000 IPv4 prefixes into full 4096-octet messages, in order, attributes once", () => {
    const list = v4(10000);
    const msgs = packUpdates({ family: "ipv4", attributes: ATTRS, announce: list }, FOUR);
    for (const m of msgs) expect(m.length).toBeLessThanOrEqual(4096);
    expect(msgs.slice(0, -1).every((m) => m.length > 4096 - 5)).toBe(true);
    const back = msgs.flatMap((m) =>
      nlriToPrefixes(decodeUpdate(m.subarray(HEADER_LENGTH), FOUR).update.nlri),
    );
    expect(back.map(formatPrefix)).toEqual(nlriToPrefixes(list).map(formatPrefix));
    expect(
      new Set(msgs.map((m) => decodeUpdate(m.subarray(HEADER_LENGTH), FOUR).attrKey)).size,
    ).toBe(1);
  });

  it("uses up to 65535 octets with extended messages", () => {
    const ctx = makeContext({ as4: true, extendedMessage: true });
    const msgs = packUpdates({ family: "ipv4", attributes: ATTRS, announce: v4(30000) }, ctx);
    expect(msgs.length).toBe(2); // 30000 × 4 octets
    expect(
      packUpdates({ family: "ipv4", attributes: ATTRS, announce: v4(30000) }, FOUR).length,
    ).toBe(30);
    for (const m of msgs) expect(m.length).toBeLessThanOrEqual(65535);
  });

  it("puts IPv4 withdrawals in Withdrawn Routes and IPv6 ones in MP_UNREACH_NLRI", () => {
    const [w4] = packUpdates({ family: "ipv4", attributes: null, withdraw: v4(3) }, FOUR);
    expect(decodeUpdate(w4.subarray(HEADER_LENGTH), FOUR).update.withdrawn.count).toBe(3);
    const six = nlriFromPrefixes("ipv6", [parsePrefix("2001:db8::/32")]);
    const [w6] = packUpdates({ family: "ipv6", attributes: null, withdraw: six }, FOUR);
    const d = decodeUpdate(w6.subarray(HEADER_LENGTH), FOUR);
    expect(d.mpUnreachNlri?.count).toBe(1);
    expect(d.endOfRib).toBeNull();
  });

  it("writes path identifiers when the context sends ADD-PATH", () => {
    const ctx = makeContext({ as4: true, addPath: ["ipv6-unicast"] });
    const six = nlriFromPrefixes(
      "ipv6",
      [parsePrefix("2001:db8::/32"), parsePrefix("2001:db8::/32")],
      [1, 2],
    );
    const [m] = packUpdates(
      { family: "ipv6", attributes: ATTRS, announce: six, nextHops: ["2001:db8::1"] },
      ctx,
    );
    expect(toJson(decodeUpdate(m.subarray(HEADER_LENGTH), ctx)).attributes).toMatchObject({
      mpReachNlri: {
        nextHops: ["2001:db8::1"],
        nlri: [
          { prefix: "2001:db8::/32", pathId: 1 },
          { prefix: "2001:db8::/32", pathId: 2 },
        ],
      },
    });
  });

  it("sends IPv4 with an IPv6 next hop in MP_REACH_NLRI only with RFC 8950 negotiated", () => {
    const input = {
      family: "ipv4" as const,
      attributes: ATTRS,
      announce: v4(2),
      nextHops: ["2001:db8::1", "fe80::1"],
    };
    expect(() => packUpdates(input, FOUR)).toThrow(RangeError);
    const ctx = makeContext({ as4: true, extendedNextHop: ["ipv4-unicast"] });
    const [m] = packUpdates(input, ctx);
    const d = decodeUpdate(m.subarray(HEADER_LENGTH), ctx);
    expect(d.update.attributes.mpReach).toMatchObject({
      afi: 1,
      safi: 1,
      nextHops: ["2001:db8::1", "fe80::1"],
    });
    expect(d.update.attributes.nextHop).toBeUndefined();
    expect(d.mpReachNlri?.count).toBe(2);
    expect(d.errors).toEqual([]);
  });

  it("refuses announcements without attributes or next hop", () => {
    expect(() => packUpdates({ family: "ipv4", attributes: null, announce: v4(1) }, FOUR)).toThrow(
      RangeError,
    );
    const noHop: PathAttributes = { origin: "igp", asPath: [] };
    expect(() => packUpdates({ family: "ipv4", attributes: noHop, announce: v4(1) }, FOUR)).toThrow(
      RangeError,
    );
  });
});
