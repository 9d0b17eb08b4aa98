/**
 * The wren daemon: one process that runs the Calico renderer, the BGP speaker and the dataplane
 * agent together (calico/node's confd + bird + Felix routing), with a control socket, health
 * and metrics. It owns the wiring and the life cycle, not the protocols:
 *
 *   datastore ─read/render─► plan ─► dataplane.applyPlan + speaker.configure   (reconfigure.ts)
 *   speaker route batches ─► dataplane.applyBgpRoutes
 *   speaker `converged`   ─► dataplane.bgpConverged (stale kernel routes swept)
 *
 * Start: control socket first (it answers within moments, "starting"), then health/metrics, the
 * datastore read, privilege and port checks, the dataplane (adopting kernel routes), the speaker
 * (in restart mode, RFC 4724 §4.1, when the previous instance stopped gracefully or died), and
 * the first plan. Stop: graceful by default (no Cease, peers keep our routes as stale, kernel
 * routes stay) or withdraw-and-clean (`--no-graceful`, or graceful restart disabled in the
 * configuration).
 */
import { type Clock, realClock } from "../common/clock.js";
import type {
  DataplaneAgent,
  DataplaneCounters,
  Speaker,
  SpeakerEvent,
  SpeakerStatus,
} from "../common/contracts/index.js";
import { errorMessage } from "../common/errors.js";
import { collectGarbage } from "../common/gc.js";
import { trimFreedMemory } from "../common/native/memory.js";
import { createControlHandlers } from "./control/handlers.js";
import { type ControlServer, startControlServer } from "./control/server.js";
import type { ConfigSource, Engines, PlanSnapshot } from "./engines.js";
import { DaemonError, systemErrorCode } from "./errors.js";
import { closeHttpServer, startHttpServer } from "./http-server.js";
import { KernelConvergence } from "./kernel-convergence.js";
import type { Logger } from "./logger.js";
import { MemoryRelease } from "./memory-release.js";
import { DaemonMetrics } from "./metrics.js";
import type { RunOptions } from "./options.js";
import { checkBgpPort, checkDatastore, checkPrivileges } from "./preflight.js";
import { type DaemonPhase, evaluateReadiness, type Readiness } from "./readiness.js";
import { Reconfigurer, type ReloadTrigger } from "./reconfigure.js";
import {
  decideRestart,
  type RestartDecision,
  readRestartState,
  writeRestartState,
} from "./state-file.js";
import { wrenVersion } from "./version.js";
import { buildStatusJson, formatPlanErrors, type ReloadJson, type StatusJson } from "./views.js";

export type StopMode = "graceful" | "withdraw";

export interface DaemonDeps {
  readonly engines: Engines;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Checks that need a real host (tests with fake engines turn them off). */
  readonly checks?: { readonly privileges?: boolean; readonly bgpPort?: boolean };
  /** Readiness threshold (Calico: 30 s). */
  readonly readyThresholdMs?: number;
  /** A stop step taking longer is abandoned (default 15 s). */
  readonly stopStepDeadlineMs?: number;
  /** Releases freed heap memory after route bursts (default: malloc_trim through wren_memory). */
  readonly trimFreedMemory?: () => boolean;
}

/** A stop step (speaker, dataplane, ...) that takes longer is abandoned so the stop completes. */
const STOP_STEP_DEADLINE_MS = 15_000;

function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** How long the event-loop heartbeat may lag before /livez fails. */
const LIVENESS_LAG_MS = 10_000;

export class Daemon {
  private phaseValue: DaemonPhase = "starting";
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly startedMono: number;
  private readonly startedWall: number;
  private restartDecision: RestartDecision = { restarting: false, reason: "not started" };
  private source: ConfigSource | null = null;
  private speakerEngine: Speaker | null = null;
  private dataplaneEngine: DataplaneAgent | null = null;
  private reconfigurer: Reconfigurer | null = null;
  private control: ControlServer | null = null;
  private http: Awaited<ReturnType<typeof startHttpServer>> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private lastBeat: number;
  private stopping: Promise<void> | null = null;
  /** Set while restarting: gates the stale-route sweep (see kernel-convergence.ts). */
  private kernelConvergence: KernelConvergence | null = null;
  private stopModeUsed: StopMode | null = null;
  /** Gives freed heap memory back once a burst of route changes has settled. */
  private memoryRelease: MemoryRelease | null = null;
  readonly metrics: DaemonMetrics;

