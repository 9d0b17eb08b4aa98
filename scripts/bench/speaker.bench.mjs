#!/usr/bin/env node
// Side-by-side speaker benchmark (issue 5, docs/benchmarks.md "Speaker, side by side"): a raw
// feeder replays a prepared IPv4 UPDATE stream over one BGP session (or ten, bgperf2-style) to
// each receiver in turn — wren (`wren run` with a Calico datastore, kernel programming on), BIRD 2
// (kernel protocol), FRR 8.4 (bgpd + zebra) and GoBGP 3 (RIB only) — each in fresh network
// namespaces, with a downstream counting peer and a 3 s-hold-time keepalive watcher attached.
// Measured from the first feeder's Established: time until the receiver's RIB holds every prefix
// (polled over its control socket), until its kernel table does (a netlink counter in its
// namespace, compiled here from speaker/kernel-count.c), until the downstream peer has them all;
// RSS growth per prefix of the receiver's processes; the watcher's largest keepalive gap; and for
// wren the worst event-loop delay (its /metrics).
//
// Usage: node scripts/bench/speaker.bench.mjs [--quick] [--cases 100k,1M,10x100k]
//          [--receivers wren,bird,frr,gobgp] [--runs N] [--interval MS] [--profile DIR]
//   (also `npm run bench -- speaker [options]`). --quick = one run of 100k. --profile runs wren
//   under `node --cpu-prof` and leaves the .cpuprofile files in DIR; --trace appends every run's
//   events (feeder, RIB polls, kernel counter, downstream, watcher) to FILE as JSON lines.
// Needs root, FRR, BIRD 2, GoBGP and cc; a missing peer binary skips that receiver with a note.
// Everything is named wsb<random> and removed afterwards (also on failure or SIGINT/SIGTERM).
import { execFileSync } from "node:child_process";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
} from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";

const here = new URL("./speaker/", import.meta.url).pathname;
const log = (m) => console.error(`[speaker] ${m}`);
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
if (args.includes("--help") || args.includes("-h")) {
  console.error(`usage: node scripts/bench/speaker.bench.mjs [options]   (or npm run bench -- speaker [options])
  --quick                one run of the 100k case (development)
  --cases LIST           of 100k, 1M, 10x100k (default: all)
  --receivers LIST       of wren, bird, frr, gobgp (default: all four); wren-speaker = diagnostic
                         (wren speaker without Calico and kernel programming)
  --runs N               runs per case and receiver (default 3)
  --interval MS          RIB poll interval (default 25)
  --profile DIR          run wren under node --cpu-prof; summarise with speaker/profile-summary.mjs DIR
  --heap-snapshot DIR    have wren write a heap snapshot after the load (speaker/heap-summary.mjs)
  --trace FILE           append every run's events as JSON lines`);
  process.exit(0);
}

const CASES = {
  "100k": { feeders: 1, count: 100_000, title: "100k prefixes, 1 feeder" },
  "1M": { feeders: 1, count: 1_000_000, title: "1M prefixes, 1 feeder" },
  "10x100k": { feeders: 10, count: 100_000, title: "10 feeders × 100k prefixes" },
};
const caseNames = opt("--cases", quick ? "100k" : "100k,1M,10x100k").split(",");
const runs = Number(opt("--runs", quick ? 1 : 3));
const intervalMs = Number(opt("--interval", 25));
const profileDir = opt("--profile", undefined);
const traceFile = opt("--trace", undefined);
const heapSnapshotDir = opt("--heap-snapshot", undefined);
let receivers = opt("--receivers", "wren,bird,frr,gobgp").split(",");

for (const c of caseNames) {
  if (!CASES[c]) {
    console.error(`unknown case ${c} (have ${Object.keys(CASES).join(", ")})`);
    process.exit(2);
  }
}
if (process.getuid?.() !== 0) {
  log("skipped: needs root (network namespaces, daemons on port 179)");
  process.exit(0);
}
if (!existsSync(new URL("../../dist/cli/main.js", import.meta.url))) {
  console.error("[speaker] dist/ is missing: run `npx tsc -p tsconfig.build.json` first");
  process.exit(1);
}
const binaries = { bird: "/usr/sbin/bird", frr: "/usr/lib/frr/bgpd", gobgp: "/usr/bin/gobgpd" };
const skipped = [];
receivers = receivers.filter((r) => {
  if (binaries[r] && !existsSync(binaries[r])) {
    skipped.push(`${r} (${binaries[r]} missing)`);
    return false;
  }
  return true;
});

const { runOne } = await import(join(here, "run-one.mjs"));
const { sweepDeadBenchRuns } = await import(join(here, "lab.mjs"));
const { median, fmtSpread, fmtMs, spread } = await import(join(here, "stats.mjs"));

