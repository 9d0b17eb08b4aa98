/**
 * What a policy sees of a route: the prefix as 32-bit words (IPv4 in `w0`, IPv6 in `w0..w3`, the
 * way the RIB stores prefixes), where it came from, the session type it is imported from or
 * exported to, the interface of a locally originated route, and its path attributes. The RIB fills
 * one mutable object and reuses it for every evaluation, so policy evaluation allocates nothing.
 */
import type { Family } from "../../common/contracts/families.js";
import type { Prefix } from "../../common/ip/prefix.js";
import type { PathAttributes } from "../wire/types.js";

export interface PolicyRoute {
  family: Family;
  w0: number;
  w1: number;
  w2: number;
  w3: number;
  length: number;
  source: "local" | "bgp";
  peerType: "ibgp" | "ebgp";
  interface: string | null;
  attrs: PathAttributes;
}

const NO_ATTRS: PathAttributes = Object.freeze({});

export function emptyPolicyRoute(): PolicyRoute {
  return {
    family: "ipv4",
    w0: 0,
    w1: 0,
    w2: 0,
    w3: 0,
    length: 0,
    source: "bgp",
    peerType: "ebgp",
    interface: null,
    attrs: NO_ATTRS,
  };
}

function word(bytes: Uint8Array, i: number): number {
  const o = i * 4;
  if (o >= bytes.length) return 0;
  return ((bytes[o] << 24) | (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3]) >>> 0;
}

/** Fills the prefix fields of `route` from a `Prefix` value (tests, `wren show`). */
export function setPolicyPrefix(route: PolicyRoute, prefix: Prefix): PolicyRoute {
  route.family = prefix.family;
  route.w0 = word(prefix.bytes, 0);
  route.w1 = word(prefix.bytes, 1);
  route.w2 = word(prefix.bytes, 2);
  route.w3 = word(prefix.bytes, 3);
  route.length = prefix.length;
  return route;
}
