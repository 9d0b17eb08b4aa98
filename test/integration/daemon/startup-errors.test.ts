// Start-up errors of the real daemon, in a namespace: each ends with one line on stderr saying
// what is wrong and how to fix it, and the documented exit status (docs/operations.md).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lab } from "../../harness/netns.js";
import { skipReason } from "../../harness/tools.js";
import { runWrenOnce, wrenBuildMissing } from "./wren-process.js";

const why = skipReason() ?? wrenBuildMissing();

describe.skipIf(why !== undefined)(
  `wren run start-up errors${why ? ` (skipped: ${why})` : ""}`,
  () => {
    let lab: Lab;
    let dir: string;

    beforeAll(async () => {
      lab = await Lab.create();
      await lab.addNode("n1");
      dir = lab.dir("n1", "errs");
    });
    afterAll(() => lab?.cleanup());

    function lastLine(text: string): string {
      return text.trimEnd().split("\n").at(-1) ?? "";
    }

    it("a missing datastore directory: exit 3, one line naming it and --datastore", async () => {
      const r = await runWrenOnce(lab, "n1", [
        "--datastore",
        join(dir, "nope"),
        "--node",
        "n1",
        "--control",
        join(dir, "a.sock"),
      ]);
      expect(r.code).toBe(3);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(lastLine(r.stderr)).toMatch(
        /^wren: datastore directory .*\/nope does not exist \(ENOENT\); pass --datastore DIR/,
      );
    });

    it("not root: exit 4, one line naming the capabilities and how to get them", async () => {
      const ds = join(dir, "ds");
      mkdirSync(ds, { recursive: true });
      writeFileSync(join(ds, "empty.yaml"), "");
      const r = await runWrenOnce(
        lab,
        "n1",
        ["--datastore", ds, "--node", "n1", "--control", join(dir, "b.sock"), "--http", "none"],
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"],
      );
      expect(r.code).toBe(4);
      expect(lastLine(r.stderr)).toMatch(
        /^wren: wren needs CAP_NET_ADMIN to program kernel routes; run it as root/,
      );
    });

    it("bad flags: exit 2 with the usage", async () => {
      const r = await runWrenOnce(lab, "n1", ["--http", "9099"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--http "9099" is not ADDR:PORT');
      expect(r.stderr).toContain("usage: wren run");
    });
  },
);
