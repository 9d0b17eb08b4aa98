/**
 * The plugin's log. stdout belongs to the CNI result, so log lines go to `log_file_path` (JSON
 * lines, appended; the directory is created) at the configured level, and errors also to stderr,
 * which runtimes put into their own logs. Each line carries the command and container ID.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { LogLevel } from "./config.js";

export interface CniLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<LogLevel, number> = { error: 0, warning: 1, info: 2, debug: 3 };

export const silentLogger: CniLogger = { debug() {}, info() {}, warn() {}, error() {} };

export function createLogger(opts: {
  level: LogLevel;
  file?: string;
  base: Record<string, unknown>;
  stderr?: (line: string) => void;
}): CniLogger {
  let fileOk = opts.file !== undefined;
  if (opts.file) {
    try {
      mkdirSync(dirname(opts.file), { recursive: true });
    } catch {
      fileOk = false;
    }
  }
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (level === "error") opts.stderr?.(`wren cni: ${msg}`);
    if (!fileOk || RANK[level] > RANK[opts.level]) return;
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level,
      msg,
      ...opts.base,
      ...fields,
    });
    try {
      appendFileSync(opts.file!, `${line}\n`);
    } catch {
      fileOk = false;
    }
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warning", m, f),
    error: (m, f) => write("error", m, f),
  };
}
