// The compact per-route state: kernel bodies with reference counts, BGP next-hop sets, claims, and
// the diff queue — every identity marked dirty is handed to the diff, once per marking, across
// queue chunks and table resizes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RouteKey } from "../../../src/dataplane/model.js";
import { RouteBodies } from "../../../src/dataplane/route-body.js";
import { RouteTable } from "../../../src/dataplane/route-table.js";

const bodyOf = (protocol: number, ifindex: number) => ({
  family: "ipv4" as const,
  protocol,
  scope: 0,
  type: 1,
  nexthops: [{ gateway: new Uint8Array([192, 0, 2, 1]), ifindex, flags: 0, weight: 1 }],
  prefsrc: null,
});

/** Takes and "diffs" (opens, clears the flag) everything queued; returns the keys. */
function drain(t: RouteTable): RouteKey[] {
  const all: RouteKey[] = [];
  const out: RouteKey[] = [];
  for (let guard = 0; guard < 10_000 && t.dirtySize > 0; guard++) {
    t.takeDirty(out, 1000);
    for (const k of out) {
      t.open(k);
      t.atClearDirty();
      all.push(k);
    }
  }
  return all;
}

describe("RouteTable", () => {
  it("hands every dirty identity to the diff exactly once", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.record({
              k: fc.integer({ min: 0, max: 40_000 }),
              nh: fc.integer({ min: 0, max: 3 }),
            }),
            fc.constant("drain" as const),
          ),
          { maxLength: 60 },
        ),
        fc.integer({ min: 0, max: 60_000 }),
        (ops, bulk) => {
          const t = new RouteTable(new RouteBodies());
          let pending = new Set<number>();
          // A bulk load first (overflows the queue when large), then mixed changes.
          for (let i = 0; i < bulk; i++) {
            t.setBgp((24 << 24) | i, 1);
            pending.add((24 << 24) | i);
          }
          for (const op of ops) {
            if (op === "drain") {
              const got = drain(t);
              expect(new Set(got).size).toBe(got.length);
              expect(new Set(got)).toEqual(pending);
              pending = new Set();
              continue;
            }
            const key = (24 << 24) | op.k;
            if (t.setBgp(key, op.nh) !== op.nh) pending.add(key);
          }
          const got = drain(t);
          expect(new Set(got).size).toBe(got.length);
          expect(new Set(got)).toEqual(pending);
          expect(t.dirtySize).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("hands over identities flagged again after their diff, and after the table grew", () => {
    const t = new RouteTable(new RouteBodies());
    for (let i = 0; i < 20_000; i++) t.setBgp((24 << 24) | i, 1);
    const out: RouteKey[] = [];
    t.takeDirty(out, 100);
    for (const k of out) {
      t.open(k);
      t.atClearDirty();
    }
    // Re-flag what was just diffed (behind the cursor) and grow the table (rows move).
    for (const k of out) t.markDirty(k);
    for (let i = 20_000; i < 60_000; i++) t.setBgp((24 << 24) | i, 2);
    const rest = drain(t);
    expect(new Set(rest).size).toBe(60_000);
  });

  it("keeps a reference on each kernel body and indexes routes of other protocols", () => {
    const bodies = new RouteBodies();
    const t = new RouteTable(bodies);
    const bird = bodies.intern(bodyOf(12, 2));
    const kernel = bodies.intern(bodyOf(2, 2));
    t.setKernel(1, bird);
    t.setKernel(2, kernel);
    t.setKernel("\u0006x", kernel);
    bodies.release(bird);
    bodies.release(kernel);
    expect(bodies.size).toBe(2);
    expect([...t.nonBird.keys()].sort()).toEqual([2, "\u0006x"].sort());
    expect(t.kernelSize).toBe(3);
    t.setKernel(2, 0);
    t.setKernel("\u0006x", 0);
    expect(bodies.size).toBe(1);
    expect(t.nonBird.size).toBe(0);
    expect(t.forgetKernel(() => true)).toBe(1);
    expect(bodies.size).toBe(0);
    expect(t.kernelSize).toBe(0);
  });

  it("remembers claims until cleared, and which kernel routes a check dump did not show", () => {
    const bodies = new RouteBodies();
    const t = new RouteTable(bodies);
    t.open(7);
    expect(t.atClaim(false)).toBe(false);
    expect(t.atClaim(true)).toBe(true);
    t.open(7);
    expect(t.atClaim(false)).toBe(true);
    t.clearClaims();
    t.open(7);
    expect(t.atClaim(false)).toBe(false);
    const b = bodies.intern(bodyOf(12, 2));
    for (const k of [1, 2, 3]) t.setKernel(k, b);
    const seenStr = new Set<string>();
    t.seen(1, seenStr);
    t.seen(3, seenStr);
    expect(t.unseenKernel(seenStr)).toEqual([2]);
    expect(t.unseenKernel(seenStr).sort()).toEqual([1, 2, 3]);
  });
});
