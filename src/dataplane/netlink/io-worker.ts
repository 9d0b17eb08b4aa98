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
 * Protocol (main → requests): {t:"tx", id, buf, lastSeq, dump, routeOps}; (main → both)
 * {t:"close"}. (requests → main): {t:"ready"}, {t:"rx", id, chunks, error?}; (events → main):
 * {t:"ready"}, {t:"ev", chunks}, {t:"error"}. Buffers travel as transferred ArrayBuffers.
 */
import { parentPort, workerData } from "node:worker_threads";
import { RawNetlinkSocket } from "netlink";
import { NETLINK_ROUTE, NLMSG_DONE, NLMSG_ERROR, RTM_DELROUTE, RTM_NEWROUTE } from "./constants.js";
import {
  type FromWorker,
  type IoWorkerOptions,
  SHARED_CLOSED_EVENTS,
  SHARED_CLOSED_REQUESTS,
  SHARED_ECHOES_SEEN,
  SHARED_EVENT_RCVBUF,
  SHARED_PACING,
  type ToWorker,
} from "./io-protocol.js";
import { readI32, readU16, readU32 } from "./reader.js";

interface Tx {
  id: number;
  buf: Buffer;
  lastSeq: number;
  dump: boolean;
  routeOps: number;
  routeErrors: number;
  replies: Uint8Array[];
  /** Bytes in `replies` (dumps are forwarded in parts of about DUMP_PART_BYTES). */
  bytes: number;
}

/** A dump's replies are forwarded whenever this much has come, so no dump is held whole. */
const DUMP_PART_BYTES = 1 << 20;

/** Copies into a fresh ArrayBuffer that can be transferred (never a pooled or external one). */
function ownedCopy(parts: readonly Uint8Array[]): ArrayBuffer {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out.buffer;
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
  ev.on("message", (msg: Buffer) => {
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
  let current: Tx | null = null;
  let closed = false;
  let echoesExpected = 0;
  let lastSeen = 0;
  let lastProgress = performance.now();
  let gateTimer: NodeJS.Timeout | null = null;

  const finish = (tx: Tx, error?: string) => {
    current = null;
    if (!tx.dump && Atomics.load(shared, SHARED_PACING) === 1) {
      echoesExpected += Math.max(0, tx.routeOps - tx.routeErrors);
    }
    const chunks = tx.replies.length > 0 ? [ownedCopy(tx.replies)] : [];
    const out: FromWorker = error
      ? { t: "rx", id: tx.id, chunks, error }
      : { t: "rx", id: tx.id, chunks };
    port.postMessage(out, chunks);
    pump();
  };

  req.on("message", (msg: Buffer) => {
    const tx = current;
    if (tx === null) return;
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
        if (errno !== 0 || seq === tx.lastSeq) {
          tx.replies.push(msg.subarray(off, off + len));
          if (errno !== 0 && !tx.dump && off + 26 <= msg.length) {
            const reqType = readU16(msg, off + 24);
            if (reqType === RTM_NEWROUTE || reqType === RTM_DELROUTE) tx.routeErrors++;
          }
        }
        if (seq === tx.lastSeq) done = true;
      } else if (tx.dump) {
        if (keepFrom < 0) keepFrom = off;
        if (type === NLMSG_DONE && seq === tx.lastSeq) done = true;
      }
      off += (len + 3) & ~3;
    }
    if (keepFrom >= 0) {
      tx.replies.push(msg.subarray(keepFrom, off));
      tx.bytes += off - keepFrom;
    }
    if (done) finish(tx);
    else if (tx.dump && tx.bytes >= DUMP_PART_BYTES) {
      const chunks = [ownedCopy(tx.replies)];
      tx.replies = [];
      tx.bytes = 0;
      port.postMessage({ t: "rx", id: tx.id, chunks, partial: true } satisfies FromWorker, chunks);
    }
  });
  req.on("error", (err: Error) => {
    if (current !== null) finish(current, `request socket: ${err.message}`);
  });

  const echoWindow = () =>
    Math.max(64, Math.floor(Atomics.load(shared, SHARED_EVENT_RCVBUF) / 2048));

  function pump(): void {
    if (current !== null || closed || queue.length === 0) return;
    const next = queue[0];
    if (Atomics.load(shared, SHARED_PACING) === 0)
      echoesExpected = Atomics.load(shared, SHARED_ECHOES_SEEN);
    else if (!next.dump) {
      const seen = Atomics.load(shared, SHARED_ECHOES_SEEN);
      const now = performance.now();
      if (seen !== lastSeen) {
        lastSeen = seen;
        lastProgress = now;
      }
      const debt = echoesExpected - seen;
      if (debt > 0 && debt + next.routeOps > echoWindow()) {
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
    queue.shift();
    current = next;
    req.send(next.buf, {}, (err?: Error) => {
      if (err && current === next) finish(next, `sendmsg: ${err.message}`);
    });
  }

  port.on("message", (m: ToWorker) => {
    if (m.t === "routes") return;
    if (m.t === "close") {
      closed = true;
      if (gateTimer !== null) clearTimeout(gateTimer);
      req.close();
      port.close();
      markClosed(shared, SHARED_CLOSED_REQUESTS);
      return;
    }
    queue.push({
      id: m.id,
      buf: Buffer.from(m.buf, 0, m.length),
      lastSeq: m.lastSeq,
      dump: m.dump,
      routeOps: m.routeOps,
      routeErrors: 0,
      replies: [],
      bytes: 0,
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
