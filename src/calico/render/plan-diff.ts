/**
 * Compares two node plans for a reload: which sessions to add, remove, reset (a field in
 * PEER_RESET_FIELDS changed: AS, address, password, timers...) or update softly (policies, next
 * hop, description: re-advertise / route refresh), and which global parts changed. Adding a
 * peer or a node shows up only as `peersAdded`; the other sessions stay untouched.
 */
import type { NodePlan, PlanDiff } from "../../common/contracts/plan.js";
import { type PeerConfig, peerNeedsReset } from "../../common/contracts/speaker-config.js";

const GLOBAL_FIELDS = [
  "routerId",
  "asNumber",
  "listen",
  "clusterId",
  "gracefulRestart",
  "maxPaths",
  "multipathRelax",
  "alwaysCompareMed",
] as const;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function diffPlans(previous: NodePlan, next: NodePlan): PlanDiff {
  const before = new Map<string, PeerConfig>(previous.peers.map((p) => [p.name, p]));
  const after = new Map<string, PeerConfig>(next.peers.map((p) => [p.name, p]));
  const peersAdded: string[] = [];
  const peersRemoved: string[] = [];
  const peersReset: string[] = [];
  const peersSoft: string[] = [];
  for (const [name, p] of after) {
    const old = before.get(name);
    if (!old) peersAdded.push(name);
    else if (peerNeedsReset(old, p)) peersReset.push(name);
    else if (!same(old, p)) peersSoft.push(name);
  }
  for (const name of before.keys()) if (!after.has(name)) peersRemoved.push(name);
  return {
    peersAdded: peersAdded.sort(),
    peersRemoved: peersRemoved.sort(),
    peersReset: peersReset.sort(),
    peersSoft: peersSoft.sort(),
    globalChanged: GLOBAL_FIELDS.filter((f) => !same(previous[f], next[f])),
    originateChanged: !same(previous.originate, next.originate),
    policiesChanged: !same(previous.policies, next.policies),
    dataplaneChanged: !same(previous.dataplane, next.dataplane),
  };
}

/** True when nothing the daemon applies differs (messages aside). */
export function planDiffIsEmpty(d: PlanDiff): boolean {
  return (
    d.peersAdded.length === 0 &&
    d.peersRemoved.length === 0 &&
    d.peersReset.length === 0 &&
    d.peersSoft.length === 0 &&
    d.globalChanged.length === 0 &&
    !d.originateChanged &&
    !d.policiesChanged &&
    !d.dataplaneChanged
  );
}
