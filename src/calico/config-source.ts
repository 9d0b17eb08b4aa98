/**
 * The Calico engine for one node, in the shape the daemon consumes (its `ConfigSource`):
 * `read()` loads the datastore directory and renders the node's plan (errors included, so the
 * daemon can keep its last good plan), `watch()` reports datastore changes, `claimBlocks()`
 * claims the plan's pending-claim blocks through the directory IPAM. Environment as calico/node:
 * CALICO_ROUTER_ID, CALICO_ADVERTISE_CLUSTER_IPS.
 */
import type { NodePlan, PlanMessage } from "../common/contracts/plan.js";
import type { CalicoLogger } from "./datastore/datastore.js";
import { DirectoryDatastore } from "./datastore/directory-datastore.js";
import { loadDirectory } from "./datastore/load.js";
import { DirectoryIpam } from "./ipam/directory-ipam.js";
import { renderNode } from "./render/render-node.js";

export interface PlanRead {
  readonly plan: NodePlan | null;
  readonly errors: readonly PlanMessage[];
  readonly warnings: readonly PlanMessage[];
}

export interface CalicoConfigSourceOptions {
  readonly datastore: string;
  readonly node: string;
  readonly logger?: CalicoLogger;
  /** Defaults to process.env.CALICO_ROUTER_ID. */
  readonly routerId?: string;
  /** Defaults to process.env.CALICO_ADVERTISE_CLUSTER_IPS. */
  readonly advertiseClusterIps?: string;
  readonly debounceMs?: number;
  readonly rescanMs?: number;
  /** Seconds between full kernel resyncs (`wren run --route-refresh-interval`); default 90. */
  readonly routeRefreshInterval?: number;
}

export class CalicoConfigSource {
  private watcher: DirectoryDatastore | null = null;
  private started: Promise<void> | null = null;
  readonly ipam: DirectoryIpam;

  constructor(private readonly options: CalicoConfigSourceOptions) {
    this.ipam = new DirectoryIpam(options.datastore);
  }

  async read(): Promise<PlanRead> {
    const loaded = await loadDirectory(this.options.datastore);
    const plan = renderNode(loaded.snapshot, this.options.node, {
      routerId: this.options.routerId ?? process.env.CALICO_ROUTER_ID,
      advertiseClusterIps:
        this.options.advertiseClusterIps ?? process.env.CALICO_ADVERTISE_CLUSTER_IPS,
      loadErrors: loaded.errors,
      routeRefreshInterval: this.options.routeRefreshInterval,
    });
    return { plan, errors: plan.errors, warnings: plan.warnings };
  }

  watch(listener: () => void): void {
    if (!this.watcher) {
      this.watcher = new DirectoryDatastore({
        root: this.options.datastore,
        ...(this.options.logger ? { logger: this.options.logger } : {}),
        ...(this.options.debounceMs !== undefined ? { debounceMs: this.options.debounceMs } : {}),
        ...(this.options.rescanMs !== undefined ? { rescanMs: this.options.rescanMs } : {}),
      });
      this.started = this.watcher.start();
    }
    const w = this.watcher;
    // Subscribe once the first load is done: that load is the state read() already saw.
    void this.started!.then(() => w.onChange(() => listener()));
  }

  /** Resolves once the watcher started by watch() has done its first load. */
  async watching(): Promise<void> {
    await this.started;
  }

  async claimBlocks(plan: NodePlan): Promise<readonly string[]> {
    if (!plan.blocks.some((b) => b.state === "pending-claim")) return [];
    const claimed = await this.ipam.ensureBlocks(this.options.node);
    for (const c of claimed)
      this.options.logger?.info({ block: c, node: this.options.node }, "claimed IPAM block");
    return claimed;
  }

  async close(): Promise<void> {
    await this.started?.catch(() => {});
    await this.watcher?.close();
    this.watcher = null;
    this.started = null;
  }
}

export function createConfigSource(options: CalicoConfigSourceOptions): CalicoConfigSource {
  return new CalicoConfigSource(options);
}
