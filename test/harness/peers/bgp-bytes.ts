/**
 * Hand-built BGP-4 messages for malformed-message tests, and a small independent parser for what
 * comes back. Written straight from RFC 4271 §4 (header, OPEN, UPDATE, NOTIFICATION, KEEPALIVE),
 * RFC 5492 (capabilities), RFC 4760 (MP_REACH/MP_UNREACH), RFC 6793 (4-octet AS), RFC 2918
 * (ROUTE-REFRESH), RFC 1997 (communities), RFC 4724 (graceful restart). Deliberately does not use
 * src/bgp/wire: it is the oracle the product's codec is tested against, so the two must not share
 * code. Builders never validate: a test can make any length, flag or value wrong on purpose.
 */
import { isIP } from "node:net";

export const MessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;
const TYPE_NAMES: Record<number, string> = {
  1: "OPEN",
  2: "UPDATE",
  3: "NOTIFICATION",
  4: "KEEPALIVE",
  5: "ROUTE-REFRESH",
};

export const MARKER = Buffer.alloc(16, 0xff);

/** Bytes from hex text; spaces, newlines, colons and `0x` are ignored. */
export function hex(text: string): Buffer {
  const clean = text.replace(/0x/gi, "").replace(/[\s:_-]/g, "");
  if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error(`not hex: ${text.slice(0, 40)}`);
  return Buffer.from(clean, "hex");
}

function u8(n: number): Buffer {
  return Buffer.from([n & 0xff]);
}
function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff, 0);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/** Address bytes (4 or 16). */
export function ip(addr: string): Buffer {
  if (isIP(addr) === 4) return Buffer.from(addr.split(".").map(Number));
  if (isIP(addr) !== 6) throw new Error(`not an IP address: ${addr}`);
  const [h, t] = addr.split("::");
  const hp = h ? h.split(":") : [];
  const tp = t ? t.split(":") : [];
  const groups = addr.includes("::")
    ? [...hp, ...Array(8 - hp.length - tp.length).fill("0"), ...tp]
    : hp;
  return Buffer.concat(groups.map((g) => u16(Number.parseInt(g, 16))));
}

/** NLRI encoding of a prefix (RFC 4271 §4.3): length octet + minimal address octets. */
export function prefix(p: string): Buffer {
  const [addr, len] = p.split("/");
  const n = Number(len);
  return Buffer.concat([u8(n), ip(addr).subarray(0, Math.ceil(n / 8))]);
}

/** Header + body. `length` overrides the length field (for malformed tests). */
export function message(
  type: number,
  body: Buffer = Buffer.alloc(0),
  opts: { length?: number; marker?: Buffer } = {},
): Buffer {
  return Buffer.concat([
    opts.marker ?? MARKER,
    u16(opts.length ?? 19 + body.length),
    u8(type),
    body,
  ]);
}

export function keepalive(): Buffer {
  return message(MessageType.KEEPALIVE);
}

export function notification(
  code: number,
  subcode: number,
  data: Buffer = Buffer.alloc(0),
): Buffer {
  return message(MessageType.NOTIFICATION, Buffer.concat([u8(code), u8(subcode), data]));
}

export function routeRefresh(afi = 1, safi = 1): Buffer {
  return message(MessageType.ROUTE_REFRESH, Buffer.concat([u16(afi), u8(0), u8(safi)]));
}

/** Capability TLVs (RFC 5492) for OPEN. */
export const cap = {
  raw: (code: number, value: Buffer = Buffer.alloc(0)) =>
    Buffer.concat([u8(code), u8(value.length), value]),
  multiprotocol: (afi = 1, safi = 1) => cap.raw(1, Buffer.concat([u16(afi), u8(0), u8(safi)])),
  routeRefresh: () => cap.raw(2),
  /** RFC 4724: restart time (12 bits), R flag, per-family F flags. */
  gracefulRestart: (
    restartTime: number,
    restarting = false,
    families: [number, number, boolean][] = [],
  ) =>
    cap.raw(
      64,
      Buffer.concat([
        u16(((restarting ? 0x8 : 0) << 12) | (restartTime & 0xfff)),
        ...families.map(([afi, safi, fwd]) =>
          Buffer.concat([u16(afi), u8(safi), u8(fwd ? 0x80 : 0)]),
        ),
      ]),
    ),
  as4: (asn: number) => cap.raw(65, u32(asn)),
  enhancedRouteRefresh: () => cap.raw(70),
};

export interface OpenSpec {
  readonly as: number;
  readonly bgpId: string;
  readonly holdTime?: number;
  readonly version?: number;
  /** Capability TLVs; default: IPv4 unicast, route refresh, 4-octet AS. */
  readonly capabilities?: readonly Buffer[];
  /** Raw optional parameters (replaces the capability parameter). */
  readonly optionalParameters?: Buffer;
}

