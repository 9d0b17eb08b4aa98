/**
 * What the RIB keeps per peer: its configuration and compiled chains, the state of its current
 * (or last) session, the per-family Adj-RIB-In / Adj-RIB-Out and the queue of prefixes whose
 * advertisement must be re-evaluated, graceful-restart timers, and the inbox of work items
 * (jobs.ts) that serialises everything touching the peer's Adj-RIB-In.
 *
 * Peer index 0 is the local pseudo-peer: locally originated routes are its paths.
 */

import type { TimerHandle } from "../../common/clock.js";
import type { GracefulRestartView, NegotiatedSession } from "../../common/contracts/bgp-engines.js";
import type { Family } from "../../common/contracts/families.js";
import type { PeerConfig } from "../../common/contracts/speaker-config.js";
import { parseAddress, parseIPv4 } from "../../common/ip/address.js";
import type { CompiledChain } from "../policy/index.js";
import type { CodecContext } from "../wire/types.js";
import { AdjRibIn } from "./adj-rib-in.js";
import type { AttrSet } from "./attr-set.js";
import type { WireCache } from "./attr-store.js";
import type { PathSource } from "./decision.js";
import { DirtyQueue } from "./dirty-queue.js";
import type { FamilyRib } from "./family-rib.js";
import { AdjOutTable } from "./hash-tables.js";
import type { Job } from "./jobs.js";

/** Progress of a walk over the Loc-RIB that (re-)advertises everything to one peer. */
export interface Dump {
  cursor: number;
  /** Send even what the Adj-RIB-Out already holds (route refresh, RFC 2918 / RFC 7313). */
  readonly force: boolean;
  /** The initial table of a session: End-of-RIB follows (RFC 4724 §2). */
  readonly initial: boolean;
  /** Enhanced route refresh: BoRR was sent, EoRR follows (RFC 7313 §4). */
  readonly enhanced: boolean;
}

export class PeerFamily {
  readonly family: Family;
  readonly rib: FamilyRib;
  readonly adjIn: AdjRibIn;
  adjOut: AdjOutTable;
  /** ADD-PATH send: path ids advertised per prefix (to withdraw the ones that disappear). */
  outPaths: Map<number, number[]> | null = null;
  readonly dirty = new DirtyQueue();
  /**
   * The peer's export chain has no statement, so its default (reject) applies to every route:
   * Loc-RIB changes need not be queued for it, and its initial dump is only End-of-RIB (as long
   * as its Adj-RIB-Out is empty). Peers that only send us routes are like this.
   */
  exportsNothing = false;
  /** Negotiated in the current session and the session is up. */
  active = false;
  /** Loc-RIB changes are queued for this peer (the initial dump has started). */
  exporting = false;
  dump: Dump | null = null;
  addPathReceive = false;
  addPathSend = false;
  eorReceived = false;
  eorSent = false;
  /** RFC 7606 §5.2 AFI/SAFI disable: UPDATEs of this family are ignored until the session resets. */
  disabled = false;
  /** Our next hop(s) on this session for the family ("next hop self"); null = none usable. */
  selfNextHops: readonly string[] | null = null;
  /** Export results memoised per (candidate set, outcome, source kind). */
  readonly exportMemo = new Map<number, { readonly from: AttrSet; readonly to: AttrSet }>();
  lastExportKey = -1;
  lastExportFrom: AttrSet | null = null;
  lastExport: AttrSet | null = null;
  /** Import results per received set (import.ts). */
  readonly importCache = new Map<AttrSet, { status: number; eff: AttrSet | null | undefined }>();
  received = 0;
  accepted = 0;
  advertised = 0;
  stale = 0;
  refreshStale = 0;

  constructor(family: Family, rib: FamilyRib, peerIndex: number) {
    this.family = family;
    this.rib = rib;
    this.adjIn = new AdjRibIn(rib, peerIndex);
    this.adjOut = new AdjOutTable(false);
  }
}

