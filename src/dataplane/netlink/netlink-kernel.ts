/**
 * `Kernel` over rtnetlink. Changes are pipelined: ops are encoded back to back into batches of
 * at most `batchOps` messages (one sendmsg each), several batches per transaction handed to the
 * I/O thread in one transferred buffer, up to `maxInFlight` transactions at once. Route messages
 * inside a batch carry no NLM_F_ACK: the kernel answers only failures (netlink(7): an error is
 * always reported), and the batch's last message asks for an ACK, which arrives after every
 * earlier answer and so closes the batch. Each failure is matched back to its op by sequence
 * number. Route changes of the common shape are copied from per-body templates
 * (route-templates.ts). Large dumps are walked part by part as they arrive, in slices, so the
 * event loop is never held for long and no dump is held whole.
 */
import type { Family } from "../../common/contracts/families.js";
import type { Kernel, KernelEvent, KernelOp, RouteEvent, RouteScanEntry } from "../kernel.js";
import {
  type KernelAddress,
  type KernelLink,
  type KernelNeighbour,
  type KernelNexthop,
  type KernelRoute,
  type MutableIdentity,
  type RouteKey,
  readKeyIdentity,
  routeOfKey,
} from "../model.js";
import { bodyFromSignature, type RouteBodies, SignatureBuilder } from "../route-body.js";
import { OP_ADD, OP_REPLACE, type RouteOpList } from "../route-ops.js";
import {
  decodeAddress,
  encodeAddressDump,
  encodeDelAddress,
  encodeNewAddress,
} from "./addr-codec.js";
import { NetlinkChannel } from "./channel.js";
import {
  NLMSG_DONE,
  NLMSG_ERROR,
  RTM_DELADDR,
  RTM_DELLINK,
  RTM_DELNEIGH,
  RTM_DELROUTE,
  RTM_NEWADDR,
  RTM_NEWLINK,
  RTM_NEWNEIGH,
  RTM_NEWROUTE,
  RTNLGRP_IPV4_IFADDR,
  RTNLGRP_IPV4_ROUTE,
  RTNLGRP_IPV6_IFADDR,
  RTNLGRP_IPV6_ROUTE,
  RTNLGRP_LINK,
  RTNLGRP_NEIGH,
} from "./constants.js";
import type { ScanPart } from "./io-protocol.js";
import {
  decodeLink,
  encodeDelLink,
  encodeLinkDump,
  encodeNewIpip,
  encodeNewVxlan,
  encodeSetLink,
} from "./link-codec.js";
import {
  decodeNeighbour,
  encodeDelFdb,
  encodeDelNeighbour,
  encodeNeighbourDump,
  encodeSetFdb,
  encodeSetNeighbour,
} from "./neigh-codec.js";
import { decodeError, forEachMessage, type NlHeader, readU16, readU32 } from "./reader.js";
import {
  decodeRoute,
  encodeDelRoute,
  encodeNewRoute,
  encodeRouteDump,
  peekRouteKey,
} from "./route-codec.js";
import { opFlags, RouteTemplates } from "./route-templates.js";
import { scanColumns } from "./scan-builder.js";
import { NlWriter } from "./writer.js";

export interface NetlinkKernelOptions {
  /** Messages per sendmsg (default 256). */
  readonly batchOps?: number;
  /** Messages handed to the I/O thread per transaction, in batches (default 8). */
  readonly batchesPerTransaction?: number;
  /** Transactions handed to the I/O thread at once (default 2). */
  readonly maxInFlight?: number;
  /** SO_RCVBUF asked for both sockets (default 4 MiB; the kernel caps it at rmem_max). */
  readonly recvBufferSize?: number;
}

