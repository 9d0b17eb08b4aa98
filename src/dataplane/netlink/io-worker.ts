/**
 * The netlink I/O threads: the only place that touches the `netlink` package. Like BIRD's kernel
 * protocol, the dataplane uses two NETLINK_ROUTE sockets, each here in its own worker thread:
 *   - role "requests": sends the batches the main thread encoded and collects the answers;
 *   - role "events": subscribed to the link/address/route/neighbour groups, forwards the
 *     notifications in bulk.
 *
 * Why threads: rtnetlink requests run synchronously inside sendmsg, and the kernel sometimes
 * spends tens of milliseconds in one of them (FIB trie resizes while 100k routes come or go);
 * here that stalls only the requests thread, never the main event loop with its BGP sessions.
 * Reading notifications costs about as much as making the changes (two syscalls and a callback
 * each), so the events thread does it on another core. And the native binding aborts the
 * process when a socket reports an error such as ENOBUFS (receive queue overrun), so overruns
 * must not happen: the events thread never blocks, and the requests thread paces its batches so
 * that the unread echo of our own route changes stays far below the event socket's buffer
 * (`echoWindow`; the events thread counts route notifications in shared memory).
 *
 * The binding also crashes the process if a thread is torn down with its sockets open, so the
 * main thread closes them (and waits on the `closed` flag) before any exit, `process.exit()`
 * included.
 *
 * Protocol (io-protocol.ts; main → requests): {t:"tx", id, buf, segments, dump, scan?} —
 * several sendmsgs per message — and {t:"recycle-scan", buf}; (main → both) {t:"close"}.
 * (requests → main): {t:"ready"}, {t:"rx", id, chunks, lengths, ret?, error?, partial?, scan?};
 * (events → main): {t:"ready"}, {t:"ev", chunks}, {t:"error"}. Buffers travel as transferred
 * ArrayBuffers, and the large ones travel back for reuse (request buffers with the answer, route
 * scan parts by "recycle-scan"), so a bulk change or a dump of a million routes allocates a few
 * buffers, not thousands.
 */
import { parentPort, workerData } from "node:worker_threads";
import { RawNetlinkSocket } from "netlink";
import { collectGarbage } from "../../common/gc.js";
import { NETLINK_ROUTE, NLMSG_DONE, NLMSG_ERROR, RTM_DELROUTE, RTM_NEWROUTE } from "./constants.js";
import {
  type FromWorker,
  type IoWorkerOptions,
  type ScanPart,
  SHARED_CLOSED_EVENTS,
  SHARED_CLOSED_REQUESTS,
  SHARED_ECHOES_SEEN,
  SHARED_EVENT_RCVBUF,
  SHARED_PACING,
  type ToWorker,
} from "./io-protocol.js";
import { readI32, readU16, readU32 } from "./reader.js";
import { newScanBuffer, RouteScanBuilder, SCAN_PART_ROUTES } from "./scan-builder.js";

/** One sendmsg of a transaction: `buf` up to its fence message `lastSeq`. */
interface Segment {
  buf: Buffer;
  lastSeq: number;
  routeOps: number;
}

interface Tx {
  id: number;
  /** The request buffer, handed back with the answer. */
  ab: ArrayBuffer;
  segments: Segment[];
  /** Index of the segment in flight (or next to send). */
  at: number;
  dump: boolean;
  /** Route ops of the segment in flight the kernel refused. */
  routeErrors: number;
  replies: Uint8Array[];
  /** Bytes in `replies` (dumps are forwarded in parts of about DUMP_PART_BYTES). */
  bytes: number;
  /** For a route scan: the condensed routes (see scan-builder.ts). */
  scan: RouteScanBuilder | null;
}

/** A dump's replies are forwarded whenever this much has come, so no dump is held whole. */
const DUMP_PART_BYTES = 1 << 20;
/** Reply buffers at least this large are reused once the main thread hands them back. */
const POOLED_BYTES = 64 << 10;
/** Size of a pooled reply buffer (a dump part plus one more receive). */
const POOLED_CAPACITY = 2 << 20;

