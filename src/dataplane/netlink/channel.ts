/**
 * Main-thread side of the netlink I/O threads (io-worker.ts): starts them, hands the requests
 * thread encoded batches ("transactions": one sendmsg each; the last message of an op batch
 * carries NLM_F_ACK as the fence; a dump is one request answered until NLMSG_DONE) and returns
 * the kernel's replies as raw bytes. Sequence numbers are allocated here so the encoder can stamp
 * them. Notifications from the events thread arrive through `onEvents` as raw bytes too;
 * decoding stays on this side.
 */
import { Worker } from "node:worker_threads";
import { WrenError } from "../../common/errors.js";
import {
  type FromWorker,
  type IoWorkerOptions,
  type ScanPart,
  SHARED_CLOSED_EVENTS,
  SHARED_CLOSED_REQUESTS,
  SHARED_SLOTS,
  type ToWorker,
} from "./io-protocol.js";

export interface TransactionResult {
  /** Reply messages: error messages (non-zero errno) and the fence for op batches; every
   *  message for dumps. */
  readonly replies: readonly Uint8Array[];
}

export class NetlinkChannelError extends WrenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("WREN_DATAPLANE_NETLINK", message, options);
    this.name = "NetlinkChannelError";
  }
}

export interface ChannelOptions {
  /** Multicast groups for the event socket (none: no events thread). */
  readonly groups: readonly number[];
  /** Which of them carry route notifications (see `watchRoutes`). */
  readonly routeGroups: readonly number[];
  readonly recvBufferSize: number;
}

export class NetlinkChannel {
  private requests: Worker | null = null;
  private events: Worker | null = null;
  private seq = 1;
  private txId = 1;
  private pending = new Map<
    number,
    {
      resolve: (r: TransactionResult) => void;
      reject: (e: Error) => void;
      /** Takes a route scan's parts as they come. */
      onScan?: (part: ScanPart, done: () => void) => void;
      parts: Uint8Array[];
    }
  >();
  private eventHandler: ((chunks: readonly Uint8Array[]) => void) | null = null;
  private errorHandler: ((message: string) => void) | null = null;
  private readonly shared = new Int32Array(new SharedArrayBuffer(4 * SHARED_SLOTS));
  /** Receive buffer sizes the kernel granted (request socket, event socket). */
  rcvbuf = 0;
  eventRcvbuf = 0;

  /** Runs on process exit: closes the threads' sockets synchronously (see io-worker.ts). */
  private readonly exitHook = () => {
    this.closeSync();
  };

