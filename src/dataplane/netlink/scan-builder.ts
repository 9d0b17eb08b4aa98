/**
 * Condenses a route dump into `ScanPart`s (io-protocol.ts) inside the netlink requests thread:
 * per route its identity, table, protocol, type and a body id local to the dump, with each
 * distinct body's signature (route-body.ts) sent once. A dump of a million routes then crosses
 * to the main thread as ~20 MB of typed arrays in small parts instead of ~70 MB of messages, and
 * the main thread neither parses messages nor interns a body per route.
 */
import { RouteBodies, SignatureBuilder } from "../route-body.js";
import { RTM_NEWROUTE } from "./constants.js";
import type { ScanPart } from "./io-protocol.js";
import { type RouteIdentity, readRouteIdentity, writeRouteBodySignature } from "./route-codec.js";

/** Routes per part. */
export const SCAN_PART_ROUTES = 4096;

export class RouteScanBuilder {
  private readonly bodies = new RouteBodies();
  private readonly sig = new SignatureBuilder();
  private readonly id: RouteIdentity = { key: 0, table: 0, protocol: 0, type: 0 };
  private count = 0;
  private keys = new Float64Array(SCAN_PART_ROUTES);
  private tables = new Uint32Array(SCAN_PART_ROUTES);
  private info = new Uint32Array(SCAN_PART_ROUTES);
  private bodyIds = new Int32Array(SCAN_PART_ROUTES);
  private strKeys: (string | null)[] | null = null;
  private sigs: { id: number; bytes: ArrayBuffer }[] = [];

  get size(): number {
    return this.count;
  }

  /** Adds the route message whose payload is [p, end) of `buf` (type `type`). */
  add(buf: Uint8Array, type: number, p: number, end: number): void {
    if (type !== RTM_NEWROUTE) return;
    const id = this.id;
    if (!readRouteIdentity(buf, p, end, id)) return;
    if (!writeRouteBodySignature(buf, p, end, this.sig)) return;
    const body = this.bodies.internSignature(this.sig);
    if (this.bodies.refs[body] === 1) {
      this.sigs.push({ id: body, bytes: this.sig.buf.slice(0, this.sig.length).buffer });
    }
    const i = this.count++;
    if (i === this.keys.length) this.grow();
    if (typeof id.key === "number") this.keys[i] = id.key;
    else {
      this.keys[i] = Number.NaN;
      this.strKeys ??= [];
      this.strKeys[i] = id.key;
    }
    this.tables[i] = id.table;
    this.info[i] = id.protocol | (id.type << 8);
    this.bodyIds[i] = body;
  }

  private grow(): void {
    const n = this.keys.length * 2;
    const keys = new Float64Array(n);
    keys.set(this.keys);
    const tables = new Uint32Array(n);
    tables.set(this.tables);
    const info = new Uint32Array(n);
    info.set(this.info);
    const bodyIds = new Int32Array(n);
    bodyIds.set(this.bodyIds);
    this.keys = keys;
    this.tables = tables;
    this.info = info;
    this.bodyIds = bodyIds;
  }

  /** The routes added since the last `take`, with the buffers to transfer. */
  take(): { part: ScanPart; transfer: ArrayBuffer[] } {
    const n = this.count;
    const part: ScanPart = {
      count: n,
      keys: this.keys.buffer as ArrayBuffer,
      strKeys: this.strKeys,
      tables: this.tables.buffer as ArrayBuffer,
      info: this.info.buffer as ArrayBuffer,
      bodies: this.bodyIds.buffer as ArrayBuffer,
      sigs: this.sigs,
    };
    const transfer = [
      part.keys,
      part.tables,
      part.info,
      part.bodies,
      ...this.sigs.map((s) => s.bytes),
    ];
    this.count = 0;
    this.keys = new Float64Array(SCAN_PART_ROUTES);
    this.tables = new Uint32Array(SCAN_PART_ROUTES);
    this.info = new Uint32Array(SCAN_PART_ROUTES);
    this.bodyIds = new Int32Array(SCAN_PART_ROUTES);
    this.strKeys = null;
    this.sigs = [];
    return { part, transfer };
  }
}
