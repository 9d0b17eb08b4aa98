// Network namespaces and processes of one speaker-benchmark run, recorded with the lab layer's
// run record (dist/lab: RunState) under /run/wren-bench/<prefix>/state.json, so everything is
// removed by recorded name and PID — after a normal run, on an error, on SIGINT/SIGTERM, and by
// the next benchmark start if this process was killed outright (sweepDeadRuns).
//
//   <prefix>-r  receiver (wren / BIRD / FRR / GoBGP): f0 10.55.0.1/24 towards the feeders,
//               d0 10.56.0.1/24 towards the downstream peers
//   <prefix>-f  feeders: eth0 10.55.0.2 ... 10.55.0.11
//   <prefix>-d  downstream counting peer eth0 10.56.0.2, keepalive watcher 10.56.0.3
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";

const lab = await import(new URL("../../../dist/lab/index.js", import.meta.url).href);

export const BENCH_RUN_DIR = process.env.WREN_BENCH_RUN_DIR ?? "/run/wren-bench";
export const { isAlive, stopProcesses, FrrInstance } = lab;

export const ADDR = {
  recvFeed: "10.55.0.1",
  recvDown: "10.56.0.1",
  feeder: (i) => `10.55.0.${2 + i}`,
  down: "10.56.0.2",
  watch: "10.56.0.3",
};

/** Tears down the records of benchmark runs whose process is gone. */
export function sweepDeadBenchRuns() {
  return lab.sweepDeadRuns(BENCH_RUN_DIR);
}

export class BenchLab {
  constructor(state) {
    this.state = state;
    this.ns = { recv: `${state.prefix}-r`, feed: `${state.prefix}-f`, down: `${state.prefix}-d` };
    this.helpers = [];
  }

  /** Creates the three namespaces and links, recording each before it exists. */
  static async create(feeders) {
    const prefix = `wsb${randomBytes(3).toString("hex").slice(0, 5)}`;
    const state = lab.RunState.create(BENCH_RUN_DIR, prefix, { bench: "speaker" });
    const l = new BenchLab(state);
    try {
      for (const ns of Object.values(l.ns)) {
        state.recordNamespace(ns);
        await lab.createNamespace(ns);
      }
      await lab.addVeth({ ns: l.ns.recv, ifname: "f0" }, { ns: l.ns.feed, ifname: "eth0" });
      await lab.addVeth({ ns: l.ns.recv, ifname: "d0" }, { ns: l.ns.down, ifname: "eth0" });
      await lab.addAddress(l.ns.recv, "f0", `${ADDR.recvFeed}/24`);
      await lab.addAddress(l.ns.recv, "d0", `${ADDR.recvDown}/24`);
      for (let i = 0; i < feeders; i++)
        await lab.addAddress(l.ns.feed, "eth0", `${ADDR.feeder(i)}/24`);
      await lab.addAddress(l.ns.down, "eth0", `${ADDR.down}/24`);
      await lab.addAddress(l.ns.down, "eth0", `${ADDR.watch}/24`);
    } catch (e) {
      await l.teardown();
      throw e;
    }
    return l;
  }

  get prefix() {
    return this.state.prefix;
  }

  /** A directory of the run (configs, sockets, logs); short, for unix socket paths. */
  dir(name) {
    return this.state.subdir(name);
  }

  record(pid, ns, name) {
    this.state.recordProcess(pid, ns, name);
  }

  forget(pid) {
    this.state.forgetProcess(pid);
  }

  /** A daemon, detached, output to logFile; PID recorded. */
  async spawnDaemon(nsKey, name, cmd, args, logFile, env) {
    const ns = this.ns[nsKey];
    const pid = await lab.spawnInNamespace(ns, cmd, args, { logFile, env });
    this.record(pid, ns, name);
    return pid;
  }

  /**
   * A helper process with pipes: JSON lines from its stdout go to onEvent. It ends when its
   * stdin closes (every helper of the benchmark does), so it cannot outlive this process.
   */
  spawnHelper(nsKey, name, cmd, args, onEvent) {
    const ns = this.ns[nsKey];
    const child = spawn("ip", ["netns", "exec", ns, cmd, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.record(child.pid, ns, name);
    const stderr = [];
    child.stderr.on("data", (b) => {
      stderr.push(b);
      if (stderr.length > 50) stderr.shift();
    });
    createInterface({ input: child.stdout }).on("line", (line) => {
      let ev;
      try {
        ev = JSON.parse(line);
      } catch {
        process.stderr.write(`[speaker] ${name}: ${line}\n`);
        return;
      }
      onEvent(ev);
    });
    child.stdin.on("error", () => {});
    const h = {
      child,
      name,
      send: (line) => child.stdin.writable && child.stdin.write(`${line}\n`),
      stderr: () => Buffer.concat(stderr).toString("utf8").trim(),
      exited: new Promise((resolve) => child.on("exit", (code, sig) => resolve(code ?? sig))),
      async close(ms = 3000) {
        child.stdin.end();
        const t = setTimeout(() => child.kill("SIGKILL"), ms);
        await h.exited;
        clearTimeout(t);
      },
    };
    h.exited.then(() => this.forget(child.pid));
    this.helpers.push(h);
    return h;
  }

  /** Runs a command in a namespace to completion; returns stdout. */
  async exec(nsKey, cmd, args, opts = {}) {
    const r = await lab.runIn(this.ns[nsKey], cmd, args, opts);
    return r.stdout;
  }

  /** Stops every helper and recorded process, deletes the namespaces and the run directory. */
  async teardown() {
    await Promise.all(this.helpers.map((h) => h.close(1000).catch(() => {})));
    return this.state.teardown(2000);
  }
}
