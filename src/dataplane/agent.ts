/**
 * The dataplane agent (`DataplaneAgent`): keeps the node's kernel equal to the renderer's desired
 * dataplane plus the speaker's BGP routes, touching only what wren owns (ownership.ts).
 *
 * Shape (BIRD's kernel protocol and Felix's route table, folded together):
 *   - a view of the kernel (links, addresses, main-table routes, neighbours on our interfaces),
 *     filled by a full dump at start and every `resyncInterval`, and kept current between dumps
 *     by netlink notifications (our own changes echo back the same way);
 *   - the desired routes: plan routes (route-plan.ts) and BGP routes converted by the kernel
 *     policy with next hops resolved recursively against the view (resolver.ts);
 *   - passes: each pass takes what became dirty (identities, devices, neighbours, resolution)
 *     and turns the differences into one pipelined list of kernel changes (route-diff.ts).
 *     Notifications that show drift (a route deleted by hand, an interface down or up, a
 *     device attribute changed) make the next pass run after `repairDelayMs`.
 *   - graceful restart: `restarting` keeps `proto bird` routes found at start until
 *     `bgpConverged()` (or `convergeTimeoutMs`); `stop({keepRoutes:true})` leaves everything.
 * Per-route failures are counted and logged with the route and errno; they are retried at the
 * next full resync (or earlier when a notification touches the route), never fatal.
 */

import { type Clock, realClock, type TimerHandle } from "../common/clock.js";
import type {
  BgpRouteBatch,
  DataplaneAgent,
  DataplaneCounters,
  DesiredDataplane,
} from "../common/contracts/dataplane.js";
import { errorMessage } from "../common/errors.js";
import { parseAddress } from "../common/ip/address.js";
import { formatPrefix } from "../common/ip/prefix.js";
import { BgpTable } from "./bgp-table.js";
import { IPIP_DEVICE, planDevices } from "./devices.js";
import { formatRoute } from "./format.js";
import type { Kernel, KernelEvent, KernelOp, RouteScanEntry } from "./kernel.js";
import {
  type KernelAddress,
  type KernelLink,
  type KernelRoute,
  type RouteKey,
  routeKey,
} from "./model.js";
import { planNeighbours } from "./neighbours.js";
import {
  EEXIST,
  ENOENT,
  EOPNOTSUPP,
  ESRCH,
  errnoName,
  IFF_UP,
  RT_TABLE_MAIN,
  RTPROT_BIRD,
} from "./netlink/constants.js";
import { DEFAULT_OWNERSHIP, isWorkloadInterface, type OwnershipRules } from "./ownership.js";
import { NexthopResolver } from "./resolver.js";
import { type DecideContext, decideRoute, routeMatches } from "./route-diff.js";
import {
  type CompiledKernelPolicy,
  compileKernelPolicy,
  computePlanRoutes,
  type DesiredRoute,
  isOperUp,
  type RouteSource,
} from "./route-plan.js";
import {
  applySysctls,
  globalSysctls,
  hostRpFilter,
  procSysctl,
  type SysctlPort,
  workloadSysctls,
} from "./sysctls.js";
import { KernelView } from "./view.js";

/** Structured logger (pino's call shape). */
export interface DataplaneLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const silentLogger: DataplaneLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

export interface DataplaneAgentOptions {
  readonly kernel: Kernel;
  readonly logger?: DataplaneLogger;
  readonly clock?: Clock;
  /** wren restarted gracefully: keep adopted `proto bird` routes until `bgpConverged()`. */
  readonly restarting?: boolean;
  /** Give up waiting for `bgpConverged()` after this long (default 120 s). */
  readonly convergeTimeoutMs?: number;
  readonly sysctl?: SysctlPort;
  readonly ownership?: OwnershipRules;
  /** Delay between a drift notification and the repair pass (default 20 ms). */
  readonly repairDelayMs?: number;
}

export interface DataplaneStatus {
  readonly planned: boolean;
  /** What the agent is doing: "idle", or the step of the running pass. */
  readonly stage: string;
  readonly converged: boolean;
  readonly passes: number;
  readonly routes: {
    readonly desired: number;
    readonly bySource: Record<string, number>;
    /** Owned routes currently in the kernel's main table. */
    readonly owned: number;
    /** Owned routes kept although not desired (grace period, graceful restart). */
    readonly deferred: number;
  };
  readonly bgp: {
    readonly routes: number;
    readonly installed: number;
    readonly unresolved: number;
    /** Up to 20 BGP routes that are not installed, with the reason. */
    readonly notInstalled: readonly { prefix: string; reason: string }[];
  };
  readonly devices: readonly string[];
  readonly problems: readonly string[];
  readonly failures: readonly { route: string; error: string }[];
  readonly counters: DataplaneCounters;
}

