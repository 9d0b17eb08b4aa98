/**
 * The lab description next to a topology (`clab/<lab>/lab.yaml`): what containerlab's schema has
 * no room for (it allows no extension keys) — the lab's title, its modes (each selects a
 * datastore directory and leaf configs through one environment variable, WREN_MODE by
 * default, that the topology uses in `${WREN_MODE:=...}` bind paths), the pods to create per
 * node, the pod pool. Also finds labs: a topology file, a lab directory, or a lab name under
 * the repository's `clab/` directory.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { LabError } from "./errors.js";
import { type LabExpectations, NO_EXPECTATIONS, parseExpectations } from "./expectations.js";

export interface LabMode {
  readonly name: string;
  readonly summary: string;
  /** Datastore directory of this mode, relative to the lab directory. */
  readonly datastore?: string;
  /** What verify checks in this mode (the lab's `expect`, overridden by the mode's). */
  readonly expect: LabExpectations;
}

/**
 * A LoadBalancer address the lab serves from every pod (the seed's DaemonSet behind a
 * LoadBalancer service), checked from a host outside the racks.
 */
export interface LoadBalancerSpec {
  readonly address: string;
  /** Topology node (a plain host) that must reach the address. */
  readonly client: string;
}

export interface LabDescription {
  readonly dir: string;
  /** The lab.yaml file, when there is one. */
  readonly file?: string;
  readonly name: string;
  readonly title: string;
  /** Absolute path of the topology file the runner uses. */
  readonly topology: string;
  readonly modeVariable: string;
  readonly defaultMode?: string;
  readonly modes: readonly LabMode[];
  /** Pods to create per wren node (topology node name → count). */
  readonly pods: Readonly<Record<string, number>>;
  readonly podPool?: string;
  /** Expectations without a mode (labs without modes use these). */
  readonly expect: LabExpectations;
  readonly loadBalancer?: LoadBalancerSpec;
  /** Other topology files of the lab (containerlab-only variants), relative names. */
  readonly variants: readonly string[];
}

export const DEFAULT_LAB = "seed000";

/** The repository's clab/ directory (WREN_LABS_DIR overrides). Works from src/ and dist/. */
export function labsRoot(): string {
  return process.env.WREN_LABS_DIR ?? fileURLToPath(new URL("../../clab/", import.meta.url));
}

function fail(file: string, msg: string): never {
  throw new LabError("LAB_TOPOLOGY_INVALID", `${file}: ${msg}`);
}

