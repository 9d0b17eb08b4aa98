// Golden bytes from real implementations (FRR, BIRD 2, GoBGP), recorded by
// scripts/capture-wire-fixtures.sh with tshark's dissection as the expected values: every
// fixture must decode to what Wireshark saw, without errors, and re-encode to the same bytes
// where the peer's encoding is the canonical one (else to a message that decodes the same).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type CodecContext,
  decodeMessage,
  decodeUpdate,
  encodeMessage,
  HEADER_LENGTH,
  makeContext,
  type OpenEncodeOptions,
  toJson,
} from "../../../../src/bgp/wire/index.js";
import { bytesToHex, hexToBytes } from "../../../../src/common/bytes/hex.js";
import { canonicalAttributeEncoding, capabilityGrouping } from "./helpers/canonical.js";

interface Fixture {
  source: { description: string; sender: string; receiver: string; implementation: string };
  context: { as4: boolean; addPath: string[]; extendedMessage: boolean; extendedNextHop: string[] };
  hex: string;
  expected: Record<string, unknown>;
}

const DIR = join(import.meta.dirname, "../../../fixtures/wire");
const fixtures = readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort()
  .map((f) => ({
    name: f.replace(/\.json$/, ""),
    ...(JSON.parse(readFileSync(join(DIR, f), "utf8")) as Fixture),
  }));

function contextOf(f: Fixture): CodecContext {
  return makeContext({
    as4: f.context.as4,
    addPath: f.context.addPath as CodecContext["addPath"],
    extendedMessage: f.context.extendedMessage,
    extendedNextHop: f.context.extendedNextHop as CodecContext["extendedNextHop"],
  });
}

describe("fixtures captured from FRR, BIRD and GoBGP", () => {
  it("cover OPEN, UPDATE (IPv4, IPv6, AS4), NOTIFICATION and End-of-RIB from every peer", () => {
    for (const peer of ["frr", "bird", "gobgp"]) {
      const names = fixtures.filter((f) => f.name.startsWith(`${peer}-`)).map((f) => f.name);
      expect(
        names.some((n) => n.includes("-open-")),
        `${peer} OPEN`,
      ).toBe(true);
      expect(
        names.some((n) => n.includes("-update-ipv4-")),
        `${peer} IPv4 UPDATE`,
      ).toBe(true);
      expect(
        names.some((n) => n.includes("-update-ipv6-")),
        `${peer} IPv6 UPDATE`,
      ).toBe(true);
      expect(
        names.some((n) => n.includes("-notification-")),
        `${peer} NOTIFICATION`,
      ).toBe(true);
      expect(names, `${peer} End-of-RIB`).toEqual(
        expect.arrayContaining([`${peer}-eor-ipv4`, `${peer}-eor-ipv6`]),
      );
    }
    expect(fixtures.some((f) => f.name.includes("as4path-2octet"))).toBe(true);
    expect(fixtures.some((f) => f.name.includes("largecommunities"))).toBe(true);
  });

  for (const f of fixtures) {
    describe(f.name, () => {
      const ctx = contextOf(f);
      const bytes = hexToBytes(f.hex);

      it("decodes to what tshark dissected", () => {
        const type = bytes[18];
        if (type === 2) {
          const d = decodeUpdate(bytes.subarray(HEADER_LENGTH), ctx);
          expect(d.errors.map((e) => e.reason)).toEqual([]);
          const json = toJson(d);
          expect(json).toMatchObject(f.expected);
          // No attribute beyond those Wireshark saw.
          const attrs = (o: unknown) =>
            Object.keys((o as { attributes: object }).attributes).sort();
          expect(attrs(json)).toEqual(attrs(f.expected));
          if (f.expected.endOfRib === undefined) expect(d.endOfRib).toBeNull();
        } else {
          expect(toJson(decodeMessage(bytes, ctx))).toMatchObject(f.expected);
        }
      });

      it("re-encodes to the same bytes (canonical) or to an equivalent message", () => {
        const msg = decodeMessage(bytes, ctx);
        let options: { open?: OpenEncodeOptions } = {};
        if (msg.type === "OPEN") {
          const grouping = capabilityGrouping(bytes);
          if (grouping === null) {
            // A grouping our encoder does not produce: the re-encoding must still mean the same.
            expect(decodeMessage(encodeMessage(msg, ctx), ctx)).toEqual(msg);
            return;
          }
          options = { open: { capabilityParameters: grouping } };
        }
        const again = encodeMessage(msg, ctx, options);
        if (msg.type !== "UPDATE" || canonicalAttributeEncoding(bytes, ctx)) {
          expect(bytesToHex(again)).toBe(f.hex);
        } else {
          expect(toJson(decodeUpdate(again.subarray(HEADER_LENGTH), ctx))).toEqual(
            toJson(decodeUpdate(bytes.subarray(HEADER_LENGTH), ctx)),
          );
        }
      });
    });
  }
});
