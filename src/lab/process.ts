/**
 * Process supervision for lab daemons: liveness from /proc (a zombie counts as dead: on some
 * machines PID 1 reaps orphans only every few seconds), the check that a PID really lives in a
 * given network namespace before it is signalled (so a recycled PID is never hit), SIGTERM then
 * SIGKILL with a grace period, and starting a long-running command detached inside a namespace
 * with its output in a log file.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, readdirSync, readFileSync, statSync } from "node:fs";
import { LabError } from "./errors.js";
import { formatCommand } from "./exec.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Fields of /proc/PID/stat after the command name: [0] = state, [19] = start time. */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** True when PID exists and is neither a zombie nor dead. */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const f = statFields(pid);
  return f !== undefined && f[0] !== "Z" && f[0] !== "X" && f[0] !== "x";
}

/** Start time of PID in clock ticks since boot (stable identity against PID reuse). */
export function startTimeOf(pid: number): number | undefined {
  const f = statFields(pid);
  return f ? Number(f[19]) : undefined;
}

/** Inode of the network namespace PID lives in. */
export function netnsInodeOfPid(pid: number): number | undefined {
  try {
    return statSync(`/proc/${pid}/ns/net`).ino;
  } catch {
    return undefined;
  }
}

/** Inode of a named namespace (/run/netns/NAME). */
export function netnsInode(name: string): number | undefined {
  try {
    return statSync(`/run/netns/${name}`).ino;
  } catch {
    return undefined;
  }
}

/** True when PID is alive and lives in named namespace `ns`. */
export function livesIn(pid: number, ns: string): boolean {
  const want = netnsInode(ns);
  return want !== undefined && isAlive(pid) && netnsInodeOfPid(pid) === want;
}

/** PIDs whose network namespace is named namespace `ns` (scans /proc; no `ip` needed). */
export function pidsIn(ns: string): number[] {
  const want = netnsInode(ns);
  if (want === undefined) return [];
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    if (netnsInodeOfPid(pid) === want && isAlive(pid)) out.push(pid);
  }
  return out;
}

export interface StopOptions {
  /** Only signal processes that live in this namespace (skipped when the namespace is gone). */
  readonly ns?: string;
  /** Recorded start time: a PID whose start time differs was recycled and is not signalled. */
  readonly startTime?: number;
  /** Time between SIGTERM and SIGKILL; default 5 s. */
  readonly graceMs?: number;
}

function maySignal(pid: number, opts: StopOptions): boolean {
  if (!isAlive(pid)) return false;
  if (opts.startTime !== undefined && startTimeOf(pid) !== opts.startTime) return false;
  if (opts.ns !== undefined && netnsInode(opts.ns) !== undefined && !livesIn(pid, opts.ns))
    return false;
  return true;
}

async function waitDead(pids: number[], ms: number): Promise<number[]> {
  const end = Date.now() + ms;
  let live = pids.filter(isAlive);
  while (live.length > 0 && Date.now() < end) {
    await sleep(25);
    live = live.filter(isAlive);
  }
  return live;
}

/**
 * Stops PIDs: SIGTERM to each one that may be signalled (see StopOptions), waits up to the grace
 * period for all of them together, SIGKILLs the survivors. Returns the PIDs it signalled.
 */
export async function stopProcesses(
  pids: readonly number[],
  opts: StopOptions = {},
): Promise<number[]> {
  const targets = pids.filter((p) => maySignal(p, opts));
  for (const p of targets) {
    try {
      process.kill(p, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
  const survivors = await waitDead(targets, opts.graceMs ?? 5000);
  for (const p of survivors) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  await waitDead(survivors, 2000);
  return targets;
}

export function stopProcess(pid: number, opts: StopOptions = {}): Promise<number[]> {
  return stopProcesses([pid], opts);
}

/** SIGKILL at once (a crash, for graceful-restart tests). Returns whether it signalled. */
export async function killProcess(
  pid: number,
  opts: Omit<StopOptions, "graceMs"> = {},
): Promise<boolean> {
  if (!maySignal(pid, opts)) return false;
  process.kill(pid, "SIGKILL");
  await waitDead([pid], 2000);
  return true;
}

/** Reads a PID file; undefined when missing or not a number. */
export function readPidFile(path: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export interface SpawnOptions {
  /** stdout and stderr go here (appended). */
  readonly logFile: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/**
 * Starts `cmd args` detached inside namespace `ns` (its own session, output to the log file) and
 * returns its PID. `ip netns exec` execs the command in place, so the PID is the command's own.
 * Throws when the process is gone right after the start (bad binary, bad arguments).
 */
export async function spawnInNamespace(
  ns: string,
  cmd: string,
  args: readonly string[],
  opts: SpawnOptions,
): Promise<number> {
  const fd = openSync(opts.logFile, "a");
  try {
    const child = spawn("ip", ["netns", "exec", ns, cmd, ...args], {
      detached: true,
      stdio: ["ignore", fd, fd],
      cwd: opts.cwd,
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once("error", (e) =>
        reject(
          new LabError("LAB_PROCESS_FAILED", `${formatCommand(cmd, args)} in ${ns}: ${e.message}`),
        ),
      );
      child.once("spawn", () => resolve(child.pid!));
    });
    child.unref();
    return pid;
  } finally {
    closeSync(fd);
  }
}
