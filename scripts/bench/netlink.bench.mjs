#!/usr/bin/env node
// Kernel route programming: install COUNT (default 100,000) IPv4 /24 routes
// `via 192.0.2.1 dev bn0 proto bird` into a scratch network namespace's main table and remove
// them again, side by side in the same run with
//   - ip-batch: `ip -batch FILE` (iproute2: one request, one ACK wait per route),
//   - raw:      scripts/bench/netlink-raw.c, compiled here with the machine's cc: pipelined
//               RTM_NEWROUTE/RTM_DELROUTE on one socket, 256 per sendmsg (the kernel's limit),
//   - wren:     the dataplane agent from dist/ (scripts/bench/netlink-wren.mjs): one BGP batch
//               through the kernel policy, recursive next-hop resolution, diff and the pipelined
//               netlink path, until every route is acknowledged (and, reported apart, until
//               the agent is idle again: after a bulk change it re-reads the table).
// One warm-up round, then 3 measured rounds (tools interleaved); each figure is the median of
// the 3. Also reports wren/ip-batch and wren/raw ratios, wren's worst event-loop delay, and the
// CPU time per route of each tool (user + system, all threads: steadier than rates when the
// machine is shared), wren's main-thread CPU per route and its memory per installed route.
// Needs root (network namespaces). Everything it creates is named wrbn-<pid> and removed at exit.
// Usage: node scripts/bench/netlink.bench.mjs [--quick] [--count N]  (also via `npm run bench`).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
const countArg = args.indexOf("--count");
const COUNT = countArg >= 0 ? Number(args[countArg + 1]) : quick ? 20_000 : 100_000;
const ROUNDS = 3;

if (process.getuid?.() !== 0) {
  console.error("[netlink] skipped: needs root (network namespaces)");
  process.exit(0);
}

