import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AdjRibIn } from "../../../../src/bgp/rib/adj-rib-in.js";
import { AttrStore } from "../../../../src/bgp/rib/attr-store.js";
import { DirtyQueue } from "../../../../src/bgp/rib/dirty-queue.js";
import { FamilyRib } from "../../../../src/bgp/rib/family-rib.js";
import { PairMap } from "../../../../src/bgp/rib/hash-tables.js";
import { PrefixTable } from "../../../../src/bgp/rib/prefix-table.js";
import { parsePrefix } from "../../../../src/common/ip/prefix.js";

type Op = { kind: "add" | "del"; key: number };

const ops = fc.array(
  fc.record({
    kind: fc.constantFrom<"add" | "del">("add", "add", "del"),
    key: fc.integer({ min: 0, max: 300 }),
  }),
  { maxLength: 600 },
);

describe("PrefixTable", () => {
  it("behaves like a map from (words, length) to a stable index, with reuse after release", () => {
    fc.assert(
      fc.property(ops, (list: Op[]) => {
        const t = new PrefixTable("ipv6", 16);
        const model = new Map<number, number>();
        for (const { kind, key } of list) {
          const w = [key * 7919, key, 0xfe800000, key ^ 0x55];
          const len = key % 129;
          if (kind === "add") {
            const idx = t.intern(w[0], w[1], w[2], w[3], len);
            if (model.has(key)) expect(idx).toBe(model.get(key));
            else {
              model.set(key, idx);
              t.ref(idx);
            }
          } else if (model.has(key)) {
            t.unref(model.get(key)!);
            model.delete(key);
            expect(t.find(w[0], w[1], w[2], w[3], len)).toBe(-1);
          }
        }
        expect(t.size).toBe(model.size);
        for (const [key, idx] of model) {
          expect(t.find(key * 7919, key, 0xfe800000, key ^ 0x55, key % 129)).toBe(idx);
        }
      }),
    );
  });

  it("gives back the prefix as a Prefix value", () => {
    const t = new PrefixTable("ipv4");
    const idx = t.intern(0x0af40100, 0, 0, 0, 26);
    expect(t.prefixAt(idx)).toEqual(parsePrefix("10.244.1.0/26"));
  });
});

function familyRib(): FamilyRib {
  return new FamilyRib("ipv4", new AttrStore(), [], {
    maxPaths: 1,
    multipathRelax: false,
    alwaysCompareMed: false,
  });
}

describe("AdjRibIn and PairMap", () => {
  it("AdjRibIn finds a peer's records by (prefix, path id) among other peers' paths", () => {
    fc.assert(
      fc.property(ops, (list: Op[]) => {
        const rib = familyRib();
        const mine = new AdjRibIn(rib, 1);
        const other = new AdjRibIn(rib, 2);
        const model = new Map<number, number>();
        const otherModel = new Map<number, number>();
        for (const { kind, key } of list) {
          const prefix = rib.intern((key >> 2) << 8, 0, 0, 0, 24);
          const pathId = key & 3;
          // Peer 2 always holds a path for the same key: lookups must skip it.
          if (!otherModel.has(key)) {
            const rec = rib.addPath(prefix, 2, pathId, 0);
            other.insert(rec);
            otherModel.set(key, rec);
          }
          if (kind === "add" && !model.has(key)) {
            const rec = rib.addPath(prefix, 1, pathId, 0);
            mine.insert(rec);
            model.set(key, rec);
          } else if (kind === "del" && model.has(key)) {
            const rec = model.get(key)!;
            mine.remove(rec);
            rib.unlinkPath(rec);
            model.delete(key);
          }
        }
        expect(mine.size).toBe(model.size);
        for (let key = 0; key <= 300; key++) {
          const prefix = rib.prefixes.find((key >> 2) << 8, 0, 0, 0, 24);
          if (prefix < 0) continue;
          expect(mine.get(prefix, key & 3)).toBe(model.get(key) ?? -1);
          expect(other.get(prefix, key & 3)).toBe(otherModel.get(key) ?? -1);
        }
        expect([...mine.records()].sort((a, b) => a - b)).toEqual(
          [...model.values()].sort((a, b) => a - b),
        );
      }),
    );
  });

  it("PairMap behaves like a map, with and without path ids", () => {
    for (const withIds of [false, true]) {
      fc.assert(
        fc.property(ops, (list: Op[]) => {
          const m = new PairMap(withIds);
          const model = new Map<string, number>();
          for (const { kind, key } of list) {
            const prefix = key >> 1;
            const pathId = withIds ? key & 1 : 0;
            const k = `${prefix}/${pathId}`;
            if (kind === "add") {
              expect(m.set(prefix, pathId, key)).toBe(model.get(k) ?? -1);
              model.set(k, key);
            } else {
              expect(m.delete(prefix, pathId)).toBe(model.get(k) ?? -1);
              model.delete(k);
            }
          }
          expect(m.size).toBe(model.size);
          const seen = new Map<string, number>();
          m.forEach((p, id, v) => {
            seen.set(`${p}/${id}`, v);
          });
          expect(seen).toEqual(model);
        }),
      );
    }
  });
});