  constructor(
    readonly options: RunOptions,
    private readonly deps: DaemonDeps,
  ) {
    this.clock = deps.clock ?? realClock;
    this.log = deps.logger;
    this.startedMono = this.clock.now();
    this.startedWall = this.clock.wallNow();
    this.lastBeat = this.startedMono;
    this.metrics = new DaemonMetrics({
      speakerStatus: () => this.speakerStatus(),
      dataplaneCounters: () => this.dataplaneCounters(),
      ready: () => this.readiness().ready,
      configOk: () => this.configError === null,
      generation: () => this.reconfigurer?.state().generation ?? 0,
      info: () => ({
        version: wrenVersion(),
        node: this.options.node,
        routerId: this.reconfigurer?.plan?.routerId ?? "",
        asNumber: this.reconfigurer?.plan?.asNumber ?? 0,
      }),
    });
  }

  get phase(): DaemonPhase {
    return this.phaseValue;
  }

  get restart(): RestartDecision {
    return this.restartDecision;
  }

  get configError(): string | null {
    return this.reconfigurer?.configError ?? null;
  }

  get startedAt(): number {
    return this.startedWall;
  }

  /** The mode the daemon stopped (or is stopping) with; null while running. */
  get stopMode(): StopMode | null {
    return this.stopModeUsed;
  }

  speakerStatus(): SpeakerStatus | null {
    return this.speakerEngine?.status() ?? null;
  }

  dataplaneCounters(): DataplaneCounters | null {
    return this.dataplaneEngine?.counters() ?? null;
  }

  /** Where /livez, /readyz and /metrics are served (the real port when --http gave 0). */
  httpAddress(): { host: string; port: number } | null {
    const a = this.http?.address();
    return a && typeof a === "object" ? { host: a.address, port: a.port } : null;
  }

  get speaker(): Speaker | null {
    return this.speakerEngine;
  }

  get config() {
    return this.reconfigurer?.state() ?? null;
  }

  /**
   * Starts everything; resolves when the first plan is applied. Throws a `DaemonError` (one
   * line: what and how to fix) for start-up failures, after undoing what was started.
   */
  async start(): Promise<void> {
    const o = this.options;
    checkDatastore(o.datastore);
    // CAP_NET_ADMIN now (before /run/wren is touched); CAP_NET_BIND_SERVICE once the listen
    // port is known.
    if (this.deps.checks?.privileges !== false) checkPrivileges(0);
    this.control = await startControlServer(o.controlSocket, createControlHandlers(this), this.log);
    try {
      if (o.http) {
        this.http = await startHttpServer(
          o.http,
          {
            liveness: () => this.liveness(),
            readiness: () => this.readiness(),
            metrics: async () => ({
              contentType: this.metrics.contentType(),
              body: await this.metrics.text(),
            }),
          },
          this.log,
        );
      }
      this.heartbeat = setInterval(() => {
        this.lastBeat = this.clock.now();
      }, 1000);
      this.heartbeat.unref();
      this.restartDecision = decideRestart(
        readRestartState(o.stateFile),
        o.node,
        this.clock.wallNow(),
      );
      this.log.info(
        {
          version: wrenVersion(),
          datastore: o.datastore,
          control: o.controlSocket,
          http: o.http ? `${o.http.host}:${o.http.port}` : null,
          routeRefreshInterval: o.routeRefreshInterval ?? null,
          restarting: this.restartDecision.restarting,
          restartReason: this.restartDecision.reason,
        },
        "wren starting",
      );
      await this.startEngines();
      this.phaseValue = "running";
      this.log.info({ restarting: this.restartDecision.restarting }, "wren running");
    } catch (err) {
      await this.abortStart();
      throw err;
    }
  }

