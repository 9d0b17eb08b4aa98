/**
 * The process side shared by the harness peers that run one daemon of their own in a lab node
 * (BIRD, GoBGP, ExaBGP; FRR has the product's FrrInstance): refuse a second start, check the
 * configuration with the daemon's own parser before starting it (so a config error names the
 * file and the parser's message instead of a dead daemon), spawn it recorded in the lab (crash
 * cleanup by PID), wait until it answers while failing at once if it exits, and stop it
 * gracefully (SIGTERM, SIGKILL after 5 s), kill it (SIGKILL, for graceful-restart tests) or
 * restart it.
 */
import { type RunResult, run } from "../../../src/lab/exec.js";
import { isAlive, killProcess, stopProcesses } from "../../../src/lab/process.js";
import type { Lab, SpawnedProcess } from "../netns.js";
import { waitFor } from "../wait.js";
import type { PeerKind } from "./runner.js";

export interface LaunchOptions {
  readonly env?: Record<string, string>;
  /** stdout and stderr of the daemon. */
  readonly logFile: string;
  /** What is awaited, for the timeout message, e.g. "bird2 control socket … answering". */
  readonly waitingFor: string;
  /** True once the daemon answers (a probe that throws counts as "not yet"). */
  readonly ready: () => boolean | Promise<boolean>;
  /** The error message when the daemon exits while it is awaited. */
  readonly exited: (p: SpawnedProcess) => string;
  readonly timeoutMs: number;
}

export abstract class DaemonPeer {
  abstract readonly kind: PeerKind;
  /** Namespace it runs in. */
  readonly ns: string;
  /** Instance directory: config, sockets, logs. */
  readonly dir: string;
  protected pid: number | undefined;

  constructor(
    protected readonly lab: Lab,
    protected readonly node: string,
    instanceName: string,
  ) {
    this.ns = lab.ns(node);
    this.dir = lab.dir(node, instanceName);
  }

  abstract start(): Promise<void>;

  get processId(): number | undefined {
    return this.pid;
  }

  /** Throws when this instance's daemon (named `label` in the message) is still running. */
  protected assertNotRunning(label: string): void {
    if (this.pid !== undefined && isAlive(this.pid))
      throw new Error(`${label} in ${this.ns} already running`);
  }

  /**
   * Runs the daemon's config check `cmd args`; a non-zero exit throws "`label` config `file`
   * rejected: `detail`" (default detail: its stderr, or its stdout when stderr is empty).
   */
  protected async checkConfig(
    label: string,
    file: string,
    cmd: string,
    args: readonly string[],
    opts: { env?: Record<string, string>; detail?: (r: RunResult) => string } = {},
  ): Promise<void> {
    const check = await run(cmd, args, { env: opts.env, allowFailure: true });
    if (check.code !== 0) {
      const detail = opts.detail ?? ((r: RunResult) => (r.stderr || r.stdout).trim());
      throw new Error(`${label} config ${file} rejected: ${detail(check)}`);
    }
  }

  /** Spawns `cmd args` as process `name` of the node and waits until it is ready. */
  protected async launch(
    name: string,
    cmd: string,
    args: readonly string[],
    opts: LaunchOptions,
  ): Promise<void> {
    const p = await this.lab.spawn(this.node, name, cmd, args, {
      env: opts.env,
      logFile: opts.logFile,
    });
    this.pid = p.pid;
    await waitFor(
      opts.waitingFor,
      () => {
        if (!isAlive(p.pid)) throw new Error(opts.exited(p));
        return opts.ready();
      },
      { timeoutMs: opts.timeoutMs, intervalMs: 50 },
    );
  }

  /** Graceful stop (SIGTERM; SIGKILL after 5 s). */
  async stop(): Promise<void> {
    if (this.pid === undefined) return;
    await stopProcesses([this.pid], { ns: this.ns, graceMs: 5000 });
    this.lab.forgetProcess(this.pid);
    this.pid = undefined;
  }

  /** SIGKILL: the peer vanishes without a NOTIFICATION. */
  async kill(): Promise<void> {
    if (this.pid === undefined) return;
    await killProcess(this.pid, { ns: this.ns });
    this.lab.forgetProcess(this.pid);
    this.pid = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/** Starts `peer` and returns it (the startX(lab, node, config, opts) helpers). */
export async function started<P extends { start(): Promise<void> }>(peer: P): Promise<P> {
  await peer.start();
  return peer;
}
