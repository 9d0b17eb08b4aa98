// In-test fakes of the engines the daemon wires together (speaker, dataplane, Calico config
// source, plan differ) and a small node-plan builder. Only for unit tests of the daemon's own
// logic: integration tests run the real engines.

import { syntheticPeer } from "../../../src/bgp/rib/synthetic-peer.js";
import {
  type BgpRouteBatch,
  type BgpState,
  type ConfigureResult,
  type DataplaneAgent,
  type DataplaneCounters,
  type DesiredDataplane,
  type NodePlan,
  PEER_DEFAULTS,
  type PeerConfig,
  type PeerStatus,
  type PlanDiff,
  type PlanMessage,
  peerNeedsReset,
  type RouteQuery,
  type RouteView,
  type Speaker,
  type SpeakerConfig,
  type SpeakerEvent,
  type SpeakerStatus,
} from "../../../src/common/contracts/index.js";
import type { ConfigSource, Engines, PlanSnapshot } from "../../../src/daemon/engines.js";
import { createLogger } from "../../../src/daemon/logger.js";
import { desiredDataplane } from "../../harness/desired-dataplane.js";

export function peer(address: string, extra: Partial<PeerConfig> = {}): PeerConfig {
  return syntheticPeer(`Node_${address.replace(/[.:]/g, "_")}`, address, 65001, {
    type: "node specific",
    gracefulRestartTime: PEER_DEFAULTS.gracefulRestartTime,
    holdTime: PEER_DEFAULTS.holdTime,
    keepaliveTime: PEER_DEFAULTS.keepaliveTime,
    connectRetryTime: PEER_DEFAULTS.connectRetryTime,
    exportPolicy: [],
    ...extra,
  });
}

export function dataplane(extra: Partial<DesiredDataplane> = {}): DesiredDataplane {
  return desiredDataplane(extra);
}

