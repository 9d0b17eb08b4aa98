// The namespace runner on seed 004's fabric (wren not started): two spines in different ASes,
// leaves with `bgp bestpath as-path multipath-relax`, so the other rack's subnet is an ECMP
// route over both spines on each leaf, as the seed's `show ip route` shows; the spine-side
// client reaches a server in the other rack through the fabric; down leaves nothing.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FrrInstance } from "../../../src/lab/frr.js";
import { resolveLab } from "../../../src/lab/lab-file.js";
import { namespaceExists } from "../../../src/lab/netns.js";
import { labDown, labMeta, labUp } from "../../../src/lab/runner.js";
import type { RunState } from "../../../src/lab/state.js";
import { labVerify } from "../../../src/lab/verify.js";
import { TEST_RUN_DIR } from "../../harness/netns.js";
import { skipReason } from "../../harness/tools.js";
import { waitFor } from "../../harness/wait.js";

const skip = skipReason("frr", "ping");
const run = promisify(execFile);
const runDir = TEST_RUN_DIR;
const prefix = `wm${Date.now().toString(36).slice(-4)}`;

describe.skipIf(skip)(
  `lab runner: seed 004 fabric with ECMP${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let state: RunState;
    let down = false;

    beforeAll(async () => {
      state = await labUp(resolveLab("seed004"), { prefix, wren: false, runDir });
    });

    afterAll(async () => {
      if (!down) await labDown(prefix, runDir);
    });

    it("all four leaf-spine sessions are Established on both ends", async () => {
      const { ok, rows } = await labVerify(prefix, { runDir, timeoutMs: 30_000 });
      expect(rows.filter((r) => r.check === "bgp" && r.status === "ok")).toHaveLength(4);
      expect(ok).toBe(true);
    });

    it("each leaf reaches the other rack over both spines (multipath-relax ECMP)", async () => {
      const route = await waitFor("an ECMP route for 10.1.8.0/24 on leaf0", async () => {
        const { stdout } = await run("ip", [
          "-n",
          `${prefix}-leaf0`,
          "route",
          "show",
          "10.1.8.0/24",
        ]);
        return stdout.includes("nexthop via 10.1.10.2") && stdout.includes("nexthop via 10.1.12.2")
          ? stdout
          : undefined;
      });
      expect(route).toContain("proto bgp");
      const leaf0 = labMeta(state).nodes.leaf0;
      const rib = await new FrrInstance({ ns: leaf0.ns, dir: leaf0.dir!, config: "" }).bgpRib();
      const paths = rib.routes?.["10.1.8.0/24"] as {
        multipath?: boolean;
        bestpath?: boolean;
        path?: string;
      }[];
      expect(paths.map((p) => p.path).sort()).toEqual(["500 65008", "800 65008"]);
      expect(paths.every((p) => p.multipath || p.bestpath)).toBe(true);
    });

    it("the spine-side client reaches a server of rack 1", async () => {
      await waitFor("10.1.8.0/24 on spine0", async () => {
        const { stdout } = await run("ip", [
          "-n",
          `${prefix}-spine0`,
          "route",
          "show",
          "10.1.8.0/24",
        ]);
        return stdout.includes("via 10.1.34.1");
      });
      await run("ip", [
        "netns",
        "exec",
        `${prefix}-client`,
        "ping",
        "-c",
        "1",
        "-W",
        "2",
        "10.1.8.11",
      ]);
    });

    it("down removes every namespace", async () => {
      const namespaces = [...state.record.namespaces];
      expect(namespaces).toHaveLength(11);
      await labDown(prefix, runDir);
      down = true;
      expect(namespaces.filter(namespaceExists)).toEqual([]);
    });
  },
);