  private async startEngines(): Promise<void> {
    const o = this.options;
    const e = this.deps.engines;
    const checks = this.deps.checks ?? {};
    this.source = e.createConfigSource({
      datastore: o.datastore,
      node: o.node,
      logger: this.log.child({ component: "calico" }),
      routeRefreshInterval: o.routeRefreshInterval,
    });
    const first = await this.source.read();
    const plan = first.plan;
    if (!plan || first.errors.length > 0 || plan.errors.length > 0) {
      throw startupConfigError(first, o);
    }
    if (checks.privileges !== false) checkPrivileges(plan.listen.port);
    if (checks.bgpPort !== false) await checkBgpPort(plan.listen.address, plan.listen.port);

    try {
      this.dataplaneEngine = await e.createDataplane({
        node: o.node,
        logger: this.log.child({ component: "dataplane" }),
        clock: this.clock,
        restarting: this.restartDecision.restarting,
      });
    } catch (err) {
      throw new DaemonError(
        "DAEMON_NETLINK_UNAVAILABLE",
        `cannot program the kernel through rtnetlink (${errorMessage(err)}); wren needs Linux rtnetlink and CAP_NET_ADMIN in its network namespace (run as root)`,
        { cause: err },
      );
    }
    const dataplane = this.dataplaneEngine;
    const speaker = e.createSpeaker({
      logger: this.log.child({ component: "bgp" }),
      clock: this.clock,
      restarting: this.restartDecision.restarting,
    });
    this.speakerEngine = speaker;
    if (this.restartDecision.restarting) {
      this.kernelConvergence = new KernelConvergence({
        clock: this.clock,
        timeoutMs: plan.gracefulRestart.convergenceTimeout * 1000,
        peers: () => speaker.status().peers,
        sweep: (reason) => {
          this.log.info({ reason }, `sweeping stale kernel routes: ${reason}`);
          dataplane.bgpConverged();
        },
      });
    }
    const memoryRelease = new MemoryRelease({
      clock: this.clock,
      trim:
        this.deps.trimFreedMemory ??
        (() => {
          // Typed arrays replaced while the tables grew are freed only when collected; then
          // malloc keeps their memory until trimmed.
          collectGarbage();
          return trimFreedMemory();
        }),
      settled: () => dataplane.settled?.() ?? Promise.resolve(),
      onTrim: (ms, released) =>
        this.log.debug(
          {
            ms: Math.round(ms * 10) / 10,
            released,
            rssMiB: Math.round(process.memoryUsage.rss() / 2 ** 20),
          },
          "route burst settled: garbage collected and freed heap memory trimmed",
        ),
    });
    this.memoryRelease = memoryRelease;
    speaker.onRoutes((batch) => {
      dataplane.applyBgpRoutes(batch);
      memoryRelease.noteChanges(batch.upserts.length + batch.withdrawals.length);
    });
    speaker.onEvent((event) => this.onSpeakerEvent(event));

    this.reconfigurer = new Reconfigurer({
      source: this.source,
      diffPlans: e.diffPlans,
      speaker,
      dataplane,
      logger: this.log.child({ component: "reload" }),
      wallNow: () => this.clock.wallNow(),
      monoNow: () => this.clock.now(),
      onResult: (r, ms, trigger) => this.metrics.reloaded(r, ms, trigger),
    });
    let result: ReloadJson;
    try {
      result = await this.reconfigurer.reload("start");
    } catch (err) {
      throw mapEngineStartError(err, plan.listen.port);
    }
    if (result.error !== null) {
      throw new DaemonError(
        "DAEMON_CONFIG_INVALID",
        `configuration in ${o.datastore} is invalid: ${result.error}; fix it (wren render --datastore ${o.datastore} --node ${o.node} shows the plan)`,
      );
    }
    writeRestartState(o.stateFile, {
      node: o.node,
      status: "running",
      stop: null,
      pid: process.pid,
      at: this.clock.wallNow(),
      restartTime: this.reconfigurer.plan?.gracefulRestart.restartTime ?? 0,
    });
    this.source.watch(() => {
      if (this.phaseValue === "running") void this.reload("datastore");
    });
  }

