// The namespace runner on seed 000's fabric (FRR spine + two leaves, two rack bridges, four
// node namespaces; wren not started): `up` builds it from clab/seed000, the spine-leaf sessions
// come up on both ends, the leaves announce their rack subnets so a node behind leaf02 reaches a
// node behind leaf01 through its default route, `wren lab verify/status` (compiled CLI) agree,
// and `down` removes every namespace and process it made.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveLab } from "../../../src/lab/lab-file.js";
import { namespaceExists } from "../../../src/lab/netns.js";
import { isAlive } from "../../../src/lab/process.js";
import { labDown, labMeta, labUp } from "../../../src/lab/runner.js";
import { RunState } from "../../../src/lab/state.js";
import { type labStatus, labVerify } from "../../../src/lab/verify.js";
import { TEST_RUN_DIR } from "../../harness/netns.js";
import { skipReason } from "../../harness/tools.js";
import { waitFor } from "../../harness/wait.js";

const skip = skipReason("frr", "ping");
const MAIN = join(import.meta.dirname, "../../../dist/cli/main.js");
const run = promisify(execFile);
// the run record lives with the harness's records, so a crashed test is swept like any lab
const runDir = TEST_RUN_DIR;
const prefix = `wl${Date.now().toString(36).slice(-4)}`;

function cli(...args: string[]) {
  return run(process.execPath, [MAIN, "lab", ...args], {
    env: { ...process.env, WREN_LAB_RUN_DIR: runDir },
  }).catch((e: { code: number; stdout: string; stderr: string }) => ({
    stdout: e.stdout,
    stderr: e.stderr,
    code: e.code,
  }));
}

describe.skipIf(skip)(`lab runner: seed 000 FRR fabric${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let state: RunState;

  beforeAll(async () => {
    state = await labUp(resolveLab("seed000"), { prefix, wren: false, runDir });
  });

  afterAll(async () => {
    if (RunState.open(runDir, prefix)) await labDown(prefix, runDir);
  });

  it("builds one namespace per node and starts FRR on the routers", async () => {
    const meta = labMeta(state);
    expect(Object.keys(meta.nodes).sort()).toEqual(
      [
        "br-rack1",
        "br-rack2",
        "leaf01",
        "leaf02",
        "master1",
        "spine",
        "worker1",
        "worker2",
        "worker3",
      ].sort(),
    );
    for (const n of Object.values(meta.nodes)) expect(namespaceExists(n.ns), n.ns).toBe(true);
    expect(meta.nodes.master1).toMatchObject({
      ns: `${prefix}-master1`,
      calicoName: "master1.k8s.com",
      notRunning: "not started (--no-wren)",
    });
    const frr = state.record.processes
      .filter((p) => p.name.includes("/frr/"))
      .map((p) => p.name)
      .sort();
    expect(frr).toEqual(
      ["leaf01", "leaf02", "spine"]
        .flatMap((r) => ["bgpd", "staticd", "zebra"].map((d) => `${r}/frr/${d}`))
        .sort(),
    );
  });

  it("verify: spine-leaf sessions Established on both ends, sessions toward the (stopped) wren nodes skipped", async () => {
    const { ok, rows } = await labVerify(prefix, { runDir, timeoutMs: 30_000 });
    const bgp = rows.filter((r) => r.check === "bgp");
    expect(
      bgp
        .filter((r) => r.status === "ok")
        .map((r) => r.target)
        .sort(),
    ).toEqual(["leaf01 ↔ spine", "leaf02 ↔ spine"]);
    expect(
      bgp
        .filter((r) => r.status === "skip")
        .map((r) => r.target)
        .sort(),
    ).toEqual(["leaf01 ↔ master1", "leaf01 ↔ worker1", "leaf01 ↔ worker2", "leaf02 ↔ worker3"]);
    // the pod routes the leaves expect come from wren: skipped while it is not started
    expect(rows.filter((r) => r.check === "routes").map((r) => r.status)).toEqual([
      "skip",
      "skip",
      "skip",
    ]);
    expect(rows.some((r) => r.check === "ping" || r.check === "kernel")).toBe(false);
    expect(ok).toBe(true);
  });

  it("gives nodes a real node's network: worker3 reaches master1 across the fabric via its default route", async () => {
    const { stdout: route } = await run("ip", [
      "-n",
      `${prefix}-worker3`,
      "route",
      "show",
      "default",
    ]);
    expect(route).toContain("via 30.0.0.254 dev eth1");
    const spine = await waitFor("the rack subnets in the spine's kernel FIB", async () => {
      const { stdout } = await run("ip", [
        "-n",
        `${prefix}-spine`,
        "route",
        "show",
        "proto",
        "bgp",
      ]);
      return stdout.includes("10.0.0.0/24") && stdout.includes("30.0.0.0/24") ? stdout : undefined;
    });
    expect(spine).toMatch(/10\.0\.0\.0\/24 .*via 172\.16\.1\.2/);
    expect(spine).toMatch(/30\.0\.0\.0\/24 .*via 172\.16\.2\.2/);
    await waitFor("10.0.0.0/24 in leaf02's kernel FIB", async () => {
      const { stdout } = await run("ip", [
        "-n",
        `${prefix}-leaf02`,
        "route",
        "show",
        "10.0.0.0/24",
      ]);
      return stdout.includes("via 172.16.2.1");
    });
    await run("ip", [
      "netns",
      "exec",
      `${prefix}-worker3`,
      "ping",
      "-c",
      "1",
      "-W",
      "2",
      "10.0.0.11",
    ]);
  });

  it("the compiled CLI reports the same: status and verify", async () => {
    const st = await cli("status", "--prefix", prefix, "--json");
    const s = JSON.parse(st.stdout) as Awaited<ReturnType<typeof labStatus>>;
    expect(s?.sessions.filter((x) => x.state === "Established").length).toBe(4);
    expect(s?.pods).toEqual([]);
    const v = await cli("verify", "--prefix", prefix, "--timeout", "20");
    // 4 wren nodes, their 4 sessions, 3 routers' expected pod routes
    expect(v.stdout).toMatch(/verify passed \(\d+ ok, 11 skipped\)/);
  });

  it("refuses a second up on the same prefix", async () => {
    await expect(
      labUp(resolveLab("seed000"), { prefix, wren: false, runDir }),
    ).rejects.toMatchObject({ code: "LAB_STATE_EXISTS" });
  });

  it("down removes exactly what up made", async () => {
    const namespaces = [...state.record.namespaces];
    const pids = state.record.processes.map((p) => p.pid);
    const d = await cli("down", "--prefix", prefix);
    expect(d.stdout).toContain(`lab ${prefix} removed: 9 namespaces`);
    expect(namespaces.filter(namespaceExists)).toEqual([]);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(join(runDir, prefix))).toBe(false);
  });
});
