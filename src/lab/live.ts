/**
 * Changes to a running lab, for the fault drills and for exploring: restart a node's wren
 * (SIGTERM = wren's graceful stop, then the same `wren run` again = a graceful restart), take a
 * link down and up, add a pod, remove one, and add a whole wren node to a rack (namespace, port
 * on the rack bridge, address and default route, its Calico resources written into the lab's
 * datastore, the leaf's neighbor statement, `wren run`, pods). Everything new is recorded in the
 * run record before it is made, so `down` removes it like the rest.
 */
import { randomBytes } from "node:crypto";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LabError } from "./errors.js";
import { FrrInstance } from "./frr.js";
import {
  addAddress,
  addRoute,
  addVeth,
  createNamespace,
  MAX_IFNAME,
  setLinkDown,
  setLinkUp,
  setMaster,
} from "./netns.js";
import { createPod, deletePod, type PodRecord, serveLoadBalancer } from "./pods.js";
import { isAlive, stopProcesses } from "./process.js";
import {
  LAB_RUN_DIR,
  type LabNodeRecord,
  type LabRunMeta,
  labMeta,
  podHost,
  spawnWren,
  WREN_MAIN,
  wrenRunArgs,
} from "./runner.js";
import { RunState } from "./state.js";

function openLab(prefix: string, runDir = LAB_RUN_DIR): { state: RunState; meta: LabRunMeta } {
  const state = RunState.open(runDir, prefix);
  if (!state) throw new LabError("LAB_STATE_INVALID", `no lab is recorded under prefix ${prefix}`);
  return { state, meta: labMeta(state) };
}

function nodeOf(meta: LabRunMeta, node: string): LabNodeRecord {
  const r = meta.nodes[node];
  if (!r) throw new LabError("LAB_NAME_INVALID", `lab ${meta.lab} has no node ${node}`);
  return r;
}

/**
 * Stops a node's wren gracefully (SIGTERM; it keeps its kernel routes and its peers keep its
 * routes as stale) and starts it again with the same arguments. Returns the new PID.
 */
export async function restartWren(
  prefix: string,
  node: string,
  opts: { runDir?: string; graceMs?: number } = {},
): Promise<number> {
  const { state, meta } = openLab(prefix, opts.runDir);
  const r = nodeOf(meta, node);
  if (r.role !== "wren" || !r.wrenArgs)
    throw new LabError("LAB_NAME_INVALID", `${node} is not a wren node with a recorded wren run`);
  for (const p of state.record.processes.filter((x) => x.name === `${node}/wren`)) {
    await stopProcesses([p.pid], {
      ns: p.ns,
      startTime: p.startTime,
      graceMs: opts.graceMs ?? 20_000,
    });
    state.forgetProcess(p.pid);
  }
  const pid = await spawnWren(state, r);
  if (r.notRunning) {
    state.setMeta("nodes", { ...meta.nodes, [node]: { ...r, notRunning: undefined } });
  }
  return pid;
}

/** Sets a node's interface down or up (a cable pulled and plugged back). */
export async function setNodeLink(
  prefix: string,
  node: string,
  ifname: string,
  up: boolean,
  opts: { runDir?: string } = {},
): Promise<void> {
  const { meta } = openLab(prefix, opts.runDir);
  const r = nodeOf(meta, node);
  await (up ? setLinkUp(r.ns, ifname) : setLinkDown(r.ns, ifname));
}

/** One more pod on `node` (through the CNI plugin), served behind the LoadBalancer if any. */
export async function addLabPod(
  prefix: string,
  node: string,
  opts: { runDir?: string } = {},
): Promise<PodRecord> {
  const { state, meta } = openLab(prefix, opts.runDir);
  const host = podHost(nodeOf(meta, node));
  if (!host) throw new LabError("LAB_NAME_INVALID", `${node} is not a wren node`);
  const list = [...(meta.podList ?? [])];
  const used = list
    .filter((p) => p.node === node)
    .map((p) => Number(/pod(\d+)$/.exec(p.name)?.[1] ?? 0));
  let pod = await createPod(state, WREN_MAIN, host, Math.max(0, ...used) + 1);
  if (meta.loadBalancer) pod = await serveLoadBalancer(host, pod, meta.loadBalancer.address);
  list.push(pod);
  state.setMeta(
    "podList",
    list.sort((a, b) => a.ns.localeCompare(b.ns)),
  );
  state.setMeta("pods", { ...meta.pods, [node]: (meta.pods[node] ?? 0) + 1 });
  return pod;
}

