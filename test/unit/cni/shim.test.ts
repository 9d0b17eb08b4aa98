// scripts/cni/wren, the executable runtimes call: from a checkout it runs the compiled plugin
// (VERSION through it); installed elsewhere without wren it answers CNI error JSON (code 5).
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const SHIM = join(import.meta.dirname, "../../../scripts/cni/wren");
const MAIN = join(import.meta.dirname, "../../../dist/cli/main.js");

describe("CNI shim", () => {
  it.skipIf(!existsSync(MAIN))(
    `runs the plugin of the checkout it sits in${existsSync(MAIN) ? "" : " (skipped: dist/ is not built)"}`,
    async () => {
      const child = run(SHIM, [], { env: { ...process.env, CNI_COMMAND: "VERSION" } });
      child.child.stdin?.end('{"cniVersion":"0.4.0"}');
      const { stdout } = await child;
      expect(JSON.parse(stdout)).toEqual({
        cniVersion: "0.4.0",
        supportedVersions: ["0.3.0", "0.3.1", "0.4.0", "1.0.0"],
      });
    },
  );

  it("answers error JSON when wren is not installed where it looks", async () => {
    const dir = mkdtempSync(join(tmpdir(), "wren-shim-"));
    try {
      copyFileSync(SHIM, join(dir, "wren"));
      const err = await run(join(dir, "wren"), [], {
        env: { ...process.env, CNI_COMMAND: "VERSION", WREN_HOME: join(dir, "nowhere") },
      }).catch((e: { code: number; stdout: string }) => e);
      expect((err as { code: number }).code).toBe(1);
      expect(JSON.parse((err as { stdout: string }).stdout)).toMatchObject({
        code: 5,
        msg: expect.stringContaining("wren is not installed"),
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
