#!/usr/bin/env node
// Summarises a V8 heap snapshot (`speaker.bench.mjs --heap-snapshot DIR` has wren write one after
// the load, following a full GC): live objects grouped by constructor (or type for strings,
// arrays, closures, ...), with count and self size, largest first — which structures hold the
// memory per prefix. ArrayBuffer contents (typed arrays) are outside the JS heap; their
// JSArrayBuffer objects are listed with their backing store size where the snapshot records it.
//
//   node scripts/bench/speaker/heap-summary.mjs FILE.heapsnapshot [--top N] [--per N]
//   --per N divides the sizes by N (e.g. the number of prefixes) for a bytes-per-prefix column.
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const file = args[0];
const opt = (name, d) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : d;
};
const TOP = opt("--top", 30);
const PER = opt("--per", 0);

const snap = JSON.parse(readFileSync(file, "utf8"));
const meta = snap.snapshot.meta;
const fields = meta.node_fields;
const types = meta.node_types[0];
const F = fields.length;
const iType = fields.indexOf("type");
const iName = fields.indexOf("name");
const iSize = fields.indexOf("self_size");
const nodes = snap.nodes;
const strings = snap.strings;

const groups = new Map();
let total = 0;
for (let i = 0; i < nodes.length; i += F) {
  const type = types[nodes[i + iType]];
  const size = nodes[i + iSize];
  total += size;
  const key =
    type === "object" || type === "native"
      ? `${type === "native" ? "(native) " : ""}${strings[nodes[i + iName]]}`
      : `(${type})`;
  const g = groups.get(key) ?? { count: 0, size: 0 };
  g.count++;
  g.size += size;
  groups.set(key, g);
}

const mb = (v) => `${(v / 1048576).toFixed(1).padStart(8)} MiB`;
console.log(
  `${file}: ${(nodes.length / F).toLocaleString("en-US")} nodes, ${mb(total)} self size in total${PER ? `, ${(total / PER).toFixed(0)} bytes per unit` : ""}`,
);
for (const [k, g] of [...groups].sort((a, b) => b[1].size - a[1].size).slice(0, TOP)) {
  const per = PER ? `${(g.size / PER).toFixed(1).padStart(8)} B/unit` : "";
  console.log(`${mb(g.size)} ${String(g.count).padStart(10)} × ${per}  ${k}`);
}
