#!/usr/bin/env node
// The wren side of scripts/bench/netlink.bench.mjs, run inside the benchmark's namespace
// (`ip netns exec NS node netlink-wren.mjs COUNT`): the real dataplane agent from dist/ gets a
// minimal plan and a warm-up, then one BGP batch of COUNT /24 routes via 192.0.2.1 (resolved recursively to
// dev bn0), and later the withdrawal of all of them. Timed from the applyBgpRoutes() call until
// the kernel has acknowledged every route change (the agent's routeOps counter, read every
// millisecond: the routes are in the table then, as when ip -batch or the raw program end), and
// also until the agent has nothing left to do — which after a bulk change includes re-reading
// the table (the check that replaces the route notifications paused during it). The event loop's
// worst delay is sampled at 1 ms resolution during both phases. Prints one JSON line.
import { readdirSync, readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parsePrefix } from "../../dist/common/ip/prefix.js";
import { createDataplaneAgent } from "../../dist/dataplane/index.js";

const count = Number(process.argv[2] ?? 100000);
const prefixes = Array.from({ length: count }, (_, i) =>
  parsePrefix(`${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`),
);
const plan = {
  nodeName: "bench",
  blackholes: [],
  workloads: [],
  ipip: null,
  vxlan: [],
  vxlanPeers: [],
  staticRoutes: [],
  kernelPolicy: { rejectCidrs: [], pools: [], nodeSubnets: ["192.0.2.0/24"] },
  sysctls: { ipv4Forwarding: false, ipv6Forwarding: false },
  resyncInterval: 3600,
  workloadGracePeriod: 10,
};

/** CPU time (ms) of one thread of this process, from /proc (utime + stime). */
function threadCpuMs(tid = process.pid) {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const mainThreadCpuMs = () => threadCpuMs();
function allThreads() {
  const out = {};
  for (const tid of readdirSync("/proc/self/task")) {
    const comm = readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim();
    out[`${comm}:${tid}`] = threadCpuMs(tid);
  }
  return out;
}

// The speaker shares one frozen next-hop list between all routes of a next-hop set; so does this.
const nexthops = Object.freeze([Object.freeze({ address: "192.0.2.1", peer: "bench" })]);

const agent = await createDataplaneAgent({});
await agent.applyPlan(plan);

// Warm-up in this process (a daemon runs warm): install and remove a fifth as many other routes
// first, so the measured phases do not include compiling the hot paths.
const warm = Array.from({ length: Math.max(1000, Math.floor(count / 5)) }, (_, i) =>
  parsePrefix(`${120 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`),
);
agent.applyBgpRoutes({
  upserts: warm.map((prefix) => ({ prefix, nexthops })),
  withdrawals: [],
});
await agent.settled();
agent.applyBgpRoutes({ upserts: [], withdrawals: warm });
await agent.settled();
const delay = monitorEventLoopDelay({ resolution: 1 });

/** Memory of this process: RSS (all threads) and V8's view, after a full GC when exposed. */
function memory() {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
}
// Built before the baseline, so the growth is the agent's own.
const addBatch = { upserts: prefixes.map((prefix) => ({ prefix, nexthops })), withdrawals: [] };
const mem0 = memory();

delay.enable();
const cpu0 = process.cpuUsage();
const threads0 = process.env.WRDP_THREADS ? allThreads() : null;
const main0 = mainThreadCpuMs();
/** Resolves with the time at which `n` route changes beyond `base` have been acknowledged. */
function acknowledged(base, n) {
  return new Promise((resolve) => {
    const check = () => {
      if (agent.counters().routeOps - base >= n) resolve(performance.now());
      else setTimeout(check, 1);
    };
    check();
  });
}

let ops = agent.counters().routeOps;
let t = performance.now();
agent.applyBgpRoutes(addBatch);
let ackedAt = acknowledged(ops, count);
await agent.settled();
const addSettledSeconds = (performance.now() - t) / 1000;
const addSeconds = ((await ackedAt) - t) / 1000;
const addCpu = process.cpuUsage(cpu0);
const installed = agent.status().routes.owned;
const mem1 = memory();

ops = agent.counters().routeOps;
t = performance.now();
agent.applyBgpRoutes({ upserts: [], withdrawals: prefixes });
ackedAt = acknowledged(ops, count);
await agent.settled();
const delSettledSeconds = (performance.now() - t) / 1000;
const delSeconds = ((await ackedAt) - t) / 1000;
delay.disable();
const cpu = process.cpuUsage(cpu0);
const delCpuMs = Math.round((cpu.user + cpu.system - addCpu.user - addCpu.system) / 1000);
const mainCpuMs = mainThreadCpuMs() - main0;
if (threads0) {
  const t1 = allThreads();
  console.error(
    Object.fromEntries(
      Object.entries(t1)
        .map(([k, v]) => [k, v - (threads0[k] ?? 0)])
        .filter(([, v]) => v > 0),
    ),
  );
}
const left = agent.status().routes.owned;
const counters = agent.counters();
await agent.stop({ keepRoutes: true });

process.stdout.write(
  `${JSON.stringify({
    routes: count,
    addSeconds,
    delSeconds,
    addSettledSeconds,
    delSettledSeconds,
    installed,
    left,
    errors: counters.routeErrors,
    maxLoopDelayMs: delay.max / 1e6,
    mainCpuMs,
    processCpuMs: Math.round((cpu.user + cpu.system) / 1000),
    addCpuMs: Math.round((addCpu.user + addCpu.system) / 1000),
    delCpuMs,
    // Growth with the routes installed (the agent's own per-route state, GC'd first).
    rssPerRoute: (mem1.rss - mem0.rss) / count,
    heapPerRoute: (mem1.heapUsed - mem0.heapUsed) / count,
    externalPerRoute: (mem1.external - mem0.external) / count,
  })}\n`,
);
