/**
 * Named timers of the session engine on an injectable Clock. Restarting a timer only moves its
 * deadline; the underlying clock timer is re-armed lazily when it fires early, so restarting the
 * hold timer on every UPDATE costs no timer churn. Jitter (RFC 4271 §10) multiplies the duration
 * by a random factor in [0.75, 1].
 */
import type { Clock, TimerHandle } from "../../common/clock.js";

interface Entry {
  deadline: number;
  due: number;
  handle: TimerHandle;
  fire: () => void;
}

export class TimerSet {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {}

  start(key: string, seconds: number, jitter: boolean, fire: () => void): void {
    const factor = jitter ? 0.75 + 0.25 * this.random() : 1;
    const ms = Math.max(0, Math.round(seconds * 1000 * factor));
    const deadline = this.clock.now() + ms;
    const existing = this.entries.get(key);
    if (existing && existing.due <= deadline) {
      existing.deadline = deadline;
      existing.fire = fire;
      return;
    }
    existing?.handle.cancel();
    this.arm(key, { deadline, due: deadline, handle: { cancel() {} }, fire }, ms);
  }

  private arm(key: string, entry: Entry, ms: number): void {
    entry.due = this.clock.now() + ms;
    entry.handle = this.clock.setTimer(ms, () => {
      if (this.entries.get(key) !== entry) return;
      const left = entry.deadline - this.clock.now();
      if (left > 0) {
        this.arm(key, entry, left);
        return;
      }
      this.entries.delete(key);
      entry.fire();
    });
    this.entries.set(key, entry);
  }

  stop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.handle.cancel();
    this.entries.delete(key);
  }

  /** Stops every timer whose key ends with `suffix` (a connection's timers). */
  stopSuffix(suffix: string): void {
    for (const key of [...this.entries.keys()]) if (key.endsWith(suffix)) this.stop(key);
  }

  stopAll(): void {
    for (const key of [...this.entries.keys()]) this.stop(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }
}