  private onSpeakerEvent(event: SpeakerEvent): void {
    switch (event.type) {
      case "peerState": {
        this.metrics.peerStateChanged(event.peer);
        const address = this.reconfigurer?.plan?.peers.find((p) => p.name === event.peer)?.address;
        this.log.info(
          { peer: event.peer, address, from: event.from, to: event.to, reason: event.reason },
          `BGP session ${event.peer}${address ? ` (${address})` : ""}: ${event.from} → ${event.to}${event.reason ? ` (${event.reason})` : ""}`,
        );
        break;
      }
      case "converged":
        if (this.kernelConvergence) {
          this.log.info(
            "BGP converged after restart; waiting for every peer's routes before sweeping stale kernel routes",
          );
          this.kernelConvergence.converged();
        } else {
          this.log.info("BGP converged");
          this.dataplaneEngine?.bgpConverged();
        }
        break;
      case "error":
        this.log.error({ error: event.message }, `BGP speaker error: ${event.message}`);
        break;
    }
  }

  /** Re-reads the datastore and applies the change (datastore watch, SIGHUP, `wren reload`). */
  async reload(trigger: ReloadTrigger): Promise<ReloadJson> {
    if (!this.reconfigurer || this.phaseValue !== "running") {
      throw new DaemonError("DAEMON_USAGE", `cannot reload while ${this.phaseValue}`);
    }
    return this.reconfigurer.reload(trigger);
  }

  readiness(): Readiness {
    const s = this.speakerStatus();
    return evaluateReadiness({
      phase: this.phaseValue,
      uptimeMs: this.clock.now() - this.startedMono,
      thresholdMs: this.deps.readyThresholdMs,
      peers: s?.peers ?? [],
      gracefulRestartInProgress: s?.gracefulRestartInProgress ?? false,
      configError: this.configError,
    });
  }

  liveness(): Readiness {
    const lag = this.clock.now() - this.lastBeat;
    if (this.heartbeat && lag > LIVENESS_LAG_MS) {
      return { ready: false, reason: `event loop heartbeat ${Math.round(lag / 1000)} s late` };
    }
    return { ready: true, reason: `wren ${this.phaseValue}, pid ${process.pid}` };
  }

  status(): StatusJson {
    return buildStatusJson(
      this.options.node,
      this.speakerStatus(),
      this.reconfigurer?.plan ?? null,
      this.configError,
    );
  }

  /** The stop mode the configuration asks for (graceful unless disabled by flag or config). */
  defaultStopMode(): StopMode {
    const plan = this.reconfigurer?.plan;
    if (!this.options.graceful) return "withdraw";
    if (plan && !plan.gracefulRestart.enabled) return "withdraw";
    return "graceful";
  }

  /** Stops the daemon; later calls return the same promise. */
  stop(reason: string, mode: StopMode = this.defaultStopMode()): Promise<void> {
    if (!this.stopping) this.stopping = this.doStop(reason, mode);
    return this.stopping;
  }

