/**
 * `wren lab status` and `wren lab verify`: what a recorded lab has and whether it works.
 * Verify observes the lab and turns the observations into rows (checks.ts), polling until every
 * check passes or the deadline: so it waits for convergence (routes programmed, pings
 * answered), not merely for sessions to come up. The checks, per node and per lab:
 *   - node: namespace there, daemons alive (a wren daemon that died is named with its last log
 *     line; one not started on purpose is skipped);
 *   - bgp: every session Established on both ends — FRR's `show bgp summary json` and wren's
 *     `wren status --json` over the node's control socket;
 *   - routes: each FRR router's selected routes as lab.yaml expects (ECMP sets included);
 *   - kernel: each wren node's `blackhole <block> proto bird` and `/32 dev cali… scope link`;
 *   - ping: pod↔pod within a node, within a rack, across racks (or their expected absence);
 *   - lb: the spine-side host reaching the LoadBalancer address served by the pods.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadDirectory } from "../calico/index.js";
import { parsePrefix, prefixContains } from "../common/ip/index.js";
import {
  type CheckRow,
  type KernelRouteJson,
  kernelRow,
  type MissingView,
  type OwnBlock,
  pingPlan,
  pingRow,
  routeRow,
  type SessionView,
  sessionRows,
} from "./checks.js";
import { run, runIn } from "./exec.js";
import { DEFAULT_PINGS, NO_EXPECTATIONS } from "./expectations.js";
import { FrrInstance, type FrrRoute } from "./frr.js";
import { namespaceExists } from "./netns.js";
import type { PodRecord } from "./pods.js";
import { isAlive } from "./process.js";
import {
  LAB_RUN_DIR,
  type LabNodeRecord,
  type LabRunMeta,
  labMeta,
  lastLogLine,
  WREN_MAIN,
} from "./runner.js";
import { RunState } from "./state.js";
import { wrenStatus } from "./wren-status.js";

export interface NodeStatus {
  readonly name: string;
  readonly role: string;
  readonly ns: string;
  readonly nsExists: boolean;
  readonly processes: {
    readonly name: string;
    readonly pid: number;
    readonly alive: boolean;
    /** The last log line of a dead wren daemon. */
    readonly lastWords?: string;
  }[];
  readonly notRunning?: string;
  /** wren nodes: why `wren status` gave no answer, if it did not. */
  readonly statusError?: string;
}

export interface LabStatus {
  readonly prefix: string;
  readonly lab: string;
  readonly mode?: string;
  readonly complete: boolean;
  readonly createdAt: string;
  readonly nodes: NodeStatus[];
  /** Both ends' views: FRR routers and running wren nodes. */
  readonly sessions: SessionView[];
  readonly pods: readonly PodRecord[];
}

/**
 * Address (without length) → topology node: the addresses recorded at `up` (exec lines and
 * links, runner.ts nodeFacts) and FRR's interface config.
 */
export function addressOwners(nodes: Record<string, LabNodeRecord>): Map<string, string> {
  const owners = new Map<string, string>();
  const add = (cidr: string, node: string) => owners.set(cidr.split("/")[0], node);
  for (const r of Object.values(nodes)) {
    for (const a of r.addresses ?? []) add(a, r.name);
    if (r.role !== "frr" || !r.dir) continue;
    try {
      for (const m of readFileSync(`${r.dir}/frr.conf`, "utf8").matchAll(
        /^\s*ipv?6? address (\S+)/gm,
      ))
        add(m[1], r.name);
    } catch {
      /* not started */
    }
  }
  return owners;
}

function frrOf(r: LabNodeRecord): FrrInstance {
  return new FrrInstance({ ns: r.ns, dir: r.dir!, config: "" });
}

function wrenRunning(r: LabNodeRecord, processes: NodeStatus["processes"]): boolean {
  return r.role === "wren" && !r.notRunning && processes.some((p) => p.name === "wren" && p.alive);
}

