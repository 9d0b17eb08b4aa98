// Seed 004 for real: two spines (AS 500/800), route-reflector leaves, four wren nodes with one
// pod each (the seed's DaemonSet) behind a LoadBalancer address. `verify` must pass everything:
// sessions on both ends, the seed's `show ip route` on leaves and spines (the other rack over
// both spines), pod pings within and across racks, and the spine-side client reaching the
// LoadBalancer range. Then the link drill: leaf0's link to spine0 goes down — leaf0 falls back
// to spine1 alone and cross-rack pods keep talking — and comes back: the ECMP pair returns and
// verify passes again.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runIn } from "../../../src/lab/exec.js";
import { FrrInstance } from "../../../src/lab/frr.js";
import { resolveLab } from "../../../src/lab/lab-file.js";
import { setNodeLink } from "../../../src/lab/live.js";
import { namespaceExists } from "../../../src/lab/netns.js";
import { labDown, labMeta, labUp, WREN_MAIN } from "../../../src/lab/runner.js";
import { RunState } from "../../../src/lab/state.js";
import { labVerify } from "../../../src/lab/verify.js";
import { TEST_RUN_DIR } from "../../harness/netns.js";
import { skipReason } from "../../harness/tools.js";
import { waitFor } from "../../harness/wait.js";

const skip =
  skipReason("frr", "ping") ??
  (existsSync(WREN_MAIN) ? undefined : `${WREN_MAIN} is missing (npm run build)`);
const runDir = TEST_RUN_DIR;
const prefix = `wg${Date.now().toString(36).slice(-4)}`;

const meta = () => labMeta(RunState.open(runDir, prefix)!);

async function leaf0Route(prefix4: string): Promise<string[]> {
  const r = meta().nodes.leaf0;
  const table = await new FrrInstance({ ns: r.ns, dir: r.dir!, config: "" }).ipRoutes();
  const sel = table[prefix4]?.find((x) => x.selected);
  return (sel?.nexthops ?? [])
    .filter((n) => n.fib)
    .map((n) => n.ip ?? "")
    .sort();
}

describe.skipIf(skip)(
  `seed 004 lab with wren, pods and a LoadBalancer${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    beforeAll(async () => {
      await labUp(resolveLab("seed004"), { prefix, runDir });
    }, 120_000);

    afterAll(async () => {
      if (RunState.open(runDir, prefix)) await labDown(prefix, runDir);
    });

    it("verify passes every check: sessions, the seed's routes with ECMP, pings, the LoadBalancer", async () => {
      const { ok, rows } = await labVerify(prefix, { runDir, timeoutMs: 90_000 });
      expect(rows.filter((r) => r.status === "fail")).toEqual([]);
      expect(ok).toBe(true);
      const count = (check: string) =>
        rows.filter((r) => r.check === check && r.status === "ok").length;
      expect(count("bgp")).toBe(8);
      expect(count("routes")).toBe(4);
      expect(count("ping")).toBe(3);
      expect(rows.find((r) => r.check === "lb")).toMatchObject({
        target: "client → 30.0.10.10",
        status: "ok",
      });
      expect(meta().podList?.every((p) => p.loadBalancer === "30.0.10.10")).toBe(true);
    }, 120_000);

    it("drill: leaf0 loses its link to spine0 and gets it back; cross-rack pods keep talking", async () => {
      const from = meta().podList!.find((p) => p.node === "server1")!;
      const to = meta().podList!.find((p) => p.node === "server3")!;
      expect(await leaf0Route("10.98.2.0/24")).toEqual(["10.1.10.2", "10.1.12.2"]);
      await setNodeLink(prefix, "leaf0", "eth1", false, { runDir });
      try {
        await waitFor("leaf0 to route rack 1 via spine1 only", async () => {
          const hops = await leaf0Route("10.98.2.0/24");
          return hops.length === 1 && hops[0] === "10.1.12.2";
        });
        await runIn(from.ns, "ping", ["-c", "3", "-W", "2", to.ips[0]]);
      } finally {
        await setNodeLink(prefix, "leaf0", "eth1", true, { runDir });
      }
      await waitFor(
        "the ECMP pair back on leaf0",
        async () => (await leaf0Route("10.98.2.0/24")).join(" ") === "10.1.10.2 10.1.12.2",
        { timeoutMs: 60_000 },
      );
      const v = await labVerify(prefix, { runDir, timeoutMs: 60_000 });
      expect(v.rows.filter((r) => r.status === "fail")).toEqual([]);
    }, 120_000);

    it("down removes every namespace and the pods' too", async () => {
      const namespaces = [...RunState.open(runDir, prefix)!.record.namespaces];
      expect(namespaces.filter((n) => n.includes("-pod"))).toHaveLength(4);
      await labDown(prefix, runDir);
      expect(namespaces.filter(namespaceExists)).toEqual([]);
    }, 60_000);
  },
);
