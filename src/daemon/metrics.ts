/**
 * Prometheus metrics (prom-client), served on GET /metrics. Names are prefixed `wren_`; per-peer
 * series carry `peer` (the neighbour address) and `name` (the protocol name, unique when two
 * sessions share an address). Session and prefix figures are read from the engines at scrape
 * time, so they are never stale and cost nothing between scrapes; reloads and state changes are
 * counted as they happen. The full list is in docs/operations.md.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { BgpState, DataplaneCounters, SpeakerStatus } from "../common/contracts/index.js";
import type { ReloadJson } from "./views.js";

/** Numeric session state (the convention of FRR/bird_exporter dashboards). */
export const BGP_STATE_NUMBER: Record<BgpState, number> = {
  Idle: 1,
  Connect: 2,
  Active: 3,
  OpenSent: 4,
  OpenConfirm: 5,
  Established: 6,
};

export interface MetricSources {
  speakerStatus(): SpeakerStatus | null;
  dataplaneCounters(): DataplaneCounters | null;
  ready(): boolean;
  configOk(): boolean;
  generation(): number;
  info(): { version: string; node: string; routerId: string; asNumber: number };
}

type PeerLabels = "peer" | "name";

export class DaemonMetrics {
  readonly registry = new Registry();
  private readonly stateChanges = new Map<string, number>();
  private readonly reloads: Counter<"result" | "trigger">;
  private readonly reconcileDuration: Histogram<"trigger">;