/**
 * Copies received messages into one buffer that can be transferred (never a pooled or external
 * one): a recycled one when they are large, else a fresh one of the exact size.
 */
function pack(
  parts: readonly Uint8Array[],
  pool: ArrayBuffer[],
): { buf: ArrayBuffer; len: number } {
  let total = 0;
  for (const p of parts) total += p.length;
  let buf: ArrayBuffer;
  if (total >= POOLED_BYTES) {
    const i = pool.findIndex((b) => b.byteLength >= total);
    buf = i >= 0 ? pool.splice(i, 1)[0] : new ArrayBuffer(Math.max(total, POOLED_CAPACITY));
  } else buf = new ArrayBuffer(total);
  const out = new Uint8Array(buf);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return { buf, len: total };
}

/** Copies into a fresh ArrayBuffer that can be transferred (never a pooled or external one). */
function ownedCopy(parts: readonly Uint8Array[]): ArrayBuffer {
  return pack(parts, []).buf;
}

/**
 * The binding hands every received datagram over as a fresh external Buffer, freed only when this
 * thread's (tiny) heap is collected — which V8 does not hurry to do for external memory. A dump
 * of a million routes is ~70 MB of such buffers, and a malloc arena that grew to hold them stays
 * that large. So each thread collects its garbage after every RECEIVED_GC_BYTES received: a
 * full GC of a heap of a few MB takes about a millisecond, on this thread.
 */
const RECEIVED_GC_BYTES = 2 << 20;

function receivedCounter(): (bytes: number) => void {
  let received = 0;
  return (bytes) => {
    received += bytes;
    if (received >= RECEIVED_GC_BYTES) {
      received = 0;
      // After the current callback: the buffer just received is still in use.
      setImmediate(collectGarbage);
    }
  };
}

function markClosed(shared: Int32Array, slot: number): void {
  // Let the socket handles finish closing before telling a waiting main thread.
  setImmediate(() => {
    Atomics.store(shared, slot, 1);
    Atomics.notify(shared, slot);
  });
}

function runEvents(port: NonNullable<typeof parentPort>, options: IoWorkerOptions): void {
  const { shared } = options;
  const ev = new RawNetlinkSocket(NETLINK_ROUTE, {
    recvBufferSize: options.recvBufferSize,
    sendBufferSize: 65536,
  });
  for (const g of options.groups) ev.addMembership(g);
  let pending: Uint8Array[] = [];
  let flushScheduled = false;
  let closed = false;
  const flush = () => {
    flushScheduled = false;
    if (pending.length === 0 || closed) return;
    const buf = ownedCopy(pending);
    pending = [];
    port.postMessage({ t: "ev", chunks: [buf] } satisfies FromWorker, [buf]);
  };
  const received = receivedCounter();
  ev.on("message", (msg: Buffer) => {
    received(msg.length);
    let routes = 0;
    let off = 0;
    while (off + 16 <= msg.length) {
      const len = readU32(msg, off);
      if (len < 16) break;
      const type = readU16(msg, off + 4);
      if (type === RTM_NEWROUTE || type === RTM_DELROUTE) routes++;
      off += (len + 3) & ~3;
    }
    if (routes > 0) Atomics.add(shared, SHARED_ECHOES_SEEN, routes);
    pending.push(msg);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  });
  ev.on("error", (err: Error) => {
    port.postMessage({ t: "error", message: `event socket: ${err.message}` } satisfies FromWorker);
  });
  const routeGroups = options.groups.filter((g) => options.routeGroups.includes(g));
  let routesOn = true;
  port.on("message", (m: ToWorker) => {
    if (m.t === "routes") {
      if (m.on !== routesOn) {
        for (const g of routeGroups) {
          if (m.on) ev.addMembership(g);
          else ev.dropMembership(g);
        }
        routesOn = m.on;
        Atomics.store(shared, SHARED_PACING, m.on && routeGroups.length > 0 ? 1 : 0);
      }
      port.postMessage({ t: "routes-ack", on: m.on } satisfies FromWorker);
      return;
    }
    if (m.t !== "close") return;
    closed = true;
    ev.close();
    port.close();
    markClosed(shared, SHARED_CLOSED_EVENTS);
  });
  const rcvbuf = ev.getRecvBufferSize();
  Atomics.store(shared, SHARED_EVENT_RCVBUF, rcvbuf);
  Atomics.store(shared, SHARED_PACING, routeGroups.length > 0 ? 1 : 0);
  port.postMessage({ t: "ready", rcvbuf } satisfies FromWorker);
}

