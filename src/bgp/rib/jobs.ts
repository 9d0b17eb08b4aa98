/**
 * Work items of a peer's inbox. Everything that changes a peer's Adj-RIB-In goes through its
 * inbox, in order: messages from the session engine and the walks that configuration changes,
 * graceful-restart timers and route refresh start. Walks over many paths (flush, stale marking
 * and purging, re-import) hold a snapshot of the records and a position, and run a bounded number
 * of records per slice of the event loop.
 */
import type { NegotiatedSession } from "../../common/contracts/bgp-engines.js";
import type { Family } from "../../common/contracts/families.js";

/** What a walk does to each path record of the peer. */
export type WalkOp =
  /** Remove the path (session down without GR, peer removed, family not preserved). */
  | "flush"
  /** Mark the path stale (GR helper, RFC 4724 §4.2). */
  | "markStale"
  /** Remove the path if it is still stale (End-of-RIB, restart/stale timer, RFC 4724 §4.2). */
  | "purgeStale"
  /** Mark the path as awaiting re-advertisement (BoRR, RFC 7313 §4). */
  | "markRefresh"
  /** Remove the path if it was not re-advertised (EoRR, RFC 7313 §4). */
  | "purgeRefresh"
  /** Re-run eligibility checks and import policy over the stored Adj-RIB-In. */
  | "reimport";

export type Job =
  | { readonly kind: "up"; readonly negotiated: NegotiatedSession }
  | { readonly kind: "down"; readonly retainRoutes: boolean; readonly reason: string }
  | { readonly kind: "update"; readonly body: Uint8Array }
  | {
      readonly kind: "refresh";
      readonly afi: number;
      readonly safi: number;
      readonly subtype: number;
    }
  | {
      readonly kind: "walk";
      readonly op: WalkOp;
      readonly family: Family;
      records: Int32Array | null;
      pos: number;
    }
  /** Release the Adj-RIB-Out of a session that went down (refcounts), in slices. */
  | { readonly kind: "releaseOut"; readonly family: Family; entries: Int32Array; pos: number }
  /** The peer was removed from the configuration and its routes are gone: free its index. */
  | { readonly kind: "free" }
  /** Locally originated prefixes changed (local pseudo-peer only). */
  | { readonly kind: "originate" }
  /** Decision options changed: re-run the decision of every prefix (local pseudo-peer only). */
  | { readonly kind: "redecide"; readonly family: Family; cursor: number };
