// Property tests: every valid message survives encode → decode unchanged (for any session
// context, including ADD-PATH and 2-octet AS sessions), and no input — random or a mutated
// valid message — makes the codec throw anything but BgpError.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AttributeCache,
  BgpError,
  decodeMessage,
  decodeUpdate,
  encodeMessage,
  Framer,
  HEADER_LENGTH,
  makeContext,
  type PathAttributes,
  toJson,
} from "../../../../src/bgp/wire/index.js";
import {
  contextArb,
  expectedAfterRoundTrip,
  notificationArb,
  openArb,
  routeRefreshArb,
  updateArb,
} from "./helpers/arbitraries.js";

function onlyBgpErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof BgpError)) throw err;
  }
}

function mapCache(): AttributeCache {
  const m = new Map<string, PathAttributes>();
  return { get: (k) => m.get(k), set: (k, v) => void m.set(k, v) };
}

describe("decode(encode(x)) = x", () => {
  it("UPDATE, with random attributes, NLRI and contexts", () => {
    fc.assert(
      fc.property(updateArb, ({ ctx, update }) => {
        const bytes = encodeMessage(update, ctx);
        const decoded = decodeUpdate(bytes.subarray(HEADER_LENGTH), ctx);
        expect(toJson(decoded.update)).toEqual(toJson(expectedAfterRoundTrip(update, ctx)));
        // Attribute problems would show up as errors; only "missing mandatory" may remain.
        expect(decoded.errors.filter((e) => e.notification.subcode !== 3)).toEqual([]);
        // And the bytes are a fixed point of decode → encode.
        expect(encodeMessage(decodeMessage(bytes, ctx), ctx)).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it("OPEN, with every capability kind in either parameter grouping", () => {
    fc.assert(
      fc.property(
        openArb,
        fc.constantFrom("single" as const, "perCapability" as const),
        (open, grouping) => {
          const bytes = encodeMessage(open, makeContext(), {
            open: { capabilityParameters: grouping },
          });
          expect(decodeMessage(bytes, makeContext())).toEqual(open);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("NOTIFICATION, ROUTE-REFRESH and KEEPALIVE", () => {
    const ctx = makeContext();
    fc.assert(
      fc.property(notificationArb, (n) => {
        expect(decodeMessage(encodeMessage(n, ctx), ctx)).toMatchObject({
          code: n.code,
          subcode: n.subcode,
          data: n.data,
        });
      }),
    );
    fc.assert(
      fc.property(routeRefreshArb, (rr) => {
        expect(decodeMessage(encodeMessage(rr, ctx), ctx)).toEqual(rr);
      }),
    );
    expect(decodeMessage(encodeMessage({ type: "KEEPALIVE" }, ctx), ctx)).toEqual({
      type: "KEEPALIVE",
    });
  });
});

describe("malformed input only ever raises BgpError", () => {
  it("random UPDATE bodies, with and without an attribute cache", () => {
    const cache = mapCache();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), contextArb, (body, ctx) => {
        onlyBgpErrors(() => toJson(decodeUpdate(body, ctx)));
        onlyBgpErrors(() => toJson(decodeUpdate(body, ctx, cache)));
      }),
      { numRuns: 2000 },
    );
  });

  it("random byte streams through the framer and decodeMessage", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.integer({ min: 1, max: 5 }),
        contextArb,
        (junk, type, ctx) => {
          // A valid marker and length make most of them reach the message decoders.
          const msg = new Uint8Array(19 + junk.length);
          msg.fill(0xff, 0, 16);
          msg[16] = msg.length >> 8;
          msg[17] = msg.length & 255;
          msg[18] = type;
          msg.set(junk, 19);
          onlyBgpErrors(() => toJson(decodeMessage(msg, ctx)));
          const f = new Framer();
          f.push(junk);
          onlyBgpErrors(() => {
            for (let m = f.next(); m !== null; m = f.next())
              onlyBgpErrors(() => decodeMessage(m, ctx));
          });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("valid messages with bytes changed, cut or added", () => {
    const cache = mapCache();
    const mutation = fc.record({
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 6,
      }),
      cut: fc.nat({ max: 20 }),
      tail: fc.uint8Array({ maxLength: 10 }),
    });
    const anyMessage = fc.oneof(
      updateArb.map(({ ctx, update }) => ({ ctx, bytes: encodeMessage(update, ctx) })),
      openArb.map((o) => ({ ctx: makeContext(), bytes: encodeMessage(o, makeContext()) })),
      notificationArb.map((n) => ({ ctx: makeContext(), bytes: encodeMessage(n, makeContext()) })),
      routeRefreshArb.map((r) => ({ ctx: makeContext(), bytes: encodeMessage(r, makeContext()) })),
    );
    fc.assert(
      fc.property(anyMessage, mutation, ({ ctx, bytes }, mut) => {
        const body = bytes.slice(HEADER_LENGTH);
        for (const [at, v] of mut.flips) if (body.length > 0) body[at % body.length] = v;
        const cut = body.subarray(0, Math.max(0, body.length - mut.cut));
        const mutated = new Uint8Array(cut.length + mut.tail.length);
        mutated.set(cut);
        mutated.set(mut.tail, cut.length);
        if (bytes[18] === 2) {
          onlyBgpErrors(() => toJson(decodeUpdate(mutated, ctx)));
          onlyBgpErrors(() => toJson(decodeUpdate(mutated, ctx, cache)));
        }
        const msg = new Uint8Array(HEADER_LENGTH + mutated.length);
        msg.set(bytes.subarray(0, HEADER_LENGTH));
        msg[16] = msg.length >> 8;
        msg[17] = msg.length & 255;
        msg.set(mutated, HEADER_LENGTH);
        onlyBgpErrors(() => toJson(decodeMessage(msg, ctx)));
      }),
      { numRuns: 2000 },
    );
  });
});
