/**
 * The real daemon as an integration-test subject: `node dist/cli/main.js run ...` started inside
 * a Lab namespace (PID recorded for cleanup), with its control socket in the lab's run directory
 * (Unix sockets are reachable from the test's own namespace), its HTTP endpoint queried from
 * inside the namespace, and its JSON log readable.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { request } from "../../../src/cli/ctl-client.js";
import type { ConfigJson, HealthJson, ReloadJson, StatusJson } from "../../../src/daemon/views.js";
import { isAlive } from "../../../src/lab/process.js";
import type { Lab, SpawnedProcess } from "../../harness/netns.js";
import { waitUntil } from "../../harness/wait.js";

export const WREN_MAIN = resolve(import.meta.dirname, "../../../dist/cli/main.js");

/** Why the compiled CLI cannot run (for skipIf), or undefined. */
export function wrenBuildMissing(): string | undefined {
  return existsSync(WREN_MAIN)
    ? undefined
    : `the compiled CLI (${WREN_MAIN}) is missing: run npx tsc -p tsconfig.build.json`;
}

export interface WrenRunOptions {
  /** Lab node (namespace) to run in. */
  readonly labNode: string;
  /** Calico node name (--node). */
  readonly node: string;
  readonly datastore: string;
  readonly args?: readonly string[];
  /** Instance name, for several runs in one node (directory, socket). */
  readonly name?: string;
}

export class WrenProcess {
  private constructor(
    readonly lab: Lab,
    readonly opts: WrenRunOptions,
    readonly proc: SpawnedProcess,
    readonly control: string,
  ) {}

  static dirOf(lab: Lab, labNode: string, name = "wren"): string {
    return lab.dir(labNode, name);
  }

  /** Starts wren and waits until its control socket reports it running. */
  static async start(lab: Lab, opts: WrenRunOptions, timeoutMs = 20_000): Promise<WrenProcess> {
    const dir = WrenProcess.dirOf(lab, opts.labNode, opts.name);
    const control = join(dir, "wren.sock");
    const proc = await lab.spawn(
      opts.labNode,
      opts.name ?? "wren",
      process.execPath,
      [
        WREN_MAIN,
        "run",
        "--datastore",
        opts.datastore,
        "--node",
        opts.node,
        "--control",
        control,
        "--log-level",
        "debug",
        ...(opts.args ?? []),
      ],
      { logFile: join(dir, "wren.log") },
    );
    const w = new WrenProcess(lab, opts, proc, control);
    await waitUntil(
      `wren ${opts.node} in ${proc.ns} to run`,
      async () => {
        if (!isAlive(proc.pid)) throw new Error(`exited: ${w.logTail()}`);
        return (await w.ctl<HealthJson>("hello")).phase;
      },
      (phase) => phase === "running",
      { timeoutMs },
    );
    return w;
  }

  get pid(): number {
    return this.proc.pid;
  }

  ctl<T>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    return request<T>(cmd, args, { socket: this.control, timeoutMs: 10_000 });
  }

  status(): Promise<StatusJson> {
    return this.ctl<StatusJson>("status");
  }

  config(): Promise<ConfigJson> {
    return this.ctl<ConfigJson>("config");
  }

  reload(): Promise<ReloadJson> {
    return this.ctl<ReloadJson>("reload");
  }

  /** GET on the daemon's HTTP endpoint from inside its namespace. */
  async http(path: string, port = 9099): Promise<{ status: number; body: string }> {
    const script =
      "fetch(process.argv[1]).then(async(r)=>{process.stdout.write(r.status+'\\n'+(await r.text()))},(e)=>{console.error(e.message);process.exit(3)})";
    const r = await this.lab.exec(this.opts.labNode, process.execPath, [
      "-e",
      script,
      `http://127.0.0.1:${port}${path}`,
    ]);
    const nl = r.stdout.indexOf("\n");
    return { status: Number(r.stdout.slice(0, nl)), body: r.stdout.slice(nl + 1) };
  }

  /** Runs a wren CLI command (status, show, reload) against this instance, in its namespace. */
  cli(args: readonly string[]) {
    return this.lab.exec(
      this.opts.labNode,
      process.execPath,
      [WREN_MAIN, ...args, "--control", this.control],
      {
        allowFailure: true,
      },
    );
  }

  signal(sig: NodeJS.Signals): void {
    process.kill(this.proc.pid, sig);
  }

  /** Sends SIGTERM (or `sig`) and waits for the process to be gone. */
  async stop(sig: NodeJS.Signals = "SIGTERM", timeoutMs = 20_000): Promise<void> {
    this.signal(sig);
    await waitUntil(
      `wren ${this.opts.node} to exit`,
      () => isAlive(this.proc.pid),
      (alive) => !alive,
      {
        timeoutMs,
      },
    );
    this.lab.forgetProcess(this.proc.pid);
  }

  /** Parsed JSON log lines. */
  logEvents(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const line of this.logText().split("\n")) {
      if (!line.startsWith("{")) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        /* partial line */
      }
    }
    return out;
  }

  logText(): string {
    try {
      return readFileSync(this.proc.logFile, "utf8");
    } catch {
      return "";
    }
  }

  logTail(lines = 15): string {
    return this.logText().trimEnd().split("\n").slice(-lines).join("\n");
  }
}

/** Runs `wren run` to completion (for start-up errors): exit status and output. */
export function runWrenOnce(
  lab: Lab,
  labNode: string,
  args: readonly string[],
  prefix: readonly string[] = [],
) {
  const cmd = prefix.length > 0 ? prefix[0] : process.execPath;
  const argv =
    prefix.length > 0
      ? [...prefix.slice(1), process.execPath, WREN_MAIN, "run", ...args]
      : [WREN_MAIN, "run", ...args];
  return lab.exec(labNode, cmd, argv, { allowFailure: true, timeoutMs: 30_000 });
}