const swept = await sweepDeadBenchRuns();
if (swept.length > 0) log(`removed leftovers of dead runs: ${swept.join(", ")}`);

const tmp = mkdtempSync(join(tmpdir(), "wsb-"));
process.on("exit", () => rmSync(tmp, { recursive: true, force: true }));
const kcBin = join(tmp, "kernel-count");
execFileSync("cc", ["-O2", "-Wall", "-o", kcBin, join(here, "kernel-count.c")]);
if (profileDir) mkdirSync(profileDir, { recursive: true });
if (heapSnapshotDir) mkdirSync(heapSnapshotDir, { recursive: true });

// A signal aborts the current run; its finally-blocks remove what it made. A second one exits
// at once (the next benchmark start removes what is left: sweepDeadBenchRuns).
let interrupted = false;
const abort = new AbortController();
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    abort.abort();
    log(`${sig}: cleaning up the current run, then exiting`);
  });
}

/** Newest modification time under dist/: other engineers may rebuild it while we run. */
function distBuiltAt(dir = new URL("../../dist/", import.meta.url).pathname) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? distBuiltAt(p) : statSync(p).mtimeMs);
  }
  return newest;
}
const builtAt = distBuiltAt();
const clock = (ms) => new Date(ms).toTimeString().slice(0, 8);
const rebuilds = [];

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
log(
  `dist/ built ${clock(builtAt)}; cases ${caseNames.join(", ")}; receivers ${receivers.join(", ")}; ${runs} run(s) each; RIB poll ${intervalMs} ms; load ${load()}`,
);

const results = {}; // case -> receiver -> [result]
const errors = [];
outer: for (const c of caseNames) {
  results[c] = {};
  for (let r = 1; r <= runs; r++) {
    for (const kind of receivers) {
      if (interrupted) break outer;
      const nowBuilt = distBuiltAt();
      if (nowBuilt !== (rebuilds.at(-1) ?? builtAt)) {
        rebuilds.push(nowBuilt);
        log(
          `WARNING: dist/ was rebuilt at ${clock(nowBuilt)}: the runs from here on use other code`,
        );
      }
      log(`${c} run ${r}/${runs}: ${kind} (load ${load()})`);
      try {
        const res = await runOne(kind, CASES[c], {
          kcBin,
          intervalMs,
          signal: abort.signal,
          profileDir: kind.startsWith("wren") ? profileDir : undefined,
          heapSnapshotDir: kind.startsWith("wren") ? heapSnapshotDir : undefined,
          log,
        });
        if (profileDir && kind.startsWith("wren")) {
          // CLOCK_MONOTONIC (V8's profile clock, process.hrtime) → epoch ms, for the summary.
          const monoOffsetMs = Date.now() - Number(process.hrtime.bigint()) / 1e6;
          appendFileSync(
            join(profileDir, "windows.jsonl"),
            `${JSON.stringify({ case: c, run: r, ...res.window, monoOffsetMs })}\n`,
          );
        }
        if (traceFile)
          appendFileSync(traceFile, `${JSON.stringify({ case: c, run: r, ...res })}\n`);
        delete res.trace;
        if (!results[c][kind]) results[c][kind] = [];
        results[c][kind].push(res);
        log(
          `  RIB ${fmtMs(res.ribMs)} ms, kernel ${res.kernelMs === null ? "n/a" : `${fmtMs(res.kernelMs)} ms`}, downstream ${fmtMs(res.downMs)} ms, ` +
            `${Math.round(res.bytesPerPrefix)} B/prefix, keepalive gap max ${res.watch.maxGapMs} ms, ` +
            `feed sent ${fmtMs(res.sentMs)} ms, ${res.poll.polls} polls (mean ${fmtMs(res.poll.meanMs)} ms, max ${fmtMs(res.poll.maxMs)} ms)` +
            `${res.loopMaxMs !== null ? `, event loop max ${fmtMs(res.loopMaxMs)} ms` : ""}` +
            `${res.warnings ? `; warnings: ${res.warnings.join("; ")}` : ""}`,
        );
      } catch (e) {
        errors.push(`${c} ${kind} run ${r}: ${e.message}`);
        log(`  FAILED: ${e.message}`);
      }
    }
  }
}

