/**
 * Test harness for the RIB engine: readable UPDATE specs encoded with the real codec, negotiated
 * sessions with defaults, a manual clock, and decoders that turn the engine's output back into
 * readable summaries. Shared by the unit tests and the conformance fixture runner.
 */

import type { RibLimits } from "../../../../src/bgp/rib/engine.js";
import { RibEngine } from "../../../../src/bgp/rib/index.js";
import {
  SYNTHETIC_ACCEPT_ALL,
  syntheticPeer,
  syntheticSession,
  syntheticSpeakerConfig,
} from "../../../../src/bgp/rib/synthetic-peer.js";
import {
  contextFromNegotiated,
  decodeUpdate,
  emptyNlri,
  encodeMessage,
  formatCommunity,
  makeContext,
  NlriBuilder,
  type NlriList,
  nlriToJson,
  type PathAttributes,
  type UpdateMessage,
} from "../../../../src/bgp/wire/index.js";
import { bytesToHex } from "../../../../src/common/bytes/hex.js";
import { ManualClock } from "../../../../src/common/clock.js";
import type {
  NegotiatedSession,
  RibToSession,
} from "../../../../src/common/contracts/bgp-engines.js";
import type { BgpRouteBatch } from "../../../../src/common/contracts/dataplane.js";
import type { AfiSafiName } from "../../../../src/common/contracts/families.js";
import type { RoutePolicy } from "../../../../src/common/contracts/policy.js";
import type { PeerConfig, SpeakerConfig } from "../../../../src/common/contracts/speaker-config.js";
import { formatPrefix, parsePrefix } from "../../../../src/common/ip/prefix.js";

export const ACCEPT_ALL: RoutePolicy = SYNTHETIC_ACCEPT_ALL;

/** A global peer with the defaults of src/bgp/rib/synthetic-peer.ts (exports through "all"). */
export const peerConfig = syntheticPeer;

/** A speaker with the defaults of src/bgp/rib/synthetic-peer.ts (policy ACCEPT_ALL). */
export const speakerConfig = syntheticSpeakerConfig;

export interface SessionOptions {
  families?: AfiSafiName[];
  addPathReceive?: AfiSafiName[];
  addPathSend?: AfiSafiName[];
  routeRefresh?: boolean;
  enhancedRouteRefresh?: boolean;
  gracefulRestart?: NegotiatedSession["gracefulRestart"];
  localAddress?: string;
  localLinkLocalAddress?: string;
  remoteRouterId?: string;
  as4?: boolean;
}

/** The SessionOptions fields; any other key (a fixture's typo) is ignored. */
const SESSION_OPTIONS: readonly (keyof SessionOptions)[] = [
  "families",
  "addPathReceive",
  "addPathSend",
  "routeRefresh",
  "enhancedRouteRefresh",
  "gracefulRestart",
  "localAddress",
  "localLinkLocalAddress",
  "remoteRouterId",
  "as4",
];

/** The session `peer` negotiated: the synthetic defaults, with the options given in `o`. */
export function negotiated(peer: PeerConfig, o: SessionOptions = {}): NegotiatedSession {
  const given: SessionOptions = {};
  for (const k of SESSION_OPTIONS)
    if (o[k] !== undefined) (given as Record<string, unknown>)[k] = o[k];
  return syntheticSession(peer, { localLinkLocalAddress: null, ...given });
}

/** A readable UPDATE: IPv4 prefixes go in the NLRI/Withdrawn fields, IPv6 ones in MP_*. */
export interface UpdateSpec {
  announce?: string[];
  withdraw?: string[];
  origin?: "igp" | "egp" | "incomplete";
  /** AS_PATH as text: "65001 65002 {1,2}". */
  asPath?: string;
  /** IPv4 NEXT_HOP, or IPv6 next hops (global[, link-local]) for MP_REACH. */
  nextHop?: string | string[];
  med?: number;
  localPref?: number;
  communities?: string[];
  largeCommunities?: string[];
  originatorId?: string;
  clusterList?: string[];
  /** IPv6 next hops when the message also carries IPv4 NLRI with `nextHop`. */
  mpNextHops?: string[];
}

function parseAsPath(text: string): PathAttributes["asPath"] {
  const segs: { type: "sequence" | "set"; asns: number[] }[] = [];
  const re = /\{([^}]*)\}|(\d+)/g;
  for (const m of text.matchAll(re)) {
    if (m[1] !== undefined)
      segs.push({ type: "set", asns: m[1].split(/[ ,]+/).filter(Boolean).map(Number) });
    else {
      const last = segs[segs.length - 1];
      if (last?.type === "sequence") last.asns.push(Number(m[2]));
      else segs.push({ type: "sequence", asns: [Number(m[2])] });
    }
  }
  return segs;
}

function parseCommunityText(c: string): number {
  const names: Record<string, number> = {
    NO_EXPORT: 0xffffff01,
    NO_ADVERTISE: 0xffffff02,
    NO_EXPORT_SUBCONFED: 0xffffff03,
  };
  if (names[c] !== undefined) return names[c];
  const [a, b] = c.split(":").map(Number);
  return a * 65536 + b;
}

