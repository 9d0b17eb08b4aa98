#!/usr/bin/env node
// BGP wire codec benchmark (docs/benchmarks.md, "Wire codec"). A full-table-like feed is built
// once: 1,000,000 IPv4 prefixes (70 % /24, 30 % /32) spread over 4,000 attribute sets with a
// skewed (Zipf-like) size distribution, varied AS paths (2- and 4-octet ASes, some AS_SETs),
// communities, large communities, MED; and 200,000 IPv6 prefixes (/48, /64) over 2,000 sets in
// MP_REACH_NLRI with global + link-local next hops. Measured, each the median of 3 runs after a
// warm-up:
//   - encode: packUpdates() per attribute set (4096-octet messages, 4-octet AS session);
//   - decode: the whole stream through Framer (64 KiB chunks) + decodeUpdate(), without an
//     attribute cache, with a cold cache (first pass) and a warm one (the same table again, as
//     from a second peer).
// Figures: prefixes/s and MB/s of UPDATE octets (header included), on one core.
//
// Imports compiled code from dist/ (`npx tsc -p tsconfig.build.json`; `npm run bench` builds).
// Output: JSON rows {bench, case, metric, value, unit, note} on stdout, one per line.
// Usage: node --expose-gc scripts/bench/wire.bench.mjs [--quick] [--runs N]
import { performance } from "node:perf_hooks";

const wire = await import(new URL("../../dist/bgp/wire/index.js", import.meta.url).href).catch(
  (err) => {
    console.error(
      `wire.bench: cannot load dist/bgp/wire (run npx tsc -p tsconfig.build.json): ${err.message}`,
    );
    process.exit(1);
  },
);
const { Framer, HEADER_LENGTH, NlriBuilder, decodeUpdate, makeContext, packUpdates } = wire;

const args = process.argv.slice(2);
const quick = args.includes("--quick") || process.env.BENCH_QUICK === "1";
const runsAt = args.indexOf("--runs");
const RUNS = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const V4_PREFIXES = quick ? 200_000 : 1_000_000;
const V4_SETS = quick ? 1_000 : 4_000;
const V6_PREFIXES = quick ? 50_000 : 200_000;
const V6_SETS = quick ? 500 : 2_000;
const ctx = makeContext({ as4: true });

// Deterministic pseudo-random numbers (mulberry32).
let seed = 0x5eed;
function rand() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];

const ASNS = Array.from({ length: 400 }, (_, i) => (i % 5 === 0 ? 4200000000 + i : 1000 + i * 37));
function attributeSet(i) {
  const hops = 2 + Math.floor(rand() * 7);
  const path = Array.from({ length: hops }, () => pick(ASNS));
  const asPath = [{ type: "sequence", asns: path }];
  if (rand() < 0.02) asPath.push({ type: "set", asns: [pick(ASNS), pick(ASNS)] });
  const attrs = {
    origin: pick(["igp", "igp", "igp", "incomplete"]),
    asPath,
    nextHop: `192.0.2.${1 + (i % 4)}`,
    communities: Array.from(
      { length: Math.floor(rand() * 7) },
      () => (pick(ASNS) % 65536) * 65536 + Math.floor(rand() * 1000),
    ),
  };
  if (rand() < 0.3) attrs.med = Math.floor(rand() * 1000);
  if (rand() < 0.2) attrs.largeCommunities = [[path[0], 1, Math.floor(rand() * 100)]];
  if (attrs.communities.length === 0) delete attrs.communities;
  return attrs;
}

/** Sizes summing to `total` over `sets` sets, skewed: a few large sets, many small ones. */
function zipfSizes(total, sets) {
  const weights = Array.from({ length: sets }, (_, i) => 1 / (i + 1) ** 0.9);
  const sum = weights.reduce((a, b) => a + b, 0);
  const sizes = weights.map((w) => Math.max(1, Math.floor((w / sum) * total)));
  let diff = total - sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; diff !== 0; i = (i + 1) % sets) {
    if (diff > 0) {
      sizes[i]++;
      diff--;
    } else if (sizes[i] > 1) {
      sizes[i]--;
      diff++;
    }
  }
  return sizes;
}

function buildFeed(family, total, sets) {
  const sizes = zipfSizes(total, sets);
  const groups = [];
  let n = 0;
  for (let s = 0; s < sets; s++) {
    const b = new NlriBuilder(family, false, sizes[s]);
    for (let k = 0; k < sizes[s]; k++, n++) {
      if (family === "ipv4") {
        // Distinct prefixes: /24s from 1.0.0.0 up, /32s from 100.64.0.0 up.
        if (n % 10 < 7) b.appendIPv4(((1 << 24) + n * 256) >>> 0, 24);
        else b.appendIPv4(((100 << 24) + (64 << 16) + n) >>> 0, 32);
      } else {
        const bytes = new Uint8Array(16);
        bytes[0] = 0x20;
        bytes[1] = 0x01;
        bytes[2] = 0x0d;
        bytes[3] = 0xb8;
        bytes[4] = (n >>> 16) & 255;
        bytes[5] = (n >>> 8) & 255;
        bytes[6] = n & 255;
        b.append(bytes, n % 4 === 0 ? 64 : 48);
      }
    }
    const attrs = attributeSet(s);
    groups.push({ attrs, nlri: b.build() });
  }
  return groups;
}