function runRequests(port: NonNullable<typeof parentPort>, options: IoWorkerOptions): void {
  const { shared } = options;
  const req = new RawNetlinkSocket(NETLINK_ROUTE, {
    recvBufferSize: options.recvBufferSize,
    sendBufferSize: options.recvBufferSize,
  });
  const queue: Tx[] = [];
  const scanPool: ArrayBuffer[] = [];
  const scanBuffer = () => scanPool.pop() ?? newScanBuffer();
  let current: Tx | null = null;
  let closed = false;
  let echoesExpected = 0;
  let lastSeen = 0;
  let lastProgress = performance.now();
  let gateTimer: NodeJS.Timeout | null = null;

  const post = (tx: Tx, extra: { partial?: boolean; error?: string; ret?: ArrayBuffer }) => {
    const chunks = tx.replies.length > 0 ? [ownedCopy(tx.replies)] : [];
    tx.replies = [];
    tx.bytes = 0;
    const transfer = extra.ret ? [...chunks, extra.ret] : chunks;
    let scan: ScanPart | undefined;
    if (tx.scan !== null) {
      const taken = tx.scan.take();
      scan = taken.part;
      transfer.push(...taken.transfer);
    }
    port.postMessage(
      {
        t: "rx",
        id: tx.id,
        chunks,
        lengths: chunks.map((c) => c.byteLength),
        ...extra,
        ...(scan ? { scan } : {}),
      } satisfies FromWorker,
      transfer,
    );
  };

  const finish = (tx: Tx, error?: string) => {
    current = null;
    const queued = queue.indexOf(tx);
    if (queued >= 0) queue.splice(queued, 1);
    post(tx, error ? { error, ret: tx.ab } : { ret: tx.ab });
    pump();
  };

  /** The segment in flight got its fence: on to the next one, or the transaction is done. */
  const segmentDone = (tx: Tx) => {
    const seg = tx.segments[tx.at];
    if (!tx.dump && Atomics.load(shared, SHARED_PACING) === 1) {
      echoesExpected += Math.max(0, seg.routeOps - tx.routeErrors);
    }
    tx.routeErrors = 0;
    tx.at++;
    if (tx.at === tx.segments.length) finish(tx);
    else {
      current = null;
      pump();
    }
  };

  const received = receivedCounter();
  req.on("message", (msg: Buffer) => {
    received(msg.length);
    const tx = current;
    if (tx === null) return;
    const lastSeq = tx.segments[tx.at].lastSeq;
    let off = 0;
    let done = false;
    let keepFrom = -1;
    while (off + 16 <= msg.length) {
      const len = readU32(msg, off);
      if (len < 16 || off + len > msg.length) break;
      const type = readU16(msg, off + 4);
      const seq = readU32(msg, off + 8);
      if (type === NLMSG_ERROR) {
        const errno = off + 20 <= msg.length ? -readI32(msg, off + 16) : 0;
        if (errno !== 0 || seq === lastSeq) {
          tx.replies.push(msg.subarray(off, off + len));
          if (errno !== 0 && !tx.dump && off + 26 <= msg.length) {
            const reqType = readU16(msg, off + 24);
            if (reqType === RTM_NEWROUTE || reqType === RTM_DELROUTE) tx.routeErrors++;
          }
        }
        if (seq === lastSeq) done = true;
      } else if (tx.scan !== null) {
        if (type === NLMSG_DONE) {
          if (seq === lastSeq) done = true;
        } else {
          // A full part leaves before it would have to grow (a grown buffer is a large free).
          if (tx.scan.full) post(tx, { partial: true });
          tx.scan.add(msg, type, off + 16, off + len);
        }
      } else if (tx.dump) {
        if (keepFrom < 0) keepFrom = off;
        if (type === NLMSG_DONE && seq === lastSeq) done = true;
      }
      off += (len + 3) & ~3;
    }
    if (keepFrom >= 0) {
      tx.replies.push(msg.subarray(keepFrom, off));
      tx.bytes += off - keepFrom;
    }
    if (done) segmentDone(tx);
    else if (tx.scan !== null && tx.scan.size >= SCAN_PART_ROUTES) post(tx, { partial: true });
    else if (tx.dump && tx.bytes >= DUMP_PART_BYTES) post(tx, { partial: true });
  });
  req.on("error", (err: Error) => {
    if (current !== null) finish(current, `request socket: ${err.message}`);
  });

  const echoWindow = () =>
    Math.max(64, Math.floor(Atomics.load(shared, SHARED_EVENT_RCVBUF) / 2048));

  function pump(): void {
    if (current !== null || closed || queue.length === 0) return;
    const tx = queue[0];
    const seg = tx.segments[tx.at];
    if (Atomics.load(shared, SHARED_PACING) === 0)
      echoesExpected = Atomics.load(shared, SHARED_ECHOES_SEEN);
    else if (!tx.dump) {
      const seen = Atomics.load(shared, SHARED_ECHOES_SEEN);
      const now = performance.now();
      if (seen !== lastSeen) {
        lastSeen = seen;
        lastProgress = now;
      }
      const debt = echoesExpected - seen;
      if (debt > 0 && debt + seg.routeOps > echoWindow()) {
        // A replace that changed nothing produces no notification, so a debt that stops
        // shrinking is forgiven after a short while.
        if (now - lastProgress > 20) echoesExpected = seen;
        else {
          gateTimer ??= setTimeout(() => {
            gateTimer = null;
            pump();
          }, 1);
          return;
        }
      }
    }
    if (tx.at === tx.segments.length - 1) queue.shift();
    current = tx;
    req.send(seg.buf, {}, (err?: Error) => {
      if (err && current === tx) finish(tx, `sendmsg: ${err.message}`);
    });
  }

  port.on("message", (m: ToWorker) => {
    if (m.t === "routes") return;
    if (m.t === "recycle-scan") {
      if (scanPool.length < 8 && m.buf.byteLength === newScanBuffer().byteLength) {
        scanPool.push(m.buf);
      }
      return;
    }
    if (m.t === "close") {
      closed = true;
      if (gateTimer !== null) clearTimeout(gateTimer);
      req.close();
      port.close();
      markClosed(shared, SHARED_CLOSED_REQUESTS);
      return;
    }
    const segments: Segment[] = [];
    let from = 0;
    for (let i = 0; i < m.segments.length; i += 3) {
      const end = m.segments[i];
      segments.push({
        buf: Buffer.from(m.buf, from, end - from),
        lastSeq: m.segments[i + 1],
        routeOps: m.segments[i + 2],
      });
      from = end;
    }
    queue.push({
      id: m.id,
      ab: m.buf,
      segments,
      at: 0,
      dump: m.dump,
      routeErrors: 0,
      replies: [],
      bytes: 0,
      scan: m.scan ? new RouteScanBuilder(scanBuffer) : null,
    });
    pump();
  });
  port.postMessage({ t: "ready", rcvbuf: req.getRecvBufferSize() } satisfies FromWorker);
}

function main(): void {
  const port = parentPort;
  if (port === null) throw new Error("io-worker must run as a worker thread");
  const options = workerData as IoWorkerOptions;
  if (options.role === "events") runEvents(port, options);
  else runRequests(port, options);
}

main();
