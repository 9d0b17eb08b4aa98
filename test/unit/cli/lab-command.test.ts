import { describe, expect, it } from "vitest";
import { run } from "../../../src/cli/commands/lab.js";
import { capture } from "./capture-output.js";

describe("wren lab (npm run lab)", () => {
  it("--help lists every lab under clab/ with its modes and exits 0", async () => {
    const r = await capture(() => run(["--help"]));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: wren lab <up\|verify\|status\|down\|run>/);
    expect(r.out).toMatch(/^ {2}seed000 /m);
    expect(r.out).toMatch(/^ {2}seed004 /m);
    for (const mode of [
      "as-per-rack (default)",
      "as-per-node",
      "full-mesh",
      "route-reflector",
      "vxlan",
    ])
      expect(r.out).toContain(`--mode ${mode}`);
  });

  it("`npm run lab -- --help` (that is, `lab run --help`) prints the same help", async () => {
    const a = await capture(() => run(["--help"]));
    const b = await capture(() => run(["run", "--help"]));
    expect(b.code).toBe(0);
    expect(b.out).toBe(a.out);
  });

  it("`npm run lab -- down LAB` (`lab run down LAB`) tears down instead of running", async () => {
    // A prefix no lab uses: down answers that nothing is recorded there, touching nothing.
    const prefix = `wren-unit-nolab-${process.pid}`;
    const r = await capture(() => run(["run", "down", "seed004", "--prefix", prefix]));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`wren lab down: no lab is recorded under prefix ${prefix}`);
  });

  it("refuses an unknown option with the usage and exit 2", async () => {
    const r = await capture(() => run(["run", "--bogus"]));
    expect(r.code).toBe(2);
    expect(r.err).toContain("usage: wren lab");
  });
});