const SLICE = 4096;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class NetlinkKernel implements Kernel {
  private readonly channel = new NetlinkChannel();
  private readonly batchOps: number;
  private readonly segmentsPerTx: number;
  private readonly maxInFlight: number;
  private handler: ((events: KernelEvent[]) => void) | null = null;
  private readonly signature = new SignatureBuilder();
  private readonly scratchRoute = new ScratchRoute();
  private readonly templates = new RouteTemplates();
  /** Sized for a batch of IPv4 routes; grows for larger messages. */
  private readonly writer: NlWriter;

  private constructor(options: NetlinkKernelOptions) {
    this.batchOps = Math.max(1, options.batchOps ?? 256);
    this.segmentsPerTx = Math.max(1, options.batchesPerTransaction ?? 8);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
    // A batch of IPv4 route messages fits below glibc's mmap threshold (128 KiB).
    this.writer = new NlWriter(120 << 10, (n) => this.channel.requestBuffer(n));
  }

  /** Opens the netlink sockets of the calling process's network namespace. */
  static async open(options: NetlinkKernelOptions = {}): Promise<NetlinkKernel> {
    const k = new NetlinkKernel(options);
    k.channel.onEvents((chunks) => k.onChunks(chunks));
    await k.channel.open({
      groups: [
        RTNLGRP_LINK,
        RTNLGRP_NEIGH,
        RTNLGRP_IPV4_IFADDR,
        RTNLGRP_IPV4_ROUTE,
        RTNLGRP_IPV6_IFADDR,
        RTNLGRP_IPV6_ROUTE,
      ],
      routeGroups: [RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE],
      recvBufferSize: options.recvBufferSize ?? 4 << 20,
    });
    return k;
  }

  get receiveBuffers(): { request: number; events: number } {
    return { request: this.channel.rcvbuf, events: this.channel.eventRcvbuf };
  }

  onEvents(handler: (events: KernelEvent[]) => void): void {
    this.handler = handler;
  }

  onError(handler: (message: string) => void): void {
    this.channel.onError(handler);
  }

  close(): Promise<void> {
    return this.channel.close();
  }

  private async dump<T>(
    encode: (w: NlWriter, seq: number) => void,
    type: number,
    decode: (buf: Uint8Array, h: NlHeader) => T | null,
  ): Promise<T[]> {
    const w = new NlWriter(64);
    const seq = this.channel.allocSeq(1);
    encode(w, seq);
    const { buffer, length } = w.takeTransferable();
    const { replies } = await this.channel.transact(buffer, [length, seq, 0], { dump: true });
    const out: T[] = [];
    for (const buf of replies) {
      let off = 0;
      let n = 0;
      while (off + 16 <= buf.length) {
        const len = readU32(buf, off);
        if (len < 16 || off + len > buf.length) break;
        const msgType = readU16(buf, off + 4);
        const h: NlHeader = {
          type: msgType,
          flags: readU16(buf, off + 6),
          seq: readU32(buf, off + 8),
          pid: readU32(buf, off + 12),
          payload: off + 16,
          end: off + len,
        };
        if (msgType === type) {
          const v = decode(buf, h);
          if (v !== null) out.push(v);
        } else if (msgType === NLMSG_ERROR) {
          const e = decodeError(buf, h);
          if (e !== null && e.errno !== 0) throw new Error(`dump failed: errno ${e.errno}`);
        } else if (msgType === NLMSG_DONE) break;
        off += (len + 3) & ~3;
        if (++n % SLICE === 0) await yieldToLoop();
      }
    }
    return out;
  }

  watchRoutes(on: boolean): Promise<void> {
    return this.channel.watchRoutes(on);
  }

  /**
   * Route dumps are condensed by the I/O thread (scan-builder.ts): each part arrives as typed
   * arrays of identities and local body ids, walked in slices as it comes and then dropped.
   */
  async scanRoutes(family: Family, visit: (entry: RouteScanEntry) => void): Promise<void> {
    const w = new NlWriter(64);
    const seq = this.channel.allocSeq(1);
    encodeRouteDump(w, family, seq);
    const sigs: (Uint8Array | undefined)[] = [];
    // Local body id → the caller's interned id, per RouteBodies the caller used.
    let interned: { bodies: RouteBodies; ids: number[] } | null = null;
    const sig = this.signature;
    let keys = new Float64Array(0);
    let strKeys: (string | null)[] | null = null;
    let tables = new Uint32Array(0);
    let info = new Uint32Array(0);
    let bodyIds = new Int32Array(0);
    let i = 0;
    const keyAt = (): RouteKey => {
      const k = keys[i];
      return Number.isNaN(k) ? strKeys![i]! : k;
    };
    const signatureOf = (local: number): SignatureBuilder => {
      const bytes = sigs[local]!;
      sig.reset();
      for (let b = 0; b < bytes.length; b++) sig.u8(bytes[b]);
      return sig;
    };
    const entry: RouteScanEntry = {
      get key() {
        return keyAt();
      },
      get table() {
        return tables[i];
      },
      get protocol() {
        return info[i] & 0xff;
      },
      route: () => routeOfKey(keyAt(), bodyFromSignature(sigs[bodyIds[i]]!)),
      internBody: (bodies: RouteBodies) => {
        if (interned === null || interned.bodies !== bodies) interned = { bodies, ids: [] };
        const local = bodyIds[i];
        let id = interned.ids[local];
        if (id === undefined) {
          // One reference held by this scan (released at its end), one for the caller.
          id = bodies.internSignature(signatureOf(local));
          interned.ids[local] = id;
        }
        bodies.acquire(id);
        return id;
      },
    };
    let n = 0;
    const walk = async (part: ScanPart) => {
      for (const s of part.sigs) sigs[s.id] = new Uint8Array(s.bytes);
      const cols = scanColumns(part.buf, part.capacity);
      keys = cols.keys;
      strKeys = part.strKeys;
      tables = cols.tables;
      info = cols.info;
      bodyIds = cols.bodies;
      for (i = 0; i < part.count; i++) {
        visit(entry);
        if (++n % SLICE === 0) {
          const at = i;
          await yieldToLoop();
          i = at;
        }
      }
    };
    let chain = Promise.resolve();
    const { buffer, length } = w.takeTransferable();
    try {
      await this.channel.transact(buffer, [length, seq, 0], {
        dump: true,
        onScan: (part, done) => {
          chain = chain.then(async () => {
            await walk(part);
            done();
          });
        },
      });
      await chain;
    } finally {
      // The interned ids this scan held for reuse go back.
      const held = interned as { bodies: RouteBodies; ids: number[] } | null;
      if (held !== null) for (const id of held.ids) if (id !== undefined) held.bodies.release(id);
    }
  }

  dumpLinks(): Promise<KernelLink[]> {
    return this.dump((w, s) => encodeLinkDump(w, s), RTM_NEWLINK, decodeLink);
  }

  dumpAddresses(family: Family): Promise<KernelAddress[]> {
    return this.dump((w, s) => encodeAddressDump(w, family, s), RTM_NEWADDR, decodeAddress);
  }

  dumpNeighbours(family: "ipv4" | "ipv6" | "bridge"): Promise<KernelNeighbour[]> {
    return this.dump((w, s) => encodeNeighbourDump(w, family, s), RTM_NEWNEIGH, decodeNeighbour);
  }

  apply(ops: readonly KernelOp[]): Promise<number[]> {
    const results = new Array<number>(ops.length).fill(0);
    return this.send(
      ops.length,
      false,
      (w, i, seq) => encodeOp(w, ops[i], seq),
      (i, errno) => {
        results[i] = errno;
      },
    ).then(() => results);
  }

  async applyRoutes(ops: RouteOpList, bodies: RouteBodies): Promise<Int32Array> {
    const results = new Int32Array(ops.count);
    const r = this.scratchRoute;
    const templates = this.templates;
    await this.send(
      ops.count,
      true,
      (w, i, seq, last) => {
        const key = ops.key(i);
        const id = ops.bodies[i];
        const b = bodies.get(id);
        const kind = ops.kinds[i];
        if (typeof key === "number" && RouteTemplates.applies(key)) {
          templates.encode(w, kind, key, id, b, seq, last);
          return;
        }
        readKeyIdentity(key, r);
        r.protocol = b.protocol;
        r.scope = b.scope;
        r.type = b.type;
        r.nexthops = b.nexthops;
        r.prefsrc = b.prefsrc;
        if (kind === OP_ADD || kind === OP_REPLACE) encodeNewRoute(w, r, opFlags(kind, last), seq);
        else encodeDelRoute(w, r, opFlags(kind, last), seq);
      },
      (i, errno) => {
        results[i] = errno;
      },
    );
    return results;
  }

  /**
   * Encodes `count` ops into segments of `batchOps` messages (one sendmsg each, the last message
   * asking for an ACK as the segment's fence), `segmentsPerTx` segments per transaction, written
   * straight into a buffer that is transferred to the I/O thread (and comes back for reuse);
   * up to `maxInFlight` transactions outstanding. Each failure the kernel reports is matched back
   * to its op by sequence number.
   */
  private async send(
    count: number,
    routes: boolean,
    encode: (w: NlWriter, i: number, seq: number, last: boolean) => void,
    onError: (i: number, errno: number) => void,
  ): Promise<void> {
    if (count === 0) return;
    const w = this.writer;
    const inFlight = new Set<Promise<void>>();
    let failure: unknown = null;
    const perTx = this.batchOps * this.segmentsPerTx;
    for (let start = 0; start < count; start += perTx) {
      const end = Math.min(count, start + perTx);
      const firstSeq = this.channel.allocSeq(end - start);
      const segments: number[] = [];
      for (let seg = start; seg < end; seg += this.batchOps) {
        const segEnd = Math.min(end, seg + this.batchOps);
        for (let i = seg; i < segEnd; i++) encode(w, i, firstSeq + (i - start), i === segEnd - 1);
        // Route changes are echoed as notifications; the I/O thread paces on those.
        segments.push(w.length, firstSeq + (segEnd - 1 - start), routes ? segEnd - seg : 0);
      }
      const txStart = start;
      const { buffer } = w.takeTransferable();
      const p = this.channel
        .transact(buffer, segments, { dump: false })
        .then(({ replies }) => {
          for (const buf of replies) {
            forEachMessage(buf, (h) => {
              const e = decodeError(buf, h);
              if (e === null || e.errno === 0) return;
              const idx = txStart + ((e.requestSeq - firstSeq) | 0);
              if (idx >= txStart && idx < end) onError(idx, e.errno);
            });
          }
        })
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= this.maxInFlight) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    if (failure !== null) throw failure;
  }

  private onChunks(chunks: readonly Uint8Array[]): void {
    const handler = this.handler;
    if (handler === null) return;
    const events: KernelEvent[] = [];
    for (const buf of chunks) {
      forEachMessage(buf, (h) => {
        const removed =
          h.type === RTM_DELROUTE ||
          h.type === RTM_DELLINK ||
          h.type === RTM_DELADDR ||
          h.type === RTM_DELNEIGH;
        switch (h.type) {
          case RTM_NEWROUTE:
          case RTM_DELROUTE: {
            const id = peekRouteKey(buf, h);
            if (id !== null)
              events.push(new LazyRouteEvent(removed, id.key, id.table, id.protocol, buf, h));
            break;
          }
          case RTM_NEWLINK:
          case RTM_DELLINK: {
            const link = decodeLink(buf, h);
            if (link !== null) events.push({ kind: "link", removed, link });
            break;
          }
          case RTM_NEWADDR:
          case RTM_DELADDR: {
            const address = decodeAddress(buf, h);
            if (address !== null) events.push({ kind: "address", removed, address });
            break;
          }
          case RTM_NEWNEIGH:
          case RTM_DELNEIGH: {
            const neighbour = decodeNeighbour(buf, h);
            if (neighbour !== null) events.push({ kind: "neighbour", removed, neighbour });
            break;
          }
        }
      });
    }
    if (events.length > 0) handler(events);
  }
}