/** OPEN (RFC 4271 §4.2). An AS above 65535 goes into My AS as AS_TRANS (23456). */
export function open(s: OpenSpec): Buffer {
  const caps = s.capabilities ?? [cap.multiprotocol(1, 1), cap.routeRefresh(), cap.as4(s.as)];
  const params =
    s.optionalParameters ??
    (caps.length
      ? Buffer.concat([u8(2), u8(caps.reduce((n, c) => n + c.length, 0)), ...caps])
      : Buffer.alloc(0));
  return message(
    MessageType.OPEN,
    Buffer.concat([
      u8(s.version ?? 4),
      u16(s.as > 0xffff ? 23456 : s.as),
      u16(s.holdTime ?? 90),
      ip(s.bgpId),
      u8(params.length),
      params,
    ]),
  );
}

/** Path attribute TLV; the extended-length flag (0x10) is set when needed or asked for. */
export function attribute(flags: number, code: number, value: Buffer): Buffer {
  const ext = (flags & 0x10) !== 0 || value.length > 255;
  return Buffer.concat([
    u8(ext ? flags | 0x10 : flags),
    u8(code),
    ext ? u16(value.length) : u8(value.length),
    value,
  ]);
}

export type AsSegment = { readonly type: "seq" | "set"; readonly asns: readonly number[] };

export const attr = {
  origin: (v: 0 | 1 | 2 = 0) => attribute(0x40, 1, u8(v)),
  /** AS_PATH with 4-octet ASNs (as4=true, the default after the AS4 capability) or 2-octet. */
  asPath: (path: readonly number[] | readonly AsSegment[], as4 = true) => {
    const segs: readonly AsSegment[] =
      path.length > 0 && typeof path[0] === "number"
        ? [{ type: "seq", asns: path as number[] }]
        : (path as readonly AsSegment[]);
    const body = segs.map((sg) =>
      Buffer.concat([
        u8(sg.type === "set" ? 1 : 2),
        u8(sg.asns.length),
        ...sg.asns.map((a) => (as4 ? u32(a) : u16(a))),
      ]),
    );
    return attribute(0x40, 2, Buffer.concat(body));
  },
  nextHop: (addr: string) => attribute(0x40, 3, ip(addr)),
  med: (n: number) => attribute(0x80, 4, u32(n)),
  localPref: (n: number) => attribute(0x40, 5, u32(n)),
  atomicAggregate: () => attribute(0x40, 6, Buffer.alloc(0)),
  communities: (list: readonly string[]) =>
    attribute(
      0xc0,
      8,
      Buffer.concat(
        list.map((c) => {
          const [a, b] = c.split(":").map(Number);
          return Buffer.concat([u16(a), u16(b)]);
        }),
      ),
    ),
  /** MP_REACH_NLRI (RFC 4760 §3). */
  mpReach: (afi: number, safi: number, nextHops: readonly string[], nlri: readonly string[]) => {
    const nh = Buffer.concat(nextHops.map(ip));
    return attribute(
      0x80,
      14,
      Buffer.concat([u16(afi), u8(safi), u8(nh.length), nh, u8(0), ...nlri.map(prefix)]),
    );
  },
  mpUnreach: (afi: number, safi: number, nlri: readonly string[]) =>
    attribute(0x80, 15, Buffer.concat([u16(afi), u8(safi), ...nlri.map(prefix)])),
  raw: attribute,
};

export interface UpdateSpec {
  readonly withdrawn?: readonly string[];
  readonly attributes?: readonly Buffer[];
  readonly nlri?: readonly string[];
  /** Override the withdrawn-routes length / total path attribute length fields. */
  readonly withdrawnLength?: number;
  readonly attributesLength?: number;
}

/** UPDATE (RFC 4271 §4.3). An empty spec is the End-of-RIB marker for IPv4 unicast. */
export function update(s: UpdateSpec = {}): Buffer {
  const w = Buffer.concat((s.withdrawn ?? []).map(prefix));
  const a = Buffer.concat(s.attributes ?? []);
  const n = Buffer.concat((s.nlri ?? []).map(prefix));
  return message(
    MessageType.UPDATE,
    Buffer.concat([
      u16(s.withdrawnLength ?? w.length),
      w,
      u16(s.attributesLength ?? a.length),
      a,
      n,
    ]),
  );
}

/** An ordinary IPv4 route announcement: ORIGIN, AS_PATH, NEXT_HOP (+ extra attributes). */
export function announce(
  nlri: readonly string[],
  asPath: readonly number[],
  nextHop: string,
  extra: readonly Buffer[] = [],
): Buffer {
  return update({
    attributes: [attr.origin(0), attr.asPath(asPath), attr.nextHop(nextHop), ...extra],
    nlri,
  });
}

// ---------------------------------------------------------------- parsing what comes back

