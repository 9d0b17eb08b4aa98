import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  decideRestart,
  type RestartState,
  readRestartState,
  writeRestartState,
} from "../../../src/daemon/state-file.js";

const stopped = (over: Partial<RestartState> = {}): RestartState => ({
  node: "node1",
  status: "stopped",
  stop: "graceful",
  pid: 10,
  at: 1_000_000,
  restartTime: 120,
  ...over,
});

describe("restart state", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("round-trips through the file and ignores garbage", () => {
    const dir = mkdtempSync(join(tmpdir(), "wren-state-"));
    dirs.push(dir);
    const path = join(dir, "sub", "node1.state");
    writeRestartState(path, stopped());
    expect(readRestartState(path)).toEqual(stopped());
    writeFileSync(path, "{not json");
    expect(readRestartState(path)).toBeNull();
    expect(readRestartState(join(dir, "missing"))).toBeNull();
  });

  it("a graceful stop within the restart time makes the next start a restart", () => {
    expect(decideRestart(stopped(), "node1", 1_000_000 + 60_000).restarting).toBe(true);
  });

  it("a graceful stop older than the restart time does not", () => {
    const d = decideRestart(stopped(), "node1", 1_000_000 + 121_000);
    expect(d.restarting).toBe(false);
    expect(d.reason).toMatch(/beyond the 120 s restart time/);
  });

  it("a process that died while running counts as a restart; withdraw-and-clean does not", () => {
    expect(decideRestart(stopped({ status: "running", stop: null }), "node1", 5e9).restarting).toBe(
      true,
    );
    expect(decideRestart(stopped({ stop: "withdraw" }), "node1", 1_000_001).restarting).toBe(false);
  });

  it("no file, or another node's file, is a fresh start", () => {
    expect(decideRestart(null, "node1", 0).restarting).toBe(false);
    expect(decideRestart(stopped({ node: "node2" }), "node1", 1_000_001).restarting).toBe(false);
  });
});
