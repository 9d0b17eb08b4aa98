// Per-route kernel errors (issue 4: "errors are per route, logged with the route and errno,
// retried on the next resync, never fatal"): the dataplane agent drives an in-memory kernel
// that refuses one route of a batch; the agent keeps going, installs the rest of the batch,
// counts and lists the failure with its errno name, and tries the route again at the next
// periodic full resync (the plan's resyncInterval, on a manual clock), which clears the failure
// once the kernel takes it.

import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/common/clock.js";
import type { DesiredDataplane } from "../../../src/common/contracts/dataplane.js";
import { type DataplaneLogger, NetlinkDataplaneAgent } from "../../../src/dataplane/agent.js";
import type { SysctlPort } from "../../../src/dataplane/sysctls.js";
import { desiredDataplane } from "../../harness/desired-dataplane.js";
import { MemoryKernel } from "./memory-kernel.js";

const EINVAL = 22;
const ENETUNREACH = 101;
const RESYNC_S = 30;

const BLOCKS = ["10.244.1.0/26", "10.244.2.0/26", "10.244.3.0/26"];
const REFUSED = "10.244.2.0/26";

function plan(): DesiredDataplane {
  return desiredDataplane({
    blackholes: BLOCKS.map((prefix) => ({ prefix, owner: "bird" as const })),
    resyncInterval: RESYNC_S,
  });
}

const memorySysctl = (): SysctlPort => {
  const values = new Map<string, string>();
  return { read: (k) => values.get(k) ?? "0", write: (k, v) => void values.set(k, v) };
};

function captureLog() {
  const warnings: { obj: Record<string, unknown>; msg: string | undefined }[] = [];
  const logger: DataplaneLogger = {
    debug() {},
    info() {},
    warn: (obj, msg) => void warnings.push({ obj: obj as Record<string, unknown>, msg }),
    error: (obj, msg) => void warnings.push({ obj: obj as Record<string, unknown>, msg }),
  };
  return { logger, warnings };
}

/** Runs the agent's short timers (pass scheduling, repair delay) until `p` resolves. */
async function drive<T>(clock: ManualClock, p: Promise<T>): Promise<T> {
  let done = false;
  const out = p.finally(() => {
    done = true;
  });
  for (let i = 0; i < 1000 && !done; i++) {
    clock.advance(1);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!done) throw new Error("the agent did not settle");
  return out;
}

function setup(errno: number) {
  const clock = new ManualClock();
  const kernel = new MemoryKernel();
  let refusing = true;
  kernel.refuse = (op, route) =>
    refusing && op !== "delete" && `${route.dst.join(".")}/${route.dstLen}` === REFUSED ? errno : 0;
  const { logger, warnings } = captureLog();
  const agent = new NetlinkDataplaneAgent({ kernel, clock, logger, sysctl: memorySysctl() });
  const accept = () => {
    refusing = false;
  };
  return { clock, kernel, agent, warnings, accept };
}

const installed = (kernel: MemoryKernel) =>
  [...kernel.routes.values()].map((r) => `${r.dst.join(".")}/${r.dstLen}`).sort();

describe("dataplane agent: a route the kernel refuses", () => {
  it.each([
    ["EINVAL", EINVAL],
    ["ENETUNREACH", ENETUNREACH],
  ])(
    "is not fatal, is counted and listed with %s, and the rest of the batch goes in",
    async (name, errno) => {
      const { clock, kernel, agent, warnings } = setup(errno);
      await drive(clock, agent.applyPlan(plan()));

      // The other routes of the same batch are installed; the refused one is not.
      expect(installed(kernel)).toEqual(["10.244.1.0/26", "10.244.3.0/26"]);
      expect(kernel.attemptsOn(REFUSED)).toEqual([{ op: "add", dst: REFUSED, errno }]);

      const status = agent.status();
      expect(status.counters.routeErrors).toBe(1);
      expect(status.failures).toEqual([
        { route: expect.stringContaining(REFUSED), error: `add failed: ${name}` },
      ]);
      // Logged with the route and the errno name.
      expect(warnings).toContainEqual({
        obj: { route: expect.stringContaining(REFUSED), error: `add failed: ${name}` },
        msg: "kernel route change failed",
      });

      // Not fatal: the agent keeps working (a later plan change is applied).
      const more = plan();
      await drive(
        clock,
        agent.applyPlan({
          ...more,
          blackholes: [...more.blackholes, { prefix: "10.244.4.0/26", owner: "bird" }],
        }),
      );
      expect(installed(kernel)).toEqual(["10.244.1.0/26", "10.244.3.0/26", "10.244.4.0/26"]);
      expect(agent.status().failures).toHaveLength(1);
      await agent.stop({ keepRoutes: true });
    },
  );

  it("is retried at the next periodic resync, which clears the failure once the kernel takes it", async () => {
    const { clock, kernel, agent, accept } = setup(ENETUNREACH);
    await drive(clock, agent.applyPlan(plan()));
    expect(kernel.attemptsOn(REFUSED)).toHaveLength(1);

    // Still refused at the next resync: tried again, failure kept, counted again.
    clock.advance(RESYNC_S * 1000 - 100);
    await drive(clock, agent.settled());
    expect(kernel.attemptsOn(REFUSED)).toHaveLength(1);
    clock.advance(100);
    await drive(clock, agent.settled());
    expect(kernel.attemptsOn(REFUSED).map((a) => a.errno)).toEqual([ENETUNREACH, ENETUNREACH]);
    expect(agent.status().counters.routeErrors).toBe(2);
    expect(agent.status().failures).toHaveLength(1);

    // The kernel takes it now: the next resync installs it and the failure clears.
    accept();
    clock.advance(RESYNC_S * 1000);
    await drive(clock, agent.settled());
    expect(kernel.attemptsOn(REFUSED).map((a) => a.errno)).toEqual([ENETUNREACH, ENETUNREACH, 0]);
    expect(installed(kernel)).toEqual(BLOCKS);
    expect(agent.status().failures).toEqual([]);
    expect(agent.status().counters.routeErrors).toBe(2);
    // Routes installed before were left alone by the resyncs (no churn).
    expect(kernel.attempts.filter((a) => a.dst !== REFUSED).map((a) => a.dst)).toEqual([
      "10.244.1.0/26",
      "10.244.3.0/26",
    ]);
    await agent.stop({ keepRoutes: true });
  });
});
