/**
 * Applying datastore snapshots to the running engines: the first plan at start, then every
 * reload (datastore change, SIGHUP, `wren reload`). A reload reads and renders the datastore,
 * claims IPAM blocks the plan still lacks, diffs the new plan against the running one and applies
 * only the difference:
 *
 * - dataplane first (blackholes, workload routes, kernel policy), so advertisements follow
 *   kernel state and BGP routes arrive under the right kernel policy;
 * - then the speaker, which touches only the sessions whose parameters changed
 *   (`peerNeedsReset`); a new peer, node or pool never bounces the others.
 *
 * A snapshot with errors, or one an engine rejects, is refused: the last good plan keeps running
 * and the error is kept for status, `show config` and /readyz until a later read succeeds.
 * Reloads never overlap; triggers arriving during one coalesce into a single follow-up.
 */

import type {
  DataplaneAgent,
  NodePlan,
  PlanDiff,
  PlanMessage,
  Speaker,
} from "../common/contracts/index.js";
import { errorMessage } from "../common/errors.js";
import type { ConfigSource } from "./engines.js";
import type { Logger } from "./logger.js";
import type { ReloadJson } from "./views.js";
import { formatPlanErrors, formatPlanMessage } from "./views.js";

export type ReloadTrigger = "start" | "datastore" | "sighup" | "control";

export interface ReconfigureDeps {
  readonly source: ConfigSource;
  readonly diffPlans: (previous: NodePlan, next: NodePlan) => PlanDiff;
  readonly speaker: Speaker;
  readonly dataplane: DataplaneAgent;
  readonly logger: Logger;
  readonly wallNow: () => number;
  readonly monoNow: () => number;
  /** Called after every attempt (metrics). */
  readonly onResult?: (result: ReloadJson, durationMs: number, trigger: ReloadTrigger) => void;
}

/** How many read → claim → read rounds a reload may take (another node can win a block). */
const MAX_CLAIM_ROUNDS = 3;

export function speakerRelevant(diff: PlanDiff): boolean {
  return (
    diff.peersAdded.length > 0 ||
    diff.peersRemoved.length > 0 ||
    diff.peersReset.length > 0 ||
    diff.peersSoft.length > 0 ||
    diff.globalChanged.length > 0 ||
    diff.originateChanged ||
    diff.policiesChanged
  );
}

function refused(error: string, blocksClaimed: readonly string[] = []): ReloadJson {
  return {
    applied: false,
    unchanged: false,
    error,
    peersAdded: [],
    peersRemoved: [],
    peersReset: [],
    peersSoft: [],
    dataplaneChanged: false,
    blocksClaimed,
  };
}

export class Reconfigurer {
  private running: NodePlan | null = null;
  private generation = 0;
  private error: string | null = null;
  private errors: readonly PlanMessage[] = [];
  private warnings: readonly PlanMessage[] = [];
  private appliedAt: number | null = null;
  private checkedAt: number | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private pending: Promise<ReloadJson> | null = null;

  constructor(private readonly deps: ReconfigureDeps) {}

  get plan(): NodePlan | null {
    return this.running;
  }

  /** The refused change (one line), null when the last read was applied. */
  get configError(): string | null {
    return this.error;
  }

  state() {
    return {
      plan: this.running,
      generation: this.generation,
      error: this.error,
      errors: this.errors,
      warnings: this.warnings,
      appliedAt: this.appliedAt,
      checkedAt: this.checkedAt,
    };
  }

