// `wren speaker` argument and configuration errors (the running command is covered by the
// integration tests, which drive it over stdin/stdout inside namespaces).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { run, summary } from "../../../../src/cli/commands/speaker.js";

const dir = mkdtempSync(join(tmpdir(), "wren-speaker-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture() {
  const err: string[] = [];
  const spy = vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => {
    err.push(a.join(" "));
  });
  return { err, restore: () => spy.mockRestore() };
}

describe("wren speaker command line", () => {
  it("has a one-line summary", () => {
    expect(summary).toMatch(/BGP speaker/);
  });

  it("requires --config (exit 2)", async () => {
    const c = capture();
    expect(await run([])).toBe(2);
    c.restore();
    expect(c.err.join("\n")).toMatch(/--config is required/);
  });

  it("rejects unknown options (exit 2)", async () => {
    const c = capture();
    expect(await run(["--bogus"])).toBe(2);
    c.restore();
  });

  it("names the file and field of a bad configuration (exit 1)", async () => {
    const file = join(dir, "bad.json");
    writeFileSync(
      file,
      JSON.stringify({
        routerId: "10.0.0.1",
        asNumber: 65001,
        peers: [{ name: "p", address: "not-an-ip", asNumber: 1 }],
      }),
    );
    const c = capture();
    expect(await run(["--config", file])).toBe(1);
    c.restore();
    expect(c.err.join("\n")).toContain(`${file}: peers[0].address: not an IP address`);
  });

  it("reports unreadable JSON (exit 1)", async () => {
    const file = join(dir, "broken.json");
    writeFileSync(file, "{ nope");
    const c = capture();
    expect(await run(["--config", file])).toBe(1);
    c.restore();
    expect(c.err.join("\n")).toContain("not valid JSON");
  });
});