describe("DirtyQueue", () => {
  it("is a FIFO without duplicates", () => {
    const q = new DirtyQueue(8);
    for (const i of [5, 3, 5, 100, 3, 7]) q.push(i);
    expect(q.length).toBe(4);
    const out: number[] = [];
    for (let i = q.shift(); i >= 0; i = q.shift()) out.push(i);
    expect(out).toEqual([5, 3, 100, 7]);
    q.push(5);
    expect(q.shift()).toBe(5);
  });
});

describe("AttrStore", () => {
  it("interns equal attribute sets once and frees them at sweep when unreferenced", () => {
    const store = new AttrStore();
    const a = store.intern(
      { origin: "igp", asPath: [{ type: "sequence", asns: [1, 2] }], communities: [5] },
      ["10.0.0.1"],
    );
    const b = store.intern(
      { communities: [5], asPath: [{ type: "sequence", asns: [1, 2] }], origin: "igp" },
      ["10.0.0.1"],
    );
    const c = store.intern(
      { origin: "igp", asPath: [{ type: "sequence", asns: [1, 2] }], communities: [5] },
      ["10.0.0.2"],
    );
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(a.attrs.nextHop).toBe("10.0.0.1");
    expect(Object.isFrozen(a.attrs)).toBe(true);
    store.ref(a.id);
    store.sweep();
    expect(a.alive).toBe(true);
    expect(c.alive).toBe(false);
    store.unref(a.id);
    store.ref(a.id); // dropped and taken again within one slice: kept
    store.sweep();
    expect(a.alive).toBe(true);
    store.unref(a.id);
    store.sweep();
    expect(a.alive).toBe(false);
    expect(store.size).toBe(0);
  });

  it("normalises away MP_REACH and AS4 attributes, keeping next hops separately", () => {
    const store = new AttrStore();
    const s = store.intern(
      {
        origin: "igp",
        mpReach: { afi: 2, safi: 1, nextHops: ["2001:db8::1", "fe80::1"], nlri: null },
        as4Path: [{ type: "sequence", asns: [70000] }],
      },
      ["2001:db8::1", "fe80::1"],
    );
    expect(s.attrs.mpReach).toBeUndefined();
    expect(s.attrs.as4Path).toBeUndefined();
    expect(s.attrs.nextHop).toBeUndefined();
    expect(s.nextHops).toEqual(["2001:db8::1", "fe80::1"]);
  });
});

describe("sharded tables past the split threshold", () => {
  it("PrefixTable, AdjRibIn and PairMap stay consistent through 100k inserts and removals", () => {
    const rib = familyRib();
    const t = rib.prefixes;
    const index = new AdjRibIn(rib, 1);
    const out = new PairMap(false);
    const recs: number[] = [];
    const N = 100_000;
    for (let i = 0; i < N; i++) {
      const p = rib.intern((0x0a000000 + i * 256) >>> 0, 0, 0, 0, 24);
      const rec = rib.addPath(p, 1, 0, 0);
      index.insert(rec);
      recs.push(rec);
      out.set(p, 0, i);
    }
    expect(t.size).toBe(N);
    expect(index.size).toBe(N);
    expect(out.size).toBe(N);
    const wrong: number[] = [];
    for (let i = 0; i < N; i += 2) {
      const p = t.find((0x0a000000 + i * 256) >>> 0, 0, 0, 0, 24);
      if (out.delete(p, 0) !== i) wrong.push(i);
      index.remove(recs[i]);
      rib.unlinkPath(recs[i]);
      t.unref(p);
    }
    for (let i = 0; i < N; i++) {
      const p = t.find((0x0a000000 + i * 256) >>> 0, 0, 0, 0, 24);
      const ok =
        i % 2 === 0 ? p === -1 : p >= 0 && index.get(p, 0) === recs[i] && out.get(p, 0) === i;
      if (!ok) wrong.push(i);
    }
    expect(wrong).toEqual([]);
    expect(index.records()).toHaveLength(N / 2);
  });
});

describe("AdjOutTable", () => {
  it("keeps its contents when it turns dense", async () => {
    const { AdjOutTable } = await import("../../../../src/bgp/rib/hash-tables.js");
    const t = new AdjOutTable(false);
    for (let p = 0; p < 5000; p++) expect(t.set(p * 2, 0, p, 16384)).toBe(-1);
    expect(t.byteSize()).toBe(16384 * 4); // dense now
    expect(t.size).toBe(5000);
    expect(t.get(10)).toBe(5);
    expect(t.get(11)).toBe(-1);
    expect(t.set(10, 0, 99, 16384)).toBe(5);
    expect(t.delete(10)).toBe(99);
    expect(t.delete(10)).toBe(-1);
    expect(t.set(20000, 0, 1, 24576)).toBe(-1);
    let n = 0;
    t.forEach(() => {
      n++;
    });
    expect(n).toBe(5000);
  });
});