async function frrViews(r: LabNodeRecord, owners: Map<string, string>): Promise<SessionView[]> {
  try {
    const frr = frrOf(r);
    const peers = { ...(await frr.peers("ipv4Unicast")), ...(await frr.peers("ipv6Unicast")) };
    return Object.entries(peers).map(([ip, p]) => ({
      node: r.name,
      neighbor: ip,
      peerNode: owners.get(ip),
      state: p.state,
      pfxRcd: p.pfxRcd,
      source: "frr" as const,
    }));
  } catch {
    return [];
  }
}

export async function labStatus(
  prefix: string,
  runDir = LAB_RUN_DIR,
): Promise<LabStatus | undefined> {
  const state = RunState.open(runDir, prefix);
  return state ? statusOf(prefix, state, labMeta(state)) : undefined;
}

/** The status of an opened run record (verify reads the record once per round). */
async function statusOf(prefix: string, state: RunState, meta: LabRunMeta): Promise<LabStatus> {
  const records = meta.nodes ?? {};
  const owners = addressOwners(records);
  const sessions: SessionView[] = [];
  const nodes: NodeStatus[] = await Promise.all(
    Object.values(records).map(async (r) => {
      const nsExists = namespaceExists(r.ns);
      const processes = state.record.processes
        .filter((p) => p.name.startsWith(`${r.name}/`))
        .map((p) => {
          const name = p.name.slice(r.name.length + 1);
          const alive = isAlive(p.pid);
          const lastWords =
            !alive && name === "wren" && r.dir ? lastLogLine(join(r.dir, "wren.log")) : undefined;
          return { name, pid: p.pid, alive, lastWords };
        });
      let statusError: string | undefined;
      if (nsExists && r.role === "frr" && r.dir) sessions.push(...(await frrViews(r, owners)));
      if (nsExists && r.control && wrenRunning(r, processes)) {
        try {
          const st = await wrenStatus(WREN_MAIN, r.control);
          for (const p of st.peers) {
            sessions.push({
              node: r.name,
              neighbor: p.address,
              peerNode: owners.get(p.address),
              state: p.state,
              pfxRcd: p.accepted,
              source: "wren",
            });
          }
        } catch (e) {
          statusError = (e as Error).message;
        }
      }
      return {
        name: r.name,
        role: r.role,
        ns: r.ns,
        nsExists,
        processes,
        notRunning: r.notRunning,
        statusError,
      };
    }),
  );
  sessions.sort((a, b) => `${a.node} ${a.neighbor}`.localeCompare(`${b.node} ${b.neighbor}`));
  return {
    prefix,
    lab: meta.lab,
    mode: meta.mode,
    complete: meta.complete === true,
    createdAt: state.record.createdAt,
    nodes,
    sessions,
    pods: meta.podList ?? [],
  };
}

/** What verify observed besides the status: routing tables, kernel routes, ping replies. */
export interface Observations {
  readonly frrRoutes: Readonly<Record<string, Record<string, FrrRoute[]> | Error>>;
  readonly kernelRoutes: Readonly<Record<string, KernelRouteJson[] | Error>>;
  readonly blocks: Readonly<Record<string, OwnBlock[]>>;
  /** Ping results by "from → to" pod names. */
  readonly pings: Readonly<Record<string, boolean>>;
  readonly loadBalancer?: boolean;
}

/** The blocks each wren node owns in its datastore copy, with the blackhole's protocol. */
async function ownBlocks(meta: LabRunMeta): Promise<Record<string, OwnBlock[]>> {
  const out: Record<string, OwnBlock[]> = {};
  const loads = new Map<string, ReturnType<typeof loadDirectory>>();
  for (const r of Object.values(meta.nodes)) {
    if (r.role !== "wren" || !r.datastore || !r.calicoName) continue;
    if (!loads.has(r.datastore)) loads.set(r.datastore, loadDirectory(r.datastore));
    try {
      const snap = (await loads.get(r.datastore)!).snapshot;
      out[r.name] = snap.blockAffinities
        .filter((a) => a.spec.node === r.calicoName && !/\/(32|128)$/.test(a.spec.cidr))
        .map((a) => {
          const pool = snap.ipPools.find((p) => blockInPool(a.spec.cidr, p.spec.cidr));
          return {
            cidr: a.spec.cidr,
            protocol: pool && pool.spec.vxlanMode !== "Never" ? (80 as const) : (12 as const),
          };
        });
    } catch {
      out[r.name] = [];
    }
  }
  return out;
}

