// Temporary datastore directories for tests, removed afterwards.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach } from "vitest";

export function makeDatastore(files: Record<string, string>): {
  dir: string;
  write(file: string, text: string): void;
  cleanup(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), "wren-calico-"));
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  for (const [f, t] of Object.entries(files)) write(f, t);
  return { dir, write, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * For a test file: a makeDatastore that removes every directory it made after each test
 * (registers the afterEach itself).
 */
export function tempDatastores(): typeof makeDatastore {
  const made: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of made.splice(0)) cleanup();
  });
  return (files) => {
    const s = makeDatastore(files);
    made.push(s.cleanup);
    return s;
  };
}