const SLICE = 2048;
/** A pass touching at least this many route identities pauses route notifications. */
const BULK_ROUTES = 2048;
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export class NetlinkDataplaneAgent implements DataplaneAgent {
  private readonly kernel: Kernel;
  private readonly log: DataplaneLogger;
  private readonly clock: Clock;
  private readonly sysctl: SysctlPort;
  private readonly rules: OwnershipRules;
  private readonly repairDelayMs: number;

  private plan: DesiredDataplane | null = null;
  private policy: CompiledKernelPolicy | null = null;

  // Kernel view.
  private readonly view: KernelView;

  // Desired state.
  private planRoutes = new Map<RouteKey, DesiredRoute>();
  private resolver = new NexthopResolver([]);
  private readonly bgp = new BgpTable({
    policy: () => this.policy,
    resolve: (f, a) => this.resolver.resolve(f, a),
    linkByName: (n) => this.view.linksByName.get(n),
    notInstalled: (prefix, reason) => this.log.debug({ prefix, reason }, "BGP route not installed"),
  });

  // Work.
  private dirty = new Set<RouteKey>();
  private allDirty = false;
  private needFullSync = true;
  private needPlanSync = false;
  private needResolve = false;
  private needNeighSync = false;
  private needBgpAll = false;
  private needRouteCheck = false;
  private pendingBgp: BgpRouteBatch[] = [];
  private readonly deferred = new Map<RouteKey, number>();
  /** Identities wanted since start; only tracked until BGP has converged. */
  private readonly claimed = new Set<RouteKey>();
  private converged: boolean;
  private readonly workloadSeen = new Map<string, number>();
  private readonly sysctlDone = new Map<string, number>();
  private tunl0Undeletable = false;
  private readonly deviceFailures = new Set<string>();
  private readonly problems = new Set<string>();
  private readonly failures = new Map<RouteKey, { route: string; error: string }>();
  /** Notifications our own route changes will cause, by identity (swallowed when they come). */
  private readonly echoes = new Map<
    RouteKey,
    { removed: boolean; protocol: number; count: number }
  >();

  // Scheduling.
  private running: Promise<void> | null = null;
  private again = false;
  private timer: TimerHandle | null = null;
  private timerDue = Number.POSITIVE_INFINITY;
  private resyncTimer: TimerHandle | null = null;
  private convergeTimer: TimerHandle | null = null;
  private deferTimer: TimerHandle | null = null;
  private idleWaiters: (() => void)[] = [];
  private stage = "idle";
  private stopped = false;

  private routeOps = 0;
  private routeErrors = 0;
  private lastReconcileMs = 0;
  private reconciles = 0;

  constructor(options: DataplaneAgentOptions) {
    this.kernel = options.kernel;
    this.log = options.logger ?? silentLogger;
    this.clock = options.clock ?? realClock;
    this.sysctl = options.sysctl ?? procSysctl;
    this.rules = options.ownership ?? DEFAULT_OWNERSHIP;
    this.view = new KernelView(this.rules, (name) => {
      if (!this.workloadSeen.has(name)) this.workloadSeen.set(name, this.clock.now());
    });
    this.repairDelayMs = options.repairDelayMs ?? 20;
    this.converged = !(options.restarting ?? false);
    if (!this.converged) {
      this.convergeTimer = this.clock.setTimer(options.convergeTimeoutMs ?? 120_000, () => {
        if (!this.converged) {
          this.log.warn({}, "BGP did not report convergence in time; removing stale routes now");
          this.bgpConverged();
        }
      });
    }
    this.kernel.onEvents((events) => this.onKernelEvents(events));
  }

  // ---------------------------------------------------------------------------------------------
  // DataplaneAgent

  async applyPlan(desired: DesiredDataplane): Promise<void> {
    if (this.stopped) return;
    const policyChanged =
      this.plan === null ||
      JSON.stringify(this.plan.kernelPolicy) !== JSON.stringify(desired.kernelPolicy);
    this.plan = desired;
    if (policyChanged) {
      this.policy = compileKernelPolicy(desired.kernelPolicy);
      for (const p of this.policy.problems) this.problem(p);
      this.needBgpAll = true;
    }
    this.needPlanSync = true;
    this.needResolve = true;
    this.armResync();
    this.schedule(0);
    await this.settled();
  }

  applyBgpRoutes(batch: BgpRouteBatch): void {
    if (this.stopped) return;
    this.pendingBgp.push(batch);
    this.schedule(0);
  }

  bgpConverged(): void {
    if (this.converged) return;
    this.converged = true;
    this.claimed.clear();
    this.convergeTimer?.cancel();
    this.convergeTimer = null;
    let stale = 0;
    for (const [key, until] of this.deferred) {
      if (until === Number.POSITIVE_INFINITY) {
        this.dirty.add(key);
        stale++;
      }
    }
    this.log.info({ stale }, "BGP converged: sweeping stale routes");
    this.schedule(0);
  }

  counters(): DataplaneCounters {
    return {
      routeOps: this.routeOps,
      routeErrors: this.routeErrors,
      lastReconcileMs: this.lastReconcileMs,
      reconciles: this.reconciles,
    };
  }

  async stop(options: { keepRoutes: boolean }): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of [this.timer, this.resyncTimer, this.convergeTimer, this.deferTimer])
      t?.cancel();
    while (this.running) await this.running;
    if (!options.keepRoutes) {
      // BIRD without `persist`: flush our `proto bird` routes. Felix's state stays.
      const ops: KernelOp[] = [];
      for (const r of this.view.routes.values()) {
        if (r.protocol === RTPROT_BIRD && r.table === RT_TABLE_MAIN)
          ops.push({ kind: "route-del", route: r });
      }
      const results = await this.kernel.apply(ops).catch(() => []);
      const removed = results.filter((e) => e === 0).length;
      this.log.info({ removed }, "stopped: removed proto bird routes");
    } else {
      this.log.info({ routes: this.view.ownedCount() }, "stopped: routes left in the kernel");
    }
    await this.kernel.close();
    for (const w of this.idleWaiters.splice(0)) w();
  }

  // ---------------------------------------------------------------------------------------------
  // Introspection (wren dataplane status, tests)

  /** Resolves when no work is pending and no pass is running. */
  settled(): Promise<void> {
    if (this.stopped || (!this.running && !this.hasWork() && this.timer === null)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Forces a full resync (dump everything, diff everything). */
  resync(): Promise<void> {
    this.needFullSync = true;
    this.schedule(0);
    return this.settled();
  }

  status(): DataplaneStatus {
    const bySource: Record<string, number> = {};
    let desired = 0;
    const count = (s: RouteSource) => {
      bySource[s] = (bySource[s] ?? 0) + 1;
      desired++;
    };
    for (const d of this.planRoutes.values()) count(d.source);
    for (const key of this.bgp.desired.keys()) if (!this.planRoutes.has(key)) count("bgp");
    return {
      planned: this.plan !== null,
      stage: this.running ? this.stage : "idle",
      converged: this.converged,
      passes: this.reconciles,
      routes: { desired, bySource, owned: this.view.ownedCount(), deferred: this.deferred.size },
      bgp: {
        routes: this.bgp.routes.size,
        installed: this.bgp.desired.size,
        unresolved: this.bgp.unresolved.size,
        notInstalled: this.bgp.notInstalled(20),
      },
      devices: [IPIP_DEVICE, "vxlan.calico", "vxlan-v6.calico"].filter((n) =>
        this.view.linksByName.has(n),
      ),
      problems: [...this.problems],
      failures: [...this.failures.values()].slice(0, 50),
      counters: this.counters(),
    };
  }

  /** Owned kernel routes as `ip route` lines. */
  ownedRoutes(): string[] {
    const out: string[] = [];
    for (const r of this.view.routes.values())
      if (this.view.owner(r) !== null) out.push(this.describe(r));
    return out.sort();
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduling

  private hasWork(): boolean {
    return (
      this.dirty.size > 0 ||
      this.allDirty ||
      this.needFullSync ||
      this.needPlanSync ||
      this.needResolve ||
      this.needNeighSync ||
      this.needBgpAll ||
      this.needRouteCheck ||
      this.pendingBgp.length > 0
    );
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const due = this.clock.now() + delayMs;
    if (this.timer !== null && this.timerDue <= due) return;
    this.timer?.cancel();
    this.timerDue = due;
    this.timer = this.clock.setTimer(delayMs, () => {
      this.timer = null;
      this.timerDue = Number.POSITIVE_INFINITY;
      this.startPass();
    });
  }

  private startPass(): void {
    if (this.stopped || this.running) return;
    const run = async () => {
      try {
        await this.pass();
      } catch (err) {
        this.log.error({ err: errorMessage(err) }, "dataplane pass failed; retrying in 1 s");
        this.needFullSync = true;
        this.again = false;
        this.running = null;
        this.schedule(1000);
        return;
      }
      this.running = null;
      if (this.again || (this.plan !== null && this.hasWork())) {
        this.again = false;
        this.schedule(0);
      } else if (this.timer === null) {
        for (const w of this.idleWaiters.splice(0)) w();
      }
    };
    this.running = run();
  }

  private armResync(): void {
    if (this.plan === null || this.stopped) return;
    this.resyncTimer?.cancel();
    const ms = Math.max(1, this.plan.resyncInterval) * 1000;
    this.resyncTimer = this.clock.setTimer(ms, () => {
      this.needFullSync = true;
      this.schedule(0);
      this.armResync();
    });
  }

  // ---------------------------------------------------------------------------------------------
  // One pass

  private async pass(): Promise<void> {
    const t0 = this.clock.now();
    if (this.needFullSync) {
      this.needFullSync = false;
      this.needRouteCheck = false;
      this.stage = "full dump";
      await this.fullDump();
      this.needPlanSync = true;
      this.needResolve = true;
      this.needNeighSync = true;
      this.allDirty = true;
      this.deviceFailures.clear();
      this.sysctlDone.clear();
    }
    if (this.needRouteCheck) {
      this.needRouteCheck = false;
      this.stage = "route check";
      await this.checkRoutes();
    }
    const plan = this.plan;
    if (plan === null || this.stopped) return;
    if (this.needPlanSync) {
      this.needPlanSync = false;
      this.stage = "devices";
      await this.syncDevices(plan);
      this.syncSysctls(plan);
      this.needResolve = true;
      this.needNeighSync = true;
    }
    if (this.needResolve) {
      this.needResolve = false;
      this.stage = "next hops";
      this.rebuildResolver();
      this.recomputePlanRoutes(plan);
      await this.reresolveBgp();
    }
    if (this.needBgpAll) {
      this.needBgpAll = false;
      await this.recomputeBgp(this.bgp.routes.keys());
    }
    if (this.pendingBgp.length > 0) {
      this.stage = "BGP routes";
      await this.takeBgpBatches();
    }
    if (this.needNeighSync) {
      this.needNeighSync = false;
      this.stage = "neighbours";
      await this.syncNeighbours(plan);
    }
    this.stage = "routes";
    await this.syncRoutes();
    this.reconciles++;
    this.lastReconcileMs = Math.round(this.clock.now() - t0);
  }

  private async fullDump(): Promise<void> {
    const [links, a4, a6, r4, r6, n4, n6, fdb] = await Promise.all([
      this.kernel.dumpLinks(),
      this.kernel.dumpAddresses("ipv4"),
      this.kernel.dumpAddresses("ipv6"),
      this.kernel.dumpRoutes("ipv4"),
      this.kernel.dumpRoutes("ipv6"),
      this.kernel.dumpNeighbours("ipv4"),
      this.kernel.dumpNeighbours("ipv6"),
      this.kernel.dumpNeighbours("bridge"),
    ]);
    this.view.setLinks(links);
    this.view.addresses = [...a4, ...a6];
    this.view.routes.clear();
    this.echoes.clear();
    let n = 0;
    for (const list of [r4, r6]) {
      for (const r of list) {
        if (r.table === RT_TABLE_MAIN) this.view.routes.set(routeKey(r), r);
        if (++n % SLICE === 0) await yieldToLoop();
      }
    }
    this.view.setNeighbours([n4, n6, fdb]);
  }

  // ---------------------------------------------------------------------------------------------
  // Devices, sysctls, neighbours

  private async syncDevices(plan: DesiredDataplane): Promise<void> {
    for (let round = 0; round < 4; round++) {
      const dp = planDevices(plan, {
        links: [...this.view.links.values()],
        addresses: this.view.addresses,
        tunl0Undeletable: this.tunl0Undeletable,
      });
      for (const p of dp.problems) this.problem(p);
      const ops = dp.ops.filter((op) => !this.deviceFailures.has(deviceOpKey(op)));
      if (ops.length === 0) return;
      const results = await this.kernel.apply(ops);
      results.forEach((errno, i) => {
        const op = ops[i];
        if (errno === 0) {
          this.log.info({ op: describeDeviceOp(op, this.view.links) }, "device changed");
          return;
        }
        this.deviceFailures.add(deviceOpKey(op));
        if (op.kind === "ipip-add" && errno === EOPNOTSUPP) {
          this.problem("tunl0 cannot be created: the kernel has no ipip module");
        } else if (op.kind === "link-del" && this.view.links.get(op.index)?.name === IPIP_DEVICE) {
          this.tunl0Undeletable = true;
        } else {
          this.problem(`${describeDeviceOp(op, this.view.links)} failed: ${errnoName(errno)}`);
        }
      });
      const [links, a4, a6] = await Promise.all([
        this.kernel.dumpLinks(),
        this.kernel.dumpAddresses("ipv4"),
        this.kernel.dumpAddresses("ipv6"),
      ]);
      this.view.setLinks(links);
      this.view.addresses = [...a4, ...a6];
      if (!dp.structural) return;
    }
  }

  private syncSysctls(plan: DesiredDataplane): void {
    const settings = globalSysctls(plan.sysctls.ipv4Forwarding, plan.sysctls.ipv6Forwarding);
    let rp: string | null = null;
    for (const w of plan.workloads) {
      const link = this.view.linksByName.get(w.name);
      if (link === undefined || !isOperUp(link)) continue;
      if (this.sysctlDone.get(w.name) === link.index) continue;
      rp ??= hostRpFilter(this.sysctl);
      const v6 = w.addresses.some((a) => a.includes(":"));
      const v4 = w.addresses.some((a) => !a.includes(":")) || !v6;
      settings.push(...workloadSysctls(w.name, v4, v6, rp));
      this.sysctlDone.set(w.name, link.index);
    }
    const out = applySysctls(this.sysctl, settings);
    if (out.written.length > 0) this.log.debug({ keys: out.written }, "sysctls written");
    for (const f of out.failed) this.problem(`sysctl ${f.key}: ${f.error}`);
  }

  private async syncNeighbours(plan: DesiredDataplane): Promise<void> {
    const ops = planNeighbours(
      plan,
      [...this.view.links.values()],
      [...this.view.neighbours.values()],
      this.rules,
    );
    if (ops.length === 0) return;
    const results = await this.kernel.apply(ops);
    results.forEach((errno, i) => {
      const op = ops[i];
      if (errno !== 0 && errno !== ENOENT) {
        this.problem(
          `${op.kind} on ${this.view.links.get("ifindex" in op ? op.ifindex : 0)?.name ?? "?"} failed: ${errnoName(errno)}`,
        );
      }
    });
    const dumps = await Promise.all([
      this.kernel.dumpNeighbours("ipv4"),
      this.kernel.dumpNeighbours("ipv6"),
      this.kernel.dumpNeighbours("bridge"),
    ]);
    this.view.setNeighbours(dumps);
  }

  // ---------------------------------------------------------------------------------------------
  // Desired routes

  private rebuildResolver(): void {
    const inputs: KernelRoute[] = [];
    for (const [key, r] of this.view.routes) {
      if (r.protocol === RTPROT_BIRD && this.planRoutes.get(key)?.source !== "bird-static")
        continue;
      inputs.push(r);
    }
    const local: Uint8Array[] = [];
    for (const a of this.view.addresses) {
      const b = parseAddress(a.address);
      if (b !== null) local.push(b);
    }
    this.resolver = new NexthopResolver(inputs, local);
  }

  private recomputePlanRoutes(plan: DesiredDataplane): void {
    const next = computePlanRoutes(plan, {
      linkByName: (n) => this.view.linksByName.get(n),
      resolve: (f, a) => this.resolver.resolve(f, a),
      routeKey,
    });
    for (const p of next.problems) this.problem(p);
    for (const [key, d] of next.routes) {
      const prev = this.planRoutes.get(key);
      if (prev === undefined || prev.source !== d.source || !routeMatches(d.route, prev.route)) {
        this.dirty.add(key);
      }
    }
    for (const key of this.planRoutes.keys()) if (!next.routes.has(key)) this.dirty.add(key);
    this.planRoutes = next.routes;
  }

  /** After the resolver changed: recompute the BGP routes whose next hop resolves differently. */
  private async reresolveBgp(): Promise<void> {
    const affected = this.bgp.affectedByResolution();
    if (affected.size > 0) await this.recomputeBgp(affected);
  }

  private async recomputeBgp(keys: Iterable<RouteKey>): Promise<void> {
    let n = 0;
    for (const _ of this.bgp.recompute(keys, this.dirty)) {
      if (++n % SLICE === 0) await yieldToLoop();
    }
  }

  /**
   * A link went admin-down or away: the kernel flushed the routes through it without telling
   * anyone (no RTM_DELROUTE for those), so the view forgets them too. A multipath route that
   * only lost some paths is re-read with the next full dump.
   */
  private forgetRoutesOn(ifindex: number): void {
    let partial = false;
    for (const [key, r] of this.view.routes) {
      if (r.nexthops.length === 0 || !r.nexthops.some((h) => h.ifindex === ifindex)) continue;
      if (r.nexthops.every((h) => h.ifindex === ifindex)) this.view.routes.delete(key);
      else partial = true;
      this.dirty.add(key);
    }
    if (partial) this.needFullSync = true;
    this.needResolve = true;
  }

  /**
   * Takes the queued BGP batches into the desired state. Large batches stream: every slice's
   * changes go to the kernel while the next slice is converted.
   */
  private async takeBgpBatches(): Promise<void> {
    const batches = this.pendingBgp;
    this.pendingBgp = [];
    const ctx = this.bgp.batchContext();
    let total = 0;
    for (const b of batches) total += b.upserts.length + b.withdrawals.length;
    const session = total >= BULK_ROUTES ? await this.openRouteSync(total + this.dirty.size) : null;
    const step = async () => {
      if (session === null) return yieldToLoop();
      const keys = this.dirty;
      this.dirty = new Set();
      await session.diff(keys);
    };
    try {
      let n = 0;
      for (const batch of batches) {
        for (const prefix of batch.withdrawals) {
          this.bgp.withdraw(prefix, this.dirty);
          if (++n % SLICE === 0) await step();
        }
        for (const r of batch.upserts) {
          this.bgp.upsert(r, this.dirty, ctx);
          if (++n % SLICE === 0) await step();
        }
      }
      if (session !== null) await step();
    } finally {
      await session?.close();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Routes

  private describe(r: KernelRoute): string {
    return formatRoute(r, this.view.linkName);
  }

  private wanted(key: RouteKey): KernelRoute | undefined {
    if (this.planRoutes.size > 0) {
      const p = this.planRoutes.get(key);
      if (p !== undefined) return p.route;
    }
    return this.bgp.desired.get(key);
  }

  private workloadGraceEnd(r: KernelRoute): number {
    if (r.nexthops.length === 0 || this.plan === null) return 0;
    const name = this.view.links.get(r.nexthops[0].ifindex)?.name;
    if (name === undefined || !isWorkloadInterface(name, this.rules)) return 0;
    const seen = this.workloadSeen.get(name);
    return seen === undefined ? 0 : seen + this.plan.workloadGracePeriod * 1000;
  }

  /**
   * Diffs the dirty identities (or all of them) and sends the changes. Changes go out in chunks
   * while the next chunk is being computed, so the kernel works while this thread diffs.
   */
  /** Diffs the dirty identities (or all of them, after a full resync) and sends the changes. */
  private async syncRoutes(): Promise<void> {
    let keys: Set<RouteKey>;
    if (this.allDirty) {
      this.allDirty = false;
      const all = new Set<RouteKey>(this.planRoutes.keys());
      for (const k of this.bgp.desired.keys()) all.add(k);
      for (const [k, r] of this.view.routes) if (this.view.owner(r) !== null) all.add(k);
      for (const k of this.dirty) all.add(k);
      keys = all;
      this.dirty.clear();
    } else {
      keys = this.dirty;
      this.dirty = new Set();
    }
    if (keys.size === 0) return;
    const session = await this.openRouteSync(keys.size);
    try {
      await session.diff(keys);
    } finally {
      await session.close();
    }
  }

  /**
   * A route sync session: identities are diffed in slices and their changes sent while the next
   * slice is diffed, so the kernel works while this thread computes. `expected` identities at or
   * above BULK_ROUTES (a full table, a peer gone) make it a bulk session: route notifications
   * (whose echo would cost as much as the changes) are paused and the table checked afterwards.
   */
  private async openRouteSync(
    expected: number,
  ): Promise<{ diff(keys: Iterable<RouteKey>): Promise<void>; close(): Promise<void> }> {
    const bulk = expected >= BULK_ROUTES;
    if (bulk) await this.kernel.watchRoutes(false);
    const ctx: DecideContext = {
      now: this.clock.now(),
      owner: (r) => this.view.owner(r),
      workloadGraceEnd: (r) => this.workloadGraceEnd(r),
      converged: this.converged,
      claimed: false,
    };
    const inFlight: Promise<void>[] = [];
    let ops: KernelOp[] = [];
    let opKeys: RouteKey[] = [];
    const send = async (force: boolean) => {
      if (ops.length > 0) {
        inFlight.push(this.applyRouteOps(ops, opKeys, !bulk));
        ops = [];
        opKeys = [];
      }
      while (inFlight.length > (force ? 0 : 1)) await inFlight.shift();
    };
    const diff = async (keys: Iterable<RouteKey>) => {
      let n = 0;
      for (const key of keys) {
        const want = this.wanted(key);
        if (!this.converged) {
          if (want !== undefined) this.claimed.add(key);
          ctx.claimed = this.claimed.has(key);
        }
        const action = decideRoute(want, this.view.routes.get(key), ctx);
        if (action.kind !== "defer" && this.deferred.size > 0) this.deferred.delete(key);
        switch (action.kind) {
          case "none":
            if (this.failures.size > 0) this.failures.delete(key);
            break;
          case "add":
            ops.push({ kind: "route-add", route: action.route });
            opKeys.push(key);
            break;
          case "replace":
            ops.push({ kind: "route-replace", route: action.route });
            opKeys.push(key);
            break;
          case "delete":
            ops.push({ kind: "route-del", route: action.route });
            opKeys.push(key);
            break;
          case "conflict":
            this.fail(key, action.route, `conflicts with ${this.describe(action.holder)}`);
            break;
          case "defer":
            this.deferred.set(key, action.until);
            break;
        }
        if (++n % SLICE === 0) {
          if (ops.length >= SLICE) await send(false);
          else await yieldToLoop();
        }
      }
      if (ops.length >= SLICE) await send(false);
    };
    const close = async () => {
      try {
        await send(true);
        this.armDeferTimer();
      } finally {
        if (bulk) {
          await this.kernel.watchRoutes(true);
          this.needRouteCheck = true;
        }
      }
    };
    return { diff, close };
  }

  /**
   * A route seen in the kernel (notification or check dump) that is not the echo of our own
   * change: update the view and mark what needs a repair. Returns true when something does.
   */
  private observeRoute(key: RouteKey, r: KernelRoute, removed: boolean): boolean {
    let drift = false;
    if (removed) {
      const cur = this.view.routes.get(key);
      if (cur !== undefined && cur.protocol === r.protocol) this.view.routes.delete(key);
    } else this.view.routes.set(key, r);
    const want = this.wanted(key);
    if (want !== undefined) {
      if (removed || !routeMatches(want, r)) {
        this.dirty.add(key);
        drift = true;
      }
    } else if (!removed && this.view.owner(r) !== null) {
      this.dirty.add(key);
      drift = true;
    }
    if (r.protocol !== RTPROT_BIRD || this.planRoutes.get(key)?.source === "bird-static") {
      this.needResolve = true;
      drift = true;
    }
    return drift;
  }

  /**
   * After a bulk change made without route notifications: re-read the table and take in what
   * changed meanwhile. Entries whose identity and protocol match the view are taken as they are
   * (decoding 100k routes would cost as much as the notifications we avoided).
   */
  private async checkRoutes(): Promise<void> {
    let changed = 0;
    // IPv4 identities are unique in a dump; IPv6 device routes of several interfaces can share
    // one (fe80::/64 on each link), so those are counted as distinct keys.
    let v4 = 0;
    const v6 = new Set<RouteKey>();
    let family: "ipv4" | "ipv6" = "ipv4";
    const visit = (e: RouteScanEntry) => {
      if (e.table !== RT_TABLE_MAIN) return;
      if (family === "ipv4") v4++;
      else v6.add(e.key);
      const cur = this.view.routes.get(e.key);
      if (cur !== undefined && cur.protocol === e.protocol) return;
      this.observeRoute(e.key, e.route(), false);
      changed++;
    };
    await this.kernel.scanRoutes("ipv4", visit);
    family = "ipv6";
    await this.kernel.scanRoutes("ipv6", visit);
    // Every identity in the view showed up in the kernel unless the counts differ; only then is
    // it worth finding which ones are missing.
    if (v4 + v6.size !== this.view.routes.size) {
      const seen = new Set<RouteKey>(v6);
      await this.kernel.scanRoutes("ipv4", (e) => {
        if (e.table === RT_TABLE_MAIN) seen.add(e.key);
      });
      for (const [key, r] of this.view.routes) {
        if (seen.has(key)) continue;
        this.observeRoute(key, r, true);
        changed++;
      }
    }
    if (changed > 0) this.log.debug({ changed }, "route check after a bulk change found changes");
  }

  private expectEcho(key: RouteKey, removed: boolean, protocol: number, delta: number): void {
    const e = this.echoes.get(key);
    if (e === undefined) {
      if (delta > 0) this.echoes.set(key, { removed, protocol, count: delta });
      return;
    }
    if (e.removed !== removed || e.protocol !== protocol) {
      if (delta > 0) this.echoes.set(key, { removed, protocol, count: delta });
      return;
    }
    e.count += delta;
    if (e.count <= 0) this.echoes.delete(key);
  }

  private async applyRouteOps(ops: KernelOp[], keys: RouteKey[], echoes: boolean): Promise<void> {
    if (echoes) {
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i];
        if (op.kind === "route-add" || op.kind === "route-replace" || op.kind === "route-del") {
          this.expectEcho(keys[i], op.kind === "route-del", op.route.protocol, 1);
        }
      }
    }
    let results: number[];
    try {
      results = await this.kernel.apply(ops);
    } catch (err) {
      for (let i = 0; echoes && i < ops.length; i++) {
        const op = ops[i];
        if (op.kind === "route-add" || op.kind === "route-replace" || op.kind === "route-del") {
          this.expectEcho(keys[i], op.kind === "route-del", op.route.protocol, -1);
        }
      }
      throw err;
    }
    let resolutionInputs = false;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      if (op.kind !== "route-add" && op.kind !== "route-replace" && op.kind !== "route-del")
        continue;
      const key = keys[i];
      const errno = results[i];
      if (errno === 0 || (op.kind === "route-del" && (errno === ESRCH || errno === ENOENT))) {
        if (errno !== 0 && echoes) this.expectEcho(key, true, op.route.protocol, -1);
        if (op.kind === "route-del") this.view.routes.delete(key);
        else this.view.routes.set(key, op.route);
        this.routeOps++;
        if (this.failures.size > 0) this.failures.delete(key);
        if (op.route.protocol !== RTPROT_BIRD) resolutionInputs = true;
      } else {
        if (echoes) this.expectEcho(key, op.kind === "route-del", op.route.protocol, -1);
        this.routeErrors++;
        this.fail(key, op.route, `${op.kind.slice(6)} failed: ${errnoName(errno)}`);
        // The kernel has a route our view lacks (a missed or stale notification): re-read the
        // table rather than trying again blindly.
        if (errno === EEXIST) this.needRouteCheck = true;
      }
    }
    // Our own non-BGP routes (statics, workloads, VXLAN) are next-hop resolution inputs too.
    if (resolutionInputs) this.needResolve = true;
  }

  private fail(key: RouteKey, route: KernelRoute, error: string): void {
    const text = this.describe(route);
    const prev = this.failures.get(key);
    if (prev === undefined || prev.error !== error) {
      this.log.warn({ route: text, error }, "kernel route change failed");
    }
    this.failures.set(key, { route: text, error });
  }

  private armDeferTimer(): void {
    this.deferTimer?.cancel();
    this.deferTimer = null;
    let next = Number.POSITIVE_INFINITY;
    for (const until of this.deferred.values()) if (until < next) next = until;
    if (next === Number.POSITIVE_INFINITY || this.stopped) return;
    this.deferTimer = this.clock.setTimer(Math.max(0, next - this.clock.now()) + 1, () => {
      this.deferTimer = null;
      const now = this.clock.now();
      for (const [key, until] of this.deferred) if (until <= now) this.dirty.add(key);
      this.schedule(0);
    });
  }

  private problem(message: string): void {
    if (this.problems.has(message)) return;
    this.problems.add(message);
    this.log.warn({ problem: message }, "dataplane problem");
  }

  // ---------------------------------------------------------------------------------------------
  // Notifications

  private onKernelEvents(events: KernelEvent[]): void {
    if (this.stopped) return;
    let drift = false;
    const downed = new Set<number>();
    for (const e of events) {
      switch (e.kind) {
        case "route": {
          if (e.table !== RT_TABLE_MAIN) break;
          // The echo of one of our own changes: the view already has it.
          const expected = this.echoes.get(e.key);
          if (
            expected !== undefined &&
            expected.removed === e.removed &&
            expected.protocol === e.protocol
          ) {
            if (--expected.count === 0) this.echoes.delete(e.key);
            break;
          }
          if (this.observeRoute(e.key, e.route, e.removed)) drift = true;
          break;
        }
        case "link": {
          const l = e.link;
          const prev = this.view.links.get(l.index);
          if (e.removed) {
            if (this.view.removeLink(l.index) !== undefined) this.sysctlDone.delete(l.name);
            downed.add(l.index);
          } else {
            if (l.flags & IFF_UP) downed.delete(l.index);
            if (prev !== undefined && sameLink(prev, l)) break;
            this.view.setLink(l);
            if (prev === undefined || prev.index !== l.index || !isOperUp(l))
              this.sysctlDone.delete(l.name);
            if ((l.flags & IFF_UP) === 0 && (prev === undefined || prev.flags & IFF_UP)) {
              downed.add(l.index);
            }
          }
          this.needPlanSync = true;
          drift = true;
          break;
        }
        case "address": {
          const a = e.address;
          const same = (x: KernelAddress) =>
            x.index === a.index && x.address === a.address && x.prefixLen === a.prefixLen;
          const had = this.view.addresses.some(same);
          if (e.removed) {
            if (!had) break;
            this.view.addresses = this.view.addresses.filter((x) => !same(x));
          } else {
            if (had) break;
            this.view.addresses.push(a);
          }
          this.needPlanSync = true;
          drift = true;
          break;
        }
        case "neighbour": {
          const n = e.neighbour;
          const before = this.view.neighbours.size;
          const key = this.view.neighbourKey(n);
          const prev = this.view.neighbours.get(key);
          this.view.setNeighbour(n, e.removed);
          if (
            this.view.neighbours.size !== before ||
            (prev !== undefined && (prev.state !== n.state || prev.lladdr !== n.lladdr))
          ) {
            this.needNeighSync = true;
            drift = true;
          }
          break;
        }
      }
    }
    // Links that ended this batch down or gone: their routes were flushed. (A down event
    // followed by an up one in the same batch is a stale notification, not a flush.)
    for (const index of downed) {
      const l = this.view.links.get(index);
      if (l === undefined || (l.flags & IFF_UP) === 0) this.forgetRoutesOn(index);
    }
    if (drift && this.plan !== null) this.schedule(this.repairDelayMs);
  }
}

function sameLink(a: KernelLink, b: KernelLink): boolean {
  return (
    a.name === b.name &&
    a.flags === b.flags &&
    a.operstate === b.operstate &&
    a.mtu === b.mtu &&
    a.mac === b.mac &&
    a.kind === b.kind &&
    JSON.stringify(a.vxlan) === JSON.stringify(b.vxlan)
  );
}

function deviceOpKey(op: KernelOp): string {
  switch (op.kind) {
    case "ipip-add":
      return `ipip-add ${op.name}`;
    case "vxlan-add":
      return `vxlan-add ${op.spec.name}`;
    case "link-del":
      return `link-del ${op.index}`;
    case "link-set":
      return `link-set ${op.index} ${JSON.stringify({ ...op.change, mac: op.change.mac ? [...op.change.mac] : undefined })}`;
    case "addr-add":
    case "addr-del":
      return `${op.kind} ${op.index} ${[...op.address].join(".")}/${op.prefixLen}`;
    default:
      return op.kind;
  }
}

function describeDeviceOp(op: KernelOp, links: Map<number, KernelLink>): string {
  const name = (i: number) => links.get(i)?.name ?? `if${i}`;
  switch (op.kind) {
    case "ipip-add":
      return `create ${op.name} (ipip)`;
    case "vxlan-add":
      return `create ${op.spec.name} (vxlan id ${op.spec.vni} dstport ${op.spec.port})`;
    case "link-del":
      return `delete ${name(op.index)}`;
    case "link-set":
      return `set ${name(op.index)} ${Object.entries(op.change)
        .map(
          ([k, v]) =>
            `${k} ${v instanceof Uint8Array ? [...v].map((b) => b.toString(16).padStart(2, "0")).join(":") : v}`,
        )
        .join(" ")}`;
    case "addr-add":
    case "addr-del":
      return `${op.kind === "addr-add" ? "add" : "remove"} address ${formatPrefixBytes(op.address, op.prefixLen)} on ${name(op.index)}`;
    default:
      return op.kind;
  }
}

function formatPrefixBytes(address: Uint8Array, len: number): string {
  return formatPrefix({
    family: address.length === 4 ? "ipv4" : "ipv6",
    bytes: address,
    length: len,
  });
}