function blockInPool(block: string, pool: string): boolean {
  try {
    return prefixContains(parsePrefix(pool), parsePrefix(block));
  } catch {
    return false;
  }
}

async function ping(ns: string, ip: string): Promise<boolean> {
  if (!namespaceExists(ns)) return false;
  const r = await runIn(ns, "ping", ["-c", "1", "-W", "1", "-n", "-q", ip], {
    allowFailure: true,
    timeoutMs: 5000,
  });
  return r.code === 0;
}

export async function observe(meta: LabRunMeta, status: LabStatus): Promise<Observations> {
  const expect = meta.expect ?? NO_EXPECTATIONS;
  const frrRoutes: Record<string, Record<string, FrrRoute[]> | Error> = {};
  const kernelRoutes: Record<string, KernelRouteJson[] | Error> = {};
  const pings: Record<string, boolean> = {};
  const running = new Set(
    status.nodes
      .filter(
        (n) =>
          n.nsExists &&
          meta.nodes[n.name]?.role === "wren" &&
          wrenRunning(meta.nodes[n.name], n.processes),
      )
      .map((n) => n.name),
  );
  const jobs: Promise<unknown>[] = [];
  for (const router of Object.keys(expect.routes)) {
    const r = meta.nodes[router];
    jobs.push(
      (async () => {
        if (r?.role !== "frr" || !r.dir) {
          frrRoutes[router] = new Error(`${router} is not an FRR router of this lab`);
          return;
        }
        try {
          frrRoutes[router] = await frrOf(r).ipRoutes("ipv4");
        } catch (e) {
          frrRoutes[router] = e as Error;
        }
      })(),
    );
  }
  for (const name of running) {
    const r = meta.nodes[name];
    jobs.push(
      (async () => {
        try {
          const { stdout } = await run("ip", [
            "-j",
            "-d",
            "-N",
            "-n",
            r.ns,
            "route",
            "show",
            "table",
            "main",
          ]);
          kernelRoutes[name] = JSON.parse(stdout || "[]") as KernelRouteJson[];
        } catch (e) {
          kernelRoutes[name] = e as Error;
        }
      })(),
    );
  }
  const plan = pingPlan(status.pods, (n) => meta.nodes[n]?.group, expect.pings ?? DEFAULT_PINGS);
  for (const p of plan) {
    jobs.push(
      ping(p.from.ns, p.toIp).then((ok) => {
        pings[`${p.from.name} → ${p.to.name}`] = ok;
      }),
    );
  }
  let loadBalancer: boolean | undefined;
  const lb = meta.loadBalancer;
  if (lb && meta.nodes[lb.client] && status.pods.some((p) => p.loadBalancer)) {
    jobs.push(
      ping(meta.nodes[lb.client].ns, lb.address).then((ok) => {
        loadBalancer = ok;
      }),
    );
  }
  const blocksJob = ownBlocks(meta);
  await Promise.all(jobs);
  return { frrRoutes, kernelRoutes, blocks: await blocksJob, pings, loadBalancer };
}

