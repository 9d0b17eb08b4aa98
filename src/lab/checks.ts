/**
 * The verify checks as pure functions from what was observed to table rows, so each rule is
 * unit-tested without a lab:
 *   - sessions: every BGP session paired up from both ends' views (FRR `show bgp summary json`,
 *     wren `status --json`), Established on both;
 *   - routes: each FRR router's selected, installed routes against the lab's expectations
 *     (exact ECMP next-hop sets, one next hop out of a set, nothing inside a prefix);
 *   - kernel: on each wren node, `blackhole <block> proto bird` (proto 80 for VXLAN pools) for
 *     its blocks and `<pod ip> dev cali… scope link` for its pods;
 *   - pings: which pod pairs to ping (within a node, within a rack, across racks) and whether
 *     the outcome is the expected one.
 */
import { parsePrefix, prefixContains } from "../common/ip/index.js";
import type { PingExpectation, PingExpectations, RouteExpectation } from "./expectations.js";
import type { BgpState, FrrRoute } from "./frr.js";
import type { PodRecord } from "./pods.js";

export type CheckStatus = "ok" | "fail" | "skip";

export interface CheckRow {
  readonly check: string;
  readonly target: string;
  readonly status: CheckStatus;
  readonly detail: string;
}

// ---------------------------------------------------------------- sessions

export interface SessionView {
  /** Topology node whose view this is. */
  readonly node: string;
  readonly neighbor: string;
  /** Topology node owning the neighbor address, when known. */
  readonly peerNode?: string;
  readonly state: BgpState;
  readonly pfxRcd?: number;
  readonly source: "frr" | "wren";
}

/** Why a node's view of its sessions is missing: "skip" (not started on purpose) or a failure. */
export type MissingView = { readonly kind: "skip" | "fail"; readonly why: string };

function describe(v: SessionView): string {
  return `${v.node} ${v.state}${v.pfxRcd !== undefined ? ` (${v.pfxRcd} pfx)` : ""}`;
}

/**
 * One row per session, from the views of both ends. A session only one end reports is a
 * failure unless the other end's view is missing on purpose (a wren node not started).
 */
export function sessionRows(
  views: readonly SessionView[],
  missing: ReadonlyMap<string, MissingView>,
): CheckRow[] {
  const pairs = new Map<string, { a: string; b: string; views: SessionView[] }>();
  for (const v of views) {
    const other = v.peerNode ?? `? ${v.neighbor}`;
    const [a, b] = [v.node, other].sort();
    const key = `${a}|${b}`;
    const p = pairs.get(key) ?? { a, b, views: [] };
    p.views.push(v);
    pairs.set(key, p);
  }
  const rows: CheckRow[] = [];
  for (const p of [...pairs.values()].sort((x, y) =>
    `${x.a} ${x.b}`.localeCompare(`${y.a} ${y.b}`),
  )) {
    const parts: string[] = [];
    let broken = false;
    let skipped = false;
    for (const end of [p.a, p.b]) {
      const v = p.views.find((x) => x.node === end);
      if (v) {
        parts.push(describe(v));
        if (v.state !== "Established") broken = true;
      } else if (end.startsWith("? ")) {
        parts.push(`${end.slice(2)} belongs to no lab node`);
        broken = true;
      } else {
        const m = missing.get(end);
        parts.push(`${end}: ${m?.why ?? "does not report this session"}`);
        if (m?.kind === "skip") skipped = true;
        else broken = true;
      }
    }
    // a session toward a node not running on purpose cannot be up: skipped, not failed
    const status: CheckStatus = skipped ? "skip" : broken ? "fail" : "ok";
    rows.push({ check: "bgp", target: `${p.a} ↔ ${p.b}`, status, detail: parts.join(", ") });
  }
  return rows;
}

// ---------------------------------------------------------------- FRR routes

