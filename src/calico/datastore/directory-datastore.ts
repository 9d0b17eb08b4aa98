/**
 * The directory datastore: `config/` or `--datastore DIR`. Watches the tree with fs.watch
 * (recursive; per-directory watchers where the platform lacks it), debounces bursts of events
 * (an editor's save, `cp -r`), and rescans periodically as a fallback for events a bind mount
 * or a network filesystem does not deliver. Every change is loaded and validated in full; a
 * valid one becomes the current snapshot and is announced, an invalid one is announced with its
 * errors and the last good snapshot stays current. Loads never overlap; identical contents
 * (same revision) announce nothing.
 */
import { type FSWatcher, watch } from "node:fs";
import { readdir } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { CalicoLogger, Datastore, DatastoreEvent, DatastoreStatus } from "./datastore.js";
import { IPAM_PRIVATE_DIRS, loadTexts, readDatastoreTexts } from "./load.js";
import { type ConfigMessage, formatMessage } from "./messages.js";
import type { Snapshot } from "./snapshot.js";

export interface DirectoryDatastoreOptions {
  readonly root: string;
  /** Quiet time after the last file event before reloading (ms). */
  readonly debounceMs?: number;
  /** Full rescan period (ms); 0 disables. */
  readonly rescanMs?: number;
  readonly logger?: CalicoLogger;
}

const silent: CalicoLogger = { info() {}, warn() {}, error() {}, debug() {} };

export class DirectoryDatastore implements Datastore {
  private readonly root: string;
  private readonly debounceMs: number;
  private readonly rescanMs: number;
  private readonly log: CalicoLogger;
  private snapshot: Snapshot | null = null;
  private loadedAt: string | null = null;
  private lastErrors: readonly ConfigMessage[] = [];
  private lastWarnings: readonly ConfigMessage[] = [];
  private lastRevision: string | null = null;
  private loads = 0;
  private rejected = 0;
  private readonly listeners = new Set<(e: DatastoreEvent) => void>();
  private watchers: FSWatcher[] = [];
  private debounce: NodeJS.Timeout | null = null;
  private rescan: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;

  constructor(options: DirectoryDatastoreOptions) {
    this.root = options.root;
    this.debounceMs = options.debounceMs ?? 150;
    this.rescanMs = options.rescanMs ?? 5000;
    this.log = options.logger ?? silent;
  }

  async start(): Promise<void> {
    await this.reload();
    await this.startWatching();
    if (this.rescanMs > 0) {
      this.rescan = setInterval(() => this.schedule(0), this.rescanMs);
      this.rescan.unref();
    }
  }

  current(): Snapshot | null {
    return this.snapshot;
  }

  status(): DatastoreStatus {
    return {
      revision: this.snapshot?.revision ?? null,
      loadedAt: this.loadedAt,
      errors: this.lastErrors,
      warnings: this.lastWarnings,
      loads: this.loads,
      rejected: this.rejected,
    };
  }

  onChange(listener: (event: DatastoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Runs a load; concurrent requests coalesce into one more load after the running one. */
  reload(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.loadOnce();
        } while (this.again && !this.closed);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async loadOnce(): Promise<void> {
    let texts: Map<string, string>;
    try {
      texts = await readDatastoreTexts(this.root);
    } catch (err) {
      this.reject([{ message: (err as Error).message }], null);
      return;
    }
    const result = loadTexts(texts);
    if (result.snapshot.revision === this.lastRevision) return;
    this.lastRevision = result.snapshot.revision;
    this.loads++;
    if (result.errors.length > 0) {
      this.reject(result.errors, result.warnings);
      return;
    }
    this.snapshot = result.snapshot;
    this.loadedAt = new Date().toISOString();
    this.lastErrors = [];
    this.lastWarnings = result.warnings;
    for (const w of result.warnings)
      this.log.warn({ datastore: this.root }, formatMessage(w, this.root));
    this.log.info(
      { datastore: this.root, revision: result.snapshot.revision, files: result.files.length },
      "datastore loaded",
    );
    this.emit({ type: "snapshot", snapshot: result.snapshot, warnings: result.warnings });
  }

  private reject(
    errors: readonly ConfigMessage[],
    warnings: readonly ConfigMessage[] | null,
  ): void {
    this.rejected++;
    this.lastErrors = errors;
    if (warnings) this.lastWarnings = warnings;
    for (const e of errors) this.log.error({ datastore: this.root }, formatMessage(e, this.root));
    this.log.warn(
      { datastore: this.root, errors: errors.length, kept: this.snapshot?.revision ?? null },
      this.snapshot
        ? "datastore change rejected: keeping the last good configuration"
        : "datastore invalid: no configuration loaded yet",
    );
    this.emit({ type: "invalid", errors, kept: this.snapshot });
  }

  private emit(e: DatastoreEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        this.log.error({ err }, "datastore listener failed");
      }
    }
  }

  private schedule(delay = this.debounceMs): void {
    if (this.closed) return;
    if (this.debounce) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.reload();
    }, delay);
    this.debounce.unref();
  }

  private isPrivate(file: string | null | undefined): boolean {
    if (!file) return false;
    const rel = file.split(sep).join("/");
    return (
      IPAM_PRIVATE_DIRS.some((d) => rel === d || rel.startsWith(`${d}/`)) ||
      rel.split("/").some((p) => p.startsWith("."))
    );
  }

  private async startWatching(): Promise<void> {
    const onEvent = (base: string) => (_type: string, file: string | Buffer | null) => {
      const name = file === null ? null : join(base, file.toString());
      if (this.isPrivate(name === null ? null : relative(this.root, name))) return;
      this.schedule();
    };
    try {
      const w = watch(this.root, { recursive: true }, onEvent(this.root));
      w.on("error", (err) =>
        this.log.warn({ err: String(err) }, "datastore watch error; relying on periodic rescans"),
      );
      this.watchers.push(w);
      return;
    } catch {
      // recursive watching unsupported here: one watcher per directory
    }
    const dirs: string[] = [];
    const walk = async (dir: string) => {
      dirs.push(dir);
      for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (e.isDirectory() && !e.name.startsWith(".")) {
          const full = join(dir, e.name);
          if (!this.isPrivate(relative(this.root, full))) await walk(full);
        }
      }
    };
    await walk(this.root);
    for (const d of dirs) {
      try {
        const w = watch(d, onEvent(d));
        w.on("error", () => {});
        this.watchers.push(w);
      } catch (err) {
        this.log.warn(
          { dir: d, err: String(err) },
          "cannot watch directory; relying on periodic rescans",
        );
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.debounce) clearTimeout(this.debounce);
    if (this.rescan) clearInterval(this.rescan);
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.running) await this.running;
  }
}
