/**
 * The namespace runner: builds a containerlab topology without Docker. One network namespace per
 * node (`<prefix>-<node>`, prefix `wren-<lab>` by default), veth links created directly inside
 * their namespaces (MTU 9500 like containerlab), a namespace holding a Linux bridge for each
 * `kind: bridge` node, the nodes' sysctls and `exec` lines (addresses, the default route toward
 * the leaf: what a real node has), FRR routers run with the host's FRR from their bound
 * frr.conf and daemons files, and wren nodes running `wren run` on a copy of their bound datastore
 * (shared by the nodes, like one datastore in a cluster). Everything is recorded in
 * /run/wren-lab/<prefix>/state.json before it is made, so `down` removes exactly what `up` made,
 * also after a crash or a failed `up`. Last, the lab's pods: one namespace each, wired by wren's
 * CNI plugin run the way a container runtime runs it (pods.ts), and the LoadBalancer stand-in
 * when the lab has one.
 */
import { cpSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { calicoNodeName, checkDatastores } from "./datastore-check.js";
import { LabError } from "./errors.js";
import { runIn } from "./exec.js";
import type { LabExpectations } from "./expectations.js";
import { FrrInstance, parseDaemonsFile } from "./frr.js";
import {
  type LabDescription,
  type LabMode,
  type LoadBalancerSpec,
  labEnv,
  labExpectations,
  pickMode,
} from "./lab-file.js";
import {
  addAddress,
  addBridge,
  addVeth,
  createNamespace,
  namespaceExists,
  setMaster,
  setSysctls,
} from "./netns.js";
import { createPod, deletePod, type PodHost, type PodRecord, serveLoadBalancer } from "./pods.js";
import { isAlive, spawnInNamespace } from "./process.js";
import { RunState } from "./state.js";
import {
  assertNoProblems,
  bindFor,
  type ClabNode,
  checkTopology,
  DEFAULT_LINK_MTU,
  execAddresses,
  FRR_CONF_PATH,
  FRR_DAEMONS_PATH,
  loadTopology,
  type NodeRole,
  sharedWith,
  splitCommand,
  type Topology,
  WREN_DATASTORE_PATH,
} from "./topology.js";

export const LAB_RUN_DIR = process.env.WREN_LAB_RUN_DIR ?? "/run/wren-lab";

/** The compiled CLI a wren node runs (`node <this> run ...`). */
export const WREN_MAIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface LabNodeRecord {
  readonly name: string;
  readonly role: NodeRole;
  readonly ns: string;
  /** Instance directory (FRR / wren files). */
  readonly dir?: string;
  /** Calico node name (wren nodes). */
  readonly calicoName?: string;
  /** Datastore copy the wren node runs on. */
  readonly datastore?: string;
  /** Control socket (wren nodes). */
  readonly control?: string;
  /** Why a wren node is not running, if it is not. */
  readonly notRunning?: string;
  /** Topology group (the rack, for the ping checks). */
  readonly group?: string;
  /** Addresses the node was given (CIDRs), for naming BGP neighbors. */
  readonly addresses?: readonly string[];
  /** How `wren run` was started (argv after node, environment), for restarts. */
  readonly wrenArgs?: readonly string[];
  readonly wrenEnv?: Readonly<Record<string, string>>;
}

export interface LabRunMeta {
  readonly kind: "lab";
  readonly lab: string;
  readonly labDir: string;
  readonly topology: string;
  readonly mode?: string;
  readonly nodes: Record<string, LabNodeRecord>;
  /** Pods per wren node the lab asks for. */
  readonly pods: Record<string, number>;
  /** The pods made (through the CNI plugin). */
  readonly podList?: readonly PodRecord[];
  /** What verify checks (the lab's expectations in this mode). */
  readonly expect?: LabExpectations;
  readonly loadBalancer?: LoadBalancerSpec;
  readonly complete: boolean;
}

export interface UpOptions {
  /** Namespace prefix; default `wren-<topology name>`. */
  readonly prefix?: string;
  readonly mode?: string;
  /** Start `wren run` on wren nodes (default true when dist/cli/main.js exists). */
  readonly wren?: boolean;
  /** Keep what was built when `up` fails half-way (default: tear it down). */
  readonly keepOnFailure?: boolean;
  /** Create the lab's pods (default true when wren runs). */
  readonly pods?: boolean;
  readonly runDir?: string;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export function defaultPrefix(t: Pick<Topology, "name">): string {
  return `wren-${t.name}`;
}

export interface LoadedLab {
  readonly lab: LabDescription;
  readonly mode?: LabMode;
  readonly topology: Topology;
}

/** Loads and checks a lab's topology in a mode; throws one error listing every problem. */
export async function loadCheckedLab(lab: LabDescription, modeName?: string): Promise<LoadedLab> {
  const mode = pickMode(lab, modeName);
  const topology = loadTopology(lab.topology, labEnv(lab, mode));
  assertNoProblems([
    ...checkTopology(topology, { forRunner: true }),
    ...(await checkDatastores(topology)),
  ]);
  return { lab, mode, topology };
}

function nsOf(t: Topology, prefix: string, node: ClabNode): string {
  const shared = sharedWith(node);
  return shared ? nsOf(t, prefix, t.nodes.get(shared)!) : `${prefix}-${node.name}`;
}

async function runExec(ns: string, node: ClabNode, log: (l: string) => void): Promise<void> {
  for (const line of node.exec) {
    const argv = splitCommand(line);
    if (argv.length === 0) continue;
    log(`  ${node.name}: ${line}`);
    await runIn(ns, argv[0], argv.slice(1)).catch((e: unknown) => {
      throw new LabError(
        "LAB_COMMAND_FAILED",
        `node ${node.name}: exec "${line}" failed: ${(e as Error).message}`,
      );
    });
  }
}

/** Brings a lab up. Returns the run record. */
export async function labUp(lab: LabDescription, opts: UpOptions = {}): Promise<RunState> {
  const log = opts.log ?? (() => {});
  const { mode, topology: t } = await loadCheckedLab(lab, opts.mode);
  const prefix = opts.prefix ?? defaultPrefix(t);
  const base = opts.runDir ?? LAB_RUN_DIR;
  if (RunState.open(base, prefix)) {
    throw new LabError(
      "LAB_STATE_EXISTS",
      `lab prefix ${prefix} is already up (record ${join(base, prefix)}); run "wren lab down --prefix ${prefix}" first, or pick another --prefix`,
    );
  }
  const nodes = [...t.nodes.values()];
  const clash = nodes
    .filter((n) => !sharedWith(n))
    .map((n) => nsOf(t, prefix, n))
    .filter(namespaceExists);
  if (clash.length) {
    throw new LabError(
      "LAB_NAMESPACE_EXISTS",
      `namespaces already exist (not made by a recorded run): ${clash.join(", ")}`,
    );
  }
  const records: Record<string, LabNodeRecord> = {};
  const meta: LabRunMeta = {
    kind: "lab",
    lab: lab.name,
    labDir: lab.dir,
    topology: lab.topology,
    mode: mode?.name,
    nodes: records,
    pods: { ...lab.pods },
    podList: [],
    expect: labExpectations(lab, mode),
    loadBalancer: lab.loadBalancer,
    complete: false,
  };
  const state = RunState.create(base, prefix, meta as unknown as Record<string, unknown>);
  const save = () => state.setMeta("nodes", records);
  try {
    log(
      `lab ${lab.name}${mode ? ` (mode ${mode.name})` : ""}: ${nodes.length} nodes, ${t.links.length} links, prefix ${prefix}`,
    );
    // namespaces (and bridges)
    for (const n of nodes) {
      if (sharedWith(n)) continue;
      const ns = nsOf(t, prefix, n);
      state.recordNamespace(ns);
      await createNamespace(ns, { forwarding: n.role !== "bridge" });
      if (n.role === "bridge") await addBridge(ns, n.name);
      records[n.name] = { name: n.name, role: n.role, ns, ...nodeFacts(t, n) };
    }
    for (const n of nodes) {
      if (sharedWith(n))
        records[n.name] = {
          name: n.name,
          role: n.role,
          ns: nsOf(t, prefix, n),
          ...nodeFacts(t, n),
        };
    }
    save();
    // links
    for (const l of t.links) {
      const na = t.nodes.get(l.a.node)!;
      const nb = t.nodes.get(l.b.node)!;
      const a = { ns: nsOf(t, prefix, na), ifname: l.a.iface };
      const b = { ns: nsOf(t, prefix, nb), ifname: l.b.iface };
      await addVeth(a, b, { mtu: l.mtu ?? DEFAULT_LINK_MTU });
      if (na.role === "bridge") await setMaster(a.ns, a.ifname, na.name);
      if (nb.role === "bridge") await setMaster(b.ns, b.ifname, nb.name);
      for (const c of l.addrA) await addAddress(a.ns, a.ifname, c);
      for (const c of l.addrB) await addAddress(b.ns, b.ifname, c);
    }
    log(`  ${t.links.length} links up`);
    // sysctls, exec lines of hosts and wren nodes (addresses and default routes come first)
    for (const n of nodes) {
      const ns = records[n.name].ns;
      if (Object.keys(n.sysctls).length) await setSysctls(ns, n.sysctls);
      if (n.role === "host" || n.role === "wren") await runExec(ns, n, log);
    }
    // FRR routers
    await Promise.all(
      nodes
        .filter((n) => n.role === "frr")
        .map(async (n) => {
          const ns = records[n.name].ns;
          const dir = state.subdir("nodes", n.name);
          const conf = readFileSync(bindFor(n, FRR_CONF_PATH)!.host, "utf8");
          const daemonsBind = bindFor(n, FRR_DAEMONS_PATH);
          const daemons = daemonsBind
            ? parseDaemonsFile(readFileSync(daemonsBind.host, "utf8"))
            : undefined;
          const frr = new FrrInstance({
            ns,
            dir,
            config: conf,
            daemons,
            onProcess: (pid, name) => state.recordProcess(pid, ns, `${n.name}/${name}`),
          });
          records[n.name] = { ...records[n.name], dir };
          save();
          await frr.start();
          await runExec(ns, n, log);
          log(`  ${n.name}: FRR (${frr.daemons.join(", ")}) started`);
        }),
    );
    // wren nodes
    const wrenNodes = nodes.filter((n) => n.role === "wren");
    const copies = new Map<string, string>();
    const canRun = opts.wren !== false && existsSync(WREN_MAIN);
    for (const n of wrenNodes) {
      const ns = records[n.name].ns;
      const src = bindFor(n, WREN_DATASTORE_PATH)!.host;
      let copy = copies.get(src);
      if (!copy) {
        copy = state.subdir("datastores", String(copies.size));
        cpSync(src, copy, { recursive: true });
        copies.set(src, copy);
      }
      const dir = state.subdir("nodes", n.name);
      const calicoName = calicoNodeName(n);
      const control = join(dir, "wren.sock");
      let notRunning: string | undefined;
      const wrenArgs = wrenRunArgs(copy, calicoName, dir);
      const wrenEnv = { ...n.env, NODENAME: calicoName };
      if (canRun) {
        const pid = await spawnWren(state, { name: n.name, ns, dir, wrenArgs, wrenEnv });
        log(
          `  ${n.name}: wren run --node ${calicoName} (pid ${pid}, log ${join(dir, "wren.log")})`,
        );
      } else {
        notRunning =
          opts.wren === false
            ? "not started (--no-wren)"
            : `not runnable yet (${WREN_MAIN} is missing: npm run build)`;
        log(`  ${n.name}: wren ${notRunning}`);
      }
      records[n.name] = {
        ...records[n.name],
        dir,
        calicoName,
        datastore: copy,
        control,
        notRunning,
        wrenArgs,
        wrenEnv,
      };
    }
    save();
    if (canRun && wrenNodes.length) await noteEarlyExits(state, records, log);
    if (opts.pods ?? canRun) await createLabPods(state, meta, records, log);
    state.setMeta("complete", true);
    return state;
  } catch (e) {
    if (!opts.keepOnFailure) {
      log(`up failed: ${(e as Error).message}; removing what was built`);
      await state.teardown(2000);
    }
    throw e;
  }
}

/** `wren run` arguments of a lab node (after the node binary). */
export function wrenRunArgs(datastore: string, calicoName: string, dir: string): string[] {
  return [
    WREN_MAIN,
    "run",
    "--datastore",
    datastore,
    "--node",
    calicoName,
    "--control",
    join(dir, "wren.sock"),
    "--state-file",
    join(dir, "restart-state.json"),
  ];
}

/** Starts a node's `wren run` in its namespace (log in its directory) and records the PID. */
export async function spawnWren(
  state: RunState,
  r: Pick<LabNodeRecord, "name" | "ns" | "dir" | "wrenArgs" | "wrenEnv">,
): Promise<number> {
  const pid = await spawnInNamespace(r.ns, process.execPath, r.wrenArgs!, {
    logFile: join(r.dir!, "wren.log"),
    env: { ...r.wrenEnv },
  });
  state.recordProcess(pid, r.ns, `${r.name}/wren`);
  return pid;
}

/** Group and addresses of a topology node, kept in its record. */
function nodeFacts(t: Topology, n: ClabNode): Pick<LabNodeRecord, "group" | "addresses"> {
  const addresses = [
    ...execAddresses(n).map((a) => a.cidr),
    ...t.links.flatMap((l) => [
      ...(l.a.node === n.name ? l.addrA : []),
      ...(l.b.node === n.name ? l.addrB : []),
    ]),
  ];
  return { group: n.group, addresses };
}

/** What the pod code needs to know about a wren node (undefined for other nodes). */
export function podHost(r: LabNodeRecord | undefined): PodHost | undefined {
  if (r?.role !== "wren" || !r.datastore || !r.dir || !r.calicoName) return undefined;
  return { name: r.name, ns: r.ns, calicoName: r.calicoName, datastore: r.datastore, dir: r.dir };
}

/** The lab's pods (lab.yaml `pods`), all nodes at once, then the LoadBalancer stand-in. */
async function createLabPods(
  state: RunState,
  meta: LabRunMeta,
  records: Record<string, LabNodeRecord>,
  log: (l: string) => void,
): Promise<void> {
  const list: PodRecord[] = [];
  const save = () => state.setMeta("podList", list);
  await Promise.all(
    Object.entries(meta.pods).map(async ([node, count]) => {
      const host = podHost(records[node]);
      if (!host) return;
      for (let i = 1; i <= count; i++) {
        const pod = await createPod(state, WREN_MAIN, host, i);
        list.push(pod);
        save();
        log(`  ${node}: pod ${pod.name} ${pod.ips.join(" ")} (${pod.hostVeth}, netns ${pod.ns})`);
      }
    }),
  );
  const lb = meta.loadBalancer;
  if (lb) {
    for (const [i, pod] of list.entries()) {
      list[i] = await serveLoadBalancer(podHost(records[pod.node])!, pod, lb.address);
    }
    save();
    log(`  LoadBalancer ${lb.address}: served by ${list.length} pods (checked from ${lb.client})`);
  }
  list.sort((a, b) => a.ns.localeCompare(b.ns));
  save();
}

/** The last non-empty line of a log file ("" when unreadable). */
export function lastLogLine(file: string): string {
  try {
    const lines = readFileSync(file, "utf8").trim().split("\n");
    const last = lines[lines.length - 1] ?? "";
    try {
      const j = JSON.parse(last) as { msg?: string };
      return j.msg ?? last;
    } catch {
      return last;
    }
  } catch {
    return "";
  }
}

/**
 * A wren daemon that cannot run (an incomplete build, a datastore it rejects) exits within a
 * moment of starting; such nodes are recorded as not running, with the daemon's own last words.
 */
async function noteEarlyExits(
  state: RunState,
  records: Record<string, LabNodeRecord>,
  log: (l: string) => void,
): Promise<void> {
  await new Promise((r) => setTimeout(r, 1500));
  for (const p of [...state.record.processes]) {
    const [node, what] = p.name.split("/");
    if (what !== "wren" || isAlive(p.pid)) continue;
    const why = lastLogLine(join(records[node].dir!, "wren.log"));
    records[node] = { ...records[node], notRunning: `exited at start: ${why || "no log output"}` };
    state.forgetProcess(p.pid);
    log(`  ${node}: wren ${records[node].notRunning}`);
  }
  state.setMeta("nodes", records);
}

/** Tears a lab down by its record (works after a crash or a half-finished up). */
export async function labDown(
  prefix: string,
  runDir = LAB_RUN_DIR,
): Promise<{ namespaces: string[]; processes: number[] }> {
  const state = RunState.open(runDir, prefix);
  if (!state)
    throw new LabError(
      "LAB_STATE_INVALID",
      `no lab is recorded under prefix ${prefix} (${join(runDir, prefix)})`,
    );
  // CNI DEL for every pod first (releases its address, removes its WorkloadEndpoint), as a
  // runtime does when a pod goes; best effort: the namespaces go in any case
  const meta = labMeta(state);
  const pods: string[] = [];
  if (existsSync(WREN_MAIN)) {
    await Promise.all(
      (meta.podList ?? []).map((p) =>
        deletePod(state, WREN_MAIN, podHost(meta.nodes?.[p.node]), p).then(
          () => pods.push(p.ns),
          () => {},
        ),
      ),
    );
  }
  const r = await state.teardown(5000);
  return { ...r, namespaces: [...pods, ...r.namespaces] };
}

/** Prefixes of the labs recorded under runDir. */
export function recordedLabs(runDir = LAB_RUN_DIR): string[] {
  return RunState.list(runDir);
}

export function labMeta(state: RunState): LabRunMeta {
  return state.record.meta as unknown as LabRunMeta;
}
