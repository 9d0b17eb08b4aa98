// A route dump condensed by the I/O thread (scan-builder.ts) carries, for every route, exactly
// the identity, table, protocol, type and body that decoding its message gives.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maskInPlace } from "../../../src/common/ip/prefix.js";
import { type KernelRoute, routeKey } from "../../../src/dataplane/model.js";
import { forEachMessage } from "../../../src/dataplane/netlink/reader.js";
import { encodeNewRoute } from "../../../src/dataplane/netlink/route-codec.js";
import {
  RouteScanBuilder,
  SCAN_PART_ROUTES,
  scanColumns,
} from "../../../src/dataplane/netlink/scan-builder.js";
import { NlWriter } from "../../../src/dataplane/netlink/writer.js";
import { SignatureBuilder, writeBodySignature } from "../../../src/dataplane/route-body.js";

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const route: fc.Arbitrary<KernelRoute> = fc
  .record({
    v6: fc.boolean(),
    len: fc.integer({ min: 0, max: 128 }),
    addr: bytes(16),
    protocol: fc.constantFrom(2, 3, 12, 80),
    type: fc.constantFrom(1, 6),
    priority: fc.constantFrom(0, 100, 1024),
    table: fc.constantFrom(254, 100, 1000),
    scope: fc.constantFrom(0, 253),
    prefsrc: fc.boolean(),
    hops: fc.array(
      fc.record({
        gw: fc.option(bytes(16), { nil: null }),
        ifindex: fc.integer({ min: 1, max: 5000 }),
        onlink: fc.boolean(),
        weight: fc.integer({ min: 1, max: 256 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map((x) => {
    const alen = x.v6 ? 16 : 4;
    const dstLen = x.v6 ? x.len : x.len % 33;
    const dst = x.addr.slice(0, alen);
    maskInPlace(dst, dstLen);
    const hops =
      x.type === 6
        ? []
        : x.hops.map((h) => ({
            gateway: h.gw === null ? null : h.gw.slice(0, alen),
            ifindex: h.ifindex,
            flags: h.onlink ? 4 : 0,
            weight: x.hops.length === 1 ? 1 : h.weight,
          }));
    return {
      family: x.v6 ? "ipv6" : "ipv4",
      table: x.table,
      dst,
      dstLen,
      tos: 0,
      priority: x.priority,
      protocol: x.protocol,
      scope: x.scope,
      type: x.type,
      nexthops: hops,
      prefsrc: x.prefsrc ? x.addr.slice(16 - alen) : null,
    } satisfies KernelRoute;
  });

function sigOf(r: KernelRoute): number[] {
  const s = new SignatureBuilder();
  writeBodySignature(r, s);
  return [...s.buf.subarray(0, s.length)];
}

describe("route scan builder", () => {
  it("condenses every route of a dump into identity, table, protocol, type and body", () => {
    fc.assert(
      fc.property(fc.array(route, { minLength: 1, maxLength: 40 }), (routes) => {
        const w = new NlWriter(256);
        for (const r of routes) encodeNewRoute(w, r, 0, 1);
        const buf = w.take();
        const b = new RouteScanBuilder();
        forEachMessage(buf, (h) => b.add(buf, h.type, h.payload, h.end));
        const { part } = b.take();
        expect(part.count).toBe(routes.length);
        const { keys, tables, info, bodies } = scanColumns(part.buf, part.capacity);
        const sigs = new Map(part.sigs.map((s) => [s.id, [...new Uint8Array(s.bytes)]]));
        routes.forEach((r, i) => {
          const key = Number.isNaN(keys[i]) ? part.strKeys![i] : keys[i];
          expect(key).toBe(routeKey(r));
          expect(tables[i]).toBe(r.table);
          expect(info[i]).toBe(r.protocol | (r.type << 8));
          expect(sigs.get(bodies[i])).toEqual(sigOf(r));
        });
      }),
      { numRuns: 200 },
    );
  });

  it("takes more routes than a part holds from one receive", () => {
    const w = new NlWriter(256);
    const r = {
      family: "ipv4",
      table: 254,
      dst: new Uint8Array([10, 0, 0, 0]),
      dstLen: 24,
      tos: 0,
      priority: 0,
      protocol: 12,
      scope: 0,
      type: 1,
      nexthops: [{ gateway: new Uint8Array([192, 0, 2, 1]), ifindex: 2, flags: 0, weight: 1 }],
      prefsrc: null,
    } satisfies KernelRoute;
    const n = SCAN_PART_ROUTES + 100;
    for (let i = 0; i < n; i++) {
      r.dst[1] = i >> 8;
      r.dst[2] = i & 255;
      encodeNewRoute(w, r, 0, 1);
    }
    const buf = w.take();
    const b = new RouteScanBuilder();
    forEachMessage(buf, (h) => b.add(buf, h.type, h.payload, h.end));
    const { part } = b.take();
    expect(part.count).toBe(n);
    expect(part.sigs).toHaveLength(1);
    expect(scanColumns(part.buf, part.capacity).keys[n - 1]).toBe(
      routeKey({ ...r, dst: new Uint8Array([10, (n - 1) >> 8, (n - 1) & 255, 0]) }),
    );
  });
});
