// Seed 000's other BGP modes end to end (the default, as-per-rack, has its own file with the
// drills): each comes up with wren and pods and must pass verify with its own expectations —
// as-per-node routes pods everywhere through the fabric; the full mesh and the route reflector
// leave the fabric without pod routes, so pods reach each other within a rack and, as the seed
// shows, not across racks; VXLAN CrossSubnet reaches across racks through vxlan.calico.
import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { resolveLab } from "../../../src/lab/lab-file.js";
import { labDown, labUp, WREN_MAIN } from "../../../src/lab/runner.js";
import { RunState } from "../../../src/lab/state.js";
import { labVerify } from "../../../src/lab/verify.js";
import { TEST_RUN_DIR } from "../../harness/netns.js";
import { skipReason } from "../../harness/tools.js";

const skip =
  skipReason("frr", "ping", "vxlan") ??
  (existsSync(WREN_MAIN) ? undefined : `${WREN_MAIN} is missing (npm run build)`);
const runDir = TEST_RUN_DIR;
let prefix = "";

describe.skipIf(skip)(`seed 000 modes${skip ? ` (skipped: ${skip})` : ""}`, () => {
  afterEach(async () => {
    if (prefix && RunState.open(runDir, prefix)) await labDown(prefix, runDir);
  });

  it.each([
    ["as-per-node", "replied"],
    ["full-mesh", "no reply, as expected"],
    ["route-reflector", "no reply, as expected"],
    ["vxlan", "replied"],
  ])(
    "%s: verify passes (cross-rack ping: %s)",
    async (mode, crossRack) => {
      prefix = `wm${mode.slice(0, 3)}${Date.now().toString(36).slice(-3)}`;
      await labUp(resolveLab("seed000"), { prefix, runDir, mode });
      const { ok, rows } = await labVerify(prefix, { runDir, timeoutMs: 60_000 });
      expect(rows.filter((r) => r.status === "fail")).toEqual([]);
      expect(ok).toBe(true);
      const cross = rows.find((r) => r.check === "ping" && r.detail.includes("across racks"));
      expect(cross?.detail).toContain(crossRack);
      expect(rows.filter((r) => r.check === "kernel" && r.status === "ok")).toHaveLength(4);
    },
    120_000,
  );
});