const ns = `wrbn-${process.pid}`;
const tmp = mkdtempSync(join(tmpdir(), "wrbn-"));
const log = (m) => console.error(`[netlink] ${m}`);

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: "utf8", maxBuffer: 64 << 20, ...opts });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${argv.join(" ")} failed (${r.status ?? r.signal}): ${r.stderr}`);
  }
  return r.stdout;
}
const inNs = (cmd, argv) => run("ip", ["netns", "exec", ns, cmd, ...argv]);

function countBird() {
  const out = run("ip", ["-n", ns, "-4", "route", "show", "table", "main", "proto", "bird"]);
  return out.split("\n").filter((l) => l.trim() !== "").length;
}

function prefix(i) {
  return `${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`;
}

function timed(fn) {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function cleanup() {
  spawnSync("ip", ["netns", "del", ns]);
  rmSync(tmp, { recursive: true, force: true });
}
process.on("exit", cleanup);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => process.exit(130));
}

// Namespace: bn0 (192.0.2.2/24) ⇄ bn1, both up; 192.0.2.1 is on-link.
run("ip", ["netns", "add", ns]);
inNs("ip", ["link", "set", "lo", "up"]);
inNs("ip", ["link", "add", "bn0", "type", "veth", "peer", "name", "bn1"]);
inNs("ip", ["link", "set", "bn0", "up"]);
inNs("ip", ["link", "set", "bn1", "up"]);
inNs("ip", ["addr", "add", "192.0.2.2/24", "dev", "bn0"]);
const ifindex = Number(inNs("cat", ["/sys/class/net/bn0/ifindex"]).trim());

const addFile = join(tmp, "add.batch");
const delFile = join(tmp, "del.batch");
const adds = [];
const dels = [];
for (let i = 0; i < COUNT; i++) {
  adds.push(`route add ${prefix(i)} via 192.0.2.1 dev bn0 proto bird`);
  dels.push(`route del ${prefix(i)} proto bird`);
}
writeFileSync(addFile, `${adds.join("\n")}\n`);
writeFileSync(delFile, `${dels.join("\n")}\n`);

const rawBin = join(tmp, "netlink-raw");
run("cc", ["-O2", "-Wall", "-o", rawBin, join(here, "netlink-raw.c")]);

function expectCount(tool, phase, n) {
  const have = countBird();
  if (have !== n) throw new Error(`${tool} ${phase}: ${have} routes in the table, expected ${n}`);
}

/** Runs `ip -batch FILE` under bash's `time`: wall seconds and user+system CPU seconds. */
function ipBatch(file) {
  let cpu = 0;
  const wall = timed(() => {
    const r = spawnSync(
      "bash",
      ["-c", 'TIMEFORMAT="%U %S"; time ip -n "$1" -batch "$2" >/dev/null', "bash", ns, file],
      { encoding: "utf8" },
    );
    if (r.status !== 0) throw new Error(`ip -batch ${file} failed: ${r.stderr}`);
    const [user, sys] = r.stderr.trim().split("\n").pop().split(" ").map(Number);
    cpu = user + sys;
  });
  return { wall, cpu };
}

const tools = {
  "ip-batch": () => {
    const add = ipBatch(addFile);
    expectCount("ip-batch", "add", COUNT);
    const del = ipBatch(delFile);
    expectCount("ip-batch", "del", 0);
    return { add: COUNT / add.wall, del: COUNT / del.wall, addCpu: add.cpu, delCpu: del.cpu };
  },
  raw: () => {
    const a = JSON.parse(inNs(rawBin, ["add", String(COUNT), String(ifindex)]));
    expectCount("raw", "add", COUNT);
    const d = JSON.parse(inNs(rawBin, ["del", String(COUNT), String(ifindex)]));
    expectCount("raw", "del", 0);
    if (a.errors || d.errors) throw new Error(`raw: ${a.errors + d.errors} kernel errors`);
    return { add: COUNT / a.seconds, del: COUNT / d.seconds, addCpu: a.cpu, delCpu: d.cpu };
  },
  wren: () => {
    const out = inNs(process.execPath, [
      "--expose-gc",
      join(here, "netlink-wren.mjs"),
      String(COUNT),
    ]);
    const w = JSON.parse(out.trim().split("\n").pop());
    if (w.installed !== COUNT || w.left !== 0 || w.errors !== 0) {
      throw new Error(`wren: installed ${w.installed}, left ${w.left}, errors ${w.errors}`);
    }
    expectCount("wren", "del", 0);
    return {
      add: COUNT / w.addSeconds,
      del: COUNT / w.delSeconds,
      addSettled: COUNT / w.addSettledSeconds,
      delSettled: COUNT / w.delSettledSeconds,
      addCpu: w.addCpuMs / 1000,
      delCpu: w.delCpuMs / 1000,
      delay: w.maxLoopDelayMs,
      mainCpu: w.mainCpuMs / 1000,
      rssPerRoute: w.rssPerRoute,
      heapPerRoute: w.heapPerRoute,
    };
  },
};

try {
  execFileSync("test", ["-f", join(here, "../../dist/dataplane/index.js")]);
} catch {
  console.error("[netlink] dist/ is missing: run `npx tsc -p tsconfig.build.json` first");
  process.exit(1);
}

const results = { "ip-batch": [], raw: [], wren: [] };
log(`${COUNT} routes, 1 warm-up + ${ROUNDS} rounds, namespace ${ns}`);
for (let round = 0; round <= ROUNDS; round++) {
  for (const [name, fn] of Object.entries(tools)) {
    const r = fn();
    if (round > 0) results[name].push(r);
    log(
      `${round === 0 ? "warm-up" : `round ${round}`} ${name}: add ${Math.round(r.add)}/s, del ${Math.round(r.del)}/s${r.delay === undefined ? "" : `, worst loop delay ${r.delay.toFixed(1)} ms`}`,
    );
  }
}

const k = COUNT >= 1000 ? `${COUNT / 1000}k` : String(COUNT);
const fmtRuns = (xs) => xs.map((x) => `${Math.round(x / 1000)}k`).join(", ");
const rows = [];
const med = {};
for (const name of Object.keys(tools)) {
  for (const phase of ["add", "del"]) {
    const xs = results[name].map((r) => r[phase]);
    med[`${name}.${phase}`] = median(xs);
    rows.push({
      case: `${phase === "add" ? "install" : "remove"} ${k} routes: ${name}`,
      metric: "throughput",
      value: Math.round(median(xs)),
      unit: "routes/s",
      note: `median of ${ROUNDS} (${fmtRuns(xs)} routes/s)`,
    });
  }
}
for (const phase of ["add", "del"]) {
  const xs = results.wren.map((r) => r[`${phase}Settled`]);
  rows.push({
    case: `${phase === "add" ? "install" : "remove"} ${k} routes: wren until idle`,
    metric: "throughput",
    value: Math.round(median(xs)),
    unit: "routes/s",
    note: `median of ${ROUNDS} (${fmtRuns(xs)} routes/s); until the agent is idle, incl. re-reading the table after the bulk change`,
  });
}
for (const name of Object.keys(tools)) {
  for (const phase of ["add", "del"]) {
    const xs = results[name].map((r) => (r[`${phase}Cpu`] / COUNT) * 1e6);
    rows.push({
      case: `${phase === "add" ? "install" : "remove"} ${k} routes: ${name} CPU per route`,
      metric: "cpu",
      value: Number(median(xs).toFixed(2)),
      unit: "µs/route",
      note: `median of ${ROUNDS} (${xs.map((x) => x.toFixed(2)).join(", ")}); user+system, all threads`,
    });
  }
}
for (const phase of ["add", "del"]) {
  const verb = phase === "add" ? "install" : "remove";
  rows.push({
    case: `${verb} ${k} routes: wren / ip-batch`,
    metric: "ratio",
    value: Number((med[`wren.${phase}`] / med[`ip-batch.${phase}`]).toFixed(2)),
    unit: "x",
    note: "aim ≥ 1.0",
  });
  rows.push({
    case: `${verb} ${k} routes: wren / raw netlink`,
    metric: "ratio",
    value: Number((med[`wren.${phase}`] / med[`raw.${phase}`]).toFixed(2)),
    unit: "x",
    note: "aim ≥ 0.5",
  });
}
const mainCpu = results.wren.map((r) => (r.mainCpu / (2 * COUNT)) * 1e6);
rows.push({
  case: `wren main-thread CPU per route, ${k} install + remove`,
  metric: "cpu",
  value: Number(median(mainCpu).toFixed(2)),
  unit: "µs/route",
  note: `median of ${ROUNDS} (${mainCpu.map((x) => x.toFixed(2)).join(", ")}); the agent's event-loop thread only (the I/O threads and the kernel's work excluded)`,
});
const rss = results.wren.map((r) => r.rssPerRoute);
const heap = results.wren.map((r) => r.heapPerRoute);
rows.push({
  case: `wren memory per installed route, ${k}`,
  metric: "memory",
  value: Math.round(median(rss)),
  unit: "bytes/route",
  note: `median of ${ROUNDS} (${rss.map((x) => Math.round(x)).join(", ")}); RSS growth of the agent's process (all threads) with the routes installed, after a full GC; V8 heap used ${heap.map((x) => x.toFixed(1)).join(", ")} B/route`,
});
const delays = results.wren.map((r) => r.delay);
rows.push({
  case: `wren worst event-loop delay during ${k} install + remove`,
  metric: "latency",
  value: Number(Math.max(...delays).toFixed(1)),
  unit: "ms",
  note: `worst of ${ROUNDS} rounds (${delays.map((d) => d.toFixed(1)).join(", ")} ms); aim ≤ 50 ms`,
});
for (const row of rows) process.stdout.write(`${JSON.stringify({ bench: "netlink", ...row })}\n`);
