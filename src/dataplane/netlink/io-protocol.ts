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

/**
 * Part of a route dump as the requests thread condenses it (`scan` transactions): per route its
 * identity (numeric key, or string key in `strKeys`), table, protocol | type << 8 and body (an id
 * local to this dump, whose signature comes in `sigs` the first time it is seen) — about 20
 * bytes a route instead of the ~70 of its message.
 */
export interface ScanPart {
  readonly count: number;
  /**
   * One buffer of `capacity` rows per column, in this order: Float64 keys (NaN where the key is
   * a string, then in `strKeys` at the same index), Uint32 tables, Uint32 protocol | type << 8,
   * Int32 body ids local to the dump. Handed back for reuse once walked ("recycle-scan").
   */
  readonly buf: ArrayBuffer;
  readonly capacity: number;
  readonly strKeys: (string | null)[] | null;
  /** Signatures (route-body.ts) of body ids first seen in this part. */
  readonly sigs: { readonly id: number; readonly bytes: ArrayBuffer }[];
}

/** Bytes per row of a `ScanPart` buffer (key 8, table 4, info 4, body 4). */
export const SCAN_ROW_BYTES = 20;

export type ToWorker =
  | {
      t: "tx";
      id: number;
      /** The encoded messages; handed back in the answer (`ret`) for reuse. */
      buf: ArrayBuffer;
      /**
       * One sendmsg each, in order, as flat triples: end offset in `buf`, sequence number of the
       * segment's last message (its fence), number of route ops in it.
       */
      segments: number[];
      dump: boolean;
      /** A route dump answered as `ScanPart`s instead of raw messages. */
      scan?: boolean;
    }
  /** Requests thread: a walked `ScanPart` buffer, for reuse. */
  | { t: "recycle-scan"; buf: ArrayBuffer }
  | { t: "close" }
  /** Events thread: join (on) or leave (off) the IPv4/IPv6 route groups. */
  | { t: "routes"; on: boolean };

export type FromWorker =
  | { t: "ready"; rcvbuf: number }
  /**
   * Replies of a transaction (`lengths[i]` bytes of `chunks[i]` are used); `partial` ones (long
   * dumps, in ~1 MiB parts) precede the last, which hands the request buffer back (`ret`).
   */
  | {
      t: "rx";
      id: number;
      chunks: ArrayBuffer[];
      lengths: number[];
      ret?: ArrayBuffer;
      error?: string;
      partial?: boolean;
      scan?: ScanPart;
    }
  | { t: "ev"; chunks: ArrayBuffer[] }
  | { t: "error"; message: string }
  | { t: "routes-ack"; on: boolean };
