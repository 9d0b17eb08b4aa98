/**
 * `wren speaker --config FILE.json [--restarted]`: runs the BGP speaker alone from a JSON
 * SpeakerConfig (no Calico, no kernel programming). Events go to stdout as JSON lines; commands
 * are read from stdin as JSON lines; logs go to stderr. See docs/speaker.md.
 *
 * Commands: {"cmd":"status"}, {"cmd":"routes", ...RouteQuery}, {"cmd":"configure","config":{...}},
 * {"cmd":"reload"} (re-read --config), {"cmd":"metrics"[,"reset":true]} (event-loop delay, memory),
 * {"cmd":"stop","mode":"graceful"|"withdraw"}; an optional
 * "id" is echoed in the reply. Signals: SIGTERM = graceful stop (peers keep our routes),
 * SIGINT = withdraw stop (Cease to every peer), SIGHUP = reload.
 */
import { readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import pino from "pino";
import {
  createSpeaker,
  parseSpeakerConfig,
  speakerConfigFromJson,
} from "../../bgp/speaker/index.js";
import type { SpeakerConfig, SpeakerEvent } from "../../common/contracts/index.js";
import { errorMessage } from "../../common/errors.js";

export const summary =
  "run the BGP speaker alone from a JSON config (events/commands as JSON lines)";

const USAGE = `usage: wren speaker --config FILE.json [--restarted] [--log-level LEVEL]

Runs wren's BGP speaker without Calico or kernel programming.
  --config FILE      SpeakerConfig as JSON (see docs/speaker.md)
  --restarted        we restarted gracefully: set the R bit, defer until peers' End-of-RIB
  --log-level LEVEL  stderr log level (trace, debug, info, warn, error; default info)
stdout: JSON lines {"event": ...}; stdin: JSON lines
  {"cmd": "status"|"routes"|"configure"|"reload"|"metrics"|"stop"}`;

function out(obj: unknown): void {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

function readConfig(file: string): SpeakerConfig {
  return parseSpeakerConfig(readFileSync(file, "utf8"), file);
}

export async function run(args: string[]): Promise<number> {
  let opts: { config?: string; restarted?: boolean; "log-level"?: string; help?: boolean };
  try {
    opts = parseArgs({
      args,
      options: {
        config: { type: "string", short: "c" },
        restarted: { type: "boolean", default: false },
        "log-level": { type: "string", default: "info" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`wren speaker: ${errorMessage(err)}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  if (!opts.config) {
    console.error(`wren speaker: --config is required\n\n${USAGE}`);
    return 2;
  }
  const configFile = opts.config;
  let config: SpeakerConfig;
  try {
    config = readConfig(configFile);
  } catch (err) {
    console.error(`wren speaker: ${errorMessage(err)}`);
    return 1;
  }
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const logger = pino(
    { level: opts["log-level"] ?? "info", base: { component: "bgp" } },
    pino.destination(2),
  );
  const speaker = createSpeaker({ logger, restarting: opts.restarted ?? false });
  speaker.onEvent((e: SpeakerEvent) =>
    out({ event: e.type, time: new Date().toISOString(), ...e, type: undefined }),
  );
  speaker.onRoutes((batch) =>
    out({
      event: "routes",
      time: new Date().toISOString(),
      upserts: batch.upserts.length,
      withdrawals: batch.withdrawals.length,
    }),
  );
  try {
    const result = await speaker.configure(config);
    out({
      event: "started",
      time: new Date().toISOString(),
      routerId: config.routerId,
      asNumber: config.asNumber,
      ...result,
    });
  } catch (err) {
    console.error(`wren speaker: ${errorMessage(err)}`);
    await speaker.stop("withdraw").catch(() => {});
    return 1;
  }

  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    finish = resolve;
  });
  let stopping = false;
  const stop = async (mode: "graceful" | "withdraw") => {
    if (stopping) return;
    stopping = true;
    await speaker.stop(mode);
    out({ event: "stopped", time: new Date().toISOString(), mode });
    finish(0);
  };
  const reload = async () => {
    const next = readConfig(configFile);
    return speaker.configure(next);
  };

  const onTerm = () => void stop("graceful");
  const onInt = () => void stop("withdraw");
  const onHup = () =>
    void reload().then(
      (r) => out({ event: "reloaded", time: new Date().toISOString(), ...r }),
      (err) => out({ event: "error", time: new Date().toISOString(), message: errorMessage(err) }),
    );
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", onInt);
  process.on("SIGHUP", onHup);

  const rl = createInterface({ input: process.stdin });
  rl.on("line", (line) => {
    if (!line.trim()) return;
    void handleCommand(line);
  });

  async function handleCommand(line: string): Promise<void> {
    let cmd: { cmd?: string; id?: unknown; [k: string]: unknown };
    try {
      cmd = JSON.parse(line);
    } catch (err) {
      out({ ok: false, error: `not JSON: ${errorMessage(err)}` });
      return;
    }
    const reply = (body: object) =>
      out({ ...(cmd.id !== undefined ? { id: cmd.id } : {}), cmd: cmd.cmd, ...body });
    try {
      switch (cmd.cmd) {
        case "status":
          reply({ ok: true, result: speaker.status() });
          return;
        case "routes": {
          const { cmd: _c, id: _i, ...query } = cmd;
          reply({ ok: true, result: speaker.routes(query) });
          return;
        }
        case "configure":
          reply({
            ok: true,
            result: await speaker.configure(speakerConfigFromJson(cmd.config, "configure")),
          });
          return;
        case "metrics": {
          const ms = (ns: number) => Math.round(ns / 1e4) / 100;
          const mem = process.memoryUsage();
          reply({
            ok: true,
            result: {
              eventLoopDelayMs: {
                max: ms(loopDelay.max),
                p99: ms(loopDelay.percentile(99)),
                p50: ms(loopDelay.percentile(50)),
                mean: ms(loopDelay.mean),
              },
              rssBytes: mem.rss,
              heapUsedBytes: mem.heapUsed,
              locRibPrefixes: speaker.status().locRibPrefixes,
            },
          });
          if (cmd.reset === true) loopDelay.reset();
          return;
        }
        case "reload":
          reply({ ok: true, result: await reload() });
          return;
        case "stop": {
          const mode = cmd.mode === "withdraw" ? "withdraw" : "graceful";
          reply({ ok: true });
          await stop(mode);
          return;
        }
        default:
          reply({ ok: false, error: `unknown command ${JSON.stringify(cmd.cmd)}` });
      }
    } catch (err) {
      reply({ ok: false, error: errorMessage(err) });
    }
  }

  const code = await done;
  loopDelay.disable();
  rl.close();
  process.stdin.destroy();
  process.off("SIGTERM", onTerm);
  process.off("SIGINT", onInt);
  process.off("SIGHUP", onHup);
  logger.flush?.();
  return code;
}