export class PeerState implements PathSource {
  readonly index: number;
  readonly name: string;
  config: PeerConfig;
  importChain: CompiledChain;
  private _exportChain!: CompiledChain;
  /** Set when the peer was removed from the configuration; freed once its routes are gone. */
  removed = false;

  // Session (the current one when `up`, else the last one).
  up = false;
  negotiated: NegotiatedSession | null = null;
  rxCtx: CodecContext | null = null;
  txCtx: CodecContext | null = null;
  wire: WireCache | null = null;
  ebgp: boolean;
  routerId = 0;
  addressKey: string;
  /** A reset was requested (RFC 7606, max-prefix): ignore its UPDATEs until the session drops. */
  resetPending = false;
  /** GR view of the last session, for helper mode after it drops. */
  lastGr: GracefulRestartView | null = null;
  /** sessionUp/sessionDown messages received but not processed yet (inbox order). */
  sessionEventsQueued = 0;

  readonly families: Record<Family, PeerFamily>;

  // Work.
  readonly inbox: Job[] = [];
  inboxHead = 0;
  /** Messages handed to the session engine since its last `writable`. */
  inFlight = 0;
  restartTimer: TimerHandle | null = null;
  staleTimer: TimerHandle | null = null;
  /** Enhanced route refresh: BoRR received, EoRR awaited (RFC 7313 §4). */
  refreshTimer: TimerHandle | null = null;
  maxPrefixWarned = false;
  /** Families whose import policy changed while a route refresh was requested. */
  sessionSerial = 0;

  constructor(
    index: number,
    config: PeerConfig,
    chains: { importChain: CompiledChain; exportChain: CompiledChain },
    ribs: Record<Family, FamilyRib>,
  ) {
    this.index = index;
    this.name = config.name;
    this.config = config;
    this.importChain = chains.importChain;
    this.ebgp = config.asNumber !== config.localAsNumber;
    this.addressKey = addressKey(config.address);
    this.families = {
      ipv4: new PeerFamily("ipv4", ribs.ipv4, index),
      ipv6: new PeerFamily("ipv6", ribs.ipv6, index),
    };
    this.exportChain = chains.exportChain;
  }

  get exportChain(): CompiledChain {
    return this._exportChain;
  }

  set exportChain(chain: CompiledChain) {
    this._exportChain = chain;
    // An export chain without statements rejects everything (the export default).
    const nothing = chain.trivial && chain.defaultResult === "reject";
    this.families.ipv4.exportsNothing = nothing;
    this.families.ipv6.exportsNothing = nothing;
  }

  /** Cancels the peer's graceful-restart, stale-route and route-refresh timers. */
  cancelTimers(): void {
    this.restartTimer?.cancel();
    this.staleTimer?.cancel();
    this.refreshTimer?.cancel();
  }

  get hasWork(): boolean {
    return this.inboxHead < this.inbox.length;
  }

  push(job: Job): void {
    this.inbox.push(job);
  }

  peek(): Job | undefined {
    return this.inbox[this.inboxHead];
  }

  shift(): void {
    this.inbox[this.inboxHead++] = undefined as unknown as Job;
    if (this.inboxHead === this.inbox.length) {
      this.inbox.length = 0;
      this.inboxHead = 0;
    } else if (this.inboxHead > 1024 && this.inboxHead * 2 > this.inbox.length) {
      this.inbox.splice(0, this.inboxHead);
      this.inboxHead = 0;
    }
  }

  counts(): { received: number; accepted: number; advertised: number; stale: number } {
    const a = this.families.ipv4;
    const b = this.families.ipv6;
    return {
      received: a.received + b.received,
      accepted: a.accepted + b.accepted,
      advertised: a.advertised + b.advertised,
      stale: a.stale + b.stale,
    };
  }
}

/** Fixed-width hex of an address, so string order is numeric order (IPv4 before IPv6). */
export function addressKey(address: string): string {
  const v4 = parseIPv4(address);
  if (v4 !== null) return `4${v4.toString(16).padStart(8, "0")}`;
  const bytes = parseAddress(address);
  if (bytes === null) return `z${address}`;
  return `6${Buffer.from(bytes).toString("hex")}`;
}