function encodeAll(groups, family) {
  const out = [];
  for (const g of groups) {
    const nextHops = family === "ipv6" ? ["2001:db8::1", "fe80::1"] : undefined;
    for (const m of packUpdates({ family, attributes: g.attrs, announce: g.nlri, nextHops }, ctx))
      out.push(m);
  }
  return out;
}

function concat(msgs) {
  const total = msgs.reduce((n, m) => n + m.length, 0);
  const out = new Uint8Array(total);
  let pos = 0;
  for (const m of msgs) {
    out.set(m, pos);
    pos += m.length;
  }
  return out;
}

function mapCache() {
  const m = new Map();
  return { size: () => m.size, get: (k) => m.get(k), set: (k, v) => void m.set(k, v) };
}

/** Framer + decodeUpdate over the whole stream; returns prefixes decoded. */
function decodeStream(stream, cache) {
  const framer = new Framer();
  let prefixes = 0;
  const CHUNK = 65536;
  for (let off = 0; off < stream.length; off += CHUNK) {
    framer.push(stream.subarray(off, Math.min(stream.length, off + CHUNK)));
    for (let msg = framer.next(); msg !== null; msg = framer.next()) {
      const d = decodeUpdate(msg.subarray(HEADER_LENGTH), ctx, cache);
      prefixes += d.update.nlri.count + (d.mpReachNlri === null ? 0 : d.mpReachNlri.count);
    }
  }
  return prefixes;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Seconds per pass of `fn`, RUNS times. A warm-up pass first (JIT); each run repeats the pass
 * enough times to last at least MIN_RUN seconds, so short passes are not timer noise.
 */
const MIN_RUN = quick ? 0.2 : 0.5;
function measure(fn) {
  const t0 = performance.now();
  fn();
  const once = Math.max(1e-4, (performance.now() - t0) / 1000);
  const reps = Math.max(1, Math.ceil(MIN_RUN / once));
  const times = [];
  for (let r = 0; r < RUNS; r++) {
    globalThis.gc?.();
    const start = performance.now();
    for (let k = 0; k < reps; k++) fn();
    times.push((performance.now() - start) / 1000 / reps);
  }
  return times;
}

function report(caseName, prefixes, bytes, times, extra = "") {
  const t = median(times);
  const note = `median of ${times.length} (${times.map((x) => `${(prefixes / x / 1e6).toFixed(2)}M`).join(", ")} prefixes/s)${extra}`;
  console.log(
    JSON.stringify({
      case: caseName,
      metric: "throughput",
      value: Math.round(prefixes / t),
      unit: "prefixes/s",
      note,
    }),
  );
  console.log(
    JSON.stringify({
      case: caseName,
      metric: "throughput",
      value: Number((bytes / t / 1e6).toFixed(1)),
      unit: "MB/s",
      note: `${(bytes / 1e6).toFixed(1)} MB of UPDATEs`,
    }),
  );
}

for (const [family, total, sets] of [
  ["ipv4", V4_PREFIXES, V4_SETS],
  ["ipv6", V6_PREFIXES, V6_SETS],
]) {
  const label = `${family} ${total >= 1e6 ? `${total / 1e6}M` : `${total / 1e3}k`} prefixes / ${sets} attr sets`;
  console.error(`[wire.bench] building ${label}`);
  const groups = buildFeed(family, total, sets);
  const msgs = encodeAll(groups, family);
  const stream = concat(msgs);
  console.error(`[wire.bench] ${msgs.length} UPDATEs, ${(stream.length / 1e6).toFixed(1)} MB`);

  report(
    `encode ${label}`,
    total,
    stream.length,
    measure(() => encodeAll(groups, family)),
    `; ${msgs.length} messages`,
  );

  let decoded = 0;
  report(
    `decode ${label}, no cache`,
    total,
    stream.length,
    measure(() => {
      decoded = decodeStream(stream, undefined);
    }),
  );
  if (decoded !== total) throw new Error(`decoded ${decoded} prefixes, expected ${total}`);

  let sizeSeen = 0;
  report(
    `decode ${label}, cold cache`,
    total,
    stream.length,
    measure(() => {
      const cache = mapCache();
      decodeStream(stream, cache);
      sizeSeen = cache.size();
    }),
    `; ${sizeSeen || sets} sets cached`,
  );

  const warm = mapCache();
  decodeStream(stream, warm);
  report(
    `decode ${label}, warm cache`,
    total,
    stream.length,
    measure(() => decodeStream(stream, warm)),
    "; same table from a second peer",
  );
}