function nodeRow(n: NodeStatus, r: LabNodeRecord | undefined, pods: number): CheckRow {
  const base = { check: "node", target: n.name };
  if (!n.nsExists) return { ...base, status: "fail", detail: `namespace ${n.ns} is missing` };
  const dead = n.processes.filter((p) => !p.alive);
  if (dead.length) {
    return {
      ...base,
      status: "fail",
      detail: dead
        .map((p) => `${p.name} (pid ${p.pid}) is gone${p.lastWords ? `: ${p.lastWords}` : ""}`)
        .join("; "),
    };
  }
  if (n.role === "wren" && n.notRunning) {
    return {
      ...base,
      status: n.notRunning.startsWith("exited") ? "fail" : "skip",
      detail: n.notRunning,
    };
  }
  if (n.statusError) return { ...base, status: "fail", detail: `wren status: ${n.statusError}` };
  const procs = n.processes.map((p) => p.name.replace(/^frr\//, ""));
  const what =
    n.role === "frr"
      ? `FRR ${procs.join(", ")}`
      : n.role === "wren"
        ? `wren pid ${n.processes.find((p) => p.name === "wren")?.pid ?? "?"}${r?.calicoName ? ` (${r.calicoName})` : ""}, ${pods} pod${pods === 1 ? "" : "s"}`
        : n.role;
  return { ...base, status: "ok", detail: `${n.ns}: ${what}` };
}

/** The verify table for one status snapshot (and what was observed, when there is that). */
export function verifyRows(s: LabStatus, meta: LabRunMeta, obs?: Observations): CheckRow[] {
  const rows: CheckRow[] = [];
  if (!s.complete)
    rows.push({
      check: "lab",
      target: s.prefix,
      status: "fail",
      detail: "`up` did not finish (run down, then up)",
    });
  for (const n of s.nodes) {
    rows.push(nodeRow(n, meta.nodes[n.name], s.pods.filter((p) => p.node === n.name).length));
  }
  const missing = new Map<string, MissingView>();
  for (const n of s.nodes) {
    if (n.role !== "wren") continue;
    if (n.notRunning) {
      missing.set(n.name, {
        kind: n.notRunning.startsWith("exited") ? "fail" : "skip",
        why: `wren ${n.notRunning}`,
      });
    } else if (n.statusError || n.processes.some((p) => !p.alive) || !n.nsExists) {
      missing.set(n.name, { kind: "fail", why: "wren is not answering" });
    }
  }
  rows.push(...sessionRows(s.sessions, missing));
  if (!obs) return rows;
  const expect = meta.expect ?? NO_EXPECTATIONS;
  // routes learned from wren nodes cannot be there while some are not started on purpose
  const notStarted = [...missing].filter(([, m]) => m.kind === "skip").map(([n]) => n);
  for (const [router, expected] of Object.entries(expect.routes)) {
    const row = routeRow(router, obs.frrRoutes[router] ?? new Error("not observed"), expected);
    rows.push(
      row.status === "fail" && notStarted.length
        ? {
            ...row,
            status: "skip",
            detail: `wren not started on ${notStarted.join(", ")}: ${row.detail}`,
          }
        : row,
    );
  }
  for (const [node, routes] of Object.entries(obs.kernelRoutes).sort()) {
    rows.push(
      kernelRow(
        node,
        routes,
        obs.blocks[node] ?? [],
        s.pods.filter((p) => p.node === node),
      ),
    );
  }
  for (const p of pingPlan(s.pods, (n) => meta.nodes[n]?.group, expect.pings ?? DEFAULT_PINGS)) {
    rows.push(pingRow(p, obs.pings[`${p.from.name} → ${p.to.name}`] === true));
  }
  if (meta.loadBalancer && obs.loadBalancer !== undefined) {
    const lb = meta.loadBalancer;
    rows.push({
      check: "lb",
      target: `${lb.client} → ${lb.address}`,
      status: obs.loadBalancer ? "ok" : "fail",
      detail: obs.loadBalancer
        ? `a pod answered (LoadBalancer range via the fabric)`
        : "no reply from the LoadBalancer address",
    });
  }
  return rows;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until every row passes or the deadline; returns the last rows. */
export async function labVerify(
  prefix: string,
  opts: { timeoutMs?: number; runDir?: string; onRound?: (rows: CheckRow[]) => void } = {},
): Promise<{ ok: boolean; rows: CheckRow[] }> {
  const end = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const state = RunState.open(opts.runDir ?? LAB_RUN_DIR, prefix);
    if (!state) {
      return {
        ok: false,
        rows: [
          {
            check: "lab",
            target: prefix,
            status: "fail",
            detail: "no lab recorded under this prefix",
          },
        ],
      };
    }
    const meta = labMeta(state);
    const s = await statusOf(prefix, state, meta);
    const rows = verifyRows(s, meta, await observe(meta, s));
    opts.onRound?.(rows);
    const ok = rows.every((r) => r.status !== "fail");
    if (ok || Date.now() >= end) return { ok, rows };
    await sleep(1000);
  }
}

/** Fixed-width text table. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i])))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)].join("\n");
}
