// The compact integer-keyed hash table against a Map model: inserts, removals, growth, tombstone
// reuse, compaction and column values surviving every resize, keys up to 2^53 − 1.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IntKeyTable } from "../../../../src/common/collections/int-key-table.js";

type Op =
  | { kind: "set"; key: number; value: number }
  | { kind: "del"; key: number }
  | { kind: "compact" };

const key = fc.oneof(
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: 2 ** 31 }),
  fc.constantFrom(2 ** 32, 24 * 2 ** 32 + 5, Number.MAX_SAFE_INTEGER),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant("set" as const), key, value: fc.integer() }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("del" as const), key }) },
  { weight: 1, arbitrary: fc.constant({ kind: "compact" as const }) },
);

function contents(t: IntKeyTable): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  for (let s = 0; s < t.capacity; s++) {
    if (t.has(s)) out.set(t.keyAt(s), [t.get(s, 0), t.get(s, 1)]);
  }
  return out;
}

describe("IntKeyTable", () => {
  it("behaves like a Map under any sequence of inserts, removals and compactions", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const t = new IntKeyTable({ columns: 2 });
        const model = new Map<number, [number, number]>();
        for (const o of ops) {
          if (o.kind === "set") {
            const s = t.insert(o.key);
            t.set(s, 0, o.value);
            t.set(s, 1, o.value & 255);
            model.set(o.key, [o.value, o.value & 255]);
          } else if (o.kind === "del") {
            expect(t.delete(o.key)).toBe(model.delete(o.key));
          } else t.compact();
          expect(t.size).toBe(model.size);
        }
        expect(contents(t)).toEqual(model);
        for (const k of model.keys()) expect(t.find(k)).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 300 },
    );
  });

  it("keeps every entry through resizes of multi-segment tables, growing and shrinking", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 5000, maxLength: 30000 }),
        fc.integer({ min: 0, max: 100 }),
        (keys, dropPercent) => {
          const t = new IntKeyTable({ columns: 2 });
          const model = new Map<number, number>();
          keys.forEach((k, i) => {
            t.set(t.insert(k), 1, i);
            model.set(k, i);
          });
          // Drop a share of the keys, then compact (shrinks or drops tombstones).
          let n = 0;
          for (const k of model.keys()) {
            if ((n++ * 37) % 100 < dropPercent) {
              expect(t.delete(k)).toBe(true);
              model.delete(k);
            }
          }
          t.compact();
          expect(t.size).toBe(model.size);
          for (const [k, v] of model) expect(t.get(t.find(k), 1)).toBe(v);
          let seen = 0;
          for (let s = 0; s < t.capacity; s++) if (t.has(s)) seen++;
          expect(seen).toBe(model.size);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("grows for a million keys and shrinks back when they are gone", () => {
    const t = new IntKeyTable({ columns: 2 });
    const n = 1_000_000;
    for (let i = 0; i < n; i++) {
      const s = t.insert((24 << 24) | ((i * 7919) % 16777216));
      t.set(s, 1, i);
    }
    expect(t.size).toBe(n);
    // Load between 1/2 and 3/4: capacity grows by half, not doubles.
    expect(t.capacity).toBeGreaterThanOrEqual(n / 0.75);
    expect(t.capacity).toBeLessThanOrEqual(n / 0.5);
    expect(t.get(t.find((24 << 24) | ((12345 * 7919) % 16777216)), 1)).toBe(12345);
    for (let s = 0; s < t.capacity; s++) if (t.has(s)) t.removeAt(s);
    expect(t.size).toBe(0);
    expect(t.compact()).toBe(true);
    expect(t.capacity).toBe(16);
  });

  it("zeroes the columns of a new entry that reuses a deleted slot", () => {
    const t = new IntKeyTable({ columns: 1 });
    const s = t.insert(5);
    t.set(s, 0, 42);
    t.delete(5);
    t.insert(6); // keeps the table non-empty
    const again = t.insert(5);
    expect(t.get(again, 0)).toBe(0);
  });

  it("rejects keys that are not integers in [0, 2^53)", () => {
    const t = new IntKeyTable();
    expect(() => t.insert(-1)).toThrow(RangeError);
    expect(() => t.insert(1.5)).toThrow(RangeError);
    expect(() => t.insert(2 ** 53)).toThrow(RangeError);
  });
});
