// Golden tests: each directory under test/fixtures/calico/golden is one scenario — `input/`
// (Calico YAML as a user writes it) and `case.json` (description, nodes to render, environment);
// `expected/<node>.plan.json` is the node plan (`wren render --json`) and
// `expected/<node>.bird.cfg` / `.bird6.cfg` the BIRD 1.6 configuration (`--format bird`).
// Every expected file was reviewed by hand against ../../../../shared/calico-spec.md; see each
// case.json "review" notes. UPDATE_GOLDEN=1 rewrites the expected files from the current code
// (then review the diff before committing).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { renderBirdConfig } from "../../../src/calico/bird/bird-config.js";
import { loadDirectory } from "../../../src/calico/datastore/load.js";
import { renderNode } from "../../../src/calico/render/render-node.js";
import { goldenCases } from "./golden-cases.js";

const UPDATE = process.env.UPDATE_GOLDEN === "1";

function check(file: string, actual: string): void {
  if (UPDATE) {
    mkdirSync(resolve(file, ".."), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  expect(existsSync(file), `${file} is missing (run with UPDATE_GOLDEN=1 and review it)`).toBe(
    true,
  );
  expect(actual).toBe(readFileSync(file, "utf8"));
}

describe.each(goldenCases())("golden: $name", ({ dir, spec }) => {
  it.each(spec.nodes.map((n) => [n]))("%s", async (node) => {
    const loaded = await loadDirectory(join(dir, "input"));
    if (!spec.allowLoadErrors) expect(loaded.errors).toEqual([]);
    const options = {
      routerId: spec.env?.CALICO_ROUTER_ID,
      advertiseClusterIps: spec.env?.CALICO_ADVERTISE_CLUSTER_IPS,
    };
    const plan = renderNode(loaded.snapshot, node, { ...options, loadErrors: loaded.errors });
    check(join(dir, "expected", `${node}.plan.json`), `${JSON.stringify(plan, null, 2)}\n`);
    const me = loaded.snapshot.nodes.find((n) => n.name === node);
    check(
      join(dir, "expected", `${node}.bird.cfg`),
      renderBirdConfig(loaded.snapshot, node, "ipv4", options),
    );
    if (me?.spec.bgp?.ipv6Address) {
      check(
        join(dir, "expected", `${node}.bird6.cfg`),
        renderBirdConfig(loaded.snapshot, node, "ipv6", options),
      );
    }
  });
});
