/**
 * Condenses a route dump into `ScanPart`s (io-protocol.ts) inside the netlink requests thread:
 * per route its identity, table, protocol, type and a body id local to the dump, with each
 * distinct body's signature (route-body.ts) sent once. A dump of a million routes then crosses
 * to the main thread as ~20 MB of typed arrays in small parts instead of ~70 MB of messages, and
 * the main thread neither parses messages nor interns a body per route.
 */
import { RouteBodies, SignatureBuilder } from "../route-body.js";
import { RTM_NEWROUTE } from "./constants.js";
import { SCAN_ROW_BYTES, type ScanPart } from "./io-protocol.js";
import { type RouteIdentity, readRouteIdentity, writeRouteBodySignature } from "./route-codec.js";

/** Routes per part. */
export const SCAN_PART_ROUTES = 4096;

/** Typed-array views of the four columns of a `ScanPart` buffer. */
export function scanColumns(buf: ArrayBuffer, capacity: number) {
  return {
    keys: new Float64Array(buf, 0, capacity),
    tables: new Uint32Array(buf, capacity * 8, capacity),
    info: new Uint32Array(buf, capacity * 12, capacity),
    bodies: new Int32Array(buf, capacity * 16, capacity),
  };
}

export class RouteScanBuilder {
  private readonly bodies = new RouteBodies();
  private readonly sig = new SignatureBuilder();
  private readonly id: RouteIdentity = { key: 0, table: 0, protocol: 0, type: 0 };
  private count = 0;
  private capacity = 0;
  private buf = new ArrayBuffer(0);
  private cols = scanColumns(this.buf, 0);
  private strKeys: (string | null)[] | null = null;
  private sigs: { id: number; bytes: ArrayBuffer }[] = [];

  /** `take` gives the buffers of parts (recycled ones first, then new ones). */
  constructor(private readonly supply: () => ArrayBuffer = () => newScanBuffer()) {}

  get size(): number {
    return this.count;
  }

  /** The current part has no room left (take it before adding more). */
  get full(): boolean {
    return this.capacity > 0 && this.count === this.capacity;
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
    if (this.count === this.capacity) this.grow();
    const i = this.count++;
    const c = this.cols;
    if (typeof id.key === "number") c.keys[i] = id.key;
    else {
      c.keys[i] = Number.NaN;
      this.strKeys ??= [];
      this.strKeys[i] = id.key;
    }
    c.tables[i] = id.table;
    c.info[i] = id.protocol | (id.type << 8);
    c.bodies[i] = body;
  }

  private grow(): void {
    const next =
      this.count === 0 ? this.supply() : new ArrayBuffer(this.capacity * 2 * SCAN_ROW_BYTES);
    const capacity = next.byteLength / SCAN_ROW_BYTES;
    const cols = scanColumns(next, capacity);
    if (this.count > 0) {
      cols.keys.set(this.cols.keys.subarray(0, this.count));
      cols.tables.set(this.cols.tables.subarray(0, this.count));
      cols.info.set(this.cols.info.subarray(0, this.count));
      cols.bodies.set(this.cols.bodies.subarray(0, this.count));
    }
    this.buf = next;
    this.capacity = capacity;
    this.cols = cols;
  }

  /** The routes added since the last `take`, with the buffers to transfer. */
  take(): { part: ScanPart; transfer: ArrayBuffer[] } {
    const part: ScanPart = {
      count: this.count,
      buf: this.buf,
      capacity: this.capacity,
      strKeys: this.strKeys,
      sigs: this.sigs,
    };
    const transfer = [this.buf, ...this.sigs.map((s) => s.bytes)];
    this.count = 0;
    this.capacity = 0;
    this.buf = new ArrayBuffer(0);
    this.cols = scanColumns(this.buf, 0);
    this.strKeys = null;
    this.sigs = [];
    return { part, transfer };
  }
}

/** A buffer for one part of SCAN_PART_ROUTES rows. */
export function newScanBuffer(): ArrayBuffer {
  return new ArrayBuffer(SCAN_PART_ROUTES * SCAN_ROW_BYTES);
}
