/**
 * How the daemon obtains its engines: the Calico datastore + renderer (as a `ConfigSource`),
 * the plan differ, the BGP speaker and the dataplane agent. The daemon only sees these
 * interfaces; `defaultEngines()` binds them to the real modules (src/calico, src/bgp/speaker,
 * src/dataplane) and tests pass fakes.
 */

import { createSpeaker } from "../bgp/speaker/index.js";
import { createConfigSource, diffPlans } from "../calico/index.js";
import type { Clock } from "../common/clock.js";
import type {
  DataplaneAgent,
  NodePlan,
  PlanDiff,
  PlanMessage,
  Speaker,
} from "../common/contracts/index.js";
import { createDataplaneAgent } from "../dataplane/index.js";
import type { Logger } from "./logger.js";

/** One read of the datastore rendered for this node. */
export interface PlanSnapshot {
  /** The rendered plan; null when nothing usable could be rendered. */
  readonly plan: NodePlan | null;
  /** Errors that make this snapshot unusable (bad YAML, failed validation, no such node).
   *  Non-empty → the daemon refuses the change and keeps the last good plan. */
  readonly errors: readonly PlanMessage[];
  readonly warnings: readonly PlanMessage[];
}

/** The Calico side for one node: datastore directory + renderer + IPAM. */
export interface ConfigSource {
  /** Reads the datastore and renders the node's plan. Render never writes. */
  read(): Promise<PlanSnapshot>;
  /** Calls `listener` after the datastore changed (the daemon then reads again). */
  watch(listener: () => void): void;
  /** Claims the plan's `pending-claim` blocks for the node (atomic BlockAffinity create);
   *  returns the claimed CIDRs (empty when another node won the race or nothing was pending). */
  claimBlocks(plan: NodePlan): Promise<readonly string[]>;
  close(): Promise<void>;
}

export interface ConfigSourceOptions {
  readonly datastore: string;
  readonly node: string;
  readonly logger: Logger;
  /** Seconds between the dataplane's full kernel resyncs (the plan's resyncInterval). */
  readonly routeRefreshInterval?: number;
}

export interface SpeakerOptions {
  readonly logger: Logger;
  readonly clock: Clock;
  /** We restarted gracefully (RFC 4724 §4.1): set the R bit, defer until peers' End-of-RIB. */
  readonly restarting: boolean;
}

export interface DataplaneOptions {
  readonly node: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Adopt wren's kernel routes found at start; sweep the stale ones after `bgpConverged()`. */
  readonly restarting: boolean;
}

export interface Engines {
  createConfigSource(options: ConfigSourceOptions): ConfigSource;
  diffPlans(previous: NodePlan, next: NodePlan): PlanDiff;
  createSpeaker(options: SpeakerOptions): Speaker;
  createDataplane(options: DataplaneOptions): Promise<DataplaneAgent>;
}

/**
 * Datastore watch debounce: short, so a WorkloadEndpoint written to the datastore reaches the
 * dataplane well within 100 ms (the watcher also rescans periodically as a safety net).
 */
export const DATASTORE_DEBOUNCE_MS = 10;

/** The real engines. */
export function defaultEngines(): Engines {
  return {
    createConfigSource: ({ datastore, node, logger, routeRefreshInterval }) =>
      createConfigSource({
        datastore,
        node,
        logger,
        debounceMs: DATASTORE_DEBOUNCE_MS,
        routeRefreshInterval,
      }),
    diffPlans,
    createSpeaker: ({ logger, clock, restarting }) => createSpeaker({ logger, clock, restarting }),
    createDataplane: ({ node, logger, clock, restarting }) =>
      createDataplaneAgent({ node, logger, clock, restarting }),
  };
}