// ---- rows ----
const rows = [];
const row = (caseText, metric, values, unit, extra = "") => {
  if (values.length === 0) return;
  const [lo, hi] = spread(values);
  const runsText = values.map((v) => fmtMs(v)).join(", ");
  rows.push({
    case: caseText,
    metric,
    value: Math.round(median(values) * 100) / 100,
    unit,
    note: `median of ${values.length} (${runsText}; spread ${fmtMs(lo)}–${fmtMs(hi)})${extra}`,
  });
};
const NAMES = {
  wren: "wren",
  "wren-speaker": "wren speaker (no kernel)",
  bird: "BIRD 2",
  frr: "FRR 8.4",
  gobgp: "GoBGP 3",
};
for (const c of caseNames) {
  for (const kind of receivers) {
    const rs = results[c]?.[kind] ?? [];
    const who = `${CASES[c].title} → ${NAMES[kind]}`;
    row(
      who,
      "RIB complete",
      rs.map((x) => x.ribMs),
      "ms",
      kind === "gobgp"
        ? "; from Established, GetTable spaced to ~10 % of gobgpd's time"
        : `; from Established, poll ${intervalMs} ms`,
    );
    if (rs.some((x) => x.kernelMs !== null))
      row(
        who,
        "kernel complete",
        rs.map((x) => x.kernelMs),
        "ms",
        "; netlink counter",
      );
    row(
      who,
      "downstream complete",
      rs.map((x) => x.downMs),
      "ms",
      "; counting eBGP peer",
    );
    row(
      who,
      "RSS growth",
      rs.map((x) => x.bytesPerPrefix),
      "bytes/prefix",
      kind === "frr" ? "; bgpd + zebra" : "",
    );
    row(
      who,
      "keepalive gap max",
      rs.map((x) => x.watch.maxGapMs),
      "ms",
      `; hold-3 s watcher; stayed Established: ${rs.every((x) => x.watch.established && !x.watch.closed) ? "yes" : "NO"}`,
    );
    if (kind.startsWith("wren")) {
      row(
        who,
        "heap growth",
        rs.map((x) => x.heapBytesPerPrefix),
        "bytes/prefix",
        "; V8 heap used, from wren's metrics, not collected first",
      );
      row(
        who,
        "event-loop delay max",
        rs.map((x) => x.loopMaxMs),
        "ms",
        "; from wren's metrics (10 ms resolution), read every 500 ms",
      );
    }
  }
  // Ratios against the aims, per run pair, same run.
  const w = results[c]?.wren ?? [];
  const b = results[c]?.bird ?? [];
  const n = Math.min(w.length, b.length);
  if (n > 0) {
    const pair = (f) => Array.from({ length: n }, (_, i) => f(w[i], b[i]));
    row(
      `${CASES[c].title}: wren / BIRD 2`,
      "kernel time ratio",
      pair((x, y) => x.kernelMs / y.kernelMs),
      "×",
      "; aim ≤ 1.0",
    );
    row(
      `${CASES[c].title}: wren / BIRD 2`,
      "memory ratio",
      pair((x, y) => x.bytesPerPrefix / y.bytesPerPrefix),
      "×",
      "; aim ≤ 1.5",
    );
  }
}
for (const r of rows) console.log(JSON.stringify(r));

// ---- markdown summary for docs/benchmarks.md ----
const md = [];
md.push(
  "| case | receiver | RIB ms | kernel ms | downstream ms | bytes/prefix | keepalive gap max ms | event loop max ms |",
);
md.push("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const c of caseNames) {
  for (const kind of receivers) {
    const rs = results[c]?.[kind] ?? [];
    if (rs.length === 0) {
      md.push(`| ${CASES[c].title} | ${NAMES[kind]} | failed | | | | | |`);
      continue;
    }
    const k = rs.some((x) => x.kernelMs !== null) ? fmtSpread(rs.map((x) => x.kernelMs)) : "n/a";
    const loop = kind.startsWith("wren") ? fmtSpread(rs.map((x) => x.loopMaxMs)) : "";
    md.push(
      `| ${CASES[c].title} | ${NAMES[kind]} | ${fmtSpread(rs.map((x) => x.ribMs))} | ${k} | ${fmtSpread(rs.map((x) => x.downMs))} | ${fmtSpread(
        rs.map((x) => x.bytesPerPrefix),
        (v) => String(Math.round(v)),
      )} | ${fmtSpread(rs.map((x) => x.watch.maxGapMs))} | ${loop} |`,
    );
  }
}
console.error(
  `\n[speaker] summary (median (min–max) of runs; load now ${load()}; dist/ built ${clock(builtAt)}${rebuilds.length ? `, REBUILT during the run at ${rebuilds.map(clock).join(", ")}` : ""}):\n${md.join("\n")}\n`,
);
if (skipped.length > 0) log(`skipped receivers: ${skipped.join(", ")}`);
if (errors.length > 0) {
  log(`failed runs:\n  ${errors.join("\n  ")}`);
  process.exit(1);
}
