import { describe, expect, it } from "vitest";
import { plainAddress, socketErrorText } from "../../../../src/bgp/session/socket-errors.js";
import { TimerSet } from "../../../../src/bgp/session/timers.js";
import { ManualClock } from "../../../../src/common/clock.js";

describe("session timers", () => {
  it("fires once at the deadline; restarting moves the deadline without firing early", () => {
    const clock = new ManualClock();
    const t = new TimerSet(clock);
    const fired: number[] = [];
    t.start("hold", 9, false, () => fired.push(clock.now()));
    clock.advance(5000);
    t.start("hold", 9, false, () => fired.push(clock.now())); // restart at 5 s → due at 14 s
    clock.advance(8000);
    expect(fired).toEqual([]);
    clock.advance(2000);
    expect(fired).toEqual([14000]);
    expect(t.has("hold")).toBe(false);
  });

  it("a shorter restart re-arms earlier", () => {
    const clock = new ManualClock();
    const t = new TimerSet(clock);
    const fired: number[] = [];
    t.start("x", 10, false, () => fired.push(clock.now()));
    t.start("x", 2, false, () => fired.push(clock.now()));
    clock.advance(20_000);
    expect(fired).toEqual([2000]);
  });

  it("jitter scales by a factor in [0.75, 1] (RFC 4271 §10)", () => {
    for (const [r, due] of [
      [0, 3750],
      [1, 5000],
      [0.5, 4375],
    ] as const) {
      const clock = new ManualClock();
      const t = new TimerSet(clock, () => r);
      let at = -1;
      t.start("connectRetry", 5, true, () => {
        at = clock.now();
      });
      clock.advance(10_000);
      expect(at).toBe(due);
    }
  });

  it("stop and stopSuffix cancel timers; stale handles never fire", () => {
    const clock = new ManualClock();
    const t = new TimerSet(clock);
    const fired: string[] = [];
    t.start("hold#1", 1, false, () => fired.push("hold#1"));
    t.start("keepalive#1", 1, false, () => fired.push("keepalive#1"));
    t.start("hold#2", 1, false, () => fired.push("hold#2"));
    t.start("connectRetry", 1, false, () => fired.push("connectRetry"));
    t.stopSuffix("#1");
    t.stop("connectRetry");
    clock.advance(5000);
    expect(fired).toEqual(["hold#2"]);
  });
});

describe("socket error texts", () => {
  it("speaks strerror like BIRD and strips IPv4-mapped prefixes", () => {
    expect(socketErrorText(Object.assign(new Error("x"), { code: "ECONNREFUSED" }))).toBe(
      "Connection refused",
    );
    expect(socketErrorText(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBe(
      "Connection reset by peer",
    );
    expect(socketErrorText(new Error("odd"))).toBe("odd");
    expect(plainAddress("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(plainAddress("fd00::1")).toBe("fd00::1");
  });
});
