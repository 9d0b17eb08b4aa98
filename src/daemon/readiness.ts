/**
 * Readiness with Calico's bird-ready semantics (calico-spec §7.2), plus wren's own states:
 *
 * - while the first configuration is being applied, or while stopping → not ready;
 * - a refused (invalid) datastore change → not ready, naming the file, resource and error, so
 *   the operator sees it in `kubectl describe`/probes until the datastore is fixed;
 * - no BGP peers → ready;
 * - within the threshold (30 s) of start: every peer Established and no graceful restart of ours
 *   in progress (BIRD's `0024` line);
 * - afterwards: at least one peer Established.
 *
 * Pure: the daemon passes a snapshot; `/readyz` and `wren status` show the result.
 */
import type { BgpState } from "../common/contracts/index.js";

export const READY_THRESHOLD_MS = 30_000;

export type DaemonPhase = "starting" | "running" | "stopping";

export interface ReadinessInput {
  readonly phase: DaemonPhase;
  /** Milliseconds since the daemon started. */
  readonly uptimeMs: number;
  readonly thresholdMs?: number;
  readonly peers: readonly { readonly address: string; readonly bgpState: BgpState }[];
  readonly gracefulRestartInProgress: boolean;
  /** The refused datastore change, formatted ("peers.yaml:14 BGPPeer x: spec.asNumber: ..."). */
  readonly configError: string | null;
}

export interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
}

export function evaluateReadiness(input: ReadinessInput): Readiness {
  if (input.phase === "starting") {
    return { ready: false, reason: "starting: the first configuration is not applied yet" };
  }
  if (input.phase === "stopping") return { ready: false, reason: "stopping" };
  if (input.configError !== null) {
    return {
      ready: false,
      reason: `datastore change refused, last good configuration still running: ${input.configError}`,
    };
  }
  const total = input.peers.length;
  if (total === 0) return { ready: true, reason: "no BGP peers configured" };
  const down = input.peers.filter((p) => p.bgpState !== "Established").map((p) => p.address);
  const up = total - down.length;
  const withinThreshold = input.uptimeMs < (input.thresholdMs ?? READY_THRESHOLD_MS);
  if (withinThreshold) {
    if (down.length > 0)
      return { ready: false, reason: `BGP not established with ${down.join(", ")}` };
    if (input.gracefulRestartInProgress) {
      return { ready: false, reason: "graceful restart in progress" };
    }
    return { ready: true, reason: `all ${total} BGP peers established` };
  }
  if (up === 0) return { ready: false, reason: `BGP not established with ${down.join(", ")}` };
  return { ready: true, reason: `${up} of ${total} BGP peers established` };
}
