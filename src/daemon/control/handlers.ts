/**
 * What each control command does: the bridge between the control socket and the daemon's
 * engines. Arguments are checked here (bad ones answer CTL_BAD_ARGS with a readable message).
 */
import type { Family, NodePlan, RouteQuery } from "../../common/contracts/index.js";
import { canonicalAddress } from "../../common/ip/address.js";
import { formatPrefix, parsePrefixDetailed } from "../../common/ip/prefix.js";
import type { Daemon } from "../daemon.js";
import { wrenVersion } from "../version.js";
import type {
  ConfigJson,
  HealthJson,
  ProtocolsJson,
  ReloadJson,
  RoutesJson,
  StatusJson,
} from "../views.js";
import type { ControlCommand } from "./protocol.js";
import { ControlCommandError, type ControlHandler } from "./server.js";

/** Default and ceiling of `routes` when the client gives no limit. */
export const DEFAULT_ROUTE_LIMIT = 10_000;

function optString(args: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const v = args[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string")
    throw new ControlCommandError("CTL_BAD_ARGS", `"${key}" must be a string`);
  return v;
}

function optBool(args: Readonly<Record<string, unknown>>, key: string): boolean {
  const v = args[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== "boolean")
    throw new ControlCommandError("CTL_BAD_ARGS", `"${key}" must be true or false`);
  return v;
}

/** Route query from control arguments, validated and canonicalised. */
export function routeQueryOf(
  args: Readonly<Record<string, unknown>>,
): RouteQuery & { limit: number } {
  const prefixText = optString(args, "prefix");
  let prefix: string | undefined;
  if (prefixText !== undefined) {
    const parsed = parsePrefixDetailed(prefixText.trim());
    if (!parsed.ok) {
      throw new ControlCommandError(
        "CTL_BAD_ARGS",
        `"${prefixText}" is not a prefix: ${parsed.reason}`,
      );
    }
    prefix = formatPrefix(parsed.prefix);
  }
  const peerText = optString(args, "peer");
  let peer: string | undefined;
  if (peerText !== undefined) {
    const c = canonicalAddress(peerText);
    if (c === null)
      throw new ControlCommandError("CTL_BAD_ARGS", `"${peerText}" is not an IP address`);
    peer = c;
  }
  const family = optString(args, "family");
  if (family !== undefined && family !== "ipv4" && family !== "ipv6") {
    throw new ControlCommandError("CTL_BAD_ARGS", `"family" must be ipv4 or ipv6`);
  }
  const limitArg = args.limit;
  let limit = DEFAULT_ROUTE_LIMIT;
  if (limitArg !== undefined && limitArg !== null) {
    if (typeof limitArg !== "number" || !Number.isInteger(limitArg) || limitArg < 0) {
      throw new ControlCommandError("CTL_BAD_ARGS", `"limit" must be a whole number ≥ 0 (0 = all)`);
    }
    limit = limitArg;
  }
  return {
    ...(prefix !== undefined ? { prefix } : {}),
    ...(peer !== undefined ? { peer } : {}),
    ...(family !== undefined ? { family: family as Family } : {}),
    all: optBool(args, "all"),
    limit,
  };
}

/** The plan without secrets: BGP passwords are replaced by a marker (the socket is root-only,
 *  but `show config --json` output ends up in tickets and chat). */
export function redactSecrets(plan: NodePlan): NodePlan {
  if (!plan.peers.some((p) => p.password !== null)) return plan;
  return {
    ...plan,
    peers: plan.peers.map((p) => (p.password === null ? p : { ...p, password: REDACTED })),
  };
}

export const REDACTED = "(redacted)";

export function createControlHandlers(daemon: Daemon): Record<ControlCommand, ControlHandler> {
  return {
    hello: (): HealthJson => ({
      node: daemon.options.node,
      pid: process.pid,
      version: wrenVersion(),
      phase: daemon.phase,
      startedAt: new Date(daemon.startedAt).toISOString(),
      restarted: daemon.restart.restarting,
      readiness: daemon.readiness(),
    }),

    status: (): StatusJson => daemon.status(),

    protocols: (args): ProtocolsJson => {
      const name = optString(args, "name");
      const s = daemon.speakerStatus();
      const status = daemon.status();
      const peers = (s?.peers ?? []).filter(
        (p) => name === undefined || p.name === name || p.address === name,
      );
      if (name !== undefined && peers.length === 0) {
        throw new ControlCommandError(
          "CTL_BAD_ARGS",
          `no BGP session named or addressed "${name}"`,
        );
      }
      return {
        node: daemon.options.node,
        routerId: status.routerId,
        asNumber: status.asNumber,
        gracefulRestartInProgress: s?.gracefulRestartInProgress ?? false,
        peers,
      };
    },

    routes: (args): RoutesJson => {
      const speaker = daemon.speaker;
      if (!speaker)
        throw new ControlCommandError("CTL_NOT_READY", "the BGP speaker is not started yet");
      const { limit, ...query } = routeQueryOf(args);
      const routes = speaker.routes(limit > 0 ? { ...query, limit: limit + 1 } : query);
      const truncated = limit > 0 && routes.length > limit;
      return { routes: truncated ? routes.slice(0, limit) : routes, truncated };
    },

    config: (): ConfigJson => {
      const c = daemon.config;
      return {
        node: daemon.options.node,
        datastore: daemon.options.datastore,
        ok: (c?.error ?? null) === null,
        error: c?.error ?? null,
        errors: c?.errors ?? [],
        warnings: c?.warnings ?? [],
        generation: c?.generation ?? 0,
        appliedAt: c?.appliedAt ? new Date(c.appliedAt).toISOString() : null,
        checkedAt: c?.checkedAt ? new Date(c.checkedAt).toISOString() : null,
        plan: c?.plan ? redactSecrets(c.plan) : null,
      };
    },

    reload: async (): Promise<ReloadJson> => {
      if (daemon.phase !== "running") {
        throw new ControlCommandError("CTL_NOT_READY", `wren is ${daemon.phase}; reload refused`);
      }
      return daemon.reload("control");
    },
  };
}
