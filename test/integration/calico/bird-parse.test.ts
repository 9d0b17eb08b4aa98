// `wren render --format bird` output, for every golden scenario and node, is a configuration
// real BIRD 1.6 accepts (`bird -p -c FILE`, `bird6` for IPv6). Configurations with IPIP pools
// use Calico's fork-only `krt_tunnel` and are skipped, as upstream BIRD cannot parse them.
// Runs the compiled renderer from dist/.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { missing, paths } from "../../harness/index.js";
import { goldenCases } from "../../unit/calico/golden-cases.js";

type CalicoModule = typeof import("../../../src/calico/index.js");
const calico = (await import(
  pathToFileURL(resolve(import.meta.dirname, "../../../dist/calico/index.js")).href
)) as CalicoModule;

const noBird = missing("bird1");
const work = mkdtempSync(join(tmpdir(), "wren-bird-parse-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function birdParse(
  binary: string,
  text: string,
  name: string,
): { status: number | null; output: string } {
  const file = join(work, name);
  writeFileSync(file, text);
  const r = spawnSync(binary, ["-p", "-c", file], { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface Job {
  readonly title: string;
  readonly family: "ipv4" | "ipv6";
  readonly text: string;
}

const jobs: Job[] = [];
for (const c of goldenCases()) {
  const loaded = await calico.loadDirectory(join(c.dir, "input"));
  const options = {
    routerId: c.spec.env?.CALICO_ROUTER_ID,
    advertiseClusterIps: c.spec.env?.CALICO_ADVERTISE_CLUSTER_IPS,
  };
  for (const node of c.spec.nodes) {
    const n = loaded.snapshot.nodes.find((x) => x.name === node);
    for (const family of ["ipv4", "ipv6"] as const) {
      if (family === "ipv6" && !n?.spec.bgp?.ipv6Address) continue;
      jobs.push({
        title: `${c.name} ${node} ${family === "ipv4" ? "bird.cfg" : "bird6.cfg"}`,
        family,
        text: calico.renderBirdConfig(loaded.snapshot, node, family, options),
      });
    }
  }
}

describe.skipIf(noBird)(
  `BIRD 1.6 parses wren's --format bird output${noBird ? ` (skipped: ${noBird})` : ""}`,
  () => {
    for (const [i, job] of jobs.entries()) {
      const fork = job.text.includes("krt_tunnel");
      it.skipIf(fork)(
        `${job.title}${fork ? " (skipped: IPIP pool, krt_tunnel needs Calico's BIRD fork)" : ""}`,
        () => {
          const r = birdParse(
            job.family === "ipv4" ? paths.bird1 : paths.bird6,
            job.text,
            `${i}.cfg`,
          );
          expect(r.output).toBe("");
          expect(r.status).toBe(0);
        },
      );
    }

    it("the parse check catches a broken configuration", () => {
      const text = `${jobs[0].text}\nprotocol bgp Broken from bgp_template {\n  neighbor 10.0.0.1 as;\n}\n`;
      const r = birdParse(paths.bird1, text, "broken.cfg");
      expect(r.status).not.toBe(0);
      expect(r.output).toMatch(/syntax error/);
    });

    it("covers a useful number of scenarios without IPIP", () => {
      expect(jobs.filter((j) => !j.text.includes("krt_tunnel")).length).toBeGreaterThanOrEqual(20);
    });
  },
);
