/**
 * Polling with a deadline for integration tests. A timeout throws an error that names what was
 * awaited and the last observed state (or the last error the probe threw), so a failing test says
 * "timed out after 30000 ms waiting for frr → 10.0.0.2 Established; last observed: Active" rather
 * than a bare assertion failure.
 */

export interface WaitOptions {
  /** Give up after this long; default 30 s. */
  readonly timeoutMs?: number;
  /** Pause between probes; default 100 ms. */
  readonly intervalMs?: number;
}

export class WaitTimeoutError extends Error {
  readonly code = "WAIT_TIMEOUT";
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastObserved: string,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${what}; last observed: ${lastObserved}`);
    this.name = "WaitTimeoutError";
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function show(v: unknown): string {
  if (v instanceof Error) return `error: ${v.message}`;
  if (typeof v === "string") return v;
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 2000 ? `${s.slice(0, 2000)}…` : s;
  } catch {
    return String(v);
  }
}

/**
 * Calls `probe` until `done(value)` is true and returns that value. A probe that throws counts as
 * "not yet" (its error is the last observed state).
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | Promise<T>,
  done: (value: T) => boolean,
  opts: WaitOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const intervalMs = opts.intervalMs ?? 100;
  const end = Date.now() + timeoutMs;
  let last: unknown = "(never probed)";
  for (;;) {
    try {
      const v = await probe();
      last = v;
      if (done(v)) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= end) throw new WaitTimeoutError(what, timeoutMs, show(last));
    await sleep(Math.min(intervalMs, Math.max(0, end - Date.now())));
  }
}

/** Waits until `probe()` returns a truthy value and returns it. */
export function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  opts: WaitOptions = {},
): Promise<NonNullable<T>> {
  return waitUntil(what, probe, (v) => Boolean(v), opts) as Promise<NonNullable<T>>;
}

/** Waits until `probe()` returns exactly `expected` (compared with JSON equality). */
export function waitForValue<T>(
  what: string,
  probe: () => T | Promise<T>,
  expected: T,
  opts: WaitOptions = {},
): Promise<T> {
  const want = JSON.stringify(expected);
  return waitUntil(what, probe, (v) => JSON.stringify(v) === want, opts);
}
