/**
 * The run record of a lab or test: which namespaces and processes one run created, kept in
 * `<baseDir>/<prefix>/state.json` and rewritten atomically on every change, so `teardown` removes
 * exactly what was made (by recorded name and PID, never by a pattern on names), also after the
 * creating process crashed. A namespace is recorded *before* it is created, so a crash between the
 * two steps leaves nothing unrecorded. The run directory also holds per-daemon subdirectories
 * (configs, PID files, sockets, logs) and goes away with the run.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LabError } from "./errors.js";
import { deleteNamespace, namespaceExists } from "./netns.js";
import { isAlive, pidsIn, startTimeOf, stopProcesses } from "./process.js";

export interface ProcessRecord {
  readonly pid: number;
  readonly ns: string;
  /** What it is, for status output: "frr/bgpd", "bird", "wren", ... */
  readonly name: string;
  readonly startTime?: number;
}

export interface RunRecord {
  readonly version: 1;
  readonly prefix: string;
  readonly owner: { readonly pid: number; readonly startTime?: number };
  readonly createdAt: string;
  namespaces: string[];
  processes: ProcessRecord[];
  /** Free-form facts the creator wants to keep (topology file, mode, node map...). */
  meta: Record<string, unknown>;
}

const PREFIX = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$/;

export function checkPrefix(prefix: string): void {
  if (!PREFIX.test(prefix)) {
    throw new LabError(
      "LAB_NAME_INVALID",
      `invalid run prefix "${prefix}" (letters, digits, "_.-", at most 41 characters)`,
    );
  }
}

export class RunState {
  private constructor(
    readonly dir: string,
    readonly record: RunRecord,
  ) {}

  get prefix(): string {
    return this.record.prefix;
  }

  /** Starts a new record; refuses when a record for `prefix` already exists. */
  static create(baseDir: string, prefix: string, meta: Record<string, unknown> = {}): RunState {
    checkPrefix(prefix);
    const dir = join(baseDir, prefix);
    mkdirSync(baseDir, { recursive: true, mode: 0o755 });
    try {
      mkdirSync(dir, { mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") {
        throw new LabError(
          "LAB_STATE_EXISTS",
          `a run with prefix "${prefix}" is already recorded in ${dir}`,
        );
      }
      throw e;
    }
    const state = new RunState(dir, {
      version: 1,
      prefix,
      owner: { pid: process.pid, startTime: startTimeOf(process.pid) },
      createdAt: new Date().toISOString(),
      namespaces: [],
      processes: [],
      meta,
    });
    state.save();
    return state;
  }

  /** Opens an existing record; undefined when there is none. */
  static open(baseDir: string, prefix: string): RunState | undefined {
    checkPrefix(prefix);
    const dir = join(baseDir, prefix);
    let text: string;
    try {
      text = readFileSync(join(dir, "state.json"), "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
    let rec: RunRecord;
    try {
      rec = JSON.parse(text) as RunRecord;
    } catch (e) {
      throw new LabError(
        "LAB_STATE_INVALID",
        `${join(dir, "state.json")}: not JSON (${(e as Error).message})`,
      );
    }
    if (rec.version !== 1 || rec.prefix !== prefix || !Array.isArray(rec.namespaces)) {
      throw new LabError("LAB_STATE_INVALID", `${join(dir, "state.json")}: not a wren run record`);
    }
    return new RunState(dir, rec);
  }

  /** Prefixes recorded under baseDir. */
  static list(baseDir: string): string[] {
    try {
      return readdirSync(baseDir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && PREFIX.test(e.name))
        .map((e) => e.name)
        .sort();
    } catch {
      return [];
    }
  }

  /** True while the process that created the record runs (same PID and start time). */
  ownerAlive(): boolean {
    const { pid, startTime } = this.record.owner;
    return isAlive(pid) && (startTime === undefined || startTimeOf(pid) === startTime);
  }

  /** Path of a subdirectory of the run directory (created). */
  subdir(...parts: string[]): string {
    const d = join(this.dir, ...parts);
    mkdirSync(d, { recursive: true, mode: 0o755 });
    return d;
  }

  recordNamespace(ns: string): void {
    if (!this.record.namespaces.includes(ns)) this.record.namespaces.push(ns);
    this.save();
  }

  forgetNamespace(ns: string): void {
    this.record.namespaces = this.record.namespaces.filter((n) => n !== ns);
    this.record.processes = this.record.processes.filter((p) => p.ns !== ns);
    this.save();
  }

  recordProcess(pid: number, ns: string, name: string): void {
    this.record.processes.push({ pid, ns, name, startTime: startTimeOf(pid) });
    this.save();
  }

  forgetProcess(pid: number): void {
    this.record.processes = this.record.processes.filter((p) => p.pid !== pid);
    this.save();
  }

  setMeta(key: string, value: unknown): void {
    this.record.meta[key] = value;
    this.save();
  }

  save(): void {
    const tmp = join(this.dir, `.state.${process.pid}.tmp`);
    writeFileSync(tmp, `${JSON.stringify(this.record, null, 2)}\n`);
    renameSync(tmp, join(this.dir, "state.json"));
  }

  /**
   * Removes everything recorded: recorded processes (SIGTERM, then SIGKILL after graceMs; only
   * PIDs that still have the recorded start time and live in the recorded namespace), then every
   * other process inside the recorded namespaces (they are ours), then the namespaces (latest
   * first), then the run directory. Returns what it removed.
   */
  async teardown(graceMs = 3000): Promise<{ namespaces: string[]; processes: number[] }> {
    const stopped: number[] = [];
    const byNs = new Map<string, ProcessRecord[]>();
    for (const p of this.record.processes) byNs.set(p.ns, [...(byNs.get(p.ns) ?? []), p]);
    await Promise.all(
      [...byNs.values()].flatMap((recs) =>
        recs.map(async (p) => {
          stopped.push(
            ...(await stopProcesses([p.pid], { ns: p.ns, startTime: p.startTime, graceMs })),
          );
        }),
      ),
    );
    const removed: string[] = [];
    const namespaces = [...this.record.namespaces].reverse();
    await Promise.all(
      namespaces.map(async (ns) => {
        if (!namespaceExists(ns)) return;
        const rest = pidsIn(ns);
        stopped.push(...(await stopProcesses(rest, { ns, graceMs: Math.min(graceMs, 1000) })));
      }),
    );
    for (const ns of namespaces) {
      if (namespaceExists(ns)) {
        await deleteNamespace(ns);
        removed.push(ns);
      }
      this.record.namespaces = this.record.namespaces.filter((n) => n !== ns);
    }
    this.record.processes = [];
    rmSync(this.dir, { recursive: true, force: true });
    return { namespaces: removed, processes: stopped };
  }
}

/**
 * Tears down the records under baseDir whose owner process is gone (leftovers of a crashed run).
 * Records of live owners (other test files running in parallel) are left alone.
 */
export async function sweepDeadRuns(baseDir: string): Promise<string[]> {
  const swept: string[] = [];
  for (const prefix of RunState.list(baseDir)) {
    let st: RunState | undefined;
    try {
      st = RunState.open(baseDir, prefix);
    } catch {
      continue;
    }
    if (!st || st.ownerAlive()) continue;
    await st.teardown(1000);
    swept.push(prefix);
  }
  return swept;
}
