/**
 * Locally originated prefixes (`SpeakerConfig.originate`: Calico blocks as blackhole aggregates,
 * service CIDRs, borrowed /32s, static routes) as Loc-RIB paths of the local pseudo-peer: ORIGIN
 * IGP, empty AS_PATH, no next hop (export sets ours). They take part in the decision (a local
 * route beats learned ones) and in export policy with `source: local` and their interface, but
 * are never sent to the kernel (the dataplane programs blackholes itself).
 */
import type { Family } from "../../common/contracts/families.js";
import type { OriginatedPrefix } from "../../common/contracts/speaker-config.js";
import { type Prefix, parsePrefixDetailed } from "../../common/ip/prefix.js";
import { FAMILIES, type RibCore } from "./core.js";
import { RibError } from "./errors.js";
import { Changed } from "./family-rib.js";
import type { PeerState } from "./peer-state.js";

export interface OriginatedRoute {
  readonly prefix: Prefix;
  readonly interface: string | null;
}

/** Parses the configured prefixes; throws RibError naming the bad entry. */
export function validateOriginate(list: readonly OriginatedPrefix[]): OriginatedRoute[] {
  return list.map((o, i) => {
    const r = parsePrefixDetailed(o.prefix);
    if (!r.ok) {
      throw new RibError(
        "ERR_RIB_BAD_ORIGINATE",
        `originate[${i}].prefix "${o.prefix}": ${r.reason}`,
      );
    }
    if (r.hostBitsSet) {
      throw new RibError(
        "ERR_RIB_BAD_ORIGINATE",
        `originate[${i}].prefix "${o.prefix}" has host bits set`,
      );
    }
    return { prefix: r.prefix, interface: o.interface ?? null };
  });
}

function words(p: Prefix): [number, number, number, number] {
  const w: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < p.bytes.length / 4; i++) {
    const o = i * 4;
    w[i] =
      ((p.bytes[o] << 24) | (p.bytes[o + 1] << 16) | (p.bytes[o + 2] << 8) | p.bytes[o + 3]) >>> 0;
  }
  return w;
}

/** Brings the local pseudo-peer's paths in line with `routes`. */
export function applyOriginate(
  core: RibCore,
  local: PeerState,
  routes: readonly OriginatedRoute[],
): void {
  const set = core.store.intern({ origin: "igp", asPath: [] }, []);
  for (const family of FAMILIES) {
    const pf = local.families[family];
    const rib = pf.rib;
    const ifaces = core.localInterfaces[family];
    const want = new Map<number, string | null>();
    for (const r of routes) {
      if (r.prefix.family !== (family as Family)) continue;
      const w = words(r.prefix);
      const p = rib.intern(w[0], w[1], w[2], w[3], r.prefix.length);
      want.set(p, r.interface);
    }
    // Removed prefixes first (they may free indexes), then additions and interface changes.
    for (const [p] of [...ifaces]) {
      if (want.has(p)) continue;
      ifaces.delete(p);
      const rec = pf.adjIn.get(p, 0);
      if (rec >= 0) core.removePath(pf, rec);
    }
    for (const [p, iface] of want) {
      const had = ifaces.has(p);
      const old = ifaces.get(p);
      ifaces.set(p, iface);
      if (!had) {
        core.setPath(local, pf, p, 0, set.id, set.id, 0);
      } else if (old !== iface) {
        // Export policy may match the interface: re-evaluate the advertisement.
        core.fanOut(rib, p, Changed.BEST);
      }
      rib.prefixes.releaseIfUnused(p);
    }
  }
}
