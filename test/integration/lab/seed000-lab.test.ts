// The default lab for real (seed 000, AS per rack): FRR spine and leaves, four nodes running
// `wren run`, two pods per node made through wren's CNI plugin. `verify` must pass every check
// (sessions on both ends, the leaves' and spine's routes with ECMP sets, blackholes and pod
// routes on the nodes, pings within a node, a rack and across racks). Then the fault drills:
//   - a graceful restart of master1's wren under a cross-fabric ping stream: no ping lost, and
//     no other session bounced;
//   - a node added to rack 2 while running (its Calico Node and BGPPeer written into the
//     datastore, its neighbor added to leaf02) with a pod, and a pod added on master1: the new
//     session comes up, the new pods are reachable across the fabric, leaf02 spreads the service
//     range over both rack-2 nodes, and no session that existed before bounced (FRR uptimes,
//     wren's session start times);
// and `down` leaves nothing.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runIn } from "../../../src/lab/exec.js";
import { FrrInstance } from "../../../src/lab/frr.js";
import { resolveLab } from "../../../src/lab/lab-file.js";
import { addLabPod, addWrenNode, restartWren } from "../../../src/lab/live.js";
import { namespaceExists } from "../../../src/lab/netns.js";
import type { PodRecord } from "../../../src/lab/pods.js";
import { isAlive } from "../../../src/lab/process.js";
import { labDown, labMeta, labUp, WREN_MAIN } from "../../../src/lab/runner.js";
import { RunState } from "../../../src/lab/state.js";
import { labVerify } from "../../../src/lab/verify.js";
import { wrenStatus } from "../../../src/lab/wren-status.js";
import { TEST_RUN_DIR } from "../../harness/netns.js";
import { skipReason } from "../../harness/tools.js";
import { waitFor } from "../../harness/wait.js";

const skip =
  skipReason("frr", "ping") ??
  (existsSync(WREN_MAIN) ? undefined : `${WREN_MAIN} is missing (npm run build)`);
const runDir = TEST_RUN_DIR;
const prefix = `wf${Date.now().toString(36).slice(-4)}`;

function state(): RunState {
  return RunState.open(runDir, prefix)!;
}

function pods(): readonly PodRecord[] {
  return labMeta(state()).podList ?? [];
}

function pod(name: string): PodRecord {
  const p = pods().find((x) => x.name === name);
  if (!p) throw new Error(`no pod ${name}`);
  return p;
}

function frr(node: string): FrrInstance {
  const r = labMeta(state()).nodes[node];
  return new FrrInstance({ ns: r.ns, dir: r.dir!, config: "" });
}

/** peer address → (state, uptime ms) of every FRR router's sessions. */
async function frrUptimes(): Promise<Map<string, { state: string; uptime: number }>> {
  const out = new Map<string, { state: string; uptime: number }>();
  for (const r of ["spine", "leaf01", "leaf02"]) {
    for (const [ip, p] of Object.entries(await frr(r).peers())) {
      out.set(`${r} ${ip}`, { state: p.state, uptime: Number(p.raw.peerUptimeMsec ?? 0) });
    }
  }
  return out;
}

/** node → peer → session start time, from each running wren's own status. */
async function wrenSince(nodes: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const n of nodes) {
    const r = labMeta(state()).nodes[n];
    for (const p of (await wrenStatus(WREN_MAIN, r.control!)).peers)
      out.set(`${n} ${p.address}`, `${p.state} ${p.since}`);
  }
  return out;
}