function nlriOf(items: string[], family: "ipv4" | "ipv6", withIds: boolean): NlriList {
  const b = new NlriBuilder(family, withIds, items.length || 1);
  for (const item of items) {
    const [text, id] = item.split("#");
    const p = parsePrefix(text);
    if (p.family !== family) continue;
    b.append(p.bytes, p.length, withIds ? Number(id ?? 0) : undefined);
  }
  return b.build();
}

/** Encodes `spec` as a full UPDATE message for a session with `addPath` families. */
export function encodeSpec(
  spec: UpdateSpec,
  addPath: readonly AfiSafiName[] = [],
  as4 = true,
): Uint8Array {
  const ctx = makeContext({ as4, addPath });
  const ap4 = addPath.includes("ipv4-unicast");
  const ap6 = addPath.includes("ipv6-unicast");
  const ann = spec.announce ?? [];
  const wd = spec.withdraw ?? [];
  const v6 = (s: string) => s.split("#")[0].includes(":");
  const attrs: { -readonly [K in keyof PathAttributes]: PathAttributes[K] } = {};
  if (ann.length > 0) {
    attrs.origin = spec.origin ?? "igp";
    attrs.asPath = parseAsPath(spec.asPath ?? "");
  }
  const nh = spec.nextHop;
  const v4Hop = typeof nh === "string" && !nh.includes(":") ? nh : undefined;
  const v6Hops =
    spec.mpNextHops ??
    (Array.isArray(nh) ? nh : typeof nh === "string" && nh.includes(":") ? [nh] : undefined);
  if (ann.some((a) => !v6(a)) && v4Hop !== undefined) attrs.nextHop = v4Hop;
  if (spec.med !== undefined) attrs.med = spec.med;
  if (spec.localPref !== undefined) attrs.localPref = spec.localPref;
  if (spec.communities) attrs.communities = spec.communities.map(parseCommunityText);
  if (spec.largeCommunities) {
    attrs.largeCommunities = spec.largeCommunities.map(
      (c) => c.split(":").map(Number) as [number, number, number],
    );
  }
  if (spec.originatorId) attrs.originatorId = spec.originatorId;
  if (spec.clusterList) attrs.clusterList = spec.clusterList;
  const ann6 = ann.filter(v6);
  const wd6 = wd.filter(v6);
  if (ann6.length > 0) {
    attrs.mpReach = {
      afi: 2,
      safi: 1,
      nextHops: v6Hops ?? ["2001:db8::99"],
      nlri: nlriOf(ann6, "ipv6", ap6),
    };
  }
  if (wd6.length > 0) attrs.mpUnreach = { afi: 2, safi: 1, withdrawn: nlriOf(wd6, "ipv6", ap6) };
  const update: UpdateMessage = {
    type: "UPDATE",
    withdrawn: wd.some((w) => !v6(w)) ? nlriOf(wd, "ipv4", ap4) : emptyNlri("ipv4"),
    attributes: attrs,
    nlri: ann.some((a) => !v6(a)) ? nlriOf(ann, "ipv4", ap4) : emptyNlri("ipv4"),
  };
  return encodeMessage(update, ctx);
}

/** A readable summary of one UPDATE we sent (decoded with the peer's view of our session). */
export interface UpdateSummary {
  eor?: string;
  withdraw?: string[];
  announce?: string[];
  nextHop?: string;
  asPath?: string;
  origin?: string;
  med?: number;
  localPref?: number;
  communities?: string[];
  largeCommunities?: string[];
  originatorId?: string;
  clusterList?: string[];
}

function asPathText(a: PathAttributes["asPath"]): string {
  return (a ?? [])
    .map((s) => (s.type === "set" ? `{${s.asns.join(",")}}` : s.asns.join(" ")))
    .join(" ");
}

export function summarise(message: Uint8Array, n: NegotiatedSession): UpdateSummary {
  const ctx = contextFromNegotiated(n, "send");
  const d = decodeUpdate(message.subarray(19), { ...ctx, ebgp: false });
  if (d.endOfRib !== null) return { eor: d.endOfRib };
  const u = d.update;
  const a = u.attributes;
  const s: UpdateSummary = {};
  const list = (l: NlriList | null) =>
    l === null
      ? []
      : nlriToJson(l).map((x) =>
          typeof x === "string"
            ? x
            : `${(x as { prefix: string }).prefix}#${(x as { pathId: number }).pathId}`,
        );
  const wd = [...list(u.withdrawn), ...list(d.mpUnreachNlri)];
  const ann = [...list(u.nlri), ...list(d.mpReachNlri)];
  if (wd.length) s.withdraw = wd;
  if (ann.length) {
    s.announce = ann;
    s.nextHop = a.nextHop ?? a.mpReach?.nextHops.join(",");
    s.asPath = asPathText(a.asPath);
    s.origin = a.origin;
  }
  if (a.med !== undefined) s.med = a.med;
  if (a.localPref !== undefined) s.localPref = a.localPref;
  if (a.communities?.length) s.communities = a.communities.map(formatCommunity);
  if (a.largeCommunities?.length) s.largeCommunities = a.largeCommunities.map((c) => c.join(":"));
  if (a.originatorId !== undefined) s.originatorId = a.originatorId;
  if (a.clusterList?.length) s.clusterList = [...a.clusterList];
  return s;
}

