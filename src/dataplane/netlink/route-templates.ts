/**
 * Route change messages from pre-encoded templates. A BGP table's route changes share a handful
 * of bodies (route-body.ts), and for an IPv4 route of the main table with TOS 0 and metric 0 the
 * whole RTM_NEWROUTE / RTM_DELROUTE message is the same for every destination apart from the
 * sequence number, the flags, the prefix length and the four address bytes of RTA_DST. So each
 * (body, kind) is encoded once with `encodeNewRoute` / `encodeDelRoute` (route-codec.ts) and
 * every route change is a copy plus four patches — byte for byte what the codec would write
 * (test/unit/dataplane/route-templates.test.ts checks that).
 */
import type { KernelNexthop, KernelRoute } from "../model.js";
import { numericKeyAddress, numericKeyLength } from "../model.js";
import type { RouteBody } from "../route-body.js";
import { OP_ADD, OP_REPLACE } from "../route-ops.js";
import {
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REPLACE,
  NLM_F_REQUEST,
  RT_TABLE_MAIN,
} from "./constants.js";
import { encodeDelRoute, encodeNewRoute } from "./route-codec.js";
import { NlWriter } from "./writer.js";

/** Offsets in a route message: nlmsghdr flags and seq, rtm_dst_len, the RTA_DST address. */
const FLAGS_AT = 6;
const SEQ_AT = 8;
const DST_LEN_AT = 17;
const DST_AT = 32;

export function opFlags(kind: number, fence: boolean): number {
  const ack = fence ? NLM_F_ACK : 0;
  if (kind === OP_ADD) return NLM_F_REQUEST | ack | NLM_F_CREATE | NLM_F_EXCL;
  if (kind === OP_REPLACE) return NLM_F_REQUEST | ack | NLM_F_CREATE | NLM_F_REPLACE;
  return NLM_F_REQUEST | ack;
}

interface Template {
  readonly body: RouteBody;
  readonly bytes: Uint8Array;
}

/** A route of the template shape (the destination is patched per message). */
function templateRoute(body: RouteBody): KernelRoute {
  return {
    family: "ipv4",
    table: RT_TABLE_MAIN,
    dst: new Uint8Array(4),
    dstLen: 32,
    tos: 0,
    priority: 0,
    protocol: body.protocol,
    scope: body.scope,
    type: body.type,
    nexthops: body.nexthops as readonly KernelNexthop[],
    prefsrc: body.prefsrc,
  };
}

export class RouteTemplates {
  private readonly cache = new Map<number, Template>();
  private readonly scratch = new NlWriter(256);

  /**
   * Whether a change at this key can be written from a template: numeric keys (IPv4, main
   * table, TOS 0, metric 0) with a destination (a default route has no RTA_DST).
   */
  static applies(key: number): boolean {
    return numericKeyLength(key) > 0;
  }

  /** Appends the message for op `kind` of body `id` (`body` its current value) at `key`. */
  encode(
    w: NlWriter,
    kind: number,
    key: number,
    id: number,
    body: RouteBody,
    seq: number,
    fence: boolean,
  ): void {
    const ck = id * 4 + kind;
    let t = this.cache.get(ck);
    if (t === undefined || t.body !== body) {
      const r = templateRoute(body);
      const flags = opFlags(kind, false);
      if (kind === OP_ADD || kind === OP_REPLACE) encodeNewRoute(this.scratch, r, flags, 0);
      else encodeDelRoute(this.scratch, r, flags, 0);
      t = { body, bytes: this.scratch.take() };
      this.cache.set(ck, t);
    }
    const at = w.appendRaw(t.bytes);
    if (fence) w.patchU16At(at + FLAGS_AT, opFlags(kind, true));
    w.patchU32At(at + SEQ_AT, seq);
    w.setByteAt(at + DST_LEN_AT, numericKeyLength(key));
    const addr = numericKeyAddress(key);
    w.setByteAt(at + DST_AT, addr >>> 24);
    w.setByteAt(at + DST_AT + 1, (addr >>> 16) & 255);
    w.setByteAt(at + DST_AT + 2, (addr >>> 8) & 255);
    w.setByteAt(at + DST_AT + 3, addr & 255);
  }
}