  /** Starts the I/O threads (sockets in the calling process's network namespace). */
  async open(options: ChannelOptions): Promise<void> {
    process.on("exit", this.exitHook);
    try {
      if (options.groups.length > 0) {
        const { worker, rcvbuf } = await this.start({ ...options, role: "events" });
        this.events = worker;
        this.eventRcvbuf = rcvbuf;
      } else {
        Atomics.store(this.shared, SHARED_CLOSED_EVENTS, 1);
      }
      const { worker, rcvbuf } = await this.start({ ...options, role: "requests" });
      this.requests = worker;
      this.rcvbuf = rcvbuf;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  private start(
    options: Omit<IoWorkerOptions, "shared">,
  ): Promise<{ worker: Worker; rcvbuf: number }> {
    const workerData: IoWorkerOptions = { ...options, shared: this.shared };
    const worker = new Worker(new URL("./io-worker.js", import.meta.url), { workerData });
    return new Promise((resolve, reject) => {
      const onError = (err: Error) =>
        reject(new NetlinkChannelError(`netlink thread failed: ${err.message}`, { cause: err }));
      worker.once("error", onError);
      worker.on("message", (m: FromWorker) => {
        if (m.t === "ready") {
          worker.off("error", onError);
          worker.on("error", (err) => this.onThreadFailure(err));
          worker.on("exit", () => this.onThreadExit(worker));
          resolve({ worker, rcvbuf: m.rcvbuf });
        } else this.onMessage(m);
      });
    });
  }

  private routesAck: ((on: boolean) => void)[] = [];

  /**
   * Leaves (false) or joins again (true) the route notification groups. Resolves once the
   * events thread has done it: notifications queued before stay deliverable.
   */
  watchRoutes(on: boolean): Promise<void> {
    const worker = this.events;
    if (worker === null) return Promise.resolve();
    return new Promise((resolve) => {
      this.routesAck.push(() => resolve());
      worker.postMessage({ t: "routes", on } satisfies ToWorker);
    });
  }

  onEvents(handler: (chunks: readonly Uint8Array[]) => void): void {
    this.eventHandler = handler;
  }

  onError(handler: (message: string) => void): void {
    this.errorHandler = handler;
  }

  /** Reserves `n` consecutive sequence numbers; returns the first. */
  allocSeq(n: number): number {
    if (this.seq + n > 0x7fffffff) this.seq = 1;
    const first = this.seq;
    this.seq += n;
    return first;
  }

  /**
   * A buffer of at least `bytes` for encoding requests into: one handed back by the I/O thread
   * when there is one (no allocation in steady state), else a new one.
   */
  requestBuffer(bytes: number): ArrayBuffer {
    for (let i = this.buffers.length - 1; i >= 0; i--) {
      if (this.buffers[i].byteLength >= bytes) return this.buffers.splice(i, 1)[0];
    }
    return new ArrayBuffer(bytes);
  }

  private readonly buffers: ArrayBuffer[] = [];

  /**
   * Sends one transaction: `buffer` (transferred to the I/O thread, not copied; do not use it
   * afterwards) holds one or more segments, each one sendmsg ended by a fence message, given as
   * flat triples (end offset, fence sequence number, route ops). Resolves when the last fence is
   * answered (ops) or the dump is complete; with `onScan`, a route dump comes condensed, part by
   * part as it arrives.
   */
  transact(
    buffer: ArrayBuffer,
    segments: number[],
    opts: {
      dump: boolean;
      /** A route dump condensed by the I/O thread (scan-builder.ts), part by part (call `done`
       *  when finished with a part: its buffer goes back to the I/O thread). */
      onScan?: (part: ScanPart, done: () => void) => void;
    },
  ): Promise<TransactionResult> {
    const worker = this.requests;
    if (worker === null) return Promise.reject(new NetlinkChannelError("netlink channel closed"));
    const id = this.txId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve,
        reject,
        onScan: opts.onScan,
        parts: [],
      });
      const msg: ToWorker = {
        t: "tx",
        id,
        buf: buffer,
        segments,
        dump: opts.dump,
        scan: opts.onScan !== undefined,
      };
      worker.postMessage(msg, [buffer]);
    });
  }

  private recycleScan(buf: ArrayBuffer): void {
    const worker = this.requests;
    if (worker !== null && buf.byteLength > 0) {
      worker.postMessage({ t: "recycle-scan", buf } satisfies ToWorker, [buf]);
    }
  }

  /** Closes both sockets and lets the threads end. */
  async close(): Promise<void> {
    const workers = [this.requests, this.events].filter((w): w is Worker => w !== null);
    const exits = workers.map(
      (w) => new Promise<void>((resolve) => w.once("exit", () => resolve())),
    );
    this.closeSync();
    await Promise.race([
      Promise.all(exits),
      new Promise<void>((resolve) => setTimeout(resolve, 2000).unref()),
    ]);
    process.off("exit", this.exitHook);
  }

  /** Asks both threads to close their sockets and waits (blocking, bounded) until they did. */
  private closeSync(): void {
    const slots: [Worker | null, number][] = [
      [this.requests, SHARED_CLOSED_REQUESTS],
      [this.events, SHARED_CLOSED_EVENTS],
    ];
    for (const [worker, slot] of slots) {
      if (worker !== null && Atomics.load(this.shared, slot) === 0) {
        worker.postMessage({ t: "close" } satisfies ToWorker);
      }
    }
    for (const [worker, slot] of slots) {
      if (worker !== null) Atomics.wait(this.shared, slot, 0, 1000);
    }
    this.failAll(new NetlinkChannelError("netlink channel closed"));
  }

  private onMessage(m: FromWorker): void {
    switch (m.t) {
      case "ev":
        this.eventHandler?.(m.chunks.map((c) => new Uint8Array(c)));
        break;
      case "rx": {
        if (m.ret !== undefined && this.buffers.length < 8) this.buffers.push(m.ret);
        const p = this.pending.get(m.id);
        if (!p) return;
        const chunks = m.chunks.map((c, i) => new Uint8Array(c, 0, m.lengths[i]));
        if (m.error) {
          this.pending.delete(m.id);
          p.reject(new NetlinkChannelError(m.error));
        } else if (p.onScan) {
          const part = m.scan;
          if (part) p.onScan(part, () => this.recycleScan(part.buf));
          if (!m.partial) {
            this.pending.delete(m.id);
            p.resolve({ replies: chunks });
          }
        } else if (m.partial) p.parts.push(...chunks);
        else {
          this.pending.delete(m.id);
          p.resolve({ replies: p.parts.length > 0 ? [...p.parts, ...chunks] : chunks });
        }
        break;
      }
      case "error":
        this.errorHandler?.(m.message);
        break;
      case "routes-ack":
        this.routesAck.shift()?.(m.on);
        break;
    }
  }

  private onThreadFailure(err: Error): void {
    this.errorHandler?.(`netlink thread failed: ${err.message}`);
    this.failAll(err);
  }

  private onThreadExit(worker: Worker): void {
    if (worker === this.requests) {
      this.requests = null;
      Atomics.store(this.shared, SHARED_CLOSED_REQUESTS, 1);
      this.failAll(new NetlinkChannelError("netlink requests thread exited"));
    }
    if (worker === this.events) {
      this.events = null;
      Atomics.store(this.shared, SHARED_CLOSED_EVENTS, 1);
    }
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