  /**
   * Queues a reload. Calls made while one is running share a single follow-up run (which sees
   * every change made before it started reading).
   */
  reload(trigger: ReloadTrigger): Promise<ReloadJson> {
    if (this.pending) return this.pending;
    const next = this.chain.then(() => {
      this.pending = null;
      return this.runOnce(trigger);
    });
    this.pending = next;
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async runOnce(trigger: ReloadTrigger): Promise<ReloadJson> {
    const started = this.deps.monoNow();
    let result: ReloadJson;
    try {
      result = await this.readAndApply(trigger);
    } catch (err) {
      // At start there is nothing to fall back to: the daemon reports the failure and exits.
      if (trigger === "start") throw err;
      // An engine threw: the previous plan is what we consider running.
      result = refused(`applying the new configuration failed: ${errorMessage(err)}`);
      this.error = result.error;
      this.deps.logger.error({ err, trigger }, "configuration change failed; last good kept");
    }
    this.deps.onResult?.(result, this.deps.monoNow() - started, trigger);
    return result;
  }

  private async readAndApply(trigger: ReloadTrigger): Promise<ReloadJson> {
    const log = this.deps.logger;
    const claimed: string[] = [];
    let snapshot = await this.deps.source.read();
    for (let round = 0; ; round++) {
      this.checkedAt = this.deps.wallNow();
      this.noteWarnings(snapshot.warnings);
      const errors = snapshot.errors.length > 0 ? snapshot.errors : (snapshot.plan?.errors ?? []);
      if (errors.length > 0 || !snapshot.plan) {
        this.errors =
          errors.length > 0
            ? errors
            : [{ message: "the datastore produced no plan for this node" }];
        this.error = formatPlanErrors(this.errors);
        log.error(
          { trigger, errors: this.errors, keptGeneration: this.generation },
          `datastore change refused, last good configuration kept: ${this.error}`,
        );
        return refused(this.error!, claimed);
      }
      const pendingBlocks = snapshot.plan.blocks.filter((b) => b.state === "pending-claim");
      if (pendingBlocks.length === 0 || round >= MAX_CLAIM_ROUNDS) break;
      const got = await this.deps.source.claimBlocks(snapshot.plan);
      claimed.push(...got);
      log.info(
        { pending: pendingBlocks.map((b) => b.cidr), claimed: got },
        got.length > 0 ? "claimed IPAM blocks" : "IPAM block claim lost to another node; retrying",
      );
      snapshot = await this.deps.source.read();
    }
    const plan = snapshot.plan!;
    this.errors = [];
    const previous = this.running;
    if (!previous) return this.applyFirst(plan, claimed);

    const diff = this.deps.diffPlans(previous, plan);
    const touchSpeaker = speakerRelevant(diff);
    if (!touchSpeaker && !diff.dataplaneChanged) {
      this.error = null;
      log.debug({ trigger }, "datastore read: no change");
      return {
        applied: false,
        unchanged: true,
        error: null,
        peersAdded: [],
        peersRemoved: [],
        peersReset: [],
        peersSoft: [],
        dataplaneChanged: false,
        blocksClaimed: claimed,
      };
    }
    if (diff.dataplaneChanged) await this.deps.dataplane.applyPlan(plan.dataplane);
    let reset = diff.peersReset;
    if (touchSpeaker) {
      const configured = await this.deps.speaker.configure(plan);
      reset = configured.reset;
    }
    this.commit(plan);
    const result: ReloadJson = {
      applied: true,
      unchanged: false,
      error: null,
      peersAdded: diff.peersAdded,
      peersRemoved: diff.peersRemoved,
      peersReset: reset,
      peersSoft: diff.peersSoft,
      dataplaneChanged: diff.dataplaneChanged,
      blocksClaimed: claimed,
    };
    log.info(
      { trigger, generation: this.generation, ...result, globalChanged: diff.globalChanged },
      "configuration applied",
    );
    return result;
  }

  private async applyFirst(plan: NodePlan, claimed: readonly string[]): Promise<ReloadJson> {
    await this.deps.dataplane.applyPlan(plan.dataplane);
    const configured = await this.deps.speaker.configure(plan);
    this.commit(plan);
    this.deps.logger.info(
      {
        generation: this.generation,
        routerId: plan.routerId,
        asNumber: plan.asNumber,
        peers: plan.peers.map((p) => p.name),
        blocks: plan.blocks.map((b) => b.cidr),
      },
      "configuration applied",
    );
    return {
      applied: true,
      unchanged: false,
      error: null,
      peersAdded: configured.added,
      peersRemoved: [],
      peersReset: [],
      peersSoft: [],
      dataplaneChanged: true,
      blocksClaimed: claimed,
    };
  }

  /** Logs warnings once when they change (not on every read of an unchanged datastore). */
  private noteWarnings(warnings: readonly PlanMessage[]): void {
    if (JSON.stringify(warnings) === JSON.stringify(this.warnings)) return;
    this.warnings = warnings;
    for (const w of warnings) this.deps.logger.warn({ warning: w }, formatPlanMessage(w));
  }

  private commit(plan: NodePlan): void {
    this.running = plan;
    this.generation++;
    this.error = null;
    this.appliedAt = this.deps.wallNow();
  }
}
