/**
 * `Lab`: the namespace scope of one integration test file. Every name it makes carries a unique
 * prefix (`w` + 5 random characters, so "<prefix>-<node>" namespaces of parallel test files never
 * collide), everything it creates is recorded in `/run/wren-test/<prefix>/state.json` before it is
 * made, and `cleanup()` removes exactly that: the processes it started (by PID, after checking the
 * PID still lives in the recorded namespace), every other process inside its namespaces, then the
 * namespaces. `Lab.create()` first sweeps the records of runs whose test process is gone (a crash
 * or a killed vitest), so leftovers never pile up; runs of live processes are never touched.
 *
 * Typical use:
 *   const lab = await Lab.create();
 *   afterAll(() => lab.cleanup());
 *   await lab.addNode("a"); await lab.addNode("b");
 *   await lab.link("a", "eth0", "b", "eth0", { addrA: "10.0.0.1/30", addrB: "10.0.0.2/30" });
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { type RunOptions, type RunResult, runIn } from "../../src/lab/exec.js";
import {
  addAddress,
  addBridge,
  addRoute,
  addVeth,
  createNamespace,
  deleteNamespace,
  namespaceExists,
  type RouteSpec,
  setLinkDown,
  setLinkUp,
  setMaster,
} from "../../src/lab/netns.js";
import { isAlive, pidsIn, spawnInNamespace, stopProcesses } from "../../src/lab/process.js";
import { RunState, sweepDeadRuns } from "../../src/lab/state.js";

export const TEST_RUN_DIR = process.env.WREN_TEST_RUN_DIR ?? "/run/wren-test";

/** The bridge inside every switch namespace. */
export const SWITCH_BRIDGE = "br0";

export interface LinkOptions {
  /** Address(es) for end A / B: a CIDR or a list (IPv6 gets nodad). */
  readonly addrA?: string | readonly string[];
  readonly addrB?: string | readonly string[];
  readonly mtu?: number;
}

export interface SpawnedProcess {
  readonly pid: number;
  readonly ns: string;
  readonly name: string;
  readonly logFile: string;
}

function list(v: string | readonly string[] | undefined): readonly string[] {
  return v === undefined ? [] : typeof v === "string" ? [v] : v;
}

export class Lab {
  private cleaned = false;
  private readonly switchPorts = new Map<string, number>();

  private constructor(readonly state: RunState) {}

  get prefix(): string {
    return this.state.prefix;
  }

  /** The run directory (peer instance directories live below it). */
  get runDir(): string {
    return this.state.dir;
  }

  /**
   * Sweeps dead runs, then records a new run. `prefix` is for tools that need a fixed one; tests
   * should let it be random.
   */
  static async create(opts: { prefix?: string; baseDir?: string } = {}): Promise<Lab> {
    const base = opts.baseDir ?? TEST_RUN_DIR;
    await sweepDeadRuns(base);
    for (let attempt = 0; ; attempt++) {
      const prefix =
        opts.prefix ?? `w${randomBytes(4).readUInt32BE(0).toString(36).padStart(5, "0").slice(-5)}`;
      try {
        return new Lab(RunState.create(base, prefix, { kind: "test", cwd: process.cwd() }));
      } catch (e) {
        if (opts.prefix !== undefined || attempt > 5) throw e;
      }
    }
  }

  /** Full namespace name of node `name`. */
  ns(name: string): string {
    return `${this.prefix}-${name}`;
  }

  /** Instance directory for a daemon (created): <runDir>/<node>/<name>. Keep both short (unix socket paths ≤ 107 bytes). */
  dir(node: string, name: string): string {
    return this.state.subdir(node, name);
  }

  /** Creates namespace <prefix>-<name> (lo up, forwarding on, no DAD) and returns its name. */
  async addNode(name: string, opts: { forwarding?: boolean } = {}): Promise<string> {
    const ns = this.ns(name);
    if (namespaceExists(ns)) throw new Error(`namespace ${ns} already exists`);
    this.state.recordNamespace(ns);
    try {
      await createNamespace(ns, opts);
    } catch (e) {
      if (!namespaceExists(ns)) this.state.forgetNamespace(ns);
      throw e;
    }
    return ns;
  }

  /** Stops the processes inside node `name` and deletes its namespace. */
  async removeNode(name: string): Promise<void> {
    const ns = this.ns(name);
    if (!this.state.record.namespaces.includes(ns))
      throw new Error(`namespace ${ns} is not part of lab ${this.prefix}`);
    await stopProcesses(pidsIn(ns), { ns, graceMs: 1000 });
    await deleteNamespace(ns);
    this.state.forgetNamespace(ns);
  }

