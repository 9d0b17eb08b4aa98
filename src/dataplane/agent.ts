/**
 * The dataplane agent (`DataplaneAgent`): keeps the node's kernel equal to the renderer's desired
 * dataplane plus the speaker's BGP routes, touching only what wren owns (ownership.ts).
 *
 * Shape (BIRD's kernel protocol and Felix's route table, folded together):
 *   - a view of the kernel: links, addresses and neighbours on our interfaces (view.ts), and the
 *     main table's routes as interned bodies per identity (route-table.ts, route-body.ts), filled
 *     by a full dump at start and every `resyncInterval` and kept current between dumps by
 *     netlink notifications (our own changes echo back the same way);
 *   - the desired routes: plan routes (route-plan.ts) and BGP routes, kept as one next-hop-set id
 *     per prefix and turned into kernel bodies once per (family, policy class, next-hop set)
 *     with next hops resolved recursively against the kernel table (bgp-routes.ts);
 *   - passes: each pass takes what became dirty (identities, devices, neighbours, resolution)
 *     and turns the differences into pipelined kernel changes (route-diff.ts, route-ops.ts).
 *     BGP batches are taken into the route table as they arrive; a pass streams a large queue
 *     of identities to the kernel slice by slice. Notifications that show drift (a route
 *     deleted by hand, an interface down or up, a device attribute changed) make the next pass
 *     run after `repairDelayMs`.
 *   - graceful restart: `restarting` keeps `proto bird` routes found at start until
 *     `bgpConverged()` (or `convergeTimeoutMs`); `stop({keepRoutes:true})` leaves everything.
 * Per-route failures are counted and logged with the route and errno; they are retried at the
 * next full resync (or earlier when a notification touches the route), never fatal. A BGP route
 * for exactly the prefix of one of the node's connected routes is shadowed by it (as in BIRD):
 * never installed, shown in status, not a failure.
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
import { BgpRoutes } from "./bgp-routes.js";
import { IPIP_DEVICE, planDevices } from "./devices.js";
import { formatRoute } from "./format.js";
import type { Kernel, KernelEvent, KernelOp, RouteScanEntry } from "./kernel.js";
import {
  type KernelAddress,
  type KernelLink,
  type KernelRoute,
  type RouteKey,
  routeKey,
  routeOfKey,
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
import {
  DEFAULT_OWNERSHIP,
  isConnectedRoute,
  isWorkloadInterface,
  type OwnershipRules,
} from "./ownership.js";
import { NexthopResolver } from "./resolver.js";
import { RouteBodies, type RouteBody } from "./route-body.js";
import {
  ACTION_ADD,
  ACTION_CONFLICT,
  ACTION_DEFER,
  ACTION_DELETE,
  ACTION_NONE,
  ACTION_REPLACE,
  ACTION_SHADOWED,
  bodyMatches,
  type DecideContext,
  decideRoute,
} from "./route-diff.js";
import { OP_ADD, OP_DEL, OP_REPLACE, opName, RouteOpList } from "./route-ops.js";
import {
  type CompiledKernelPolicy,
  compileKernelPolicy,
  computePlanRoutes,
  type DesiredRoute,
  isOperUp,
  type RouteSource,
} from "./route-plan.js";
import { RouteTable } from "./route-table.js";
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
    /** Routes whose prefix is one of the node's connected routes (never installed, by design). */
    readonly shadowed: number;
    /** Up to 20 BGP routes that are not installed, with the reason. */
    readonly notInstalled: readonly { prefix: string; reason: string }[];
  };
  readonly devices: readonly string[];
  readonly problems: readonly string[];
  readonly failures: readonly { route: string; error: string }[];
  readonly counters: DataplaneCounters;
}

/** A plan route with its interned kernel body (a reference held while it is planned). */
interface PlannedRoute extends DesiredRoute {
  readonly body: number;
}

