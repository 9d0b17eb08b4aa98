// Self-test of the harness's cleanup guarantees: a run whose test process died is swept by the next
// Lab.create() (its namespaces and the processes inside them, by recorded name and PID); a run
// whose owner lives (a test file running in parallel) is left alone; a recorded PID that does
// not live in the recorded namespace (recycled, or never ours) is never signalled.
import { spawn, spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { createNamespace, namespaceExists } from "../../../src/lab/netns.js";
import { isAlive, spawnInNamespace } from "../../../src/lab/process.js";
import { RunState } from "../../../src/lab/state.js";
import { Lab, TEST_RUN_DIR } from "../../harness/netns.js";
import { skipReason } from "../../harness/tools.js";
import { waitFor } from "../../harness/wait.js";

const skip = skipReason();

describe.skipIf(skip)(`harness: cleanup after crashes${skip ? ` (skipped: ${skip})` : ""}`, () => {
  const outsiders: number[] = [];
  afterAll(() => {
    for (const pid of outsiders) if (isAlive(pid)) process.kill(pid, "SIGKILL");
  });

  it("sweeps the namespaces and processes of a run whose owner died, and only those", async () => {
    const live = await Lab.create();
    try {
      await live.addNode("keep");
      // a "crashed" run: its record names a dead owner
      const deadOwner = spawnSync("true").pid!;
      const prefix = `x${Date.now().toString(36).slice(-5)}`;
      const crashed = RunState.create(TEST_RUN_DIR, prefix, { kind: "test" });
      const ns = `${prefix}-n1`;
      crashed.recordNamespace(ns);
      await createNamespace(ns);
      const sleeper = await spawnInNamespace(ns, "sleep", ["300"], {
        logFile: `${crashed.dir}/sleep.log`,
      });
      crashed.recordProcess(sleeper, ns, "sleep");
      // a process inside the namespace that was never recorded is removed with it too
      const stray = await spawnInNamespace(ns, "sleep", ["301"], {
        logFile: `${crashed.dir}/stray.log`,
      });
      (crashed.record as { owner: { pid: number } }).owner = { pid: deadOwner };
      crashed.save();

      const next = await Lab.create();
      try {
        expect(namespaceExists(ns)).toBe(false);
        await waitFor(
          "the crashed run's processes to be gone",
          () => !isAlive(sleeper) && !isAlive(stray),
        );
        expect(RunState.open(TEST_RUN_DIR, prefix)).toBeUndefined();
        // the live run was not touched
        expect(namespaceExists(live.ns("keep"))).toBe(true);
        expect(RunState.open(TEST_RUN_DIR, live.prefix)).toBeDefined();
      } finally {
        await next.cleanup();
      }
    } finally {
      await live.cleanup();
    }
  });

  it("never signals a recorded PID that does not live in the recorded namespace", async () => {
    const lab = await Lab.create();
    await lab.addNode("a");
    // a process in the root namespace, recorded as if it lived in the lab (a recycled PID)
    const outsider = spawn("sleep", ["300"], { stdio: "ignore" });
    outsiders.push(outsider.pid!);
    lab.recordProcess(outsider.pid!, lab.ns("a"), "impostor");
    const inside = await lab.spawn("a", "sleep", "sleep", ["300"]);
    const removed = await lab.cleanup();
    expect(removed.namespaces).toEqual([lab.ns("a")]);
    expect(isAlive(inside.pid)).toBe(false);
    expect(isAlive(outsider.pid!)).toBe(true);
    expect(removed.processes).not.toContain(outsider.pid);
  });

  it("refuses a namespace name that already exists and records nothing for it", async () => {
    const a = await Lab.create();
    try {
      await a.addNode("dup");
      await expect(a.addNode("dup")).rejects.toThrow(/already exists/);
      expect(a.namespaces()).toEqual([a.ns("dup")]);
    } finally {
      await a.cleanup();
    }
  });
});
