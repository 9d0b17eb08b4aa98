/**
 * Runs a CLI command's `run()` with stdout, console.log and console.error captured (console.log
 * lines end in "\n" as they would on a terminal), for the CLI unit tests.
 */
import { vi } from "vitest";

export interface CapturedRun {
  readonly code: number;
  /** Everything written to stdout (process.stdout.write and console.log). */
  readonly out: string;
  /** console.error lines joined with "\n". */
  readonly err: string;
}

export async function capture(fn: () => Promise<number>): Promise<CapturedRun> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    out.push(String(s));
    return true;
  });
  const e = vi.spyOn(console, "error").mockImplementation((s) => {
    err.push(String(s));
  });
  const l = vi.spyOn(console, "log").mockImplementation((s) => {
    out.push(`${String(s)}\n`);
  });
  try {
    const code = await fn();
    return { code, out: out.join(""), err: err.join("\n") };
  } finally {
    o.mockRestore();
    e.mockRestore();
    l.mockRestore();
  }
}