export class RibHarness {
  readonly clock = new ManualClock();
  readonly engine: RibEngine;
  readonly out: RibToSession[] = [];
  readonly kernelBatches: BgpRouteBatch[] = [];
  readonly sessions = new Map<string, NegotiatedSession>();
  /** Current kernel view: prefix → sorted next hops. */
  readonly kernel = new Map<string, string[]>();
  converged = 0;
  autoWritable = true;
  config: SpeakerConfig;

  /**
   * The engine's time budgets per slice are lifted by default: how work is cut into slices (and
   * so how UPDATEs and kernel batches are grouped) then depends on work units only, not on how
   * busy the machine is — expected outputs stay exact under load. `limits` overrides.
   */
  constructor(
    config: SpeakerConfig,
    options: { restart?: boolean; limits?: Partial<RibLimits> } = {},
  ) {
    this.config = config;
    this.engine = new RibEngine({
      clock: this.clock,
      limits: { inSliceMs: 60_000, outSliceMs: 60_000, ...options.limits },
    });
    this.engine.onSessionMessage((m) => {
      this.out.push(m);
      if (m.type === "updates" && this.autoWritable) {
        queueMicrotask(() => this.engine.handle({ type: "writable", peerId: m.peerId }));
      }
    });
    this.engine.onKernelRoutes((b) => {
      this.kernelBatches.push(b);
      for (const w of b.withdrawals) this.kernel.delete(formatPrefix(w));
      for (const u of b.upserts)
        this.kernel.set(
          formatPrefix(u.prefix),
          u.nexthops.map((h) => h.address),
        );
    });
    this.engine.onConverged(() => this.converged++);
    if (options.restart) this.engine.startRestartMode();
    this.engine.configure(config);
  }

  peer(name: string): PeerConfig {
    const p = this.config.peers.find((x) => x.name === name);
    if (!p) throw new Error(`no peer ${name}`);
    return p;
  }

  reconfigure(config: SpeakerConfig): void {
    this.config = config;
    this.engine.configure(config);
  }

  up(name: string, o: SessionOptions = {}): NegotiatedSession {
    const n = negotiated(this.peer(name), o);
    this.sessions.set(name, n);
    this.engine.handle({ type: "sessionUp", peerId: name, negotiated: n });
    return n;
  }

  down(name: string, retainRoutes = false, reason = "test"): void {
    this.engine.handle({ type: "sessionDown", peerId: name, retainRoutes, reason });
  }

  send(name: string, spec: UpdateSpec): void {
    const n = this.sessions.get(name);
    const bytes = encodeSpec(spec, n?.addPathReceive ?? [], n?.as4 ?? true);
    this.engine.handle({ type: "update", peerId: name, body: bytes.subarray(19) });
  }

  sendRaw(name: string, message: Uint8Array): void {
    this.engine.handle({ type: "update", peerId: name, body: message.subarray(19) });
  }

  eor(name: string, family: AfiSafiName = "ipv4-unicast"): void {
    if (family === "ipv4-unicast") this.sendRaw(name, encodeSpec({}));
    else {
      const m = encodeMessage(
        {
          type: "UPDATE",
          withdrawn: emptyNlri("ipv4"),
          nlri: emptyNlri("ipv4"),
          attributes: { mpUnreach: { afi: 2, safi: 1, withdrawn: emptyNlri("ipv6") } },
        },
        makeContext({ as4: true }),
      );
      this.sendRaw(name, m);
    }
  }

  async settle(): Promise<void> {
    for (let i = 0; i < 5; i++) {
      await this.engine.idle();
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Messages sent to `name` since the last call, as summaries (UPDATEs) or as they are. */
  take(name: string): (UpdateSummary | RibToSession)[] {
    const mine: (UpdateSummary | RibToSession)[] = [];
    const rest: RibToSession[] = [];
    for (const m of this.out) {
      if (m.peerId !== name) {
        rest.push(m);
        continue;
      }
      if (m.type === "updates") {
        const n = this.sessions.get(name)!;
        for (const msg of m.messages) mine.push(summarise(msg, n));
      } else mine.push(m);
    }
    this.out.length = 0;
    this.out.push(...rest);
    return mine;
  }

  /** The routes `name` has been told about (replaying our UPDATEs): prefix → summary. */
  advertised(name: string, msgs: (UpdateSummary | RibToSession)[]): Map<string, UpdateSummary> {
    const table = new Map<string, UpdateSummary>();
    for (const m of msgs) {
      if ("type" in m) continue;
      for (const w of m.withdraw ?? []) table.delete(w);
      for (const a of m.announce ?? [])
        table.set(a, { ...m, announce: undefined, withdraw: undefined });
    }
    void name;
    return table;
  }
}

export function hex(b: Uint8Array): string {
  return bytesToHex(b);
}