export interface ParsedAttribute {
  readonly flags: number;
  readonly code: number;
  readonly value: Buffer;
}

export interface ParsedMessage {
  readonly type: number;
  readonly typeName: string;
  readonly length: number;
  /** The whole message, header included. */
  readonly raw: Buffer;
  readonly body: Buffer;
  readonly open?: {
    readonly version: number;
    readonly myAs: number;
    readonly holdTime: number;
    readonly bgpId: string;
    /** Capabilities as [code, value] pairs. */
    readonly capabilities: readonly { code: number; value: Buffer }[];
    /** The 4-octet AS from capability 65, else My AS. */
    readonly as: number;
  };
  readonly notification?: {
    readonly code: number;
    readonly subcode: number;
    readonly data: Buffer;
  };
  readonly update?: {
    readonly withdrawn: readonly string[];
    readonly attributes: readonly ParsedAttribute[];
    readonly nlri: readonly string[];
  };
}

function ipText(b: Buffer): string {
  if (b.length === 4) return [...b].join(".");
  const g: string[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) g.push(b.readUInt16BE(i).toString(16));
  return new URL(`http://[${g.join(":")}]/`).hostname.slice(1, -1);
}

function parsePrefixes(b: Buffer, v6 = false): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < b.length) {
    const len = b[i];
    const n = Math.ceil(len / 8);
    const addr = Buffer.alloc(v6 ? 16 : 4);
    b.copy(addr, 0, i + 1, i + 1 + n);
    out.push(`${ipText(addr)}/${len}`);
    i += 1 + n;
  }
  return out;
}

/** Parses one complete message (header included). Throws on a message too short to parse. */
export function parseMessage(raw: Buffer): ParsedMessage {
  if (raw.length < 19) throw new Error(`BGP message shorter than a header (${raw.length} bytes)`);
  const length = raw.readUInt16BE(16);
  const type = raw[18];
  const body = raw.subarray(19, length);
  const base = { type, typeName: TYPE_NAMES[type] ?? `type ${type}`, length, raw, body };
  if (type === MessageType.OPEN && body.length >= 10) {
    const caps: { code: number; value: Buffer }[] = [];
    const optLen = body[9];
    let i = 10;
    while (i + 2 <= 10 + optLen && i + 2 <= body.length) {
      const ptype = body[i];
      const plen = body[i + 1];
      if (ptype === 2) {
        let j = i + 2;
        while (j + 2 <= i + 2 + plen) {
          caps.push({ code: body[j], value: body.subarray(j + 2, j + 2 + body[j + 1]) });
          j += 2 + body[j + 1];
        }
      }
      i += 2 + plen;
    }
    const myAs = body.readUInt16BE(1);
    const as4 = caps.find((c) => c.code === 65 && c.value.length === 4);
    return {
      ...base,
      open: {
        version: body[0],
        myAs,
        holdTime: body.readUInt16BE(3),
        bgpId: ipText(body.subarray(5, 9)),
        capabilities: caps,
        as: as4 ? as4.value.readUInt32BE(0) : myAs,
      },
    };
  }
  if (type === MessageType.NOTIFICATION && body.length >= 2) {
    return { ...base, notification: { code: body[0], subcode: body[1], data: body.subarray(2) } };
  }
  if (type === MessageType.UPDATE && body.length >= 4) {
    const wl = body.readUInt16BE(0);
    const withdrawn = parsePrefixes(body.subarray(2, 2 + wl));
    const al = body.readUInt16BE(2 + wl);
    const ab = body.subarray(4 + wl, 4 + wl + al);
    const attributes: ParsedAttribute[] = [];
    let i = 0;
    while (i + 3 <= ab.length) {
      const flags = ab[i];
      const code = ab[i + 1];
      const ext = (flags & 0x10) !== 0;
      const len = ext ? ab.readUInt16BE(i + 2) : ab[i + 2];
      const start = i + (ext ? 4 : 3);
      attributes.push({ flags, code, value: ab.subarray(start, start + len) });
      i = start + len;
    }
    return {
      ...base,
      update: { withdrawn, attributes, nlri: parsePrefixes(body.subarray(4 + wl + al)) },
    };
  }
  return base;
}

/** Splits a byte stream into messages; keeps a partial tail for the next chunk. */
export class MessageFramer {
  private buf = Buffer.alloc(0);

  push(chunk: Buffer): ParsedMessage[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: ParsedMessage[] = [];
    while (this.buf.length >= 19) {
      const len = this.buf.readUInt16BE(16);
      if (len < 19 || len > 65535) throw new Error(`bad BGP length ${len} in stream`);
      if (this.buf.length < len) break;
      out.push(parseMessage(Buffer.from(this.buf.subarray(0, len))));
      this.buf = this.buf.subarray(len);
    }
    return out;
  }

  /** Bytes received but not yet a whole message. */
  get pending(): number {
    return this.buf.length;
  }
}
