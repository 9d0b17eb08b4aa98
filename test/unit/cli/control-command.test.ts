// The argument handling shared by the control-socket commands (status, reload, show): --help
// prints the usage and exits 0, a usage mistake prints `wren NAME: reason` plus the usage and
// exits 2, a daemon that cannot be reached prints one line and exits 1.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { run as reload } from "../../../src/cli/commands/reload.js";
import { run as show } from "../../../src/cli/commands/show.js";
import { run as status } from "../../../src/cli/commands/status.js";
import { capture } from "./capture-output.js";

const dir = mkdtempSync(join(tmpdir(), "wren-ctl-cmd-"));
const absent = join(dir, "absent.sock");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const commands = [
  { name: "status", run: status, usage: "usage: wren status [--json] [--control SOCKET]" },
  { name: "reload", run: reload, usage: "usage: wren reload [--json] [--control SOCKET]" },
  { name: "show", run: show, usage: "usage: wren show protocols [NAME|ADDRESS]" },
] as const;

describe.each(commands)("wren $name", ({ name, run, usage }) => {
  const args = name === "show" ? ["config"] : [];

  it("--help and -h print the usage on stdout and exit 0", async () => {
    for (const flag of ["--help", "-h"]) {
      const r = await capture(() => run([...args, flag]));
      expect(r.code).toBe(0);
      expect(r.out.startsWith(usage)).toBe(true);
      expect(r.err).toBe("");
    }
  });

  it("an unknown option exits 2 with the reason and the usage on stderr", async () => {
    const r = await capture(() => run([...args, "--bogus"]));
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(new RegExp(`^wren ${name}: .*'--bogus'.*\\n${escapeRegExp(usage)}`));
  });

  it("--control without a socket path is a usage mistake (exit 2)", async () => {
    const r = await capture(() => run([...args, "--control"]));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`^wren ${name}: .*--control`));
  });

  it("a daemon that is not running gives one line on stderr and exit 1", async () => {
    const r = await capture(() => run([...args, "--json", "--control", absent]));
    expect(r.code).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toMatch(new RegExp(`^wren ${name}: wren is not running`));
    expect(r.err).not.toContain("usage:");
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