  constructor(private readonly sources: MetricSources) {
    const r = [this.registry];
    const self = this;
    const peerGauge = (
      name: string,
      help: string,
      pick: (p: SpeakerStatus["peers"][number]) => number,
    ) =>
      new Gauge<PeerLabels>({
        name,
        help,
        labelNames: ["peer", "name"],
        registers: r,
        collect() {
          this.reset();
          for (const p of self.sources.speakerStatus()?.peers ?? []) {
            this.set({ peer: p.address, name: p.name }, pick(p));
          }
        },
      });
    const peerCounter = (
      name: string,
      help: string,
      pick: (p: SpeakerStatus["peers"][number]) => number,
    ) =>
      new Counter<PeerLabels>({
        name,
        help,
        labelNames: ["peer", "name"],
        registers: r,
        collect() {
          this.reset();
          for (const p of self.sources.speakerStatus()?.peers ?? []) {
            this.inc({ peer: p.address, name: p.name }, Math.max(0, pick(p)));
          }
        },
      });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers: r,
        collect() {
          this.set(read());
        },
      });
    const counter = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers: r,
        collect() {
          this.reset();
          this.inc(read());
        },
      });

    peerGauge(
      "wren_bgp_session_established",
      "1 when the BGP session is Established, else 0.",
      (p) => (p.bgpState === "Established" ? 1 : 0),
    );
    peerGauge(
      "wren_bgp_session_state",
      "RFC 4271 FSM state: 1 Idle, 2 Connect, 3 Active, 4 OpenSent, 5 OpenConfirm, 6 Established.",
      (p) => BGP_STATE_NUMBER[p.bgpState] ?? 0,
    );
    peerGauge(
      "wren_bgp_prefixes_received",
      "Prefixes from the peer in the Adj-RIB-In now.",
      (p) => p.prefixes.received,
    );
    peerGauge(
      "wren_bgp_prefixes_accepted",
      "Prefixes from the peer accepted by import policy.",
      (p) => p.prefixes.accepted,
    );
    peerGauge(
      "wren_bgp_prefixes_advertised",
      "Prefixes in the peer's Adj-RIB-Out now.",
      (p) => p.prefixes.advertised,
    );
    peerGauge(
      "wren_bgp_stale_routes",
      "Routes of a gracefully restarting peer held as stale (GR helper).",
      (p) => p.staleRoutes,
    );
    peerCounter(
      "wren_bgp_updates_received_total",
      "UPDATE messages received.",
      (p) => p.messages.updatesIn,
    );
    peerCounter(
      "wren_bgp_updates_sent_total",
      "UPDATE messages sent.",
      (p) => p.messages.updatesOut,
    );
    peerCounter(
      "wren_bgp_notifications_received_total",
      "NOTIFICATION messages received.",
      (p) => p.messages.notificationsIn,
    );
    peerCounter(
      "wren_bgp_notifications_sent_total",
      "NOTIFICATION messages sent.",
      (p) => p.messages.notificationsOut,
    );
    peerCounter(
      "wren_bgp_keepalives_received_total",
      "KEEPALIVE messages received.",
      (p) => p.messages.keepalivesIn,
    );
    peerCounter(
      "wren_bgp_keepalives_sent_total",
      "KEEPALIVE messages sent.",
      (p) => p.messages.keepalivesOut,
    );
    new Counter<PeerLabels>({
      name: "wren_bgp_session_state_changes_total",
      help: "BGP FSM state changes of the session since wren started.",
      labelNames: ["peer", "name"],
      registers: r,
      collect() {
        this.reset();
        for (const p of self.sources.speakerStatus()?.peers ?? []) {
          const n = self.stateChanges.get(p.name) ?? self.stateChanges.get(p.address) ?? 0;
          this.inc({ peer: p.address, name: p.name }, n);
        }
      },
    });
    new Gauge<"family">({
      name: "wren_bgp_loc_rib_prefixes",
      help: "Prefixes in the Loc-RIB.",
      labelNames: ["family"],
      registers: r,
      collect() {
        this.reset();
        const s = self.sources.speakerStatus();
        if (!s) return;
        this.set({ family: "ipv4" }, s.locRibPrefixes.ipv4);
        this.set({ family: "ipv6" }, s.locRibPrefixes.ipv6);
      },
    });
    gauge(
      "wren_bgp_graceful_restart_in_progress",
      "1 while wren waits for its peers' End-of-RIB after its own graceful restart.",
      () => (self.sources.speakerStatus()?.gracefulRestartInProgress ? 1 : 0),
    );
    counter(
      "wren_kernel_route_operations_total",
      "Kernel route changes (add, replace, delete) sent over rtnetlink.",
      () => self.sources.dataplaneCounters()?.routeOps ?? 0,
    );
    counter(
      "wren_kernel_route_errors_total",
      "Kernel route changes the kernel refused (retried on the next resync).",
      () => self.sources.dataplaneCounters()?.routeErrors ?? 0,
    );
    counter(
      "wren_dataplane_reconciles_total",
      "Dataplane reconciliation passes (plan changes and periodic resyncs).",
      () => self.sources.dataplaneCounters()?.reconciles ?? 0,
    );
    gauge(
      "wren_dataplane_last_reconcile_seconds",
      "Duration of the last dataplane reconciliation pass.",
      () => (self.sources.dataplaneCounters()?.lastReconcileMs ?? 0) / 1000,
    );
    this.reconcileDuration = new Histogram<"trigger">({
      name: "wren_reconcile_duration_seconds",
      help: "Time to read the datastore, render and apply a configuration change, by trigger.",
      labelNames: ["trigger"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: r,
    });
    this.reloads = new Counter<"result" | "trigger">({
      name: "wren_config_reloads_total",
      help: "Datastore reads by result (applied, unchanged, refused) and trigger.",
      labelNames: ["result", "trigger"],
      registers: r,
    });
    gauge(
      "wren_config_valid",
      "0 while the last datastore change is refused (the last good configuration runs).",
      () => (self.sources.configOk() ? 1 : 0),
    );
    gauge("wren_config_generation", "Number of configurations applied since start.", () =>
      self.sources.generation(),
    );
    gauge("wren_ready", "1 when /readyz answers 200.", () => (self.sources.ready() ? 1 : 0));
    new Gauge<"version" | "node" | "router_id" | "as_number">({
      name: "wren_info",
      help: "Constant 1 with wren's version, node name, router id and AS number as labels.",
      labelNames: ["version", "node", "router_id", "as_number"],
      registers: r,
      collect() {
        this.reset();
        const i = self.sources.info();
        this.set(
          {
            version: i.version,
            node: i.node,
            router_id: i.routerId,
            as_number: String(i.asNumber),
          },
          1,
        );
      },
    });
    // Process metrics: wren_process_resident_memory_bytes, wren_nodejs_eventloop_lag_*, ...
    collectDefaultMetrics({ register: this.registry, prefix: "wren_" });
  }

  /** A peer changed FSM state (speaker event); `peer` is the protocol name or address. */
  peerStateChanged(peer: string): void {
    this.stateChanges.set(peer, (this.stateChanges.get(peer) ?? 0) + 1);
  }

  reloaded(result: ReloadJson, durationMs: number, trigger: string): void {
    const outcome = result.error !== null ? "refused" : result.unchanged ? "unchanged" : "applied";
    this.reloads.inc({ result: outcome, trigger });
    this.reconcileDuration.observe({ trigger }, durationMs / 1000);
  }

  contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
