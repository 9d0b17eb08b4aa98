/**
 * Options of `wren run` and their defaults (issue 6): datastore `config/`, node name from
 * NODENAME / CALICO_NODENAME / the hostname, control socket /run/wren/wren.sock, health and
 * metrics on 127.0.0.1:9099 (Felix's health port; per network namespace, so one default serves
 * one instance per namespace). Pure: the environment and hostname are passed in.
 */
import { dirname, join } from "node:path";
import { DaemonError } from "./errors.js";

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";
export const LOG_LEVELS: readonly LogLevel[] = [
  "trace",
  "debug",
  "info",
  "warn",
  "error",
  "fatal",
  "silent",
];

export const DEFAULT_DATASTORE = "config";
export const DEFAULT_CONTROL_SOCKET = "/run/wren/wren.sock";
export const DEFAULT_HTTP = "127.0.0.1:9099";

export interface HttpListen {
  readonly host: string;
  readonly port: number;
}

export interface RunOptions {
  readonly datastore: string;
  readonly node: string;
  readonly controlSocket: string;
  /** null = no HTTP endpoint (`--http none`). */
  readonly http: HttpListen | null;
  readonly logLevel: LogLevel;
  /** false = `--no-graceful`: stop with Cease to every peer and remove wren's kernel routes. */
  readonly graceful: boolean;
  /** Restart-state file: remembers how the previous instance stopped. */
  readonly stateFile: string;
}

export interface RunFlags {
  readonly datastore?: string;
  readonly node?: string;
  readonly control?: string;
  readonly http?: string;
  readonly logLevel?: string;
  readonly noGraceful?: boolean;
  readonly stateFile?: string;
}

export interface Environment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly hostname: string;
}

/** Node name: --node, else NODENAME, else CALICO_NODENAME, else the hostname (Calico's order
 *  after the nodename file, which wren does not use). */
export function resolveNodeName(flag: string | undefined, environment: Environment): string {
  const name =
    flag?.trim() ||
    environment.env.NODENAME?.trim() ||
    environment.env.CALICO_NODENAME?.trim() ||
    environment.hostname.trim();
  if (!name) {
    throw new DaemonError(
      "DAEMON_USAGE",
      "no node name: pass --node NAME or set NODENAME (the hostname is empty)",
    );
  }
  return name;
}

/** Parses `ADDR:PORT`, `[v6]:PORT`, `:PORT` (all addresses) or `none`. */
export function parseHttpListen(text: string): HttpListen | null {
  const t = text.trim();
  if (t === "none" || t === "off" || t === "") return null;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(t);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DaemonError(
      "DAEMON_USAGE",
      `--http "${text}" is not ADDR:PORT (e.g. 127.0.0.1:9099, [::1]:9099, :9099) or "none"`,
    );
  }
  const host = m[1] ?? (m[2] === "" ? "0.0.0.0" : m[2]);
  return { host, port };
}

export function parseLogLevel(text: string): LogLevel {
  const l = text.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(l)) return l as LogLevel;
  throw new DaemonError(
    "DAEMON_USAGE",
    `--log-level "${text}" is not one of ${LOG_LEVELS.join(", ")}`,
  );
}

/** The state file sits next to the control socket and is named after the node, so instances
 *  sharing a socket directory (one per namespace) keep separate restart states. */
export function defaultStateFile(controlSocket: string, node: string): string {
  const safe = node.replace(/[^A-Za-z0-9._-]/g, "_");
  return join(dirname(controlSocket), `${safe}.state`);
}

export function resolveRunOptions(flags: RunFlags, environment: Environment): RunOptions {
  const node = resolveNodeName(flags.node, environment);
  const controlSocket = flags.control ?? environment.env.WREN_CONTROL ?? DEFAULT_CONTROL_SOCKET;
  // sun_path is 108 bytes on Linux, including the terminating NUL.
  if (Buffer.byteLength(controlSocket) > 107) {
    throw new DaemonError(
      "DAEMON_USAGE",
      `--control "${controlSocket}" is longer than the 107 bytes a Unix socket path may have; use a shorter path`,
    );
  }
  return {
    datastore: flags.datastore ?? environment.env.WREN_DATASTORE ?? DEFAULT_DATASTORE,
    node,
    controlSocket,
    http: parseHttpListen(flags.http ?? environment.env.WREN_HTTP ?? DEFAULT_HTTP),
    logLevel: parseLogLevel(flags.logLevel ?? environment.env.WREN_LOG_LEVEL ?? "info"),
    graceful: !flags.noGraceful,
    stateFile: flags.stateFile ?? defaultStateFile(controlSocket, node),
  };
}
