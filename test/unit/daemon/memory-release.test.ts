import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/common/clock.js";
import { mallocStats, trimFreedMemory } from "../../../src/common/native/memory.js";
import { MemoryRelease } from "../../../src/daemon/memory-release.js";

function setup(minChanges = 100, quietMs = 1000, settled?: () => Promise<void>) {
  const clock = new ManualClock();
  const trims: number[] = [];
  const release = new MemoryRelease({
    clock,
    minChanges,
    quietMs,
    settled,
    trim: () => {
      trims.push(clock.now());
      return true;
    },
  });
  return { clock, trims, release };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("MemoryRelease", () => {
  it("trims once, quietMs after the last change of a burst of at least minChanges", async () => {
    const { clock, trims, release } = setup();
    for (let i = 0; i < 10; i++) {
      release.noteChanges(50);
      clock.advance(200);
    }
    // Still changing every 200 ms: no trim yet.
    expect(trims).toEqual([]);
    clock.advance(800);
    await flush();
    expect(trims).toEqual([2800]);
    clock.advance(10_000);
    await flush();
    expect(trims).toHaveLength(1);
  });

  it("does not trim after fewer changes than minChanges", async () => {
    const { clock, trims, release } = setup();
    release.noteChanges(99);
    clock.advance(5000);
    await flush();
    expect(trims).toEqual([]);
    release.noteChanges(1);
    clock.advance(1000);
    await flush();
    expect(trims).toEqual([6000]);
  });

  it("waits for the dataplane to settle, and leaves the trim to a burst that began meanwhile", async () => {
    let settle: () => void = () => {};
    const { clock, trims, release } = setup(100, 1000, () => new Promise((r) => (settle = r)));
    release.noteChanges(100);
    clock.advance(1000);
    await flush();
    expect(trims).toEqual([]);
    release.noteChanges(100);
    settle();
    await flush();
    expect(trims).toEqual([]);
    clock.advance(1000);
    settle();
    await flush();
    expect(trims).toEqual([2000]);
  });

  it("stop() cancels a pending trim", async () => {
    const { clock, trims, release } = setup();
    release.noteChanges(500);
    release.stop();
    clock.advance(5000);
    await flush();
    expect(trims).toEqual([]);
  });
});

describe("wren_memory addon", () => {
  it("reads the main malloc arena (in use + free = arena) and trims without error (built by npm ci)", () => {
    const stats = mallocStats();
    expect(stats, "wren_memory addon missing: node src/common/native/build.mjs").not.toBeNull();
    expect(stats!.inUse).toBeGreaterThan(0);
    expect(stats!.inUse + stats!.free).toBe(stats!.arena);
    expect([true, false]).toContain(trimFreedMemory());
  });
});
