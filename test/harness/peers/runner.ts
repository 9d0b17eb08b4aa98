/**
 * What every peer runner of the harness offers (FRR, BIRD 2, BIRD 1.6, GoBGP, ExaBGP): lifecycle
 * (start, graceful stop, SIGKILL for graceful-restart tests, restart), the session state toward a
 * neighbor in RFC 4271 §8.2.2 names, the prefixes it holds, and waiting for Established.
 */
import type { BgpState } from "../../../src/lab/frr.js";
import { waitUntil } from "../wait.js";

export type { BgpState } from "../../../src/lab/frr.js";
export { normalizeBgpState } from "../../../src/lab/frr.js";

export type PeerKind = "frr" | "bird2" | "bird1" | "bird1-6" | "gobgp" | "exabgp";

export interface BgpPeerRunner {
  readonly kind: PeerKind;
  /** Namespace it runs in. */
  readonly ns: string;
  /** Instance directory: config, PID file, sockets, logs. */
  readonly dir: string;
  start(): Promise<void>;
  /** Graceful stop (SIGTERM; SIGKILL after a grace period). */
  stop(): Promise<void>;
  /** SIGKILL: the peer vanishes without a NOTIFICATION (for graceful-restart tests). */
  kill(): Promise<void>;
  restart(): Promise<void>;
  neighborState(neighbor: string): Promise<BgpState>;
  /** Prefixes in its RIB (IPv4 and IPv6), sorted. */
  prefixes(): Promise<string[]>;
  waitEstablished(neighbor: string, timeoutMs?: number): Promise<void>;
}

/** Shared implementation of waitEstablished / waitForState for every runner. */
export async function waitForState(
  peer: Pick<BgpPeerRunner, "kind" | "ns" | "neighborState">,
  neighbor: string,
  want: BgpState,
  timeoutMs = 30_000,
): Promise<void> {
  await waitUntil(
    `${peer.kind} in ${peer.ns} → ${neighbor} ${want}`,
    () => peer.neighborState(neighbor),
    (s) => s === want,
    { timeoutMs, intervalMs: 150 },
  );
}

/** Waits until `prefix` is (present=true) or is not (false) among the peer's prefixes. */
export async function waitForPrefix(
  peer: Pick<BgpPeerRunner, "kind" | "ns" | "prefixes">,
  prefix: string,
  present = true,
  timeoutMs = 30_000,
): Promise<void> {
  await waitUntil(
    `${peer.kind} in ${peer.ns} to ${present ? "have" : "drop"} ${prefix}`,
    () => peer.prefixes(),
    (ps) => ps.includes(prefix) === present,
    { timeoutMs, intervalMs: 150 },
  );
}
