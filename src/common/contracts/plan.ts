/**
 * The node plan: everything the Calico renderer decides for one node from one datastore
 * snapshot. It is a SpeakerConfig (peers, policies, originated prefixes) plus the desired
 * dataplane and the IPAM view, and it is what `wren render --json` prints (documented in
 * docs/render.md; the JSON field names are stable).
 */
import type { DesiredDataplane } from "./dataplane.js";
import type { SpeakerConfig } from "./speaker-config.js";

export interface OwnedBlock {
  readonly cidr: string;
  readonly pool: string;
  /** claimed: a BlockAffinity for this node exists; pending-claim: the node has no block in this
   *  pool yet and would claim this free one (render never writes; the daemon claims). */
  readonly state: "claimed" | "pending-claim";
  /** BlockAffinity spec.state (confirmed / pending / pendingDeletion), "" when unset. */
  readonly affinityState: string;
}

export interface PlanMessage {
  /** File (relative to the datastore), line, kind/name and field when known. */
  readonly file?: string;
  readonly line?: number;
  readonly resource?: string;
  readonly field?: string;
  readonly message: string;
}

export interface NodePlan extends SpeakerConfig {
  readonly node: string;
  readonly blocks: readonly OwnedBlock[];
  readonly dataplane: DesiredDataplane;
  readonly errors: readonly PlanMessage[];
  readonly warnings: readonly PlanMessage[];
}

/** Result of comparing two plans, for reloads: what to add, remove, reset or change softly. */
export interface PlanDiff {
  readonly peersAdded: readonly string[];
  readonly peersRemoved: readonly string[];
  /** Session-relevant fields changed: the session must be re-established. */
  readonly peersReset: readonly string[];
  /** Only policy/next-hop/description changed: re-advertise or route refresh, no reset. */
  readonly peersSoft: readonly string[];
  readonly globalChanged: readonly string[];
  readonly originateChanged: boolean;
  readonly policiesChanged: boolean;
  readonly dataplaneChanged: boolean;
}
