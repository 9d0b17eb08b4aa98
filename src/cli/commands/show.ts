/**
 * `wren show protocols|routes|config`: birdc-like views of the running daemon.
 *   show protocols [NAME|ADDRESS] [--all]        sessions (birdc `show protocols [all]`)
 *   show routes [PREFIX] [--peer IP] [--all]     Loc-RIB (best marker, multipath, attributes)
 *               [--family ipv4|ipv6] [--limit N]
 *   show routes --why PREFIX                     why the best path won
 *   show config                                  running plan + refused datastore change
 * Every form takes --json and --control SOCKET.
 */
import { parseArgs } from "node:util";
import type { ConfigJson, ProtocolsJson, RoutesJson } from "../../daemon/index.js";
import { formatJson as json, runControlCommand, UsageError } from "../control-command.js";
import { request } from "../ctl-client.js";
import { formatConfig } from "../format/config.js";
import { formatProtocols } from "../format/protocols.js";
import { formatRouteDetail, formatRouteTable, formatWhy } from "../format/routes.js";

export const summary = "show protocols | routes | config of the running daemon";

const USAGE = `usage: wren show protocols [NAME|ADDRESS] [--all] [--json] [--control SOCKET]
       wren show routes [PREFIX] [--peer IP] [--all] [--family ipv4|ipv6] [--limit N] [--json]
       wren show routes --why PREFIX [--json]
       wren show config [--json] [--control SOCKET]`;

export function run(args: string[]): Promise<number> {
  return runControlCommand(
    {
      name: "show",
      usage: USAGE,
      parse,
      async execute(view) {
        process.stdout.write(await view());
        return 0;
      },
    },
    args,
  );
}

function parse(args: string[]): "help" | (() => Promise<string>) {
  const { values, positionals } = parseArgs({
    args,
    options: {
      all: { type: "boolean" },
      json: { type: "boolean" },
      control: { type: "string" },
      peer: { type: "string" },
      why: { type: "string" },
      family: { type: "string" },
      limit: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) return "help";
  const [what, ...rest] = positionals;
  const ctl = { socket: values.control };
  const only = (allowed: readonly string[]) => {
    for (const k of ["all", "peer", "why", "family", "limit"] as const) {
      if (values[k] !== undefined && !allowed.includes(k)) {
        throw new UsageError(`--${k} does not apply to "show ${what}"`);
      }
    }
  };
  switch (what) {
    case "protocols":
    case "protocol": {
      only(["all"]);
      if (rest.length > 1) throw new UsageError("show protocols takes at most one NAME or ADDRESS");
      return async () => {
        const view = await request<ProtocolsJson>(
          "protocols",
          rest[0] ? { name: rest[0] } : {},
          ctl,
        );
        return values.json
          ? json(view)
          : formatProtocols(view, values.all === true || rest.length === 1);
      };
    }
    case "routes":
    case "route": {
      only(["all", "peer", "why", "family", "limit"]);
      if (rest.length > 1) throw new UsageError("show routes takes at most one PREFIX");
      if (values.why !== undefined && rest.length > 0) {
        throw new UsageError("give the prefix either as PREFIX or as --why PREFIX, not both");
      }
      let limit: number | undefined;
      if (values.limit !== undefined) {
        limit = Number(values.limit);
        if (!Number.isInteger(limit) || limit < 0)
          throw new UsageError("--limit must be a whole number ≥ 0 (0 = all)");
      }
      const prefix = values.why ?? rest[0];
      const args: Record<string, unknown> = {
        ...(prefix !== undefined ? { prefix } : {}),
        ...(values.peer !== undefined ? { peer: values.peer } : {}),
        ...(values.family !== undefined ? { family: values.family } : {}),
        ...(limit !== undefined ? { limit } : {}),
        all: values.all === true || values.why !== undefined || prefix !== undefined,
      };
      return async () => {
        const view = await request<RoutesJson>("routes", args, ctl);
        if (values.json) return json(view);
        if (values.why !== undefined) return formatWhy(view, values.why);
        return prefix !== undefined ? formatRouteDetail(view) : formatRouteTable(view);
      };
    }
    case "config": {
      only([]);
      if (rest.length > 0) throw new UsageError("show config takes no arguments");
      return async () => {
        const view = await request<ConfigJson>("config", {}, ctl);
        return values.json ? json(view) : formatConfig(view);
      };
    }
    default:
      throw new UsageError(
        what ? `unknown view "${what}"` : "what to show: protocols, routes or config",
      );
  }
}