  private async doStop(reason: string, mode: StopMode): Promise<void> {
    this.phaseValue = "stopping";
    this.stopModeUsed = mode;
    this.kernelConvergence?.cancel();
    this.memoryRelease?.stop();
    this.log.info(
      { reason, mode },
      mode === "graceful"
        ? "stopping gracefully: sessions closed without Cease, kernel routes kept"
        : "stopping: withdrawing routes (Cease to peers) and removing kernel routes",
    );
    const steps: [string, () => Promise<void> | void][] = [
      ["datastore", () => this.source?.close()],
      ["speaker", () => this.speakerEngine?.stop(mode)],
      ["dataplane", () => this.dataplaneEngine?.stop({ keepRoutes: mode === "graceful" })],
      [
        "state file",
        () => {
          if (!this.reconfigurer?.plan) return;
          writeRestartState(this.options.stateFile, {
            node: this.options.node,
            status: "stopped",
            stop: mode,
            pid: process.pid,
            at: this.clock.wallNow(),
            restartTime: this.reconfigurer.plan.gracefulRestart.restartTime,
          });
        },
      ],
      ["http", () => (this.http ? closeHttpServer(this.http) : undefined)],
      ["control socket", () => this.control?.close()],
    ];
    for (const [name, step] of steps) {
      try {
        await withDeadline(
          Promise.resolve(step()),
          this.deps.stopStepDeadlineMs ?? STOP_STEP_DEADLINE_MS,
          `stopping the ${name}`,
        );
      } catch (err) {
        this.log.error({ err, step: name }, `stopping the ${name} failed: ${errorMessage(err)}`);
      }
    }
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.log.info({ mode }, "wren stopped");
  }

  /** Undo a failed start without disturbing peers or the kernel more than needed. */
  private async abortStart(): Promise<void> {
    this.phaseValue = "stopping";
    this.kernelConvergence?.cancel();
    this.memoryRelease?.stop();
    const quiet = async (fn: () => Promise<void> | void | undefined) => {
      try {
        await fn();
      } catch (err) {
        this.log.debug({ err }, "cleanup after failed start");
      }
    };
    await quiet(() => this.source?.close());
    // Graceful: a failed (re)start must not make peers drop our routes or empty the kernel.
    await quiet(() => this.speakerEngine?.stop("graceful"));
    await quiet(() => this.dataplaneEngine?.stop({ keepRoutes: true }));
    await quiet(() => (this.http ? closeHttpServer(this.http) : undefined));
    await quiet(() => this.control?.close());
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}

/** How the renderer reports an unknown node ("no Node named "x" in the datastore ..."). */
const NODE_MISSING = /\bno Node named\b|\bnode\b.*\b(not found|does not exist|no such|unknown)\b/i;

/** The start-up error for a first datastore read that gave no usable plan. */
export function startupConfigError(snapshot: PlanSnapshot, o: RunOptions): DaemonError {
  const errors = snapshot.errors.length > 0 ? snapshot.errors : (snapshot.plan?.errors ?? []);
  const nodeMissing = errors.find(
    (m) => NODE_MISSING.test(m.message) && m.message.includes(o.node),
  );
  if (nodeMissing) {
    return new DaemonError(
      "DAEMON_NODE_NOT_FOUND",
      `node "${o.node}" is not in the datastore ${o.datastore} (no Node resource with that name); pass --node NAME or set NODENAME to one of its nodes, or add a Node resource for it`,
    );
  }
  const text = formatPlanErrors(errors) ?? "the datastore produced no plan for this node";
  return new DaemonError(
    "DAEMON_CONFIG_INVALID",
    `configuration in ${o.datastore} is invalid: ${text}; fix it (wren render --datastore ${o.datastore} --node ${o.node} shows the details)`,
  );
}

/** Maps an engine failure during the first configuration to a start-up error. */
function mapEngineStartError(err: unknown, port: number): unknown {
  if (err instanceof DaemonError) return err;
  const code = systemErrorCode(err);
  if (code === "EADDRINUSE") {
    return new DaemonError(
      "DAEMON_BGP_PORT_IN_USE",
      `BGP port ${port} is already in use (another BGP daemon such as bird, bgpd or gobgpd in this network namespace?); stop it or set BGPConfiguration spec.listenPort`,
      { cause: err },
    );
  }
  if (code === "EACCES" || code === "EPERM") {
    return new DaemonError(
      "DAEMON_NOT_PRIVILEGED",
      `permission denied starting the engines (${errorMessage(err)}); run wren as root or grant CAP_NET_ADMIN and CAP_NET_BIND_SERVICE`,
      { cause: err },
    );
  }
  return err;
}
