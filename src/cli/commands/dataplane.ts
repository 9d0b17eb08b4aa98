/**
 * `wren dataplane --plan FILE.json [--routes FILE.jsonl]`: runs the dataplane agent alone in the
 * current network namespace — it programs the desired dataplane (a DesiredDataplane, or a node
 * plan from `wren render --json`) plus BGP route batches, and keeps reconciling. Commands are
 * read from stdin as JSON lines and answered on stdout as JSON lines; logs go to stderr. See
 * docs/dataplane.md.
 *
 * Commands: {"cmd":"status"}, {"cmd":"show"} (owned routes as `ip route` lines),
 * {"cmd":"bgp","upserts":[…],"withdrawals":[…]} (a bare batch line works too), {"cmd":"plan","plan":{…}} or {"cmd":"plan"}
 * (re-read --plan), {"cmd":"sync"} (answer once the kernel matches), {"cmd":"resync"},
 * {"cmd":"converged"}, {"cmd":"stop","keepRoutes":true|false}. An optional "id" is echoed.
 * Signals: SIGTERM/SIGINT = stop keeping routes (graceful), SIGHUP = re-read --plan.
 */
import { readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import pino from "pino";
import type { BgpRouteBatch, DesiredDataplane } from "../../common/contracts/dataplane.js";
import { errorMessage } from "../../common/errors.js";
import { createDataplaneAgent, type NetlinkDataplaneAgent } from "../../dataplane/index.js";
import { parseBgpBatch, parseDesiredDataplane } from "../../dataplane/plan-json.js";

export const summary =
  "run the dataplane agent alone: program a desired dataplane + BGP routes (JSON lines)";

const USAGE = `usage: wren dataplane --plan FILE.json [--routes FILE.jsonl] [options]

Programs the kernel of the current network namespace like calico/node (BIRD kernel routes +
Felix routes, devices, sysctls) from a desired dataplane, and keeps it that way.
  --plan FILE            DesiredDataplane JSON, or a node plan (wren render --json)
  --routes FILE          BGP route batches as JSON lines (stdin takes them too, as lines or
                         {"cmd":"bgp",...})
  --restarting           graceful restart: keep proto bird routes found in the kernel until
                         {"cmd":"converged"} (or --converge-timeout)
  --converge-timeout S   seconds to wait for convergence when restarting (default 120)
  --resync S             override the plan's full-resync interval
  --log-level LEVEL      stderr log level (debug, info, warn, error; default info)
stdin: JSON lines {"cmd": "status"|"show"|"bgp"|"plan"|"sync"|"resync"|"converged"|"stop"}
stdout: JSON lines, one answer per command, and {"event": "ready"} after the first sync`;

type Json = Record<string, unknown>;

function out(obj: Json): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: ${errorMessage(err)}`);
  }
}

function readBatches(file: string): BgpRouteBatch[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const batches: BgpRouteBatch[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === "" || line.trimStart().startsWith("#")) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new Error(`${file}:${i + 1}: ${errorMessage(err)}`);
    }
    batches.push(parseBgpBatch(value, `${file}:${i + 1}`));
  });
  return batches;
}

export async function run(args: string[]): Promise<number> {
  let opts: {
    plan?: string;
    routes?: string;
    restarting?: boolean;
    "converge-timeout"?: string;
    resync?: string;
    "log-level"?: string;
    help?: boolean;
  };
  try {
    opts = parseArgs({
      args,
      options: {
        plan: { type: "string", short: "p" },
        routes: { type: "string", short: "r" },
        restarting: { type: "boolean", default: false },
        "converge-timeout": { type: "string", default: "120" },
        resync: { type: "string" },
        "log-level": { type: "string", default: "info" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`wren dataplane: ${errorMessage(err)}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  if (!opts.plan) {
    console.error(`wren dataplane: --plan is required\n\n${USAGE}`);
    return 2;
  }
  const planFile = opts.plan;
  const resyncOverride = opts.resync === undefined ? null : Number(opts.resync);
  const convergeTimeout = Number(opts["converge-timeout"]);
  if ((resyncOverride !== null && !(resyncOverride > 0)) || !(convergeTimeout > 0)) {
    console.error(
      "wren dataplane: --resync and --converge-timeout take a positive number of seconds",
    );
    return 2;
  }
  const loadPlan = (value?: unknown): DesiredDataplane => {
    const plan = parseDesiredDataplane(
      value ?? readJson(planFile),
      value ? "plan command" : planFile,
    );
    return resyncOverride === null ? plan : { ...plan, resyncInterval: resyncOverride };
  };
  let plan: DesiredDataplane;
  let batches: BgpRouteBatch[] = [];
  try {
    plan = loadPlan();
    if (opts.routes && opts.routes !== "-") batches = readBatches(opts.routes);
  } catch (err) {
    console.error(`wren dataplane: ${errorMessage(err)}`);
    return 1;
  }

  const logger = pino(
    { level: opts["log-level"], base: { component: "dataplane", node: plan.nodeName } },
    pino.destination({ dest: 2, sync: true }),
  );
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  let agent: NetlinkDataplaneAgent;
  try {
    agent = await createDataplaneAgent({
      node: plan.nodeName,
      logger,
      restarting: opts.restarting,
      convergeTimeoutMs: convergeTimeout * 1000,
    });
  } catch (err) {
    console.error(`wren dataplane: cannot open netlink: ${errorMessage(err)}`);
    return 1;
  }

  let stopping: Promise<number> | null = null;
  const stop = (keepRoutes: boolean): Promise<number> => {
    stopping ??= agent.stop({ keepRoutes }).then(() => 0);
    return stopping;
  };

  for (const b of batches) agent.applyBgpRoutes(b);
  await agent.applyPlan(plan);
  out({ event: "ready", status: agent.status() });

  const handle = async (line: string): Promise<void> => {
    if (line.trim() === "") return;
    let msg: Json;
    try {
      msg = JSON.parse(line) as Json;
    } catch (err) {
      out({ ok: false, error: `bad JSON: ${errorMessage(err)}` });
      return;
    }
    const id = msg.id;
    // A bare route batch (no "cmd") is a bgp command.
    const cmd = msg.cmd ?? ("upserts" in msg || "withdrawals" in msg ? "bgp" : undefined);
    const reply = (obj: Json) => out({ ...(id === undefined ? {} : { id }), cmd, ...obj });
    try {
      switch (cmd) {
        case "status":
          reply({
            ok: true,
            status: agent.status(),
            loopDelayMaxMs: Math.round(loopDelay.max / 1e6),
            memoryMB: Math.round(process.memoryUsage().rss / 1048576),
          });
          break;
        case "show":
          reply({ ok: true, routes: agent.ownedRoutes() });
          break;
        case "bgp":
          agent.applyBgpRoutes(parseBgpBatch(msg, "bgp command"));
          if (msg.wait === true) await agent.settled();
          reply({ ok: true });
          break;
        case "plan":
          await agent.applyPlan(loadPlan(msg.plan));
          reply({ ok: true, status: agent.status() });
          break;
        case "sync":
          await agent.settled();
          reply({ ok: true, status: agent.status() });
          break;
        case "resync":
          await agent.resync();
          reply({ ok: true, status: agent.status() });
          break;
        case "converged":
          agent.bgpConverged();
          await agent.settled();
          reply({ ok: true, status: agent.status() });
          break;
        case "stop":
          await stop(msg.keepRoutes !== false);
          reply({ ok: true });
          break;
        default:
          reply({ ok: false, error: `unknown command ${JSON.stringify(cmd)}` });
      }
    } catch (err) {
      reply({ ok: false, error: errorMessage(err) });
    }
  };

  // Commands run one at a time, in order.
  let queue = Promise.resolve();
  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    // status and show answer at once, even while an earlier command waits for the kernel.
    if (/"cmd"\s*:\s*"(status|show)"/.test(line)) void handle(line);
    else queue = queue.then(() => handle(line));
  });
  process.on("SIGHUP", () => {
    queue = queue.then(async () => {
      try {
        await agent.applyPlan(loadPlan());
        logger.info({ file: planFile }, "plan re-read");
      } catch (err) {
        logger.error({ err: errorMessage(err) }, "plan not re-read");
      }
    });
  });
  const onSignal = () => void stop(true);
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (stopping) {
        clearInterval(check);
        void stopping.then(() => resolve());
      }
    }, 50);
  });
  await queue;
  rl.close();
  process.stdin.destroy();
  return 0;
}