/** The route being encoded: identity from its key, the rest from its body (reused). */
class ScratchRoute implements KernelRoute, MutableIdentity {
  family: Family = "ipv4";
  table = 254;
  readonly dst = new Uint8Array(16);
  dstLen = 0;
  tos = 0;
  priority = 0;
  protocol = 0;
  scope = 0;
  type = 0;
  nexthops: readonly KernelNexthop[] = [];
  prefsrc: Uint8Array | null = null;
}

class LazyRouteEvent implements RouteEvent {
  readonly kind = "route";
  private decoded: KernelRoute | null = null;
  constructor(
    readonly removed: boolean,
    readonly key: RouteKey,
    readonly table: number,
    readonly protocol: number,
    private readonly buf: Uint8Array,
    private readonly h: NlHeader,
  ) {}
  get route(): KernelRoute {
    this.decoded ??= decodeRoute(this.buf, this.h)!;
    return this.decoded;
  }
}

/** Encodes one device, address or neighbour op (each asks for its own ACK). */
function encodeOp(w: NlWriter, op: KernelOp, seq: number): void {
  switch (op.kind) {
    case "vxlan-add":
      encodeNewVxlan(w, op.spec, seq);
      return;
    case "ipip-add":
      encodeNewIpip(w, op.name, seq);
      return;
    case "link-set":
      encodeSetLink(w, op.index, op.change, seq);
      return;
    case "link-del":
      encodeDelLink(w, op.index, seq);
      return;
    case "addr-add":
      encodeNewAddress(w, op.index, op.address, op.prefixLen, seq);
      return;
    case "addr-del":
      encodeDelAddress(w, op.index, op.address, op.prefixLen, seq);
      return;
    case "neigh-set":
      encodeSetNeighbour(w, op.ifindex, op.ip, op.mac, seq);
      return;
    case "neigh-del":
      encodeDelNeighbour(w, op.ifindex, op.ip, seq);
      return;
    case "fdb-set":
      encodeSetFdb(w, op.ifindex, op.mac, op.dst, seq);
      return;
    case "fdb-del":
      encodeDelFdb(w, op.ifindex, op.mac, op.dst, seq);
      return;
  }
}
