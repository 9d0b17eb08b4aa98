// The framer splits a TCP byte stream into messages (RFC 4271 §4.1) wherever the chunks end,
// and rejects bad headers with the Message Header Error of RFC 4271 §6.1.
import { describe, expect, it } from "vitest";
import {
  BgpError,
  encodeMessage,
  Framer,
  makeContext,
  shutdownNotification,
} from "../../../../src/bgp/wire/index.js";
import { MANDATORY_2, message, NLRI_24, updateBody } from "./helpers/build.js";

const ctx = makeContext();
const KEEPALIVE = encodeMessage({ type: "KEEPALIVE" }, ctx);
const UPDATE = message(2, updateBody({ attrs: MANDATORY_2, nlri: NLRI_24 }));
const NOTIFICATION = encodeMessage(shutdownNotification("bye"), ctx);

function drain(f: Framer): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let m = f.next(); m !== null; m = f.next()) out.push(m);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

function headerError(fn: () => unknown): BgpError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BgpError);
    return err as BgpError;
  }
  throw new Error("expected a BgpError");
}

describe("Framer", () => {
  it("returns one message split at every possible point", () => {
    for (let i = 0; i <= UPDATE.length; i++) {
      const f = new Framer();
      f.push(UPDATE.subarray(0, i));
      const first = drain(f);
      f.push(UPDATE.subarray(i));
      const all = [...first, ...drain(f)];
      expect(all, `split at ${i}`).toEqual([UPDATE]);
      expect(f.buffered).toBe(0);
    }
  });

  it("returns two messages split at every pair of points", () => {
    const stream = concat(UPDATE, NOTIFICATION);
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j++) {
        const f = new Framer();
        const got: Uint8Array[] = [];
        for (const [a, b] of [
          [0, i],
          [i, j],
          [j, stream.length],
        ]) {
          f.push(stream.subarray(a, b));
          got.push(...drain(f));
        }
        expect(got, `splits at ${i}, ${j}`).toEqual([UPDATE, NOTIFICATION]);
      }
    }
  });

  it("returns several messages from one chunk, and survives byte-by-byte feeding", () => {
    const stream = concat(KEEPALIVE, UPDATE, KEEPALIVE, NOTIFICATION);
    const f = new Framer();
    f.push(stream);
    expect(drain(f)).toEqual([KEEPALIVE, UPDATE, KEEPALIVE, NOTIFICATION]);
    const g = new Framer();
    const got: Uint8Array[] = [];
    for (const b of stream) {
      g.push(Uint8Array.of(b));
      got.push(...drain(g));
    }
    expect(got).toEqual([KEEPALIVE, UPDATE, KEEPALIVE, NOTIFICATION]);
  });

  it("returns copies that later pushes and chunk reuse do not change", () => {
    const f = new Framer();
    const chunk = concat(KEEPALIVE, UPDATE);
    f.push(chunk);
    const first = f.next()!;
    chunk.fill(0);
    f.push(concat(UPDATE, UPDATE, UPDATE));
    expect(first).toEqual(KEEPALIVE);
    expect(first.buffer.byteLength).toBe(KEEPALIVE.length); // its own allocation, transferable
    expect(drain(f)).toEqual([UPDATE, UPDATE, UPDATE, UPDATE]);
  });

  it("rejects a bad marker with Connection Not Synchronized (1/1)", () => {
    const bad = KEEPALIVE.slice();
    bad[3] = 0;
    const f = new Framer();
    f.push(bad);
    const e = headerError(() => f.next());
    expect([e.notification.code, e.notification.subcode]).toEqual([1, 1]);
    expect(e.action).toBe("session-reset");
    expect(() => f.next()).toThrow(BgpError); // the stream stays failed
  });

  const lengthCases: [string, number, number][] = [
    ["below 19", 18, 4],
    ["above 4096", 4097, 2],
    ["KEEPALIVE of 20", 20, 4],
    ["OPEN of 28", 28, 1],
    ["UPDATE of 22", 22, 2],
    ["NOTIFICATION of 20", 20, 3],
    ["ROUTE-REFRESH of 22", 22, 5],
  ];
  for (const [name, length, type] of lengthCases) {
    it(`rejects a length ${name} with Bad Message Length (1/2) carrying the length field`, () => {
      const hdr = new Uint8Array(19).fill(0xff);
      hdr[16] = length >> 8;
      hdr[17] = length & 255;
      hdr[18] = type;
      const f = new Framer();
      f.push(hdr);
      const e = headerError(() => f.next());
      expect([e.notification.code, e.notification.subcode]).toEqual([1, 2]);
      expect(e.notification.data).toEqual(Uint8Array.of(length >> 8, length & 255));
    });
  }

  it("rejects an unknown type with Bad Message Type (1/3) carrying the type", () => {
    const bad = KEEPALIVE.slice();
    bad[18] = 9;
    const f = new Framer();
    f.push(bad);
    const e = headerError(() => f.next());
    expect([e.notification.code, e.notification.subcode]).toEqual([1, 3]);
    expect(e.notification.data).toEqual(Uint8Array.of(9));
  });

  it("accepts messages up to 65535 octets once extended messages are negotiated (RFC 8654)", () => {
    const big = message(2, updateBody({ attrs: [...MANDATORY_2], nlri: "18 0a0000".repeat(1200) }));
    expect(big.length).toBeGreaterThan(4096);
    const f = new Framer();
    f.push(big);
    expect(headerError(() => f.next()).notification.subcode).toBe(2);
    const g = new Framer();
    g.setMaxMessageLength(65535);
    g.push(big);
    expect(g.next()).toEqual(big);
  });

  it("keeps OPEN at 4096 octets even with extended messages (RFC 8654 §3)", () => {
    const hdr = new Uint8Array(19).fill(0xff);
    hdr[16] = 0x13;
    hdr[17] = 0x88; // 5000
    hdr[18] = 1;
    const f = new Framer({ maxMessageLength: 65535 });
    f.push(hdr);
    expect(headerError(() => f.next()).notification.subcode).toBe(2);
  });

  it("refuses a maximum outside 4096..65535", () => {
    expect(() => new Framer({ maxMessageLength: 100 })).toThrow(RangeError);
    expect(() => new Framer().setMaxMessageLength(70000)).toThrow(RangeError);
  });
});
