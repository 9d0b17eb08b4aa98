// The raw peer's hand-built messages (RFC 4271 §4, RFC 4760, RFC 5492, RFC 6793) against bytes
// written out by hand from the RFCs, and its parser and framer on them.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  announce,
  attr,
  cap,
  hex,
  keepalive,
  MessageFramer,
  notification,
  open,
  parseMessage,
  update,
} from "../../harness/peers/bgp-bytes.js";
import { buildMrt, nthPrefix } from "../../harness/peers/mrt.js";

const M = "ffffffffffffffffffffffffffffffff";

describe("builders", () => {
  it("KEEPALIVE is the 19-byte header alone", () => {
    expect(keepalive().toString("hex")).toBe(`${M}001304`);
  });

  it("NOTIFICATION carries code, subcode and data", () => {
    expect(notification(6, 2, Buffer.from("bye")).toString("hex")).toBe(
      `${M}0018 03 06 02 627965`.replace(/ /g, ""),
    );
  });

  it("OPEN: version, AS (AS_TRANS above 65535), hold time, BGP ID, capabilities", () => {
    const b = open({
      as: 65001,
      bgpId: "10.0.0.1",
      holdTime: 9,
      capabilities: [cap.multiprotocol(1, 1), cap.as4(65001)],
    });
    expect(b.toString("hex")).toBe(
      `${M}002b 01 04 fde9 0009 0a000001 0e 02 0c 0104 00010001 4104 0000fde9`.replace(/ /g, ""),
    );
    const big = parseMessage(open({ as: 4200000000, bgpId: "1.2.3.4" }));
    expect(big.open).toMatchObject({ myAs: 23456, as: 4200000000, bgpId: "1.2.3.4", holdTime: 90 });
  });

  it("UPDATE: withdrawn, attributes (4-octet AS_PATH), NLRI", () => {
    const b = update({
      withdrawn: ["10.9.0.0/16"],
      attributes: [attr.origin(0), attr.asPath([65001]), attr.nextHop("10.0.0.1")],
      nlri: ["10.1.0.0/24", "0.0.0.0/0"],
    });
    expect(b.toString("hex")).toBe(
      `${M}0033 02 0003 100a09 0014 400101 00 400206 0201 0000fde9 400304 0a000001 180a0100 00`.replace(
        / /g,
        "",
      ),
    );
  });

  it("length fields can be made wrong on purpose", () => {
    const b = update({ attributes: [hex("40 01 05 00")], attributesLength: 50 });
    expect(b.subarray(19).toString("hex")).toBe("0000003240010500");
  });

  it("MP_REACH_NLRI and MP_UNREACH_NLRI (RFC 4760)", () => {
    expect(attr.mpReach(2, 1, ["fd00::1"], ["fd00:1::/64"]).toString("hex")).toBe(
      "800e1e 0002 01 10 fd000000000000000000000000000001 00 40 fd00000100000000".replace(/ /g, ""),
    );
    expect(attr.mpUnreach(2, 1, ["fd00:1::/64"]).toString("hex")).toBe(
      "800f0c00020140fd00000100000000",
    );
  });
});

describe("parser", () => {
  it("round-trips an announcement", () => {
    const m = parseMessage(
      announce(["10.1.0.0/24", "10.2.0.0/16"], [65001, 65002], "10.0.0.1", [attr.med(5)]),
    );
    expect(m.typeName).toBe("UPDATE");
    expect(m.update?.nlri).toEqual(["10.1.0.0/24", "10.2.0.0/16"]);
    expect(m.update?.attributes.map((a) => a.code)).toEqual([1, 2, 3, 4]);
  });

  it("the framer splits any chunking of a stream into the same messages", () => {
    const stream = Buffer.concat([
      open({ as: 65001, bgpId: "10.0.0.1" }),
      keepalive(),
      announce(["10.1.0.0/24"], [65001], "10.0.0.1"),
      notification(6, 4),
    ]);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: stream.length }), { maxLength: 8 }),
        (cuts) => {
          const f = new MessageFramer();
          const points = [...new Set(cuts)].sort((a, b) => a - b);
          const out = [];
          let at = 0;
          for (const p of [...points, stream.length]) {
            out.push(...f.push(stream.subarray(at, p)));
            at = p;
          }
          expect(out.map((m) => m.typeName)).toEqual([
            "OPEN",
            "KEEPALIVE",
            "UPDATE",
            "NOTIFICATION",
          ]);
          expect(f.pending).toBe(0);
        },
      ),
    );
  });
});

describe("MRT writer", () => {
  it("counts prefixes in order, IPv4 and IPv6", () => {
    expect(nthPrefix("10.200.0.0", 24, 0)).toBe("10.200.0.0/24");
    expect(nthPrefix("10.200.0.0", 24, 257)).toBe("10.201.1.0/24");
    expect(nthPrefix("fd00:200::", 64, 3)).toBe("fd00:200:0:3::/64");
  });

  it("writes a PEER_INDEX_TABLE then one RIB record per prefix (plus padding copies)", () => {
    const b = buildMrt({ base: "10.0.0.0", length: 24, count: 3, pad: 2 });
    const records: { type: number; subtype: number; len: number }[] = [];
    for (let i = 0; i < b.length; ) {
      const len = b.readUInt32BE(i + 8);
      records.push({ type: b.readUInt16BE(i + 4), subtype: b.readUInt16BE(i + 6), len });
      i += 12 + len;
    }
    expect(records.map((r) => [r.type, r.subtype])).toEqual([
      [13, 1],
      [13, 2],
      [13, 2],
      [13, 2],
      [13, 2],
      [13, 2],
    ]);
  });
});
