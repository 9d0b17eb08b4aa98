#!/usr/bin/env node
// Summarises the V8 CPU profiles `speaker.bench.mjs --profile DIR` leaves for wren: for each
// profile file (main thread and the netlink I/O worker threads) of each measured run, only the
// samples inside the run's load window (first feeder Established → RIB, kernel and downstream
// all complete; DIR/windows.jsonl maps the profile clock, CLOCK_MONOTONIC, to epoch time), then
// the functions with the most self time and the wren functions with the most inclusive time.
//
//   node scripts/bench/speaker/profile-summary.mjs DIR [--top N]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const dir = args[0];
const topAt = args.indexOf("--top");
const TOP = topAt >= 0 ? Number(args[topAt + 1]) : 25;

const windows = readFileSync(join(dir, "windows.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l));

const label = (n) => {
  const f = n.callFrame;
  const where = f.url
    ? `${f.url.replace(/^.*?\/(dist|node_modules)\//, "$1/")}:${f.lineNumber + 1}`
    : "";
  return `${f.functionName || "(anonymous)"} ${where}`.trim();
};
const IDLE = new Set(["(idle)", "(program)"]);

function summarise(file, from, to) {
  const prof = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const incl = new Map();
  let busy = 0;
  let idle = 0;
  let t = prof.startTime;
  prof.samples.forEach((id, i) => {
    const dt = prof.timeDeltas[i] ?? 0;
    t += dt;
    if (t < from || t > to) return;
    const n = byId.get(id);
    if (IDLE.has(n.callFrame.functionName)) {
      idle += dt;
      return;
    }
    busy += dt;
    const key = label(n);
    self.set(key, (self.get(key) ?? 0) + dt);
    const seen = new Set();
    for (let p = n.id; p !== undefined; p = parent.get(p)) {
      const k = label(byId.get(p));
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + dt);
    }
  });
  return { self, incl, busy, idle };
}

const pct = (v, total) => `${((100 * v) / total).toFixed(1).padStart(5)} %`;
const ms = (v) => `${(v / 1000).toFixed(0).padStart(6)} ms`;
const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
for (const w of windows) {
  const from = (w.from - w.monoOffsetMs) * 1000;
  const to = (w.to - w.monoOffsetMs) * 1000;
  console.log(
    `\n=== ${w.case} run ${w.run}, wren pid ${w.pid}: load window ${(w.to - w.from).toFixed(0)} ms`,
  );
  for (const f of files.filter((x) => x.split(".")[3] === String(w.pid)).sort()) {
    const s = summarise(join(dir, f), from, to);
    if (s.busy === 0) {
      console.log(`\n${f}: no busy samples in the window`);
      continue;
    }
    console.log(`\n${f}: busy ${ms(s.busy)}, idle ${ms(s.idle)} in the window`);
    console.log("  self time:");
    for (const [k, v] of [...s.self].sort((a, b) => b[1] - a[1]).slice(0, TOP))
      console.log(`  ${ms(v)} ${pct(v, s.busy)}  ${k}`);
    console.log("  inclusive (wren functions):");
    for (const [k, v] of [...s.incl]
      .filter(([k]) => k.includes(" dist/"))
      .sort((a, b) => b[1] - a[1])
      .slice(0, TOP))
      console.log(`  ${ms(v)} ${pct(v, s.busy)}  ${k}`);
  }
}
