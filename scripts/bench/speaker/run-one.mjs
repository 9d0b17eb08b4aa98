// One measured run of the speaker benchmark: one receiver, one case (feeders × prefixes), in
// fresh namespaces. Order: receiver started; kernel counter, RIB poller, downstream counting peer
// and keepalive watcher attached and Established; feeders' streams built; a second of quiet; RSS
// read; then the feeders connect and replay. The clock starts at the first feeder's Established
// and the run ends when the RIB, the kernel (where the receiver installs routes) and the
// downstream peer all hold every prefix, or at the deadline. Everything is removed afterwards,
// also when something failed.
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ADDR, BenchLab } from "./lab.mjs";
import { DOWN_AS, rssBytes, startReceiver, WATCH_AS } from "./receivers.mjs";

/**
 * With BENCH_SMAPS_DIR set, copies each receiver process's /proc/PID/smaps before and after the
 * load (DIR/PID.before.smaps, DIR/PID.after.smaps): where the RSS growth is, mapping by mapping.
 */
function saveSmaps(pids, when) {
  const dir = process.env.BENCH_SMAPS_DIR;
  if (!dir) return;
  for (const pid of Object.values(pids)) {
    try {
      writeFileSync(join(dir, `${pid}.${when}.smaps`), readFileSync(`/proc/${pid}/smaps`));
    } catch {
      // the process is gone: nothing to keep
    }
  }
}

