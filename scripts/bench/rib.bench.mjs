#!/usr/bin/env node
// RIB engine benchmark (docs/benchmarks.md, "RIB engine"): pre-encoded UPDATE streams of IPv4
// prefixes are fed through RibEngine.handle() with one downstream eBGP peer, measuring
//   - time until the Loc-RIB holds every prefix (from the first handle() call),
//   - time until the downstream Adj-RIB-Out holds every prefix (UPDATEs encoded and emitted),
//   - bytes per prefix after gc (heapUsed + external, feed released),
//   - the worst event-loop delay during the load (perf_hooks.monitorEventLoopDelay),
//   - the process CPU time until the downstream Adj-RIB-Out was complete (less sensitive than
//     wall time to other processes on a shared machine; includes V8's GC helper threads).
// Cases: 100k and 1M prefixes from one feeder with one shared attribute set ("same") and with a
// mix of attribute sets ("mixed": runs of 1–49 prefixes over N/25 distinct sets), and 10
// feeders × the same 100k prefixes (bgperf2 style). Each case runs in two modes: "cold" (a
// fresh process, the first load the engine ever sees) and "warm" (RibEngine.warmUp() first, as
// the daemon does at start-up). Each runs 3 times in a fresh process (node --expose-gc); rows
// are medians, the note gives all three runs.
//
// Imports compiled code from dist/ (run `npx tsc -p tsconfig.build.json` first).
// Output: JSON rows {bench, case, metric, value, unit, note} on stdout, one per line.
// Usage: node scripts/bench/rib.bench.mjs [--quick] [--case <name>] [--runs N]
import { fork } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const CASES = {
  "100k-same": { prefixes: 100_000, feeders: 1, mix: "same" },
  "100k-mixed": { prefixes: 100_000, feeders: 1, mix: "mixed" },
  "1M-same": { prefixes: 1_000_000, feeders: 1, mix: "same" },
  "1M-mixed": { prefixes: 1_000_000, feeders: 1, mix: "mixed" },
  "10x100k-same": { prefixes: 100_000, feeders: 10, mix: "same" },
};

const args = process.argv.slice(2);
const arg = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

async function parent() {
  const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
  const runs = Number(arg("--runs") ?? (quick ? 1 : 3));
  const only = arg("--case");
  const modes = arg("--mode") ? [arg("--mode")] : ["cold", "warm"];
  const cases = only ? [only] : quick ? ["100k-same", "100k-mixed"] : Object.keys(CASES);
  for (const c of cases) {
    for (const mode of modes) {
      await report(c, mode, runs);
    }
  }
}

async function report(caseName, mode, runs) {
  const name = `${caseName} ${mode}`;
  {
    const results = [];
    for (let r = 0; r < runs; r++) results.push(await runChild(caseName, mode));
    const metrics = Object.keys(results[0]).filter(
      (k) => k !== "unit" && typeof results[0][k] === "number",
    );
    for (const metric of metrics) {
      const values = results.map((x) => x[metric]).sort((a, b) => a - b);
      const median = values[Math.floor(values.length / 2)];
      console.log(
        JSON.stringify({
          bench: "rib",
          case: name,
          metric,
          value: round(median),
          unit: UNITS[metric] ?? "",
          note: `runs: ${results.map((x) => round(x[metric])).join(", ")}`,
        }),
      );
    }
  }
}

const UNITS = {
  locRibMs: "ms",
  adjRibOutMs: "ms",
  cpuMs: "ms",
  bytesPerPrefix: "B",
  bytesPerPath: "B",
  tableBytesPerPrefix: "B",
  maxEventLoopDelayMs: "ms",
  p99EventLoopDelayMs: "ms",
  updatesOut: "messages",
  attributeSets: "sets",
};

function round(v) {
  return Math.round(v * 10) / 10;
}

function runChild(name, mode) {
  return new Promise((resolve, reject) => {
    const p = fork(fileURLToPath(import.meta.url), ["--child", name, "--mode", mode], {
      execArgv: ["--expose-gc", "--max-old-space-size=4096"],
      stdio: ["ignore", "pipe", "inherit", "ipc"],
    });
    p.on("message", (m) => resolve(m));
    p.on("error", reject);
    p.on("exit", (code) => {
      if (code !== 0) reject(new Error(`benchmark child ${name} exited with ${code}`));
    });
  });
}

