/**
 * Model-based test: random announce/withdraw sequences from three eBGP peers, checked against a
 * tiny independent model of the decision (shortest AS path, then lowest router id) for the
 * kernel view and what a downstream peer was told; withdrawing everything must leave every
 * table and the attribute store empty (reference counts are right).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { peerConfig, RibHarness, speakerConfig, type UpdateSummary } from "./harness.js";

const FEEDERS = [
  peerConfig("P1", "10.0.1.1", 65001),
  peerConfig("P2", "10.0.2.1", 65002),
  peerConfig("P3", "10.0.3.1", 65003),
];
const D = peerConfig("D", "10.0.9.9", 65009);
const PREFIXES = [
  "192.0.2.0/24",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "10.1.0.0/16",
  "10.1.2.0/24",
];

type Op = { peer: number; prefix: number; kind: "announce" | "withdraw"; len: number };

const op = fc.record({
  peer: fc.integer({ min: 0, max: 2 }),
  prefix: fc.integer({ min: 0, max: PREFIXES.length - 1 }),
  kind: fc.constantFrom<"announce" | "withdraw">("announce", "announce", "withdraw"),
  len: fc.integer({ min: 1, max: 3 }),
});

function asPath(peer: number, len: number): string {
  return [65001 + peer, ...Array.from({ length: len - 1 }, (_, i) => 100 + i)].join(" ");
}

describe("RIB against a model", () => {
  it("kernel and downstream views follow the best path; withdrawing everything empties every table", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops: Op[]) => {
        const h = new RibHarness(speakerConfig([...FEEDERS, D]));
        for (const f of FEEDERS) h.up(f.name);
        h.up("D");
        // model: prefix → peer → AS path length
        const model = new Map<number, Map<number, number>>();
        for (const o of ops) {
          const name = FEEDERS[o.peer].name;
          if (o.kind === "announce") {
            h.send(name, {
              announce: [PREFIXES[o.prefix]],
              asPath: asPath(o.peer, o.len),
              nextHop: FEEDERS[o.peer].address,
            });
            if (!model.has(o.prefix)) model.set(o.prefix, new Map());
            model.get(o.prefix)!.set(o.peer, o.len);
          } else {
            h.send(name, { withdraw: [PREFIXES[o.prefix]] });
            model.get(o.prefix)?.delete(o.peer);
          }
        }
        await h.settle();
        const toD = h.take("D");
        const told = h.advertised("D", toD);
        for (let p = 0; p < PREFIXES.length; p++) {
          const paths = [...(model.get(p) ?? new Map<number, number>())];
          paths.sort((a, b) => a[1] - b[1] || a[0] - b[0]); // shortest path, then router id
          const best = paths[0];
          if (best === undefined) {
            expect(h.kernel.has(PREFIXES[p])).toBe(false);
            expect(told.has(PREFIXES[p])).toBe(false);
          } else {
            expect(h.kernel.get(PREFIXES[p])).toEqual([FEEDERS[best[0]].address]);
            expect((told.get(PREFIXES[p]) as UpdateSummary).asPath).toBe(
              `64512 ${asPath(best[0], best[1])}`,
            );
          }
        }
        // Withdraw everything.
        for (const [p, peers] of model) {
          for (const peer of peers.keys()) h.send(FEEDERS[peer].name, { withdraw: [PREFIXES[p]] });
        }
        await h.settle();
        expect(h.engine.locRibSize()).toEqual({ ipv4: 0, ipv6: 0 });
        expect(h.kernel.size).toBe(0);
        expect(h.advertised("D", [...toD, ...h.take("D")]).size).toBe(0);
        expect(h.engine.routes({ all: true })).toEqual([]);
        expect(h.engine.attributeSets()).toBe(0);
        for (const f of [...FEEDERS, D])
          expect(h.engine.peerCounters(f.name)).toMatchObject({ received: 0, advertised: 0 });
      }),
      { numRuns: 60 },
    );
  });
});