  /** veth between node a (interface ifA) and node b (ifB), both up, with optional addresses. */
  async link(
    a: string,
    ifA: string,
    b: string,
    ifB: string,
    opts: LinkOptions = {},
  ): Promise<void> {
    await addVeth(
      { ns: this.ns(a), ifname: ifA },
      { ns: this.ns(b), ifname: ifB },
      { mtu: opts.mtu },
    );
    for (const c of list(opts.addrA)) await addAddress(this.ns(a), ifA, c);
    for (const c of list(opts.addrB)) await addAddress(this.ns(b), ifB, c);
  }

  /** A switch: namespace <prefix>-<name> holding bridge br0. */
  async addSwitch(name: string): Promise<string> {
    const ns = await this.addNode(name, { forwarding: false });
    await addBridge(ns, SWITCH_BRIDGE);
    this.switchPorts.set(name, 0);
    return ns;
  }

  /** Plugs node `host` into switch `sw`: veth host:ifname ⇄ sw:pN, pN enslaved to br0. */
  async attach(
    sw: string,
    host: string,
    ifname: string,
    addr?: string | readonly string[],
  ): Promise<string> {
    const n = (this.switchPorts.get(sw) ?? 0) + 1;
    this.switchPorts.set(sw, n);
    const port = `p${n}`;
    await addVeth({ ns: this.ns(host), ifname }, { ns: this.ns(sw), ifname: port });
    await setMaster(this.ns(sw), port, SWITCH_BRIDGE);
    for (const c of list(addr)) await addAddress(this.ns(host), ifname, c);
    return port;
  }

  async addr(node: string, ifname: string, cidr: string | readonly string[]): Promise<void> {
    for (const c of list(cidr)) await addAddress(this.ns(node), ifname, c);
    await setLinkUp(this.ns(node), ifname);
  }

  async route(node: string, spec: RouteSpec): Promise<void> {
    await addRoute(this.ns(node), spec);
  }

  async linkUp(node: string, ifname: string): Promise<void> {
    await setLinkUp(this.ns(node), ifname);
  }

  async linkDown(node: string, ifname: string): Promise<void> {
    await setLinkDown(this.ns(node), ifname);
  }

  /** Runs a command inside node `name` (throws on a non-zero exit unless allowFailure). */
  exec(
    node: string,
    cmd: string,
    args: readonly string[] = [],
    opts: RunOptions = {},
  ): Promise<RunResult> {
    return runIn(this.ns(node), cmd, args, opts);
  }

  /** Runs a shell snippet inside node `name`. */
  sh(node: string, script: string, opts: RunOptions = {}): Promise<RunResult> {
    return runIn(this.ns(node), "sh", ["-c", script], opts);
  }

  /**
   * Starts a long-running command inside node `node`, detached, output in
   * <runDir>/<node>/<name>.log; the PID is recorded for cleanup.
   */
  async spawn(
    node: string,
    name: string,
    cmd: string,
    args: readonly string[],
    opts: { env?: Record<string, string>; logFile?: string; cwd?: string } = {},
  ): Promise<SpawnedProcess> {
    const ns = this.ns(node);
    const logFile = opts.logFile ?? join(this.state.subdir(node), `${name}.log`);
    const pid = await spawnInNamespace(ns, cmd, args, { logFile, env: opts.env, cwd: opts.cwd });
    this.state.recordProcess(pid, ns, name);
    return { pid, ns, name, logFile };
  }

  /** Records a PID started by someone else inside one of this lab's namespaces. */
  recordProcess(pid: number, ns: string, name: string): void {
    this.state.recordProcess(pid, ns, name);
  }

  forgetProcess(pid: number): void {
    this.state.forgetProcess(pid);
  }

  /** Stops a recorded process (SIGTERM, SIGKILL after graceMs) and forgets it. */
  async stop(p: { pid: number; ns: string }, graceMs = 5000): Promise<void> {
    await stopProcesses([p.pid], { ns: p.ns, graceMs });
    this.state.forgetProcess(p.pid);
  }

  /** Live recorded processes. */
  processes(): { pid: number; ns: string; name: string }[] {
    return this.state.record.processes.filter((p) => isAlive(p.pid));
  }

  /** Namespaces this lab recorded. */
  namespaces(): string[] {
    return [...this.state.record.namespaces];
  }

  /** Removes everything this lab made. Safe to call twice. */
  async cleanup(): Promise<{ namespaces: string[]; processes: number[] }> {
    if (this.cleaned) return { namespaces: [], processes: [] };
    this.cleaned = true;
    return this.state.teardown(2000);
  }
}
