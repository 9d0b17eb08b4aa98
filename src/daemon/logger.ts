/**
 * The daemon's structured log: pino, JSON lines on stdout by default (for journald, kubectl logs,
 * jq), pino-pretty when stdout is a terminal. Engines get child loggers with a `component` field.
 * Levels: info = one event per state change (peer state, reload, stop), debug = message traces.
 */
import { type DestinationStream, type Logger, pino } from "pino";
import pretty from "pino-pretty";
import type { LogLevel } from "./options.js";

export type { Logger };

export interface LoggerOptions {
  readonly level: LogLevel;
  readonly node: string;
  /** Pretty output; default: stdout is a TTY. */
  readonly pretty?: boolean;
  /** Destination for tests; default stdout (synchronous, so nothing is lost at exit). */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  const base = { node: options.node, pid: process.pid };
  const usePretty = options.pretty ?? (process.stdout.isTTY === true && !options.destination);
  if (usePretty) {
    return pino(
      { level: options.level, base },
      pretty({
        colorize: true,
        sync: true,
        ignore: "pid,hostname",
        translateTime: "SYS:HH:MM:ss.l",
      }),
    );
  }
  return pino(
    { level: options.level, base, timestamp: pino.stdTimeFunctions.isoTime },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
