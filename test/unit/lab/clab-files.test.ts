// The labs under clab/ pass the project's own checks in every mode: the runner can build each
// topology (nodes, links, endpoints used once, bind files present), every bound datastore loads
// without errors, and every wren node's address agrees with its Calico Node. Files that only
// containerlab can run (VyOS, kind variants) pass the containerlab-level checks.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { checkDatastores } from "../../../src/lab/datastore-check.js";
import { labEnv, labsRoot, listLabs } from "../../../src/lab/lab-file.js";
import { checkTopology, formatProblem, loadTopology } from "../../../src/lab/topology.js";

const labs = listLabs();

describe("clab/ labs", () => {
  it("has the seed labs", () => {
    expect(labs.map((l) => l.name)).toEqual(expect.arrayContaining(["seed000", "seed004"]));
  });

  for (const lab of labs) {
    const modes = lab.modes.length ? lab.modes : [undefined];
    for (const mode of modes) {
      it(`${lab.name}${mode ? ` (${mode.name})` : ""}: the runner's checks pass`, async () => {
        const t = loadTopology(lab.topology, labEnv(lab, mode));
        const problems = [...checkTopology(t, { forRunner: true }), ...(await checkDatastores(t))];
        expect(problems.map(formatProblem)).toEqual([]);
        if (mode?.datastore) {
          const bound = [...t.nodes.values()].flatMap((n) =>
            n.binds.filter((b) => b.container === "/etc/wren/datastore"),
          );
          expect(new Set(bound.map((b) => b.host))).toEqual(
            new Set([join(lab.dir, mode.datastore)]),
          );
        }
      });
    }
    it(`${lab.name}: every pod count names a wren node`, () => {
      const t = loadTopology(lab.topology, labEnv(lab, lab.modes[0]));
      for (const n of Object.keys(lab.pods)) expect(t.nodes.get(n)?.role, n).toBe("wren");
    });
    for (const v of lab.variants) {
      it(`${lab.name}: ${v} passes the containerlab-level checks`, () => {
        const t = loadTopology(join(lab.dir, v), labEnv(lab, lab.modes[0]));
        expect(checkTopology(t).map(formatProblem)).toEqual([]);
      });
    }
  }

  it("seed000's as-per-rack datastore holds the same resources as config/ (the default datastore)", () => {
    const docs = (dir: string): unknown[] => {
      const out: unknown[] = [];
      const walk = (d: string) => {
        for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) =>
          a.name.localeCompare(b.name),
        )) {
          if (e.isDirectory()) walk(join(d, e.name));
          else if (/\.ya?ml$/.test(e.name)) {
            for (const doc of parseAllDocuments(readFileSync(join(d, e.name), "utf8"))) {
              const v = doc.toJSON();
              if (v !== null && v !== undefined) out.push(v);
            }
          }
        }
      };
      walk(dir);
      return out.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    };
    expect(docs(join(labsRoot(), "seed000", "datastore-as-per-rack"))).toEqual(
      docs(join(labsRoot(), "..", "config")),
    );
  });
});