/** Identities diffed per slice (between yields to the event loop). */
const SLICE = 2048;
/**
 * BGP batches up to this size are taken in at once (~150 ns a route: a few ms), so the speaker's
 * batch objects die young; larger ones are taken in slices between other work.
 */
const INLINE_BATCH = 65536;
/** A pass touching at least this many route identities pauses route notifications. */
const BULK_ROUTES = 2048;
const SHADOWED_REASON = "shadowed by connected route";
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

  // Kernel view (links, addresses, neighbours) and routes (kernel bodies and BGP next-hop sets
  // per identity).
  private readonly view: KernelView;
  private readonly bodies = new RouteBodies();
  private readonly table = new RouteTable(this.bodies);

  // Desired state.
  private planRoutes = new Map<RouteKey, PlannedRoute>();
  private resolver = new NexthopResolver([]);
  private readonly bgp: BgpRoutes;

  // Work.
  private allDirty = false;
  private needFullSync = true;
  private needPlanSync = false;
  private needResolve = false;
  private needNeighSync = false;
  private needBgpAll = false;
  private needRouteCheck = false;
  private readonly deferred = new Map<RouteKey, number>();
  private converged: boolean;
  private readonly workloadSeen = new Map<string, number>();
  private readonly sysctlDone = new Map<string, number>();
  private tunl0Undeletable = false;
  private readonly deviceFailures = new Set<string>();
  private readonly problems = new Set<string>();
  private readonly failures = new Map<RouteKey, { route: string; error: string }>();
  /** BGP routes shadowed by one of the node's connected routes. */
  private readonly shadowed = new Set<RouteKey>();
  /** Notifications our own route changes will cause, by identity (swallowed when they come). */
  private readonly echoes = new Map<
    RouteKey,
    { removed: boolean; protocol: number; count: number }
  >();
  private readonly sliceKeys: RouteKey[] = [];
  private readonly opLists: RouteOpList[] = [];

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
    this.bgp = new BgpRoutes({
      bodies: this.bodies,
      table: this.table,
      policy: () => this.policy,
      resolve: (f, a) => this.resolver.resolve(f, a),
      linkByName: (n) => this.view.linksByName.get(n),
      notInstalled: (nexthops, reason) =>
        this.log.debug({ nexthops, reason }, "BGP routes via these next hops not installed"),
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

  /**
   * Takes the batch into the route table (a speaker's batch at once; a huge one, e.g. a whole
   * table from `wren dataplane --routes`, in slices between other work) and schedules a pass.
   * Nothing of the batch is kept once it is taken in.
   */
  applyBgpRoutes(batch: BgpRouteBatch): void {
    if (this.stopped) return;
    if (
      this.intake.length === 0 &&
      batch.upserts.length + batch.withdrawals.length <= INLINE_BATCH
    ) {
      this.bgp.apply(batch);
      if (this.table.dirtySize > 0) this.schedule(0);
      return;
    }
    this.intake.push({ batch, withdrawn: 0, upserted: 0 });
    if (this.intake.length === 1) setImmediate(this.takeIntake);
  }

  private readonly intake: { batch: BgpRouteBatch; withdrawn: number; upserted: number }[] = [];

  /** Takes one slice of the queued large batches in, then yields to the event loop. */
  private readonly takeIntake = () => {
    if (this.stopped) {
      this.intake.length = 0;
      return;
    }
    let budget = SLICE;
    while (budget > 0 && this.intake.length > 0) {
      const job = this.intake[0];
      const before = job.withdrawn + job.upserted;
      if (this.bgp.apply(job.batch, job, budget)) this.intake.shift();
      budget -= job.withdrawn + job.upserted - before;
    }
    if (this.table.dirtySize > 0) this.schedule(0);
    if (this.intake.length > 0) setImmediate(this.takeIntake);
    else this.wakeIdle();
  };

  bgpConverged(): void {
    if (this.converged) return;
    this.converged = true;
    this.table.clearClaims();
    this.convergeTimer?.cancel();
    this.convergeTimer = null;
    let stale = 0;
    for (const [key, until] of this.deferred) {
      if (until === Number.POSITIVE_INFINITY) {
        this.table.markDirty(key);
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
      const ops = new RouteOpList();
      this.table.forEachKernel((key, body) => {
        if (this.bodies.protocol(body) === RTPROT_BIRD) ops.push(OP_DEL, key, body);
      });
      const results = await this.kernel.applyRoutes(ops, this.bodies).catch(() => []);
      let removed = 0;
      for (const e of results) if (e === 0) removed++;
      this.log.info({ removed }, "stopped: removed proto bird routes");
    } else {
      this.log.info({ routes: this.ownedCount() }, "stopped: routes left in the kernel");
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

  /** Status for `wren dataplane status` (walks the route table: not for hot paths). */
  status(): DataplaneStatus {
    const bySource: Record<string, number> = {};
    let desired = 0;
    const count = (s: RouteSource, n = 1) => {
      if (n === 0) return;
      bySource[s] = (bySource[s] ?? 0) + n;
      desired += n;
    };
    let bgpUnderPlan = 0;
    for (const [key, d] of this.planRoutes) {
      count(d.source);
      if (this.bgp.desired(key) !== 0) bgpUnderPlan++;
    }
    const bgp = this.bgp.status(20, (key) =>
      this.shadowed.has(key) && !this.planRoutes.has(key) ? SHADOWED_REASON : null,
    );
    const shadowed = this.shadowed.size;
    count("bgp", bgp.installable - bgpUnderPlan - shadowed);
    return {
      planned: this.plan !== null,
      stage: this.running ? this.stage : "idle",
      converged: this.converged,
      passes: this.reconciles,
      routes: { desired, bySource, owned: this.ownedCount(), deferred: this.deferred.size },
      bgp: {
        routes: bgp.routes,
        installed: bgp.installable - shadowed,
        unresolved: bgp.unresolved,
        shadowed,
        notInstalled: bgp.notInstalled,
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
    this.table.forEachKernel((key, body) => {
      const b = this.bodies.get(body);
      if (this.view.owner(b) !== null) out.push(this.describe(key, body));
    });
    return out.sort();
  }

  private ownedCount(): number {
    let n = 0;
    this.table.forEachKernel((_key, body) => {
      if (this.view.owner(this.bodies.get(body)) !== null) n++;
    });
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Scheduling

  /** Work pending anywhere (for `settled`). */
  private hasWork(): boolean {
    return this.intake.length > 0 || this.hasPassWork();
  }

  /** Work for a pass (batches still being taken in schedule their own passes). */
  private hasPassWork(): boolean {
    return (
      this.table.dirtySize > 0 ||
      this.allDirty ||
      this.needFullSync ||
      this.needPlanSync ||
      this.needResolve ||
      this.needNeighSync ||
      this.needBgpAll ||
      this.needRouteCheck
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
      if (this.again || (this.plan !== null && this.hasPassWork())) {
        this.again = false;
        this.schedule(0);
      } else this.wakeIdle();
    };
    this.running = run();
  }

  /** Resolves `settled()` waiters when nothing is left to do. */
  private wakeIdle(): void {
    if (this.running || this.timer !== null || this.intake.length > 0) return;
    for (const w of this.idleWaiters.splice(0)) w();
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
    // The check after a bulk change waits until the speaker's routes are all in (a table that
    // streams in is several bulk passes, and one check covers them all).
    if (this.needRouteCheck && this.table.dirtySize === 0 && this.intake.length === 0) {
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
      const n = this.bgp.reresolve();
      if (n > 0) this.log.debug({ routes: n }, "BGP routes re-resolved");
    }
    if (this.needBgpAll) {
      this.needBgpAll = false;
      this.bgp.policyChanged();
    }
    if (this.needNeighSync) {
      this.needNeighSync = false;
      this.stage = "neighbours";
      await this.syncNeighbours(plan);
    }
    this.stage = "routes";
    await this.syncRoutes();
    this.table.compact();
    this.reconciles++;
    this.lastReconcileMs = Math.round(this.clock.now() - t0);
  }

  private async fullDump(): Promise<void> {
    const [links, a4, a6, n4, n6, fdb] = await Promise.all([
      this.kernel.dumpLinks(),
      this.kernel.dumpAddresses("ipv4"),
      this.kernel.dumpAddresses("ipv6"),
      this.kernel.dumpNeighbours("ipv4"),
      this.kernel.dumpNeighbours("ipv6"),
      this.kernel.dumpNeighbours("bridge"),
    ]);
    this.view.setLinks(links);
    this.view.addresses = [...a4, ...a6];
    this.view.setNeighbours([n4, n6, fdb]);
    // Routes are taken straight from the dump's messages into interned bodies: a million of
    // them become a million table entries, not a million objects.
    this.table.forgetKernel(() => true);
    this.echoes.clear();
    const visit = (e: RouteScanEntry) => {
      if (e.table !== RT_TABLE_MAIN) return;
      const body = e.internBody(this.bodies);
      this.table.setKernel(e.key, body);
      this.bodies.release(body);
    };
    await this.kernel.scanRoutes("ipv4", visit);
    await this.kernel.scanRoutes("ipv6", visit);
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
    for (const [key, body] of this.table.nonBird)
      inputs.push(routeOfKey(key, this.bodies.get(body)));
    for (const [key, d] of this.planRoutes) {
      if (d.source !== "bird-static") continue;
      const body = this.table.kernel(key);
      if (body !== 0 && this.bodies.protocol(body) === RTPROT_BIRD) {
        inputs.push(routeOfKey(key, this.bodies.get(body)));
      }
    }
    const local: Uint8Array[] = [];
    for (const a of this.view.addresses) {
      const b = parseAddress(a.address);
      if (b !== null) local.push(b);
    }
    this.resolver = new NexthopResolver(inputs, local);
  }

  private recomputePlanRoutes(plan: DesiredDataplane): void {
    const computed = computePlanRoutes(plan, {
      linkByName: (n) => this.view.linksByName.get(n),
      resolve: (f, a) => this.resolver.resolve(f, a),
      routeKey,
    });
    for (const p of computed.problems) this.problem(p);
    const next = new Map<RouteKey, PlannedRoute>();
    for (const [key, d] of computed.routes) {
      const body = this.bodies.intern(d.route);
      next.set(key, { ...d, body });
      const prev = this.planRoutes.get(key);
      if (prev === undefined || prev.source !== d.source || prev.body !== body) {
        this.table.markDirty(key);
      }
    }
    for (const [key, prev] of this.planRoutes) {
      if (!next.has(key)) this.table.markDirty(key);
      this.bodies.release(prev.body);
    }
    this.planRoutes = next;
  }

  /**
   * A link went admin-down or away: the kernel flushed the routes through it without telling
   * anyone (no RTM_DELROUTE for those), so the view forgets them too. A multipath route that
   * only lost some paths is re-read with the next full dump.
   */
  private forgetRoutesOn(ifindex: number): void {
    let partial = false;
    const verdict = new Map<number, boolean>();
    this.table.forgetKernel((body) => {
      let all = verdict.get(body);
      if (all === undefined) {
        const hops = this.bodies.get(body).nexthops;
        const some = hops.some((h) => h.ifindex === ifindex);
        all = some && hops.every((h) => h.ifindex === ifindex);
        if (some && !all) partial = true;
        verdict.set(body, all);
      }
      return all;
    });
    if (partial) this.needFullSync = true;
    this.needResolve = true;
  }

  // ---------------------------------------------------------------------------------------------
  // Routes

  private describe(key: RouteKey, body: number): string {
    return formatRoute(routeOfKey(key, this.bodies.get(body)), this.view.linkName);
  }

  /** Body id wanted at `key`, 0 when none. */
  private wanted(key: RouteKey): number {
    if (this.planRoutes.size > 0) {
      const p = this.planRoutes.get(key);
      if (p !== undefined) return p.body;
    }
    return this.bgp.desired(key);
  }

  private workloadGraceEnd(r: RouteBody): number {
    if (r.nexthops.length === 0 || this.plan === null) return 0;
    const name = this.view.links.get(r.nexthops[0].ifindex)?.name;
    if (name === undefined || !isWorkloadInterface(name, this.rules)) return 0;
    const seen = this.workloadSeen.get(name);
    return seen === undefined ? 0 : seen + this.plan.workloadGracePeriod * 1000;
  }

  private decideContext(): DecideContext<number> {
    const bodies = this.bodies;
    return {
      now: this.clock.now(),
      owner: (id) => this.view.owner(bodies.get(id)),
      workloadGraceEnd: (id) => this.workloadGraceEnd(bodies.get(id)),
      matches: (want, have) => bodyMatches(bodies.get(want), bodies.get(have)),
      connected: (id) => isConnectedRoute(bodies.get(id)),
      converged: this.converged,
      claimed: false,
      bgp: false,
      until: 0,
    };
  }

  /**
   * Diffs the queued identities (all of them after a full resync) and sends the changes, slice by
   * slice, while the kernel works on the previous slices. What is queued meanwhile (a table load
   * streams in from the speaker) is taken in the same session.
   */
  private async syncRoutes(): Promise<void> {
    if (this.allDirty) {
      this.allDirty = false;
      for (const key of this.planRoutes.keys()) this.table.markDirty(key);
      this.table.markAllDirty((body) => this.view.owner(this.bodies.get(body)) !== null);
    }
    if (this.table.dirtySize === 0) return;
    const session = this.openRouteSync();
    try {
      const keys = this.sliceKeys;
      while (!this.stopped && this.table.takeDirty(keys, SLICE) > 0) await session.diff(keys);
    } finally {
      await session.close();
    }
  }

  private takeOpList(): RouteOpList {
    const l = this.opLists.pop() ?? new RouteOpList(SLICE);
    l.clear();
    return l;
  }

  /**
   * A route sync session. Once it has made BULK_ROUTES changes it becomes a bulk session: route
   * notifications (whose echo would cost as much as the changes) are paused, and the table is
   * checked afterwards for what changed meanwhile.
   */
  private openRouteSync(): {
    diff(keys: readonly RouteKey[]): Promise<void>;
    close(): Promise<void>;
  } {
    const ctx = this.decideContext();
    const inFlight: Promise<void>[] = [];
    let ops = this.takeOpList();
    let made = 0;
    let bulk = false;
    const send = async (keep: number) => {
      if (ops.count > 0) {
        made += ops.count;
        if (!bulk && made >= BULK_ROUTES) {
          bulk = true;
          await this.kernel.watchRoutes(false);
        }
        inFlight.push(this.applyRouteOps(ops, !bulk));
        ops = this.takeOpList();
      }
      while (inFlight.length > keep) await inFlight.shift();
    };
    return {
      diff: async (keys: readonly RouteKey[]) => {
        ctx.now = this.clock.now();
        ctx.converged = this.converged;
        for (let i = 0; i < keys.length; i++) this.diffOne(keys[i], ops, ctx);
        if (ops.count >= SLICE) await send(1);
        else await yieldToLoop();
      },
      close: async () => {
        try {
          await send(0);
          this.opLists.push(ops);
          this.armDeferTimer();
        } finally {
          if (bulk) {
            await this.kernel.watchRoutes(true);
            // Echoes of this session's changes were not expected; the check re-reads the table.
            this.echoes.clear();
            this.needRouteCheck = true;
          }
        }
      },
    };
  }

  /**
   * Decides one identity and queues its change into `ops`. The table records the change at once
   * (so a second look at the identity before the kernel answers sees it) and goes back to what
   * it had if the kernel refuses (`applyRouteOps`); the op list holds references on both bodies.
   */
  private diffOne(key: RouteKey, ops: RouteOpList, ctx: DecideContext<number>): void {
    const table = this.table;
    table.open(key);
    table.atClearDirty();
    let want: number;
    const planned = this.planRoutes.size > 0 ? this.planRoutes.get(key) : undefined;
    if (planned !== undefined) {
      want = planned.body;
      ctx.bgp = false;
    } else {
      want = this.bgp.desiredFor(key, table.atBgp());
      ctx.bgp = true;
    }
    if (!this.converged) ctx.claimed = table.atClaim(want !== 0);
    const have = table.atKernel();
    const action = decideRoute(want === 0 ? null : want, have === 0 ? null : have, ctx);
    if (action !== ACTION_DEFER && this.deferred.size > 0) this.deferred.delete(key);
    if (action !== ACTION_SHADOWED && this.shadowed.size > 0) this.shadowed.delete(key);
    const bodies = this.bodies;
    switch (action) {
      case ACTION_NONE:
        if (this.failures.size > 0) this.failures.delete(key);
        break;
      case ACTION_ADD:
      case ACTION_REPLACE:
        bodies.acquire(want);
        bodies.acquire(have);
        ops.push(action === ACTION_ADD ? OP_ADD : OP_REPLACE, key, want, have);
        table.atSetKernel(want);
        break;
      case ACTION_DELETE:
        bodies.acquire(have);
        bodies.acquire(have);
        ops.push(OP_DEL, key, have, have);
        table.atSetKernel(0);
        break;
      case ACTION_CONFLICT:
        this.fail(key, want, `conflicts with ${this.describe(key, have)}`);
        break;
      case ACTION_SHADOWED:
        if (this.failures.size > 0) this.failures.delete(key);
        if (!this.shadowed.has(key)) {
          this.shadowed.add(key);
          this.log.debug(
            { route: this.describe(key, want), connected: this.describe(key, have) },
            "BGP route not installed: shadowed by connected route",
          );
        }
        break;
      case ACTION_DEFER:
        this.deferred.set(key, ctx.until);
        break;
    }
  }

  /**
   * A route seen in the kernel (notification or check dump) that is not the echo of our own
   * change: update the view and mark what needs a repair. Returns true when something does.
   */
  private observeRoute(key: RouteKey, r: KernelRoute, removed: boolean): boolean {
    let drift = false;
    if (removed) {
      const cur = this.table.kernel(key);
      if (cur !== 0 && this.bodies.protocol(cur) === r.protocol) this.table.setKernel(key, 0);
    } else {
      const body = this.bodies.intern(r);
      this.table.setKernel(key, body);
      this.bodies.release(body);
    }
    const want = this.wanted(key);
    const have = this.table.kernel(key);
    if (want !== 0) {
      if (removed || have === 0 || !bodyMatches(this.bodies.get(want), this.bodies.get(have))) {
        this.table.markDirty(key);
        drift = true;
      }
    } else if (!removed && have !== 0 && this.view.owner(this.bodies.get(have)) !== null) {
      this.table.markDirty(key);
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
   * (decoding a million routes would cost as much as the notifications we avoided).
   */
  private async checkRoutes(): Promise<void> {
    let changed = 0;
    // IPv4 identities are unique in a dump; IPv6 device routes of several interfaces can share
    // one (fe80::/64 on each link), so those are counted as distinct keys.
    let v4 = 0;
    const v6 = new Set<string>();
    let family: "ipv4" | "ipv6" = "ipv4";
    const visit = (e: RouteScanEntry) => {
      if (e.table !== RT_TABLE_MAIN) return;
      if (family === "ipv4") v4++;
      else v6.add(e.key as string);
      const cur = this.table.kernel(e.key);
      if (cur !== 0 && this.bodies.protocol(cur) === e.protocol) return;
      this.observeRoute(e.key, e.route(), false);
      changed++;
    };
    await this.kernel.scanRoutes("ipv4", visit);
    family = "ipv6";
    await this.kernel.scanRoutes("ipv6", visit);
    // Every identity in the view showed up in the kernel unless the counts differ; only then is
    // it worth finding which ones are missing.
    if (v4 + v6.size !== this.table.kernelSize) {
      await this.kernel.scanRoutes("ipv4", (e) => {
        if (e.table === RT_TABLE_MAIN) this.table.seen(e.key, v6);
      });
      for (const key of this.table.unseenKernel(v6)) {
        const body = this.table.kernel(key);
        this.observeRoute(key, routeOfKey(key, this.bodies.get(body)), true);
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

  /**
   * Sends a list of route changes (already recorded in the table by `diffOne`) and takes the
   * kernel's answers: a refused change puts back what the table had, unless the identity has
   * changed again since. Releases the list.
   */
  private async applyRouteOps(ops: RouteOpList, echoes: boolean): Promise<void> {
    const bodies = this.bodies;
    const expect = (delta: number) => {
      for (let i = 0; i < ops.count; i++) {
        this.expectEcho(ops.key(i), ops.kinds[i] === OP_DEL, bodies.protocol(ops.bodies[i]), delta);
      }
    };
    if (echoes) expect(1);
    let results: Int32Array | null = null;
    try {
      results = await this.kernel.applyRoutes(ops, bodies);
    } catch (err) {
      if (echoes) expect(-1);
      throw err;
    } finally {
      if (results === null) {
        // Nothing is known about what reached the kernel: the next full resync finds out.
        this.needFullSync = true;
        for (let i = 0; i < ops.count; i++) {
          bodies.release(ops.bodies[i]);
          bodies.release(ops.prevs[i]);
        }
      }
    }
    let resolutionInputs = false;
    for (let i = 0; i < ops.count; i++) {
      const kind = ops.kinds[i];
      const body = ops.bodies[i];
      const prev = ops.prevs[i];
      const protocol = bodies.protocol(body);
      const errno = results[i];
      if (errno === 0 || (kind === OP_DEL && (errno === ESRCH || errno === ENOENT))) {
        this.routeOps++;
        if (protocol !== RTPROT_BIRD) resolutionInputs = true;
        if (errno !== 0 || this.failures.size > 0) {
          const key = ops.key(i);
          if (errno !== 0 && echoes) this.expectEcho(key, true, protocol, -1);
          this.failures.delete(key);
        }
      } else {
        const key = ops.key(i);
        if (echoes) this.expectEcho(key, kind === OP_DEL, protocol, -1);
        this.table.open(key);
        if (this.table.atKernel() === (kind === OP_DEL ? 0 : body)) this.table.atSetKernel(prev);
        this.routeErrors++;
        this.fail(key, body, `${opName(kind)} failed: ${errnoName(errno)}`);
        // The kernel has a route our view lacks (a missed or stale notification): re-read the
        // table rather than trying again blindly.
        if (errno === EEXIST) this.needRouteCheck = true;
      }
      bodies.release(body);
      bodies.release(prev);
    }
    ops.clear();
    this.opLists.push(ops);
    // Our own non-BGP routes (statics, workloads, VXLAN) are next-hop resolution inputs too.
    if (resolutionInputs) this.needResolve = true;
  }

  private fail(key: RouteKey, body: number, error: string): void {
    const text = this.describe(key, body);
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
      for (const [key, until] of this.deferred) if (until <= now) this.table.markDirty(key);
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
