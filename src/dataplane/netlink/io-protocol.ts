/**
 * Messages and shared-memory slots between the main thread (channel.ts) and the netlink I/O
 * threads (io-worker.ts). Kept apart from io-worker.ts, which starts running when imported.
 */

/** Slots of the shared Int32Array. */
export const SHARED_CLOSED_REQUESTS = 0;
export const SHARED_CLOSED_EVENTS = 1;
export const SHARED_ECHOES_SEEN = 2;
/** Set by the events thread: 1 when subscribed to route groups (pacing applies). */
export const SHARED_PACING = 3;
export const SHARED_EVENT_RCVBUF = 4;
export const SHARED_SLOTS = 5;

export interface IoWorkerOptions {
  readonly role: "requests" | "events";
  readonly groups: readonly number[];
  /** The route groups among `groups` (left and joined again around bulk changes). */
  readonly routeGroups: readonly number[];
  readonly recvBufferSize: number;
  readonly shared: Int32Array;
}

export type ToWorker =
  | {
      t: "tx";
      id: number;
      buf: ArrayBuffer;
      /** Bytes of `buf` to send. */
      length: number;
      lastSeq: number;
      dump: boolean;
      routeOps: number;
    }
  | { t: "close" }
  /** Events thread: join (on) or leave (off) the IPv4/IPv6 route groups. */
  | { t: "routes"; on: boolean };

export type FromWorker =
  | { t: "ready"; rcvbuf: number }
  /** Replies of a transaction; `partial` ones (long dumps, in ~1 MiB parts) precede the last. */
  | { t: "rx"; id: number; chunks: ArrayBuffer[]; error?: string; partial?: boolean }
  | { t: "ev"; chunks: ArrayBuffer[] }
  | { t: "error"; message: string }
  | { t: "routes-ack"; on: boolean };
