/**
 * When to give freed heap memory back to the kernel (src/common/native/memory.ts): once a burst
 * of route changes — a table load, a peer's table going away — has settled. The RIB's columns
 * and the dataplane's route table grow and shrink in steps while routes stream in; the freed
 * steps stay resident until trimmed. A trim costs a few milliseconds for a heap of hundreds of
 * MB, so it runs only after at least `minChanges` route changes and `quietMs` without any, once
 * the dataplane has settled (its passes and the table check after bulk changes allocate too).
 */
import type { Clock, TimerHandle } from "../common/clock.js";

export interface MemoryReleaseOptions {
  readonly clock: Clock;
  /** Releases freed memory; returns whether anything was released. */
  readonly trim: () => boolean;
  /** Route changes since the last trim that make the next one worth it (default 10,000). */
  readonly minChanges?: number;
  /** Quiet time after the last change before trimming (ms, default 1,000). */
  readonly quietMs?: number;
  /** Resolves when the work the burst caused is done (the dataplane's passes and table check). */
  readonly settled?: () => Promise<void>;
  /** Told after each trim: how long it took and whether it released memory. */
  readonly onTrim?: (ms: number, released: boolean) => void;
}

export class MemoryRelease {
  private changes = 0;
  private timer: TimerHandle | null = null;
  private readonly minChanges: number;
  private readonly quietMs: number;
  private stopped = false;

  constructor(private readonly options: MemoryReleaseOptions) {
    this.minChanges = options.minChanges ?? 10_000;
    this.quietMs = options.quietMs ?? 1_000;
  }

  /** Counts `n` route changes; (re)starts the quiet timer once enough have come. */
  noteChanges(n: number): void {
    this.changes += n;
    if (this.changes < this.minChanges) return;
    this.timer?.cancel();
    this.timer = this.options.clock.setTimer(this.quietMs, () => this.run());
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }

  private run(): void {
    this.timer = null;
    this.changes = 0;
    const settled = this.options.settled?.() ?? Promise.resolve();
    void settled.then(
      () => this.trimNow(),
      () => this.trimNow(),
    );
  }

  private trimNow(): void {
    // Stopped, or a new burst began while the dataplane settled: its own timer trims after it.
    if (this.stopped || this.timer !== null) return;
    const clock = this.options.clock;
    const t0 = clock.now();
    const released = this.options.trim();
    this.options.onTrim?.(clock.now() - t0, released);
  }
}
