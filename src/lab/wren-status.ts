/**
 * A running wren node's own view of its BGP sessions, as a user gets it: the compiled CLI's
 * `wren status --json --control <socket>` (docs/cli.md), run as a child process (the lab layer
 * does not link the daemon). Only the fields the lab's checks read are typed here.
 */
import { run } from "./exec.js";
import { type BgpState, normalizeBgpState } from "./frr.js";

export interface WrenPeerView {
  readonly address: string;
  readonly state: BgpState;
  /** "up", "start", ... (calicoctl's protocol state). */
  readonly protocolState: string;
  readonly received?: number;
  readonly accepted?: number;
  readonly since?: string;
}

export interface WrenStatusView {
  readonly node: string;
  readonly asNumber?: number;
  readonly peers: readonly WrenPeerView[];
  readonly configOk: boolean;
  readonly configError?: string;
}

/** Parses `wren status --json` output; throws on what is not that. */
export function parseWrenStatus(text: string): WrenStatusView {
  const j = JSON.parse(text) as {
    node?: string;
    asNumber?: number;
    peers?: {
      address?: string;
      bgpState?: string;
      state?: string;
      since?: string;
      prefixes?: { received?: number; accepted?: number };
    }[];
    config?: { ok?: boolean; error?: string | null };
  };
  if (typeof j.node !== "string" || !Array.isArray(j.peers))
    throw new Error(`not wren status JSON: ${text.slice(0, 120)}`);
  return {
    node: j.node,
    asNumber: j.asNumber,
    peers: j.peers.map((p) => ({
      address: String(p.address ?? ""),
      state: normalizeBgpState(p.bgpState),
      protocolState: String(p.state ?? ""),
      received: p.prefixes?.received,
      accepted: p.prefixes?.accepted,
      since: p.since,
    })),
    configOk: j.config?.ok !== false,
    configError: j.config?.error ?? undefined,
  };
}

/** `wren status --json` of the daemon behind `control`; throws with the CLI's message. */
export async function wrenStatus(main: string, control: string): Promise<WrenStatusView> {
  const r = await run(process.execPath, [main, "status", "--json", "--control", control], {
    allowFailure: true,
    timeoutMs: 10_000,
  });
  if (r.code !== 0) {
    throw new Error(r.stderr.trim().replace(/^wren status: /, "") || `exit ${r.code}`);
  }
  return parseWrenStatus(r.stdout);
}
