// Property tests of the route codec (encode → decode is the identity on what the kernel keeps),
// robustness of the decoders against arbitrary bytes, and the JSON inputs of `wren dataplane`.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatPrefix, maskInPlace } from "../../../src/common/ip/prefix.js";
import { type KernelRoute, routeKey } from "../../../src/dataplane/model.js";
import { RTM_NEWROUTE } from "../../../src/dataplane/netlink/constants.js";
import { decodeLink } from "../../../src/dataplane/netlink/link-codec.js";
import { decodeNeighbour } from "../../../src/dataplane/netlink/neigh-codec.js";
import { decodeError, forEachMessage } from "../../../src/dataplane/netlink/reader.js";
import { decodeRoute, encodeNewRoute } from "../../../src/dataplane/netlink/route-codec.js";
import { NlWriter } from "../../../src/dataplane/netlink/writer.js";
import { parseBgpBatch, parseDesiredDataplane } from "../../../src/dataplane/plan-json.js";

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

const route: fc.Arbitrary<KernelRoute> = fc
  .record({
    v6: fc.boolean(),
    len: fc.integer({ min: 0, max: 128 }),
    addr: bytes(16),
    protocol: fc.constantFrom(3, 12, 80),
    type: fc.constantFrom(1, 6),
    priority: fc.constantFrom(0, 100, 1024),
    table: fc.constantFrom(254, 100, 1000),
    hops: fc.array(
      fc.record({
        gw: fc.option(bytes(16), { nil: null }),
        ifindex: fc.integer({ min: 1, max: 5000 }),
        onlink: fc.boolean(),
        weight: fc.integer({ min: 1, max: 256 }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  })
  .map((x) => {
    const alen = x.v6 ? 16 : 4;
    const dstLen = x.v6 ? x.len : x.len % 33;
    const dst = x.addr.slice(0, alen);
    const blackhole = x.type === 6;
    const hops = blackhole
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
      scope: 0,
      type: x.type,
      nexthops: hops,
      prefsrc: null,
    } satisfies KernelRoute;
  });

describe("route codec properties", () => {
  it("decode(encode(route)) gives the route back", () => {
    fc.assert(
      fc.property(route, (r) => {
        const w = new NlWriter(32);
        encodeNewRoute(w, r, 0x405, 7);
        const buf = w.take();
        const seen: KernelRoute[] = [];
        forEachMessage(buf, (h) => {
          expect(h.type).toBe(RTM_NEWROUTE);
          const d = decodeRoute(buf, h);
          if (d) seen.push(d);
        });
        expect(seen).toHaveLength(1);
        const d = seen[0];
        // A default route has no RTA_DST: the decoder gives zeros, like the kernel's dumps.
        expect({ ...d, dst: Array.from(d.dst) }).toEqual({
          ...r,
          dst: r.dstLen === 0 ? Array.from(new Uint8Array(r.dst.length)) : Array.from(r.dst),
        });
      }),
      { numRuns: 500 },
    );
  });

  it("decoders never throw on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (buf) => {
        forEachMessage(buf, (h) => {
          decodeRoute(buf, h);
          decodeLink(buf, h);
          decodeNeighbour(buf, h);
          decodeError(buf, h);
        });
      }),
      { numRuns: 2000 },
    );
  });
});

describe("wren dataplane JSON inputs", () => {
  it("accepts a node plan (render --json) and fills defaults", () => {
    const p = parseDesiredDataplane(
      {
        node: "n1",
        dataplane: { nodeName: "n1", blackholes: [{ prefix: "10.0.0.0/26", owner: "bird" }] },
      },
      "plan.json",
    );
    expect(p.blackholes).toHaveLength(1);
    expect(p.resyncInterval).toBe(90);
    expect(p.workloadGracePeriod).toBe(10);
    expect(p.kernelPolicy).toEqual({ rejectCidrs: [], pools: [], nodeSubnets: [] });
  });

  it("names the file and field of a bad value", () => {
    expect(() =>
      parseDesiredDataplane({ blackholes: [{ prefix: "10.0.0.0/26", owner: "zebra" }] }, "p.json"),
    ).toThrow(/p\.json: invalid desired dataplane: blackholes\.0\.owner/);
    expect(() =>
      parseBgpBatch({ upserts: [{ prefix: "10.0.0.0/33", nexthops: ["1.1.1.1"] }] }, "r:3"),
    ).toThrow(/r:3: upserts\.0\.prefix/);
  });

  it("parses route batches with text or object next hops", () => {
    const b = parseBgpBatch(
      {
        upserts: [
          {
            prefix: "10.1.0.0/26",
            nexthops: ["192.0.2.1", { address: "fe80::1", interface: "eth0" }],
          },
        ],
        withdrawals: ["10.2.0.0/26"],
      },
      "x",
    );
    expect(formatPrefix(b.upserts[0].prefix)).toBe("10.1.0.0/26");
    expect(b.upserts[0].nexthops).toEqual([
      { address: "192.0.2.1", peer: "192.0.2.1" },
      { address: "fe80::1", peer: "fe80::1", interface: "eth0" },
    ]);
    expect(b.withdrawals.map(formatPrefix)).toEqual(["10.2.0.0/26"]);
  });
});

describe("route identity keys", () => {
  const v4 = fc
    .record({ len: fc.integer({ min: 0, max: 32 }), addr: bytes(4) })
    .map(({ len, addr }) => {
      const p = { family: "ipv4" as const, bytes: addr.slice(), length: len };
      maskInPlace(p.bytes, len);
      return p;
    });
  const key = (
    p: { bytes: Uint8Array; length: number },
    extra: { table?: number; priority?: number } = {},
  ) =>
    routeKey({
      family: "ipv4",
      table: extra.table ?? 254,
      dst: p.bytes,
      dstLen: p.length,
      tos: 0,
      priority: extra.priority ?? 0,
    });

  it("gives distinct masked IPv4 prefixes distinct keys, and equal ones equal keys", () => {
    fc.assert(
      fc.property(v4, v4, (a, b) => {
        const same = a.length === b.length && a.bytes.every((x, i) => x === b.bytes[i]);
        expect(key(a) === key(b)).toBe(same);
      }),
      { numRuns: 5000 },
    );
  });

  it("keeps other tables and metrics apart from the main-table identity", () => {
    fc.assert(
      fc.property(v4, (p) => {
        expect(key(p, { table: 100 })).not.toBe(key(p));
        expect(key(p, { priority: 100 })).not.toBe(key(p));
      }),
    );
  });
});
