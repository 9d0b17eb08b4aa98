/**
 * The JSON views the control socket returns and the CLI prints with `--json`. `StatusJson` is
 * the stable `wren status --json` shape of issue 6 (documented in docs/cli.md); the others carry
 * the engines' own views (speaker status, route views, the node plan) with a little context.
 */
import { basename } from "node:path";
import type {
  BgpState,
  NodePlan,
  PeerStatus,
  PeerType,
  PlanMessage,
  ProtocolState,
  RouteView,
  SpeakerStatus,
} from "../common/contracts/index.js";
import type { Readiness } from "./readiness.js";

export interface StatusPeerJson {
  readonly address: string;
  readonly port: number;
  readonly asNumber: number;
  readonly type: PeerType;
  readonly family: "ipv4" | "ipv6";
  readonly state: ProtocolState;
  readonly bgpState: BgpState;
  readonly since: string;
  readonly info: string;
  readonly prefixes: {
    readonly received: number;
    readonly accepted: number;
    readonly advertised: number;
  };
}

export interface StatusJson {
  readonly node: string;
  readonly routerId: string;
  readonly asNumber: number;
  readonly peers: readonly StatusPeerJson[];
  readonly config: { readonly ok: boolean; readonly error: string | null };
}

/** `file:line Kind name: field: message`, with the file's base name (what /readyz shows). */
export function formatPlanMessage(m: PlanMessage): string {
  const where = m.file ? `${basename(m.file)}${m.line ? `:${m.line}` : ""}` : "";
  const head = [where, m.resource ?? ""].filter((s) => s !== "").join(" ");
  const field = m.field ? `${m.field}: ` : "";
  return head ? `${head}: ${field}${m.message}` : `${field}${m.message}`;
}

/** All errors of a refused change on one line (first three, then a count). */
export function formatPlanErrors(errors: readonly PlanMessage[]): string | null {
  if (errors.length === 0) return null;
  const shown = errors.slice(0, 3).map(formatPlanMessage).join("; ");
  return errors.length > 3 ? `${shown}; and ${errors.length - 3} more` : shown;
}

export function statusPeerJson(p: PeerStatus): StatusPeerJson {
  return {
    address: p.address,
    port: p.port,
    asNumber: p.asNumber,
    type: p.type,
    family: p.family,
    state: p.state,
    bgpState: p.bgpState,
    since: p.since,
    info: p.info,
    prefixes: {
      received: p.prefixes.received,
      accepted: p.prefixes.accepted,
      advertised: p.prefixes.advertised,
    },
  };
}

export function buildStatusJson(
  node: string,
  speaker: SpeakerStatus | null,
  plan: NodePlan | null,
  configError: string | null,
): StatusJson {
  return {
    node,
    routerId: speaker?.routerId ?? plan?.routerId ?? "",
    asNumber: speaker?.asNumber ?? plan?.asNumber ?? 0,
    peers: (speaker?.peers ?? []).map(statusPeerJson),
    config: { ok: configError === null, error: configError },
  };
}

/** `show protocols`: the speaker's full per-session status. */
export interface ProtocolsJson {
  readonly node: string;
  readonly routerId: string;
  readonly asNumber: number;
  readonly gracefulRestartInProgress: boolean;
  readonly peers: readonly PeerStatus[];
}

export interface RoutesJson {
  readonly routes: readonly RouteView[];
  /** More routes matched than `limit` allowed. */
  readonly truncated: boolean;
}

/** `show config`: the running plan and the state of the last datastore read. */
export interface ConfigJson {
  readonly node: string;
  readonly datastore: string;
  readonly ok: boolean;
  /** The refused change, one line; null when the last read was applied. */
  readonly error: string | null;
  readonly errors: readonly PlanMessage[];
  readonly warnings: readonly PlanMessage[];
  /** Increases with every applied plan. */
  readonly generation: number;
  /** ISO 8601 time the running plan was applied. */
  readonly appliedAt: string | null;
  /** ISO 8601 time of the last datastore read (applied or refused). */
  readonly checkedAt: string | null;
  readonly plan: NodePlan | null;
}

export interface ReloadJson {
  readonly applied: boolean;
  /** Nothing differed from the running plan. */
  readonly unchanged: boolean;
  readonly error: string | null;
  readonly peersAdded: readonly string[];
  readonly peersRemoved: readonly string[];
  readonly peersReset: readonly string[];
  readonly peersSoft: readonly string[];
  readonly dataplaneChanged: boolean;
  readonly blocksClaimed: readonly string[];
}

export interface HealthJson {
  readonly node: string;
  readonly pid: number;
  readonly version: string;
  readonly phase: string;
  readonly startedAt: string;
  readonly restarted: boolean;
  readonly readiness: Readiness;
}
