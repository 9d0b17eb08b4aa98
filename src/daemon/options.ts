/**
 * Options of `wren run` and their defaults (issue 6): datastore `config/`, node name from
 * NODENAME / CALICO_NODENAME / the hostname, control socket /run/wren/wren.sock, health and
 * metrics on 127.0.0.1:9099 (Felix's health port; per network namespace, so one default serves
 * one instance per namespace), kernel route refresh every 90 s (Felix's routeRefreshInterval).
 * Pure: the environment and hostname are passed in.
 */
import { dirname, join } from "node:path";
// The module alone (not calico/index.js): `wren status` loads this file through ctl-client.ts.
import { parseDuration } from "../calico/model/duration.js";
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
/** Felix's RouteRefreshInterval default: a full kernel resync every 90 s. */
export const DEFAULT_ROUTE_REFRESH_INTERVAL = 90;
/** The longest interval a Node timer can hold (2^31−1 ms); a longer one would fire at once. */
export const MAX_ROUTE_REFRESH_INTERVAL = Math.floor((2 ** 31 - 1) / 1000);

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
  /** Seconds between full kernel resyncs (Felix routeRefreshInterval); default 90. */
  readonly routeRefreshInterval?: number;
}

export interface RunFlags {
  readonly datastore?: string;
  readonly node?: string;
  readonly control?: string;
  readonly http?: string;
  readonly logLevel?: string;
  readonly noGraceful?: boolean;
  readonly stateFile?: string;
  readonly routeRefreshInterval?: string;
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

/**
 * Parses --route-refresh-interval: seconds (`90`, `2.5`) or a Felix/Go duration (`90s`, `1m30s`,
 * `1.5m`, `1h`; the parser of the YAML duration fields). At least 1 s (the agent's floor) and at most what a timer can hold. Felix's `0`
 * ("never refresh") is refused: the periodic resync is wren's safety net for kernel changes
 * its netlink subscription missed.
 */
export function parseRouteRefreshInterval(
  text: string,
  source = "--route-refresh-interval",
): number {
  const t = text.trim();
  const seconds = /^\d+(?:\.\d+)?$/.test(t) ? Number(t) : parseDuration(t);
  if (seconds === null || seconds < 1 || seconds > MAX_ROUTE_REFRESH_INTERVAL) {
    throw new DaemonError(
      "DAEMON_USAGE",
      `${source} "${text}" is not a number of seconds from 1 to ${MAX_ROUTE_REFRESH_INTERVAL} (e.g. 90, 30s, 5m)`,
    );
  }
  return seconds;
}

/** --route-refresh-interval, else $WREN_ROUTE_REFRESH_INTERVAL, else 90 s. */
function routeRefreshIntervalOf(flags: RunFlags, environment: Environment): number {
  if (flags.routeRefreshInterval !== undefined) {
    return parseRouteRefreshInterval(flags.routeRefreshInterval);
  }
  const fromEnv = environment.env.WREN_ROUTE_REFRESH_INTERVAL;
  if (fromEnv !== undefined) {
    return parseRouteRefreshInterval(
      fromEnv,
      "WREN_ROUTE_REFRESH_INTERVAL (--route-refresh-interval)",
    );
  }
  return DEFAULT_ROUTE_REFRESH_INTERVAL;
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
    routeRefreshInterval: routeRefreshIntervalOf(flags, environment),
  };
}