describe.skipIf(skip)(`seed 000 lab with wren and pods${skip ? ` (skipped: ${skip})` : ""}`, () => {
  beforeAll(async () => {
    await labUp(resolveLab("seed000"), { prefix, runDir });
  }, 120_000);

  afterAll(async () => {
    if (RunState.open(runDir, prefix)) await labDown(prefix, runDir);
  });

  it("creates two pods per node through the CNI plugin, each with a /32 of its node's block", () => {
    const byNode = new Map<string, string[]>();
    for (const p of pods()) byNode.set(p.node, [...(byNode.get(p.node) ?? []), ...p.ips]);
    expect(Object.fromEntries(byNode)).toEqual({
      master1: [expect.stringMatching(/^10\.244\.65\./), expect.stringMatching(/^10\.244\.65\./)],
      worker1: [expect.stringMatching(/^10\.244\.204\./), expect.stringMatching(/^10\.244\.204\./)],
      worker2: [expect.stringMatching(/^10\.244\.42\./), expect.stringMatching(/^10\.244\.42\./)],
      worker3: [expect.stringMatching(/^10\.244\.73\./), expect.stringMatching(/^10\.244\.73\./)],
    });
    for (const p of pods()) expect(namespaceExists(p.ns), p.ns).toBe(true);
  });

  it("verify passes every check once the lab has converged", async () => {
    const { ok, rows } = await labVerify(prefix, { runDir, timeoutMs: 90_000 });
    const failed = rows.filter((r) => r.status === "fail");
    expect(failed).toEqual([]);
    expect(ok).toBe(true);
    const count = (check: string) =>
      rows.filter((r) => r.check === check && r.status === "ok").length;
    expect(count("bgp")).toBe(6);
    expect(count("routes")).toBe(3);
    expect(count("kernel")).toBe(4);
    expect(count("ping")).toBe(7);
    expect(rows.filter((r) => r.status === "skip")).toEqual([]);
  }, 120_000);

  it("drill: master1's wren restarts gracefully under a ping stream across the fabric, nothing lost", async () => {
    const from = pod("worker3-pod1");
    const to = pod("master1-pod1");
    const before = await frrUptimes();
    const otherWren = await wrenSince(["worker1", "worker2", "worker3"]);
    const stream = runIn(
      from.ns,
      "ping",
      ["-n", "-q", "-i", "0.1", "-c", "150", "-W", "1", to.ips[0]],
      {
        allowFailure: true,
        timeoutMs: 60_000,
      },
    );
    await new Promise((r) => setTimeout(r, 2000));
    const oldPid = state().record.processes.find((p) => p.name === "master1/wren")!.pid;
    const pid = await restartWren(prefix, "master1", { runDir });
    expect(pid).not.toBe(oldPid);
    expect(isAlive(oldPid)).toBe(false);
    const out = (await stream).stdout;
    const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
    expect(m, out).not.toBeNull();
    expect({ sent: Number(m![1]), received: Number(m![2]) }).toEqual({
      sent: 150,
      received: 150,
    });
    // the restarted node's session is back; nobody else's bounced
    await waitFor(
      "leaf01 ↔ master1 Established again",
      async () => (await frr("leaf01").peers())["10.0.0.11"]?.state === "Established",
    );
    const after = await frrUptimes();
    for (const [k, v] of before) {
      if (k === "leaf01 10.0.0.11") continue;
      expect(after.get(k)?.state, k).toBe("Established");
      expect(after.get(k)!.uptime, `${k} bounced`).toBeGreaterThanOrEqual(v.uptime);
    }
    expect(await wrenSince(["worker1", "worker2", "worker3"])).toEqual(otherWren);
    const v = await labVerify(prefix, { runDir, timeoutMs: 60_000 });
    expect(v.rows.filter((r) => r.status === "fail")).toEqual([]);
  }, 120_000);

  it("drill: a node and pods added while running; no existing session bounces", async () => {
    const before = await frrUptimes();
    const wrenBefore = await wrenSince(["master1", "worker1", "worker2", "worker3"]);
    await addWrenNode(
      prefix,
      {
        name: "worker4",
        calicoName: "worker4.k8s.com",
        group: "rack2",
        bridge: "br-rack2",
        iface: "eth1",
        address: "30.0.0.24/24",
        gateway: "30.0.0.254",
        resources: [
          "apiVersion: projectcalico.org/v3",
          "kind: Node",
          "metadata:",
          "  name: worker4.k8s.com",
          "spec:",
          "  bgp:",
          "    asNumber: 65002",
          "    ipv4Address: 30.0.0.24/24",
          "---",
          "apiVersion: projectcalico.org/v3",
          "kind: BGPPeer",
          "metadata:",
          "  name: worker4.peer-tor",
          "spec:",
          "  node: worker4.k8s.com",
          "  peerIP: 30.0.0.254",
          "  asNumber: 65002",
          "",
        ].join("\n"),
        router: {
          name: "leaf02",
          config: [
            "router bgp 65002",
            " neighbor 30.0.0.24 peer-group SERVERS",
            " neighbor 30.0.0.24 description worker4",
            "exit",
            "",
          ].join("\n"),
        },
        pods: 1,
      },
      { runDir },
    );
    const extra = await addLabPod(prefix, "master1", { runDir });
    expect(extra.name).toBe("master1-pod3");

    // wait for what the new node brings, then take one verify round
    await waitFor(
      "worker4's session, its pod's route on the spine side and leaf02's ECMP for the service range",
      async () => {
        const r = await labVerify(prefix, { runDir, timeoutMs: 0 });
        const st = (c: string, t: string) =>
          r.rows.find((x) => x.check === c && x.target === t)?.status;
        return (
          st("bgp", "leaf02 ↔ worker4") === "ok" &&
          st("kernel", "worker4") === "ok" &&
          st("ping", "worker3-pod1 → worker4-pod1") === "ok" &&
          r.rows.filter((x) => x.status === "fail").every((x) => x.target === "leaf02") &&
          r.rows.some((x) => x.target === "leaf02" && x.detail.includes("30.0.0.24"))
        );
      },
      { timeoutMs: 90_000, intervalMs: 1000 },
    );
    const v = await labVerify(prefix, { runDir, timeoutMs: 0 });
    // the static expectation for leaf02 predates worker4: the service range now has both
    // rack-2 nodes as next hops, exactly what a second node advertising it should give
    expect(v.rows.filter((r) => r.status === "fail")).toEqual([
      {
        check: "routes",
        target: "leaf02",
        status: "fail",
        detail: "10.96.0.0/12 via 30.0.0.23, 30.0.0.24, want 30.0.0.23",
      },
    ]);
    const ok = (check: string, target: string) =>
      v.rows.find((r) => r.check === check && r.target === target)?.status;
    expect(ok("bgp", "leaf02 ↔ worker4")).toBe("ok");
    expect(ok("kernel", "worker4")).toBe("ok");
    expect(ok("ping", "worker3-pod1 → worker4-pod1")).toBe("ok");
    // the new pods are reachable across the fabric
    await runIn(pod("master1-pod1").ns, "ping", ["-c", "1", "-W", "2", pod("worker4-pod1").ips[0]]);
    await runIn(pod("worker3-pod1").ns, "ping", ["-c", "1", "-W", "2", extra.ips[0]]);

    const after = await frrUptimes();
    for (const [k, v0] of before) {
      expect(after.get(k)?.state, k).toBe("Established");
      expect(after.get(k)!.uptime, `${k} bounced`).toBeGreaterThanOrEqual(v0.uptime);
    }
    expect(after.get("leaf02 30.0.0.24")?.state).toBe("Established");
    expect(await wrenSince(["master1", "worker1", "worker2", "worker3"])).toEqual(wrenBefore);
  }, 180_000);

  it("down removes every namespace (pods and the added node too) and every process", async () => {
    const st = state();
    const namespaces = [...st.record.namespaces];
    const pids = st.record.processes.map((p) => p.pid);
    expect(namespaces).toContain(`${prefix}-worker4`);
    expect(namespaces).toContain(`${prefix}-master1-pod3`);
    const r = await labDown(prefix, runDir);
    expect(r.namespaces.sort()).toEqual(namespaces.sort());
    expect(namespaces.filter(namespaceExists)).toEqual([]);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(join(runDir, prefix))).toBe(false);
  }, 60_000);
});