export function plan(extra: Partial<NodePlan> = {}): NodePlan {
  return {
    node: "node1",
    routerId: "10.0.0.1",
    asNumber: 64512,
    listen: { address: null, port: 179 },
    clusterId: null,
    gracefulRestart: { enabled: true, restartTime: 120, convergenceTimeout: 360 },
    peers: [],
    policies: [],
    originate: [],
    maxPaths: 1,
    multipathRelax: false,
    alwaysCompareMed: false,
    blocks: [],
    dataplane: dataplane(),
    errors: [],
    warnings: [],
    ...extra,
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** A plan differ with the semantics the renderer's differ has (names, peerNeedsReset). */
export function diffPlans(a: NodePlan, b: NodePlan): PlanDiff {
  const before = new Map(a.peers.map((p) => [p.name, p]));
  const after = new Map(b.peers.map((p) => [p.name, p]));
  const reset: string[] = [];
  const soft: string[] = [];
  for (const [name, p] of after) {
    const old = before.get(name);
    if (!old) continue;
    if (peerNeedsReset(old, p)) reset.push(name);
    else if (!same(old, p)) soft.push(name);
  }
  const globals = [
    "routerId",
    "asNumber",
    "listen",
    "clusterId",
    "gracefulRestart",
    "maxPaths",
  ] as const;
  return {
    peersAdded: [...after.keys()].filter((n) => !before.has(n)),
    peersRemoved: [...before.keys()].filter((n) => !after.has(n)),
    peersReset: reset,
    peersSoft: soft,
    globalChanged: globals.filter((k) => !same(a[k], b[k])),
    originateChanged: !same(a.originate, b.originate),
    policiesChanged: !same(a.policies, b.policies),
    dataplaneChanged: !same(a.dataplane, b.dataplane),
  };
}

export class FakeSpeaker implements Speaker {
  configs: SpeakerConfig[] = [];
  stops: ("graceful" | "withdraw")[] = [];
  states = new Map<string, BgpState>();
  gracefulRestartInProgress = false;
  routeViews: RouteView[] = [];
  queries: RouteQuery[] = [];
  failNext: Error | null = null;
  private routeListeners: ((b: BgpRouteBatch) => void)[] = [];
  private eventListeners: ((e: SpeakerEvent) => void)[] = [];

  constructor(readonly restarting = false) {}

  async configure(config: SpeakerConfig): Promise<ConfigureResult> {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    const prev = this.configs.at(-1);
    this.configs.push(config);
    const before = new Map((prev?.peers ?? []).map((p) => [p.name, p]));
    const after = new Map(config.peers.map((p) => [p.name, p]));
    for (const name of after.keys()) if (!this.states.has(name)) this.states.set(name, "Active");
    for (const name of before.keys()) if (!after.has(name)) this.states.delete(name);
    return {
      added: [...after.keys()].filter((n) => !before.has(n)),
      removed: [...before.keys()].filter((n) => !after.has(n)),
      reset: [...after.entries()]
        .filter(([n, p]) => before.has(n) && peerNeedsReset(before.get(n)!, p))
        .map(([n]) => n),
      softChanged: [],
    };
  }

  onRoutes(listener: (batch: BgpRouteBatch) => void): void {
    this.routeListeners.push(listener);
  }

  onEvent(listener: (event: SpeakerEvent) => void): void {
    this.eventListeners.push(listener);
  }

  emitRoutes(batch: BgpRouteBatch): void {
    for (const l of this.routeListeners) l(batch);
  }

  emit(event: SpeakerEvent): void {
    for (const l of this.eventListeners) l(event);
  }

  setState(name: string, state: BgpState): void {
    const from = this.states.get(name) ?? "Idle";
    this.states.set(name, state);
    this.emit({ type: "peerState", peer: name, from, to: state, reason: null });
  }

  status(): SpeakerStatus {
    const config = this.configs.at(-1);
    return {
      routerId: config?.routerId ?? "",
      asNumber: config?.asNumber ?? 0,
      gracefulRestartInProgress: this.gracefulRestartInProgress,
      locRibPrefixes: { ipv4: 3, ipv6: 1 },
      peers: (config?.peers ?? []).map((p): PeerStatus => {
        const bgpState = this.states.get(p.name) ?? "Idle";
        return {
          name: p.name,
          address: p.address,
          port: p.port,
          asNumber: p.asNumber,
          localAsNumber: p.localAsNumber,
          type: p.type,
          family: p.families[0] ?? "ipv4",
          state: bgpState === "Established" ? "up" : "start",
          bgpState,
          since: "2026-01-05T17:38:47.000Z",
          info:
            bgpState === "Established" ? "Established" : `${bgpState} Socket: Connection refused`,
          lastError: bgpState === "Established" ? null : "Socket: Connection refused",
          prefixes: { received: 5, accepted: 4, advertised: 2 },
          messages: {
            updatesIn: 7,
            updatesOut: 3,
            notificationsIn: 0,
            notificationsOut: 1,
            keepalivesIn: 10,
            keepalivesOut: 11,
          },
          negotiated: null,
          staleRoutes: 0,
          passive: p.passive,
          rrClient: p.rrClient,
        };
      }),
    };
  }

  routes(query: RouteQuery): RouteView[] {
    this.queries.push(query);
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    return this.routeViews.slice(0, limit);
  }

  async stop(mode: "graceful" | "withdraw"): Promise<void> {
    this.stops.push(mode);
  }
}

export class FakeDataplane implements DataplaneAgent {
  plans: DesiredDataplane[] = [];
  batches: BgpRouteBatch[] = [];
  converged = 0;
  stops: { keepRoutes: boolean }[] = [];
  /** Shared log of engine calls, to check the order across engines. */
  constructor(
    readonly restarting = false,
    readonly calls: string[] = [],
  ) {}

  async applyPlan(desired: DesiredDataplane): Promise<void> {
    this.calls.push("dataplane.applyPlan");
    this.plans.push(desired);
  }

  applyBgpRoutes(batch: BgpRouteBatch): void {
    this.batches.push(batch);
  }

  bgpConverged(): void {
    this.converged++;
  }

  counters(): DataplaneCounters {
    return { routeOps: 42, routeErrors: 1, lastReconcileMs: 12, reconciles: 3 };
  }

  async stop(options: { keepRoutes: boolean }): Promise<void> {
    this.stops.push(options);
  }
}

export class FakeConfigSource implements ConfigSource {
  snapshot: PlanSnapshot;
  reads = 0;
  claims: NodePlan[] = [];
  closed = false;
  /** What claimBlocks "writes": the next snapshot after a claim. */
  afterClaim: PlanSnapshot | null = null;
  private listeners: (() => void)[] = [];

  constructor(initial: NodePlan) {
    this.snapshot = { plan: initial, errors: [], warnings: [] };
  }

  setPlan(p: NodePlan): void {
    this.snapshot = { plan: p, errors: [], warnings: [] };
  }

  setErrors(errors: PlanMessage[]): void {
    this.snapshot = { plan: null, errors, warnings: [] };
  }

  async read(): Promise<PlanSnapshot> {
    this.reads++;
    return this.snapshot;
  }

  watch(listener: () => void): void {
    this.listeners.push(listener);
  }

  changed(): void {
    for (const l of this.listeners) l();
  }

  async claimBlocks(p: NodePlan): Promise<readonly string[]> {
    this.claims.push(p);
    if (this.afterClaim) {
      this.snapshot = this.afterClaim;
      this.afterClaim = null;
    }
    return p.blocks.filter((b) => b.state === "pending-claim").map((b) => b.cidr);
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Fake engines plus handles on what the daemon created. */
export function fakeEngines(source: FakeConfigSource) {
  const created = {
    speaker: null as FakeSpeaker | null,
    dataplane: null as FakeDataplane | null,
    calls: [] as string[],
  };
  const engines: Engines = {
    createConfigSource: () => source,
    diffPlans,
    createSpeaker: ({ restarting }) => {
      const s = new FakeSpeaker(restarting);
      const configure = s.configure.bind(s);
      s.configure = async (c) => {
        created.calls.push("speaker.configure");
        return configure(c);
      };
      created.speaker = s;
      return s;
    },
    createDataplane: async ({ restarting }) => {
      created.dataplane = new FakeDataplane(restarting, created.calls);
      return created.dataplane;
    },
  };
  return { engines, created };
}

/** A pino logger writing JSON lines into `lines` (parsed), for assertions on log events. */
export function captureLogger(level: "info" | "debug" = "info") {
  const lines: Record<string, unknown>[] = [];
  const destination = {
    write(chunk: string) {
      for (const l of chunk.split("\n")) if (l.trim()) lines.push(JSON.parse(l));
    },
  };
  return { logger: createLogger({ level, node: "node1", pretty: false, destination }), lines };
}
