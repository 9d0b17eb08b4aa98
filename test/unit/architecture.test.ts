// Enforces the dependency direction of DEVELOPERS.md: cli → daemon → engines → common.
// Every relative import in src/ is checked against the table of allowed layers below, so an
// engine that reaches sideways or upward fails the suite with the offending file and import.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = resolve(import.meta.dirname, "../../src");

/** Layer of a file: its first two path segments for bgp/*, else its first segment. */
function layerOf(file: string): string {
  const parts = relative(SRC, file).split("/");
  return parts[0] === "bgp" ? `bgp/${parts[1]}` : parts[0];
}

const ALLOWED: Record<string, string[]> = {
  common: ["common"],
  "bgp/wire": ["common"],
  "bgp/fsm": ["common", "bgp/wire"],
  "bgp/session": ["common", "bgp/wire", "bgp/fsm"],
  "bgp/policy": ["common", "bgp/wire"],
  "bgp/rib": ["common", "bgp/wire", "bgp/policy"],
  "bgp/speaker": ["common", "bgp/wire", "bgp/fsm", "bgp/session", "bgp/policy", "bgp/rib"],
  calico: ["common"],
  dataplane: ["common"],
  cni: ["common", "calico", "dataplane"],
  daemon: ["common", "bgp/wire", "bgp/speaker", "calico", "dataplane", "cni"],
  lab: ["common", "calico", "cni", "dataplane"],
  cli: ["common", "bgp/wire", "bgp/speaker", "calico", "dataplane", "cni", "daemon", "lab"],
};

function* tsFiles(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* tsFiles(p);
    else if (e.name.endsWith(".ts")) yield p;
  }
}

describe("architecture", () => {
  it("imports point one way: cli → daemon → engines → common", () => {
    const violations: string[] = [];
    for (const file of tsFiles(SRC)) {
      const from = layerOf(file);
      const allowed = ALLOWED[from];
      if (!allowed) {
        violations.push(`${relative(SRC, file)}: folder "${from}" is not a known layer`);
        continue;
      }
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+["'](\.[^"']+)["']/g)) {
        const target = resolve(dirname(file), m[1]);
        const to = layerOf(target);
        if (to !== from && !allowed.includes(to)) {
          violations.push(`${relative(SRC, file)} imports ${m[1]} (layer ${to})`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