/** Removes a pod (CNI DEL, then its namespace). */
export async function removeLabPod(
  prefix: string,
  podName: string,
  opts: { runDir?: string } = {},
): Promise<void> {
  const { state, meta } = openLab(prefix, opts.runDir);
  const pod = (meta.podList ?? []).find((p) => p.name === podName);
  if (!pod) throw new LabError("LAB_NAME_INVALID", `lab ${meta.lab} has no pod ${podName}`);
  await deletePod(state, WREN_MAIN, podHost(meta.nodes[pod.node]), pod);
  state.setMeta(
    "podList",
    (meta.podList ?? []).filter((p) => p.name !== podName),
  );
}

export interface NewWrenNode {
  /** Lab node name (namespace `<prefix>-<name>`). */
  readonly name: string;
  /** Calico Node name (its resource must be in `resources`). */
  readonly calicoName: string;
  /** The rack: topology group for the ping checks. */
  readonly group?: string;
  /** The bridge node of the rack (its namespace holds a bridge of that name). */
  readonly bridge: string;
  /** The node's interface toward the bridge. */
  readonly iface: string;
  /** Its address (CIDR) and default gateway, as the topology's exec lines give the others. */
  readonly address: string;
  readonly gateway: string;
  /** Calico YAML added to the lab's datastore (the Node, its BGPPeers...). */
  readonly resources: string;
  /** FRR configuration lines for the router that peers with it (the leaf's neighbor). */
  readonly router?: { readonly name: string; readonly config: string };
  readonly pods?: number;
}

/** Adds a wren node to a running lab. Returns its record. */
export async function addWrenNode(
  prefix: string,
  spec: NewWrenNode,
  opts: { runDir?: string } = {},
): Promise<LabNodeRecord> {
  const { state, meta } = openLab(prefix, opts.runDir);
  if (meta.nodes[spec.name])
    throw new LabError("LAB_NAME_INVALID", `lab ${meta.lab} already has a node ${spec.name}`);
  const bridge = nodeOf(meta, spec.bridge);
  if (bridge.role !== "bridge")
    throw new LabError("LAB_NAME_INVALID", `${spec.bridge} is not a bridge node`);
  const datastore = Object.values(meta.nodes).find(
    (n) => n.role === "wren" && n.datastore,
  )?.datastore;
  if (!datastore) throw new LabError("LAB_STATE_INVALID", "the lab has no wren datastore");
  const ns = `${prefix}-${spec.name}`;
  state.recordNamespace(ns);
  await createNamespace(ns);
  const port = `${spec.bridge}-${spec.name}`.slice(0, MAX_IFNAME);
  await addVeth({ ns, ifname: spec.iface }, { ns: bridge.ns, ifname: port }, { mtu: 9500 });
  await setMaster(bridge.ns, port, spec.bridge);
  await addAddress(ns, spec.iface, spec.address);
  await addRoute(ns, { to: "default", via: spec.gateway, dev: spec.iface, replace: true });
  // the new node's resources: a new file, written whole then renamed (the daemons watch)
  const file = join(datastore, `lab-added-${spec.name}.yaml`);
  const tmp = join(datastore, `.lab-added-${spec.name}.${randomBytes(4).toString("hex")}`);
  writeFileSync(tmp, spec.resources);
  renameSync(tmp, file);
  if (spec.router) {
    const r = nodeOf(meta, spec.router.name);
    await new FrrInstance({ ns: r.ns, dir: r.dir!, config: "" }).applyConfig(spec.router.config);
  }
  const dir = state.subdir("nodes", spec.name);
  const record: LabNodeRecord = {
    name: spec.name,
    role: "wren",
    ns,
    dir,
    calicoName: spec.calicoName,
    datastore,
    control: join(dir, "wren.sock"),
    group: spec.group,
    addresses: [spec.address],
    wrenArgs: wrenRunArgs(datastore, spec.calicoName, dir),
    wrenEnv: { NODENAME: spec.calicoName },
  };
  state.setMeta("nodes", { ...meta.nodes, [spec.name]: record });
  const pid = await spawnWren(state, record);
  await new Promise((r) => setTimeout(r, 1000));
  if (!isAlive(pid))
    throw new LabError(
      "LAB_PROCESS_FAILED",
      `wren on ${spec.name} exited at start (log ${join(dir, "wren.log")})`,
    );
  for (let i = 0; i < (spec.pods ?? 0); i++) await addLabPod(prefix, spec.name, opts);
  return record;
}