/** Reads `<dir>/lab.yaml`; a directory without one yields a description from its only *.clab.yml. */
export function readLabDescription(dir: string, topologyHint?: string): LabDescription {
  const file = join(dir, "lab.yaml");
  const clabFiles = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.clab\.ya?ml$/.test(f))
        .sort()
    : [];
  if (!existsSync(file)) {
    const topo = topologyHint ?? (clabFiles.length === 1 ? join(dir, clabFiles[0]) : undefined);
    if (!topo)
      fail(dir, `no lab.yaml and ${clabFiles.length} *.clab.yml files: name the topology file`);
    return {
      dir,
      name: basename(dir),
      title: basename(topo),
      topology: resolve(topo),
      modeVariable: "WREN_MODE",
      modes: [],
      pods: {},
      expect: NO_EXPECTATIONS,
      variants: clabFiles.filter((f) => join(dir, f) !== resolve(topo)),
    };
  }
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, "utf8"));
  } catch (e) {
    fail(file, `not valid YAML: ${(e as Error).message}`);
  }
  if (typeof doc !== "object" || doc === null) fail(file, "a mapping is expected");
  const d = doc as Record<string, unknown>;
  const name = typeof d.name === "string" ? d.name : basename(dir);
  const topoName = typeof d.topology === "string" ? d.topology : undefined;
  if (!topoName && !topologyHint)
    fail(file, '"topology" (the *.clab.yml file the runner uses) is missing');
  const expect = parseExpectations(d.expect, file);
  const modes: LabMode[] = [];
  if (d.modes !== undefined) {
    if (typeof d.modes !== "object" || d.modes === null || Array.isArray(d.modes))
      fail(file, '"modes" must be a mapping');
    for (const [m, v] of Object.entries(d.modes as Record<string, unknown>)) {
      const o = (typeof v === "object" && v !== null ? v : {}) as Record<string, unknown>;
      modes.push({
        name: m,
        summary: typeof o.summary === "string" ? o.summary.trim() : "",
        datastore: typeof o.datastore === "string" ? o.datastore : undefined,
        expect: parseExpectations(o.expect, `${file} mode ${m}`, expect),
      });
    }
  }
  const pods: Record<string, number> = {};
  if (typeof d.pods === "object" && d.pods !== null) {
    for (const [n, c] of Object.entries(d.pods as Record<string, unknown>)) {
      if (typeof c !== "number" || !Number.isInteger(c) || c < 0)
        fail(file, `pods.${n} must be a whole number`);
      pods[n] = c;
    }
  }
  let loadBalancer: LoadBalancerSpec | undefined;
  if (d.loadBalancer !== undefined) {
    const lb = d.loadBalancer as Record<string, unknown> | null;
    if (
      typeof lb !== "object" ||
      lb === null ||
      typeof lb.address !== "string" ||
      !/^\d+\.\d+\.\d+\.\d+$/.test(lb.address) ||
      typeof lb.client !== "string"
    )
      fail(file, '"loadBalancer" needs an IPv4 "address" and a "client" node');
    loadBalancer = { address: lb!.address as string, client: lb!.client as string };
  }
  const defaultMode = typeof d.defaultMode === "string" ? d.defaultMode : undefined;
  if (defaultMode && !modes.some((m) => m.name === defaultMode))
    fail(file, `defaultMode "${defaultMode}" is not one of modes`);
  const topology = topologyHint ? resolve(topologyHint) : resolve(dir, topoName!);
  return {
    dir,
    file,
    name,
    title: typeof d.title === "string" ? d.title : name,
    topology,
    modeVariable: typeof d.modeVariable === "string" ? d.modeVariable : "WREN_MODE",
    defaultMode,
    modes,
    pods,
    podPool: typeof d.podPool === "string" ? d.podPool : undefined,
    expect,
    loadBalancer,
    variants: clabFiles.filter((f) => join(dir, f) !== topology),
  };
}

/** Every lab under `root` (directories holding a lab.yaml), sorted by name. */
export function listLabs(root = labsRoot()): LabDescription[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(root, e.name, "lab.yaml")))
    .map((e) => readLabDescription(join(root, e.name)))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * A lab from what the user typed: a topology file, a lab directory, or a lab name under
 * `root` (default: DEFAULT_LAB).
 */
export function resolveLab(arg: string | undefined, root = labsRoot()): LabDescription {
  const what = arg ?? DEFAULT_LAB;
  if (existsSync(what)) {
    const st = statSync(what);
    if (st.isDirectory()) return readLabDescription(resolve(what));
    return readLabDescription(dirname(resolve(what)), resolve(what));
  }
  const named = join(root, what);
  if (existsSync(join(named, "lab.yaml"))) return readLabDescription(named);
  const known = listLabs(root).map((l) => l.name);
  throw new LabError(
    "LAB_TOPOLOGY_INVALID",
    `no lab "${what}": not a file or directory, and not a lab under ${root}${known.length ? ` (labs: ${known.join(", ")})` : ""}`,
  );
}

/** The mode to use: the given one (checked), else the lab's default. */
export function pickMode(lab: LabDescription, mode: string | undefined): LabMode | undefined {
  if (mode === undefined) return lab.modes.find((m) => m.name === lab.defaultMode);
  const m = lab.modes.find((x) => x.name === mode);
  if (!m) {
    throw new LabError(
      "LAB_TOPOLOGY_INVALID",
      lab.modes.length
        ? `lab ${lab.name} has no mode "${mode}" (modes: ${lab.modes.map((x) => x.name).join(", ")})`
        : `lab ${lab.name} has no modes`,
    );
  }
  return m;
}

/** What verify checks for `lab` in `mode`. */
export function labExpectations(lab: LabDescription, mode: LabMode | undefined): LabExpectations {
  return mode ? mode.expect : lab.expect;
}

/** The environment a topology of `lab` is expanded with in `mode`. */
export function labEnv(
  lab: LabDescription,
  mode: LabMode | undefined,
): Record<string, string | undefined> {
  return mode ? { ...process.env, [lab.modeVariable]: mode.name } : { ...process.env };
}
