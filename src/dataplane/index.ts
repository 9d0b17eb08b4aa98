/**
 * The dataplane engine's public surface: `createDataplaneAgent` opens rtnetlink in the calling
 * process's network namespace and returns the agent (see agent.ts for how it works and
 * docs/dataplane.md for the kernel state it produces).
 */
import type { Clock } from "../common/clock.js";
import { type DataplaneLogger, NetlinkDataplaneAgent } from "./agent.js";
import { NetlinkKernel, type NetlinkKernelOptions } from "./netlink/netlink-kernel.js";
import type { OwnershipRules } from "./ownership.js";
import type { SysctlPort } from "./sysctls.js";

export type { DataplaneLogger, DataplaneStatus } from "./agent.js";
export { NetlinkDataplaneAgent } from "./agent.js";
export type { Kernel, KernelEvent, KernelOp } from "./kernel.js";
export { NetlinkKernel } from "./netlink/netlink-kernel.js";
export { DEFAULT_OWNERSHIP, type OwnershipRules } from "./ownership.js";

export interface CreateDataplaneOptions {
  /** Node name, for logs. */
  readonly node?: string;
  readonly logger?: DataplaneLogger;
  readonly clock?: Clock;
  /** A graceful restart of wren: adopt `proto bird` routes, sweep stale ones after
   *  `bgpConverged()` (or `convergeTimeoutMs`, default 120 s). */
  readonly restarting?: boolean;
  readonly convergeTimeoutMs?: number;
  readonly ownership?: OwnershipRules;
  readonly sysctl?: SysctlPort;
  readonly netlink?: NetlinkKernelOptions;
  readonly repairDelayMs?: number;
}

export async function createDataplaneAgent(
  options: CreateDataplaneOptions = {},
): Promise<NetlinkDataplaneAgent> {
  const kernel = await NetlinkKernel.open(options.netlink);
  kernel.onError((message) => options.logger?.error({ err: message }, "netlink error"));
  return new NetlinkDataplaneAgent({
    kernel,
    logger: options.logger,
    clock: options.clock,
    restarting: options.restarting,
    convergeTimeoutMs: options.convergeTimeoutMs,
    ownership: options.ownership,
    sysctl: options.sysctl,
    repairDelayMs: options.repairDelayMs,
  });
}
