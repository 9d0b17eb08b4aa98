#!/usr/bin/env node
// The receiver's other sessions in the speaker benchmark, run inside the downstream namespace:
//
// - `down`: a counting peer. It parses every UPDATE the receiver sends (RFC 4271 §4.3: Withdrawn
//   Routes and NLRI fields; the receivers send IPv4 unicast there) into a set of prefixes, and
//   reports the moment the set holds TARGET prefixes — the "downstream peer has them all" clock.
// - `watch`: a session with hold time 3 s (so the receiver must send a KEEPALIVE every second,
//   RFC 4271 §4.4, §10) to which the receiver exports nothing. It records when each KEEPALIVE
//   arrives; the largest gap during the load says whether a busy session starved the others.
//
//   node downstream.mjs down|watch CONFIG.json
//   CONFIG: { host, localAddress, asn, bgpId, holdTime, target, retryMs }
//
// stdin: `mark` starts the measured window (watch), `report` prints a report, EOF or `stop` ends.
// stdout, one JSON object per line, times in epoch ms (clock.mjs):
//   {"event":"established","t":...,"hold":s}
//   {"event":"progress","t":...,"count":n}  (down, each tenth of TARGET)
//   {"event":"complete","t":...,"count":n}  (down)
//   {"event":"eor","t":...}                  (down: End-of-RIB received)
//   {"event":"report",...}                   counts (down) or keepalive gaps (watch)
//   {"event":"closed"|"notification"|"failed","text":...}
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { startPeer } from "./bgp-peer.mjs";
import { now } from "./clock.mjs";

const role = process.argv[2];
const cfg = JSON.parse(readFileSync(process.argv[3], "utf8"));
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

const prefixes = new Set();
const target = cfg.target ?? 0;
const step = Math.max(1, Math.floor(target / 10));
let nextProgress = step;
let completed = false;
let updates = 0;
let withdrawn = 0;

/** Adds (announce) or removes the prefixes of one NLRI-encoded field [from, to) of m. */
function applyField(m, from, to, announce) {
  let i = from;
  while (i < to) {
    const len = m[i];
    const bytes = (len + 7) >> 3;
    let addr = 0;
    for (let b = 0; b < 4; b++) addr = addr * 256 + (b < bytes ? m[i + 1 + b] : 0);
    const key = addr * 64 + len;
    if (announce) prefixes.add(key);
    else if (prefixes.delete(key)) withdrawn++;
    i += 1 + bytes;
  }
}

function onUpdate(m, t) {
  updates++;
  const wlen = (m[19] << 8) | m[20];
  applyField(m, 21, 21 + wlen, false);
  const alen = (m[21 + wlen] << 8) | m[22 + wlen];
  const nlriAt = 23 + wlen + alen;
  if (wlen === 0 && alen === 0) out({ event: "eor", t });
  applyField(m, nlriAt, m.length, true);
  while (prefixes.size >= nextProgress && nextProgress < target) {
    out({ event: "progress", t, count: prefixes.size });
    nextProgress += step;
  }
  if (!completed && target > 0 && prefixes.size >= target) {
    completed = true;
    out({ event: "complete", t, count: prefixes.size });
  }
}

let lastKeepalive = 0;
let windowStart = 0;
let maxGap = 0;
let keepalives = 0;
let gapsOver1500 = 0;
let closed = false;

function onKeepalive(t) {
  if (windowStart > 0) {
    const gap = t - Math.max(lastKeepalive, windowStart);
    if (lastKeepalive > 0 && gap > maxGap) maxGap = gap;
    if (gap > 1500) gapsOver1500++;
    keepalives++;
  }
  lastKeepalive = t;
}

const peer = startPeer({
  host: cfg.host,
  localAddress: cfg.localAddress,
  asn: cfg.asn,
  bgpId: cfg.bgpId,
  holdTime: cfg.holdTime,
  retryUntil: Date.now() + (cfg.retryMs ?? 30_000),
  onEstablished(t, hold) {
    lastKeepalive = t;
    out({ event: "established", t, hold });
  },
  onUpdate:
    role === "down"
      ? onUpdate
      : (m) => {
          if (m.length > 23) updates++; // not End-of-RIB: the watcher should get no routes
        },
  onKeepalive: role === "watch" ? onKeepalive : undefined,
  onNotification: (text) => out({ event: "notification", text }),
  onClose() {
    closed = true;
    out({ event: "closed", t: now() });
  },
  onFail: (text) => out({ event: "failed", text }),
});

function report() {
  if (role === "down") {
    out({ event: "report", count: prefixes.size, updates, withdrawn, complete: completed });
  } else {
    // A keepalive still due at report time counts as a gap too.
    const t = now();
    const open = windowStart > 0 && !closed ? t - Math.max(lastKeepalive, windowStart) : 0;
    out({
      event: "report",
      keepalives,
      maxGapMs: Math.round(Math.max(maxGap, open)),
      gapsOver1500,
      updates,
      established: peer.established(),
      closed,
      windowMs: windowStart > 0 ? Math.round(t - windowStart) : 0,
    });
  }
}

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const cmd = line.trim();
  if (cmd === "mark") {
    windowStart = now();
    maxGap = 0;
    keepalives = 0;
    gapsOver1500 = 0;
  } else if (cmd === "report") report();
  else if (cmd === "stop") {
    peer.stop();
    process.exit(0);
  }
});
rl.on("close", () => {
  peer.stop();
  process.exit(0);
});
