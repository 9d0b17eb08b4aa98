/**
 * Writes MRT TABLE_DUMP_V2 files (RFC 6396 §4.3) of consecutive unicast prefixes, for bulk route
 * injection into GoBGP (`gobgp mrt inject global FILE`) in benchmarks and scale tests. Written
 * here from the RFC: PEER_INDEX_TABLE with one peer, then one RIB_IPV4_UNICAST /
 * RIB_IPV6_UNICAST record per prefix carrying ORIGIN, AS_PATH (4-octet ASNs, as TABLE_DUMP_V2
 * requires), optional MED, and NEXT_HOP (IPv4) or the abbreviated MP_REACH_NLRI (IPv6, §4.3.4).
 */
import { isIP } from "node:net";

function ipBytes(addr: string): Buffer {
  if (isIP(addr) === 4) return Buffer.from(addr.split(".").map(Number));
  const [head, tail] = addr.split("::");
  const part = (s: string | undefined) => (s ? s.split(":").filter(Boolean) : []);
  const h = part(head);
  const t = part(tail);
  const groups = addr.includes("::")
    ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t]
    : h;
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => {
    b.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  });
  return b;
}

function bigOf(b: Buffer): bigint {
  return BigInt(`0x${b.toString("hex") || "0"}`);
}

function bytesOf(n: bigint, len: number): Buffer {
  return Buffer.from(n.toString(16).padStart(len * 2, "0"), "hex");
}

function formatIp(b: Buffer): string {
  if (b.length === 4) return [...b].join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i).toString(16));
  // the WHATWG URL serializer writes IPv6 hosts in the RFC 5952 compressed form
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
}

function attr(flags: number, code: number, value: Buffer): Buffer {
  if (value.length > 255) {
    const h = Buffer.alloc(4);
    h.writeUInt8(flags | 0x10, 0);
    h.writeUInt8(code, 1);
    h.writeUInt16BE(value.length, 2);
    return Buffer.concat([h, value]);
  }
  return Buffer.concat([Buffer.from([flags, code, value.length]), value]);
}

export interface MrtOptions {
  /** First prefix's network address, e.g. 10.200.0.0 or fd00:200::. */
  readonly base: string;
  readonly length: number;
  readonly count: number;
  /** Next hop; default 0.0.0.0 / :: (GoBGP then uses its own address toward each peer). */
  readonly nextHop?: string;
  readonly asPath?: readonly number[];
  readonly med?: number;
  /** Extra copies of the last record appended (see GobgpPeer.inject: GoBGP 3.10 drops the tail). */
  readonly pad?: number;
}

/** The i-th prefix of the sequence, as text. */
export function nthPrefix(base: string, length: number, i: number): string {
  const b = ipBytes(base);
  const bits = b.length * 8;
  const step = 1n << BigInt(bits - length);
  return `${formatIp(bytesOf(bigOf(b) + BigInt(i) * step, b.length))}/${length}`;
}

export function buildMrt(o: MrtOptions): Buffer {
  const base = ipBytes(o.base);
  const v4 = base.length === 4;
  const nh = ipBytes(o.nextHop ?? (v4 ? "0.0.0.0" : "::"));
  const asPath = o.asPath ?? [65000];
  const now = Math.floor(Date.now() / 1000);
  const record = (subtype: number, body: Buffer) => {
    const h = Buffer.alloc(12);
    h.writeUInt32BE(now, 0);
    h.writeUInt16BE(13, 4); // TABLE_DUMP_V2
    h.writeUInt16BE(subtype, 6);
    h.writeUInt32BE(body.length, 8);
    return Buffer.concat([h, body]);
  };
  // PEER_INDEX_TABLE: collector id, view name length 0, peer count 1, peer type 0x02 (AS4, IPv4)
  const pit = Buffer.alloc(4 + 2 + 2 + 1 + 4 + 4 + 4);
  let off = 6;
  pit.writeUInt16BE(1, off);
  off += 2;
  pit.writeUInt8(0x02, off);
  off += 1 + 8;
  pit.writeUInt32BE(asPath[0] ?? 0, off);

  const seg = Buffer.alloc(2 + 4 * asPath.length);
  seg.writeUInt8(2, 0); // AS_SEQUENCE
  seg.writeUInt8(asPath.length, 1);
  asPath.forEach((a, i) => {
    seg.writeUInt32BE(a, 2 + 4 * i);
  });
  const parts = [
    attr(0x40, 1, Buffer.from([0])),
    attr(0x40, 2, asPath.length ? seg : Buffer.alloc(0)),
  ];
  if (o.med !== undefined) {
    const m = Buffer.alloc(4);
    m.writeUInt32BE(o.med, 0);
    parts.push(attr(0x80, 4, m));
  }
  parts.push(v4 ? attr(0x40, 3, nh) : attr(0x80, 14, Buffer.concat([Buffer.from([16]), nh])));
  const attrs = Buffer.concat(parts);

  const out: Buffer[] = [record(1, pit)];
  const step = 1n << BigInt(base.length * 8 - o.length);
  const nbytes = Math.ceil(o.length / 8);
  const total = o.count + (o.count > 0 ? (o.pad ?? 0) : 0);
  const entry = Buffer.alloc(8);
  entry.writeUInt16BE(0, 0); // peer index
  entry.writeUInt32BE(now, 2);
  entry.writeUInt16BE(attrs.length, 6);
  for (let j = 0; j < total; j++) {
    const i = Math.min(j, o.count - 1);
    const p = bytesOf(bigOf(base) + BigInt(i) * step, base.length).subarray(0, nbytes);
    const head = Buffer.alloc(5);
    head.writeUInt32BE(j, 0); // sequence number
    head.writeUInt8(o.length, 4);
    const cnt = Buffer.from([0, 1]);
    out.push(record(v4 ? 2 : 4, Buffer.concat([head, p, cnt, entry, attrs])));
  }
  return Buffer.concat(out);
}
