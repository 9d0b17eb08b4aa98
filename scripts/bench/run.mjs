#!/usr/bin/env node
// `npm run bench [-- FILTER...] [--quick] [--json] [BENCH OPTIONS]`: runs every scripts/bench/*.bench.mjs whose
// name contains one of the FILTER words (all when none), each in its own `node --expose-gc`
// child process, one after the other (benchmarks must not compete for the 2 cores), and prints
// one table of the rows they report. A bench prints one JSON object per line on stdout:
//   {"bench": "wire", "case": "decode ipv4", "metric": "throughput", "value": 2.5e6,
//    "unit": "prefixes/s", "note": "median of 3"}
// Anything else it prints goes to stderr. --quick is passed on (as the argument `--quick` and as
// BENCH_QUICK=1: smaller inputs, for development); --json prints the rows as JSON lines instead
// of a table; bare words before any other option are filters, and every other option (with the
// words after it) is passed on to the benches, e.g. `npm run bench -- rib --case 1M-same`.
// docs/benchmarks.md describes the convention and the figures.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
let quick = false;
let json = false;
const filters = [];
const passOn = [];
for (const a of args) {
  if (a === "--quick") quick = true;
  else if (a === "--json") json = true;
  else if (a.startsWith("-") || passOn.length > 0) passOn.push(a);
  else filters.push(a);
}
if (quick) passOn.unshift("--quick");

const benches = readdirSync(here)
  .filter((f) => f.endsWith(".bench.mjs"))
  .sort()
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)));
if (benches.length === 0) {
  console.error(
    `no benchmark matches ${filters.join(", ")} (have: ${readdirSync(here)
      .filter((f) => f.endsWith(".bench.mjs"))
      .join(", ")})`,
  );
  process.exit(2);
}

const rows = [];
const failed = [];
for (const file of benches) {
  console.error(`[bench] ${file}${quick ? " (quick)" : ""}`);
  const started = Date.now();
  const r = spawnSync(process.execPath, ["--expose-gc", join(here, file), ...passOn], {
    env: { ...process.env, ...(quick ? { BENCH_QUICK: "1" } : {}) },
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    maxBuffer: 64 << 20,
  });
  for (const line of (r.stdout ?? "").split("\n")) {
    if (line.trim() === "") continue;
    try {
      const row = JSON.parse(line);
      if (typeof row === "object" && row !== null && "metric" in row && "value" in row) {
        rows.push({ bench: file.replace(/\.bench\.mjs$/, ""), ...row });
        continue;
      }
    } catch {
      // not a row
    }
    console.error(line);
  }
  if (r.status !== 0) failed.push(`${file} (exit ${r.status ?? r.signal})`);
  console.error(`[bench] ${file} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function fmt(v) {
  if (typeof v !== "number") return String(v);
  if (Math.abs(v) >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (Math.abs(v) >= 1e4) return `${(v / 1e3).toFixed(1)} k`;
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

if (json) {
  for (const row of rows) console.log(JSON.stringify(row));
} else if (rows.length > 0) {
  const table = rows.map((r) => [
    r.bench,
    r.case,
    r.metric,
    fmt(r.value),
    r.unit ?? "",
    r.note ?? "",
  ]);
  const head = ["bench", "case", "metric", "value", "unit", "note"];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => String(t[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => (i === 3 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i])))
      .join("  ");
  console.log(line(head));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const t of table) console.log(line(t));
}
if (failed.length > 0) {
  console.error(`[bench] failed: ${failed.join(", ")}`);
  process.exit(1);
}