function selectedNexthops(routes: readonly FrrRoute[] | undefined): string[] | undefined {
  const sel = routes?.find((r) => r.selected && r.installed !== false);
  if (!sel) return undefined;
  return [
    ...new Set(
      sel.nexthops.filter((n) => n.ip && (n.fib ?? n.active ?? true)).map((n) => n.ip as string),
    ),
  ].sort();
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Problems of one router's routing table against its expectations ([] = all as expected). */
export function routeProblems(
  table: Readonly<Record<string, readonly FrrRoute[]>>,
  expected: readonly RouteExpectation[],
): string[] {
  const problems: string[] = [];
  for (const e of expected) {
    if (e.kind === "absent") {
      const outer = parsePrefix(e.prefix);
      const inside = Object.keys(table).filter((k) => {
        try {
          return prefixContains(outer, parsePrefix(k));
        } catch {
          return false;
        }
      });
      if (inside.length)
        problems.push(`${inside.join(", ")} present (none inside ${e.prefix} expected)`);
      continue;
    }
    const have = selectedNexthops(table[e.prefix]);
    if (!have) {
      problems.push(`${e.prefix} missing`);
      continue;
    }
    const ok =
      e.kind === "exact"
        ? sameSet(have, e.nexthops)
        : have.length >= 1 && have.every((h) => e.nexthops.includes(h));
    if (!ok) {
      const want = e.kind === "exact" ? e.nexthops.join(", ") : `one of ${e.nexthops.join(", ")}`;
      problems.push(`${e.prefix} via ${have.join(", ") || "nothing"}, want ${want}`);
    }
  }
  return problems;
}

export function routeRow(
  router: string,
  table: Readonly<Record<string, readonly FrrRoute[]>> | Error,
  expected: readonly RouteExpectation[],
): CheckRow {
  if (table instanceof Error)
    return { check: "routes", target: router, status: "fail", detail: table.message };
  const problems = routeProblems(table, expected);
  const ecmp = expected.filter((e) => e.kind === "exact" && e.nexthops.length > 1).length;
  return problems.length === 0
    ? {
        check: "routes",
        target: router,
        status: "ok",
        detail: `${expected.length} expected routes${ecmp ? ` (${ecmp} ECMP)` : ""}`,
      }
    : {
        check: "routes",
        target: router,
        status: "fail",
        detail:
          problems.slice(0, 3).join("; ") +
          (problems.length > 3 ? `; +${problems.length - 3} more` : ""),
      };
}

// ---------------------------------------------------------------- node kernel routes

/** One entry of `ip -j -d -N route show` (numeric types, protocols and scopes). */
export interface KernelRouteJson {
  readonly type?: string;
  readonly dst: string;
  readonly dev?: string;
  readonly gateway?: string;
  readonly protocol?: string;
  readonly scope?: string;
}

export interface OwnBlock {
  readonly cidr: string;
  /** 12 (bird) for BGP/IPIP pools, 80 (Felix) for VXLAN pools. */
  readonly protocol: 12 | 80;
}

const RTN_BLACKHOLE = "6";
const RT_SCOPE_LINK = "253";

export function protoName(p: number): string {
  return p === 12 ? "bird" : String(p);
}

/** Problems of a wren node's kernel routes: its blackholes and its pods' routes. */
export function kernelProblems(
  routes: readonly KernelRouteJson[],
  blocks: readonly OwnBlock[],
  pods: readonly PodRecord[],
): string[] {
  const problems: string[] = [];
  for (const b of blocks) {
    const r = routes.find((x) => x.dst === b.cidr && x.type === RTN_BLACKHOLE);
    if (!r) problems.push(`blackhole ${b.cidr} missing`);
    else if (r.protocol !== String(b.protocol))
      problems.push(`blackhole ${b.cidr} is proto ${r.protocol}, want ${protoName(b.protocol)}`);
  }
  for (const p of pods) {
    for (const ip of p.ips.filter((a) => !a.includes(":"))) {
      const r = routes.find((x) => x.dst === ip || x.dst === `${ip}/32`);
      if (!r) problems.push(`${ip} dev ${p.hostVeth} missing`);
      else if (r.dev !== p.hostVeth || r.scope !== RT_SCOPE_LINK)
        problems.push(
          `${ip} is dev ${r.dev ?? "-"} scope ${r.scope}, want dev ${p.hostVeth} scope link`,
        );
    }
  }
  return problems;
}

export function kernelRow(
  node: string,
  routes: readonly KernelRouteJson[] | Error,
  blocks: readonly OwnBlock[],
  pods: readonly PodRecord[],
): CheckRow {
  if (routes instanceof Error)
    return { check: "kernel", target: node, status: "fail", detail: routes.message };
  const problems = kernelProblems(routes, blocks, pods);
  if (problems.length)
    return { check: "kernel", target: node, status: "fail", detail: problems.join("; ") };
  const bh = blocks.map((b) => `blackhole ${b.cidr} proto ${protoName(b.protocol)}`).join(", ");
  return {
    check: "kernel",
    target: node,
    status: "ok",
    detail: `${bh || "no blocks"}; ${pods.length} pod route${pods.length === 1 ? "" : "s"} dev cali… scope link`,
  };
}

// ---------------------------------------------------------------- pings

export type PingKind = "node" | "rack" | "crossRack";

export interface PingPair {
  readonly kind: PingKind;
  readonly from: PodRecord;
  readonly to: PodRecord;
  readonly toIp: string;
  readonly expect: PingExpectation;
}

const KIND_TEXT: Record<PingKind, string> = {
  node: "same node",
  rack: "same rack",
  crossRack: "across racks",
};

function v4(p: PodRecord): string | undefined {
  return p.ips.find((a) => !a.includes(":"));
}

/**
 * The pod pairs to ping: the first two pods of each node; the first pods of consecutive nodes
 * of each rack (topology group); the first pod of each rack's first node to every later
 * rack's. Pairs whose expectation is "skip" are left out.
 */
export function pingPlan(
  pods: readonly PodRecord[],
  groupOf: (node: string) => string | undefined,
  expect: PingExpectations,
): PingPair[] {
  const byNode = new Map<string, PodRecord[]>();
  for (const p of [...pods].sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }))) {
    if (!v4(p)) continue;
    byNode.set(p.node, [...(byNode.get(p.node) ?? []), p]);
  }
  const nodes = [...byNode.keys()].sort();
  const out: PingPair[] = [];
  const add = (kind: PingKind, from: PodRecord, to: PodRecord) => {
    if (expect[kind] !== "skip") out.push({ kind, from, to, toIp: v4(to)!, expect: expect[kind] });
  };
  for (const n of nodes) {
    const ps = byNode.get(n)!;
    if (ps.length >= 2) add("node", ps[0], ps[1]);
  }
  const racks = new Map<string, string[]>();
  for (const n of nodes) {
    const g = groupOf(n) ?? n;
    racks.set(g, [...(racks.get(g) ?? []), n]);
  }
  const rackNames = [...racks.keys()].sort();
  for (const r of rackNames) {
    const ns = racks.get(r)!;
    for (let i = 0; i + 1 < ns.length; i++)
      add("rack", byNode.get(ns[i])![0], byNode.get(ns[i + 1])![0]);
  }
  for (let i = 0; i < rackNames.length; i++) {
    for (let j = i + 1; j < rackNames.length; j++) {
      add(
        "crossRack",
        byNode.get(racks.get(rackNames[i])![0])![0],
        byNode.get(racks.get(rackNames[j])![0])![0],
      );
    }
  }
  return out;
}

export function pingRow(p: PingPair, replied: boolean): CheckRow {
  const target = `${p.from.name} → ${p.to.name}`;
  const what = `${v4(p.from)} → ${p.toIp}, ${KIND_TEXT[p.kind]}`;
  if (p.expect === "reach")
    return {
      check: "ping",
      target,
      status: replied ? "ok" : "fail",
      detail: `${what}: ${replied ? "replied" : "no reply"}`,
    };
  return {
    check: "ping",
    target,
    status: replied ? "fail" : "ok",
    detail: `${what}: ${replied ? "replied, but this mode has no path for it" : "no reply, as expected (no path in this mode)"}`,
  };
}
