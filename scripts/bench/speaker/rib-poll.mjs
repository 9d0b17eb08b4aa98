#!/usr/bin/env node
// The RIB clock of the speaker benchmark, run inside the receiver's namespace: asks the receiver
// how many prefixes its RIB holds (rib-clients.mjs: one connection, requests in a loop, no CLI
// fork) every INTERVAL ms (for GoBGP, whose count query walks its table, 9× the last answer's
// latency when that is longer, so that it spends ~10 % answering; at most 2 s) and reports changes and the moment the count reaches TARGET. For wren
// it also scrapes /metrics (in the namespace, 127.0.0.1:9099) every METRICS ms: prom-client's
// event-loop delay histogram is reset at each scrape, so the maximum over all scrapes is the
// worst event-loop delay of the whole load.
//
//   node rib-poll.mjs CONFIG.json
//   CONFIG: { kind, target, intervalMs, metricsIntervalMs?, client: {...} }
//
// stdin: EOF or `stop` ends it (after a last metrics scrape). stdout, JSON lines, epoch ms:
//   {"event":"ready","t":...,"count":n}
//   {"event":"rib","t":...,"count":n}         the count changed (t = when the answer arrived)
//   {"event":"complete","t":...,"count":n,"sentAt":...}
//   {"event":"metrics","t":...,"loopMaxMs":..,"loopP99Ms":..,"locRib":n}   (wren)
//   {"event":"final","polls":n,"meanPollMs":..,"maxPollMs":..,"loopMaxMs":..,"loopP99MaxMs":..}
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { now } from "./clock.mjs";
import { ribClient } from "./rib-clients.mjs";

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let client = null;
const deadline = Date.now() + 30_000;
for (;;) {
  try {
    client = await ribClient(cfg.kind, cfg.client);
    break;
  } catch (e) {
    if (Date.now() > deadline) {
      out({ event: "error", text: `cannot reach ${cfg.kind}: ${e.message}` });
      process.exit(1);
    }
    await sleep(100);
  }
}

let stopping = false;
let polls = 0;
let pollMsSum = 0;
let pollMsMax = 0;
let loopMaxMs = 0;
let loopP99MaxMs = 0;

async function scrape() {
  try {
    const m = await client.metrics();
    loopMaxMs = Math.max(loopMaxMs, m.loopMaxMs);
    loopP99MaxMs = Math.max(loopP99MaxMs, m.loopP99Ms);
    out({ event: "metrics", t: now(), ...m });
  } catch (e) {
    out({ event: "metrics-error", text: e.message });
  }
}

async function metricsLoop() {
  if (!client.metrics) return;
  await scrape(); // resets the histogram: the window starts now
  while (!stopping) {
    await sleep(cfg.metricsIntervalMs ?? 500);
    if (!stopping) await scrape();
  }
}

async function pollLoop() {
  let last = -1;
  let completed = false;
  while (!stopping) {
    const sentAt = now();
    let count;
    try {
      count = await client.count();
    } catch (e) {
      out({ event: "error", text: e.message });
      await sleep(cfg.intervalMs);
      continue;
    }
    const t = now();
    const took = t - sentAt;
    polls++;
    pollMsSum += took;
    if (took > pollMsMax) pollMsMax = took;
    if (last < 0) out({ event: "ready", t, count });
    else if (count !== last) out({ event: "rib", t, count });
    last = count;
    if (!completed && count >= cfg.target && cfg.target > 0) {
      completed = true;
      out({ event: "complete", t, count, sentAt });
    }
    // An expensive query (GoBGP's table walk) is spaced so that answering us takes about a
    // tenth of the receiver's time (but at least every 2 s); cheap ones (counters) are not.
    await sleep(
      client.costly ? Math.min(2000, Math.max(cfg.intervalMs, 9 * took)) : cfg.intervalMs,
    );
  }
}

const loops = Promise.all([pollLoop(), metricsLoop()]);

async function stop() {
  if (stopping) return;
  stopping = true;
  await loops;
  if (client.metrics) await scrape();
  out({
    event: "final",
    polls,
    meanPollMs: polls ? pollMsSum / polls : 0,
    maxPollMs: pollMsMax,
    loopMaxMs,
    loopP99MaxMs,
  });
  client.close();
  process.exit(0);
}

const rl = createInterface({ input: process.stdin });
rl.on("line", (l) => {
  if (l.trim() === "stop") void stop();
});
rl.on("close", () => void stop());
