// Route changes written from per-body templates are byte for byte what the route codec writes
// for the same route, for every op kind, prefix length, body shape and fence flag.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maskInPlace } from "../../../src/common/ip/prefix.js";
import { type KernelRoute, routeKeyOf, routeOfKey } from "../../../src/dataplane/model.js";
import { encodeDelRoute, encodeNewRoute } from "../../../src/dataplane/netlink/route-codec.js";
import { opFlags, RouteTemplates } from "../../../src/dataplane/netlink/route-templates.js";
import { NlWriter } from "../../../src/dataplane/netlink/writer.js";
import { RouteBodies } from "../../../src/dataplane/route-body.js";
import { OP_ADD, OP_DEL, OP_REPLACE } from "../../../src/dataplane/route-ops.js";

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

const body = fc.record({
  protocol: fc.constantFrom(3, 12, 80),
  type: fc.constantFrom(1, 6),
  scope: fc.constantFrom(0, 253),
  prefsrc: fc.option(bytes(4), { nil: null }),
  hops: fc.array(
    fc.record({
      gw: fc.option(bytes(4), { nil: null }),
      ifindex: fc.integer({ min: 1, max: 5000 }),
      onlink: fc.boolean(),
      weight: fc.integer({ min: 1, max: 256 }),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

describe("route templates", () => {
  it("write the same bytes as the codec", () => {
    const bodies = new RouteBodies();
    const templates = new RouteTemplates();
    fc.assert(
      fc.property(
        body,
        bytes(4),
        fc.integer({ min: 1, max: 32 }),
        fc.constantFrom(OP_ADD, OP_REPLACE, OP_DEL),
        fc.boolean(),
        fc.integer({ min: 1, max: 0x7fffffff }),
        (b, addr, len, kind, fence, seq) => {
          // Host bits zero, as the kernel keeps them.
          maskInPlace(addr, len);
          const key = routeKeyOf("ipv4", 254, addr, 0, len, 0, 0) as number;
          const hops =
            b.type === 6
              ? []
              : b.hops.map((h) => ({
                  gateway: h.gw,
                  ifindex: h.ifindex,
                  flags: h.onlink ? 4 : 0,
                  weight: b.hops.length === 1 ? 1 : h.weight,
                }));
          const id = bodies.intern({
            family: "ipv4",
            protocol: b.protocol,
            scope: b.scope,
            type: b.type,
            nexthops: hops,
            prefsrc: b.prefsrc,
          });
          const route: KernelRoute = routeOfKey(key, bodies.get(id));
          const viaCodec = new NlWriter(64);
          if (kind === OP_DEL) encodeDelRoute(viaCodec, route, opFlags(kind, fence), seq);
          else encodeNewRoute(viaCodec, route, opFlags(kind, fence), seq);
          const viaTemplate = new NlWriter(64);
          templates.encode(viaTemplate, kind, key, id, bodies.get(id), seq, fence);
          expect([...viaTemplate.take()]).toEqual([...viaCodec.take()]);
          bodies.release(id);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("are not used for default routes (no RTA_DST)", () => {
    expect(
      RouteTemplates.applies(routeKeyOf("ipv4", 254, new Uint8Array(4), 0, 0, 0, 0) as number),
    ).toBe(false);
    expect(
      RouteTemplates.applies(routeKeyOf("ipv4", 254, new Uint8Array(4), 0, 8, 0, 0) as number),
    ).toBe(true);
  });
});