function memory() {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Deterministic pseudo-random numbers (xorshift32). */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

async function child(name) {
  const spec = CASES[name];
  if (!spec) throw new Error(`unknown case ${name}`);
  const dist = new URL("../../dist/", import.meta.url);
  const { RibEngine } = await import(new URL("bgp/rib/index.js", dist));
  const { packUpdates, NlriBuilder, makeContext } = await import(
    new URL("bgp/wire/index.js", dist)
  );
  const { realClock } = await import(new URL("common/clock.js", dist));
  const { syntheticPeer, syntheticSession, syntheticSpeakerConfig } = await import(
    new URL("bgp/rib/synthetic-peer.js", dist)
  );

  const N = spec.prefixes;
  const peers = [];
  for (let f = 0; f < spec.feeders; f++)
    peers.push(syntheticPeer(`feeder${f}`, `10.1.${f}.2`, 65001 + f));
  peers.push(syntheticPeer("down", "10.2.0.2", 65100));
  const config = syntheticSpeakerConfig(peers);

  if (arg("--mode") === "warm") await RibEngine.warmUp();
  const mem0 = memory();
  const engine = new RibEngine({ clock: realClock });
  engine.configure(config);
  const sessions = new Map();
  for (const p of peers) sessions.set(p.name, syntheticSession(p));

  // Pre-encode the feeds (not timed).
  const ctx = makeContext({ as4: true });
  let feeds = [];
  for (let f = 0; f < spec.feeders; f++)
    feeds.push(encodeFeed(N, f, spec.mix, ctx, packUpdates, NlriBuilder));
  const feedMessages = feeds.reduce((n, f) => n + f.length, 0);

  let locRibAt = 0;
  let outAt = 0;
  let updatesOut = 0;
  let t0 = 0;
  let resolveDone;
  const done = new Promise((r) => {
    resolveDone = r;
  });
  const target = N;
  engine.onKernelRoutes(() => {
    if (locRibAt === 0 && engine.locRibSize().ipv4 >= target) locRibAt = performance.now();
  });
  engine.onSessionMessage((m) => {
    if (m.type !== "updates") return;
    updatesOut += m.peerId === "down" ? m.messages.length : 0;
    queueMicrotask(() => engine.handle({ type: "writable", peerId: m.peerId }));
    if (m.peerId === "down" && outAt === 0 && engine.peerCounters("down").advertised >= target) {
      outAt = performance.now();
      resolveDone();
    }
  });
  for (const p of peers)
    engine.handle({ type: "sessionUp", peerId: p.name, negotiated: sessions.get(p.name) });
  await engine.idle();

  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const cpu0 = process.cpuUsage();
  t0 = performance.now();
  // All feeders' messages arrive interleaved, as from parallel sessions.
  const longest = Math.max(...feeds.map((f) => f.length));
  for (let i = 0; i < longest; i++) {
    for (let f = 0; f < feeds.length; f++) {
      const msg = feeds[f][i];
      if (msg !== undefined)
        engine.handle({ type: "update", peerId: `feeder${f}`, body: msg.subarray(19) });
    }
  }
  await done;
  const cpu = process.cpuUsage(cpu0);
  await engine.idle();
  h.disable();
  feeds = null;
  const mem1 = memory();
  const result = {
    locRibMs: locRibAt - t0,
    adjRibOutMs: outAt - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    bytesPerPrefix: (mem1 - mem0) / N,
    bytesPerPath: (mem1 - mem0) / (N * spec.feeders),
    tableBytesPerPrefix: engine.tableBytes() / N,
    maxEventLoopDelayMs: h.max / 1e6,
    p99EventLoopDelayMs: h.percentile(99) / 1e6,
    updatesOut,
    attributeSets: engine.attributeSets(),
    feedMessages,
  };
  if (process.send) process.send(result, () => process.exit(0));
  else console.log(JSON.stringify(result));
}

function encodeFeed(N, feeder, mix, ctx, packUpdates, NlriBuilder) {
  const out = [];
  const random = rng(0x9e3779b9 + feeder * 7919);
  const nh = `10.1.${feeder}.2`;
  const firstAs = 65001 + feeder;
  const pool = [];
  const poolSize = mix === "same" ? 1 : Math.max(1, Math.floor(N / 25));
  for (let s = 0; s < poolSize; s++) {
    const len = mix === "same" ? 2 : 1 + Math.floor(random() * 6);
    const asns = [firstAs];
    for (let k = 1; k < len; k++) asns.push(1000 + Math.floor(random() * 60000));
    const attrs = {
      origin: random() < 0.9 ? "igp" : "incomplete",
      asPath: [{ type: "sequence", asns }],
      nextHop: nh,
    };
    if (mix !== "same" && random() < 0.3) attrs.med = Math.floor(random() * 1000);
    if (mix !== "same" && random() < 0.5)
      attrs.communities = [firstAs * 65536 + Math.floor(random() * 1000)];
    pool.push(attrs);
  }
  let i = 0;
  while (i < N) {
    const run = mix === "same" ? N : 1 + Math.floor(random() * 49);
    const attrs = pool[Math.floor(random() * pool.length)];
    const b = new NlriBuilder("ipv4", false, Math.min(run, N - i));
    for (let k = 0; k < run && i < N; k++, i++) b.appendIPv4(((1 << 24) + i * 256) >>> 0, 24);
    out.push(...packUpdates({ family: "ipv4", attributes: attrs, announce: b.build() }, ctx));
  }
  return out;
}

if (args.includes("--child")) {
  await child(arg("--child"));
} else {
  await parent();
}
