/**
 * The datastore as the rest of wren sees it: a current validated snapshot and change events.
 * A change that fails validation never replaces the snapshot: the last good one stays current
 * and the event carries the errors. The directory backend is directory-datastore.ts; an etcd
 * or Kubernetes backend implements the same interface and the renderer does not change.
 */
import type { ConfigMessage } from "./messages.js";
import type { Snapshot } from "./snapshot.js";

export type DatastoreEvent =
  | {
      readonly type: "snapshot";
      readonly snapshot: Snapshot;
      readonly warnings: readonly ConfigMessage[];
    }
  | {
      readonly type: "invalid";
      readonly errors: readonly ConfigMessage[];
      /** The snapshot still in force (null when none was ever valid). */
      readonly kept: Snapshot | null;
    };

export interface DatastoreStatus {
  /** Revision of the current (last good) snapshot; null before the first valid load. */
  readonly revision: string | null;
  /** ISO time the current snapshot was loaded. */
  readonly loadedAt: string | null;
  /** Errors of the latest load attempt; empty when it produced the current snapshot. */
  readonly errors: readonly ConfigMessage[];
  readonly warnings: readonly ConfigMessage[];
  readonly loads: number;
  readonly rejected: number;
}

export interface Datastore {
  /** Loads once and starts watching. Resolves even when the first load is invalid. */
  start(): Promise<void>;
  current(): Snapshot | null;
  status(): DatastoreStatus;
  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: (event: DatastoreEvent) => void): () => void;
  /** Forces a reload now (e.g. SIGHUP); resolves when it is done. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/** Minimal structured logger (pino-compatible). */
export interface CalicoLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}
