/**
 * `wren lab status` and `wren lab verify`: what a recorded lab has (namespaces, processes, FRR
 * sessions) and whether it works. Verify waits (up to a deadline) until every check passes:
 * every node namespace exists, every recorded daemon runs, every FRR BGP session is Established
 * (a session toward a wren node that is not running is reported as skipped, not as a failure).
 * Results are rows of a table the CLI prints; the exit status names what failed.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type BgpState, FrrInstance } from "./frr.js";
import { labEnv, readLabDescription } from "./lab-file.js";
import { namespaceExists } from "./netns.js";
import { isAlive } from "./process.js";
import {
  LAB_RUN_DIR,
  type LabNodeRecord,
  type LabRunMeta,
  labMeta,
  lastLogLine,
} from "./runner.js";
import { RunState } from "./state.js";
import { execAddresses, loadTopology, type Topology } from "./topology.js";

export type CheckStatus = "ok" | "fail" | "skip";

export interface CheckRow {
  readonly check: string;
  readonly target: string;
  readonly status: CheckStatus;
  readonly detail: string;
}

export interface SessionView {
  readonly node: string;
  readonly neighbor: string;
  /** Topology node owning the neighbor address, when known. */
  readonly peerNode?: string;
  readonly state: BgpState;
  readonly pfxRcd?: number;
}

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
}

export interface LabStatus {
  readonly prefix: string;
  readonly lab: string;
  readonly mode?: string;
  readonly complete: boolean;
  readonly createdAt: string;
  readonly nodes: NodeStatus[];
  readonly sessions: SessionView[];
}

/** Address (without length) → topology node, from exec lines, link fields and FRR interface config. */
export function addressOwners(
  t: Topology,
  nodes: Record<string, LabNodeRecord>,
): Map<string, string> {
  const owners = new Map<string, string>();
  const add = (cidr: string, node: string) => owners.set(cidr.split("/")[0], node);
  for (const n of t.nodes.values()) for (const a of execAddresses(n)) add(a.cidr, n.name);
  for (const l of t.links) {
    for (const c of l.addrA) add(c, l.a.node);
    for (const c of l.addrB) add(c, l.b.node);
  }
  for (const r of Object.values(nodes)) {
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

async function sessionsOf(meta: LabRunMeta, owners: Map<string, string>): Promise<SessionView[]> {
  const out: SessionView[] = [];
  await Promise.all(
    Object.values(meta.nodes)
      .filter((r) => r.role === "frr" && r.dir && namespaceExists(r.ns))
      .map(async (r) => {
        let peers: Awaited<ReturnType<FrrInstance["peers"]>> = {};
        try {
          const frr = frrOf(r);
          peers = { ...(await frr.peers("ipv4Unicast")), ...(await frr.peers("ipv6Unicast")) };
        } catch {
          return;
        }
        for (const [ip, p] of Object.entries(peers)) {
          out.push({
            node: r.name,
            neighbor: ip,
            peerNode: owners.get(ip),
            state: p.state,
            pfxRcd: p.pfxRcd,
          });
        }
      }),
  );
  return out.sort((a, b) => `${a.node} ${a.neighbor}`.localeCompare(`${b.node} ${b.neighbor}`));
}

function topologyOf(meta: LabRunMeta): Topology | undefined {
  try {
    const lab = readLabDescription(meta.labDir, meta.topology);
    const mode = lab.modes.find((m) => m.name === meta.mode);
    return loadTopology(meta.topology, labEnv(lab, mode));
  } catch {
    return undefined;
  }
}

export async function labStatus(
  prefix: string,
  runDir = LAB_RUN_DIR,
): Promise<LabStatus | undefined> {
  const state = RunState.open(runDir, prefix);
  if (!state) return undefined;
  const meta = labMeta(state);
  const nodes: NodeStatus[] = Object.values(meta.nodes ?? {}).map((r) => ({
    name: r.name,
    role: r.role,
    ns: r.ns,
    nsExists: namespaceExists(r.ns),
    processes: state.record.processes
      .filter((p) => p.name.startsWith(`${r.name}/`))
      .map((p) => {
        const name = p.name.slice(r.name.length + 1);
        const alive = isAlive(p.pid);
        const lastWords =
          !alive && name === "wren" && r.dir ? lastLogLine(join(r.dir, "wren.log")) : undefined;
        return { name, pid: p.pid, alive, lastWords };
      }),
    notRunning: r.notRunning,
  }));
  const t = topologyOf(meta);
  const owners = t ? addressOwners(t, meta.nodes ?? {}) : new Map<string, string>();
  return {
    prefix,
    lab: meta.lab,
    mode: meta.mode,
    complete: meta.complete === true,
    createdAt: state.record.createdAt,
    nodes,
    sessions: await sessionsOf(meta, owners),
  };
}

/** The verify table for one status snapshot. */
export function verifyRows(s: LabStatus, meta: LabRunMeta): CheckRow[] {
  const rows: CheckRow[] = [];
  if (!s.complete)
    rows.push({
      check: "lab",
      target: s.prefix,
      status: "fail",
      detail: "`up` did not finish (run down, then up)",
    });
  for (const n of s.nodes) {
    rows.push({
      check: "namespace",
      target: n.name,
      status: n.nsExists ? "ok" : "fail",
      detail: n.nsExists ? n.ns : `${n.ns} is missing`,
    });
    for (const p of n.processes) {
      rows.push({
        check: "process",
        target: `${n.name}/${p.name}`,
        status: p.alive ? "ok" : "fail",
        detail: p.alive
          ? `pid ${p.pid}`
          : `pid ${p.pid} is gone${p.lastWords ? `: ${p.lastWords}` : ""}`,
      });
    }
    if (n.role === "wren" && n.notRunning) {
      // not started on purpose (--no-wren, no build) is a skip; a daemon that died is a failure
      const died = n.notRunning.startsWith("exited");
      rows.push({
        check: "wren",
        target: n.name,
        status: died ? "fail" : "skip",
        detail: n.notRunning,
      });
    }
  }
  for (const x of s.sessions) {
    const peer = x.peerNode ? meta.nodes[x.peerNode] : undefined;
    const target = `${x.node} → ${x.peerNode ?? "?"} (${x.neighbor})`;
    if (x.state === "Established") {
      rows.push({
        check: "bgp",
        target,
        status: "ok",
        detail: `Established, ${x.pfxRcd ?? 0} prefixes received`,
      });
    } else if (peer?.role === "wren" && peer.notRunning) {
      rows.push({
        check: "bgp",
        target,
        status: "skip",
        detail: `${x.state}: wren on ${x.peerNode} is ${peer.notRunning}`,
      });
    } else {
      rows.push({ check: "bgp", target, status: "fail", detail: x.state });
    }
  }
  return rows;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until every row passes or the deadline; returns the last rows. */
export async function labVerify(
  prefix: string,
  opts: { timeoutMs?: number; runDir?: string } = {},
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
    const s = (await labStatus(prefix, opts.runDir))!;
    const rows = verifyRows(s, labMeta(state));
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