const here = new URL(".", import.meta.url).pathname;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Collects a helper's events; `when(pred)` resolves with the first matching event. */
function eventLog() {
  const events = [];
  const waiters = [];
  return {
    events,
    push(ev) {
      events.push(ev);
      for (const w of [...waiters]) {
        if (w.pred(ev)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(ev);
        }
      }
    },
    when(pred) {
      const hit = events.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

/** The abort signal of the current run (SIGINT/SIGTERM of the benchmark). */
let signal = null;

function withTimeout(p, ms, what) {
  let t;
  let onAbort;
  return Promise.race([
    p,
    new Promise((_, reject) => {
      t = setTimeout(
        () => reject(new Error(`timed out after ${ms / 1000} s waiting for ${what}`)),
        ms,
      );
      onAbort = () => reject(new Error(`interrupted while waiting for ${what}`));
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort);
    }),
  ]).finally(() => {
    clearTimeout(t);
    signal?.removeEventListener("abort", onAbort);
  });
}

/** SIGUSR2 → a heap snapshot (after a full GC) in dir; waits until the file stops growing. */
async function heapSnapshot(pid, dir, log) {
  const before = new Set(readdirSync(dir));
  process.kill(pid, "SIGUSR2");
  let file = null;
  let size = -1;
  for (let i = 0; i < 600; i++) {
    await sleep(500);
    file ??= readdirSync(dir).find((f) => f.endsWith(".heapsnapshot") && !before.has(f)) ?? null;
    if (file === null) continue;
    const now = statSync(join(dir, file)).size;
    if (now === size && now > 0) break;
    size = now;
  }
  log(`  heap snapshot: ${file ? join(dir, file) : "none written"}`);
}

/**
 * Runs one case on one receiver. spec: { feeders, count }. opts: { kcBin, intervalMs, log,
 * signal (AbortSignal: ends the run early, cleanup included), profileDir, heapSnapshotDir }.
 * Returns the measurements (times in ms from Established).
 */
export async function runOne(kind, spec, opts) {
  const total = spec.feeders * spec.count;
  const deadlineMs = 60_000 + total * 0.3;
  const log = opts.log;
  signal = opts.signal ?? null;
  const lab = await BenchLab.create(spec.feeders);
  const failures = [];
  const fail = (what) => (ev) => {
    failures.push(`${what}: ${ev.event}${ev.text ? ` ${ev.text}` : ""}`);
  };
  let recv = null;
  try {
    const feeders = Array.from({ length: spec.feeders }, (_, i) => ({
      name: `feed${i + 1}`,
      address: ADDR.feeder(i),
      asn: 65101 + i,
    }));
    recv = await startReceiver(kind, lab, feeders, {
      profileDir: opts.profileDir,
      heapSnapshotDir: opts.heapSnapshotDir,
    });
    const cfgDir = lab.dir("cfg");
    const writeCfg = (name, obj) => {
      const p = join(cfgDir, `${name}.json`);
      writeFileSync(p, JSON.stringify(obj));
      return p;
    };

    // Kernel counter.
    const kc = eventLog();
    let kcHelper = null;
    if (recv.kernelProtos) {
      kcHelper = lab.spawnHelper(
        "recv",
        "kernel-count",
        opts.kcBin,
        ["watch", recv.kernelProtos.join(","), String(total)],
        kc.push,
      );
      await withTimeout(
        kc.when((e) => e.event === "ready"),
        30_000,
        "the kernel counter",
      );
    }

    // RIB poller.
    const rp = eventLog();
    const rpHelper = lab.spawnHelper(
      "recv",
      "rib-poll",
      process.execPath,
      [
        join(here, "rib-poll.mjs"),
        writeCfg("rib-poll", { ...recv.rib, target: total, intervalMs: opts.intervalMs }),
      ],
      rp.push,
    );
    await withTimeout(
      rp.when((e) => e.event === "ready" || e.event === "error"),
      40_000,
      "the RIB poller",
    );

    // Downstream counting peer and keepalive watcher.
    const dn = eventLog();
    const wt = eventLog();
    /** downstream.mjs as `role`, one session from `address` (holdTime, target as it needs). */
    const downstream = (role, name, events, { address, ...session }) =>
      lab.spawnHelper(
        "down",
        name,
        process.execPath,
        [
          join(here, "downstream.mjs"),
          role,
          writeCfg(role, {
            host: ADDR.recvDown,
            localAddress: address,
            bgpId: address,
            retryMs: 60_000,
            ...session,
          }),
        ],
        events.push,
      );
    const dnHelper = downstream("down", "downstream", dn, {
      address: ADDR.down,
      asn: DOWN_AS,
      holdTime: 240,
      target: total,
    });
    const wtHelper = downstream("watch", "watch", wt, {
      address: ADDR.watch,
      asn: WATCH_AS,
      holdTime: 3,
    });
    await withTimeout(
      Promise.all([dn, wt].map((l) => l.when((e) => e.event === "established"))),
      60_000,
      "the downstream and watcher sessions",
    );

    // Feeders: build the streams, then go.
    const fd = eventLog();
    const fdHelper = lab.spawnHelper(
      "feed",
      "feeder",
      process.execPath,
      [
        join(here, "feeder.mjs"),
        writeCfg("feeder", {
          host: ADDR.recvFeed,
          count: spec.count,
          retryMs: 60_000,
          sessions: feeders.map((f, i) => ({
            index: i,
            localAddress: f.address,
            asn: f.asn,
            bgpId: f.address,
          })),
        }),
      ],
      fd.push,
    );
    const ready = await withTimeout(
      fd.when((e) => e.event === "ready"),
      120_000,
      "the feeder",
    );
    log(
      `  feeder ready: ${ready.messages} UPDATEs, ${(ready.bytes / 1e6).toFixed(1)} MB, ${ready.sets} attribute sets`,
    );
    for (const [l, what] of [
      [dn, "downstream"],
      [wt, "watcher"],
      [fd, "feeder"],
    ]) {
      l.when((e) => ["closed", "notification", "failed"].includes(e.event)).then(fail(what));
    }
    await sleep(1000);
    const pids = recv.pids();
    const rssOf = () => Object.fromEntries(Object.entries(pids).map(([n, p]) => [n, rssBytes(p)]));
    const rssBefore = rssOf();
    saveSmaps(pids, "before");
    const goAt = Date.now();
    wtHelper.send("mark");
    fdHelper.send("go");

    const allEstablished = withTimeout(
      Promise.all(
        feeders.map((_, i) => fd.when((e) => e.event === "established" && e.session === i)),
      ),
      60_000,
      "every feeder session to be Established",
    );
    const waits = [
      allEstablished,
      rp.when((e) => e.event === "complete"),
      dn.when((e) => e.event === "complete"),
    ];
    if (kcHelper) waits.push(kc.when((e) => e.event === "complete"));
    const failed = new Promise((_, reject) => {
      const check = setInterval(() => {
        if (failures.length > 0) {
          clearInterval(check);
          reject(new Error(failures.join("; ")));
        }
      }, 100);
      Promise.allSettled(waits).then(() => clearInterval(check));
    });
    await withTimeout(
      Promise.race([Promise.all(waits), failed]),
      deadlineMs,
      "the load to complete",
    );
    const est = await allEstablished;
    const t0 = Math.min(...est.map((e) => e.t));
    await sleep(2000);
    const rssAfter = rssOf();
    saveSmaps(pids, "after");

    // Reports.
    wtHelper.send("report");
    dnHelper.send("report");
    const wr = await withTimeout(
      wt.when((e) => e.event === "report"),
      10_000,
      "the watcher's report",
    );
    const dr = await withTimeout(
      dn.when((e) => e.event === "report"),
      10_000,
      "the downstream report",
    );
    fdHelper.send("report");
    await withTimeout(
      Promise.all(feeders.map((_, i) => fd.when((e) => e.event === "received" && e.session === i))),
      10_000,
      "the feeder's report",
    );
    rpHelper.send("stop");
    const rf = await withTimeout(
      rp.when((e) => e.event === "final"),
      20_000,
      "the RIB poller",
    );
    // After every report: the snapshot stops the process for seconds.
    if (opts.heapSnapshotDir) await heapSnapshot(Object.values(pids)[0], opts.heapSnapshotDir, log);
    let kernelFinal = null;
    if (kcHelper) {
      kcHelper.send("");
      await kcHelper.close();
      kernelFinal = kc.events.find((e) => e.event === "final") ?? null;
    }
    const sent = fd.events.filter((e) => e.event === "sent");
    const rssSum = (m) => Object.values(m).reduce((a, b) => a + b, 0);
    const at = (l, pred) => l.events.find(pred)?.t;
    const metrics = rp.events.filter((e) => e.event === "metrics");
    const heapBefore = metrics.filter((e) => e.t < goAt).pop();
    const heapAfter = metrics[metrics.length - 1];
    const result = {
      kind,
      total,
      ribMs: at(rp, (e) => e.event === "complete") - t0,
      kernelMs: kcHelper ? at(kc, (e) => e.event === "complete") - t0 : null,
      downMs: at(dn, (e) => e.event === "complete") - t0,
      sentMs: Math.max(...sent.map((e) => e.t)) - t0,
      establishedSpreadMs: Math.max(...est.map((e) => e.t)) - t0,
      rssBefore,
      rssAfter,
      bytesPerPrefix: (rssSum(rssAfter) - rssSum(rssBefore)) / total,
      watch: wr,
      down: dr,
      poll: { polls: rf.polls, meanMs: rf.meanPollMs, maxMs: rf.maxPollMs },
      loopMaxMs: recv.rib.metricsIntervalMs ? rf.loopMaxMs : null,
      loopP99MaxMs: recv.rib.metricsIntervalMs ? rf.loopP99MaxMs : null,
      kernelOverruns: kernelFinal?.overruns ?? null,
      kernelFinal: kernelFinal?.count ?? null,
      heapBytesPerPrefix:
        heapBefore && heapAfter ? (heapAfter.heapUsed - heapBefore.heapUsed) / total : null,
      externalBytesPerPrefix:
        heapBefore && heapAfter ? (heapAfter.external - heapBefore.external) / total : null,
      window: {
        pid: Object.values(pids)[0],
        from: t0,
        to: Math.max(...[rp, dn, kc].map((l) => at(l, (e) => e.event === "complete") ?? 0)),
      },
      trace: {
        t0,
        feeder: fd.events,
        rib: rp.events,
        kernel: kc.events,
        down: dn.events,
        watch: wt.events,
      },
    };
    // Sanity: the right routes went to the right places.
    const leaked = fd.events.filter((e) => e.event === "received" && e.updates > 0);
    if (leaked.length > 0)
      failures.push(
        `feeders received ${leaked.reduce((n, e) => n + e.updates, 0)} UPDATEs with routes`,
      );
    if (wr.updates > 0) failures.push(`the watcher received ${wr.updates} UPDATEs with routes`);
    if (dr.count !== total)
      failures.push(`downstream holds ${dr.count} prefixes, expected ${total}`);
    if (kernelFinal && kernelFinal.count !== total)
      failures.push(`kernel holds ${kernelFinal.count} routes, expected ${total}`);
    if (kernelFinal?.overruns) failures.push(`kernel counter re-dumped ${kernelFinal.overruns}×`);
    if (failures.length > 0) result.warnings = failures;
    return result;
  } finally {
    if (recv) await recv.stop().catch(() => {});
    await lab.teardown();
  }
}
