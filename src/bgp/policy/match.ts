/**
 * Compiles the conditions of a policy statement (contracts/policy.ts `PolicyMatch`) into one
 * predicate over a `PolicyRoute`. Text is parsed once here: CIDRs become masked 32-bit words with
 * a length range (BIRD's `net ~ [ cidr{min,max} ]`), communities become numbers, interface globs
 * become anchored regular expressions. All given conditions must hold (logical AND).
 */
import type { PolicyMatch, PrefixMatch } from "../../common/contracts/policy.js";
import { maxLength, parsePrefixDetailed } from "../../common/ip/prefix.js";
import type { AsPathSegment } from "../wire/types.js";
import { parseCommunity, parseLargeCommunity } from "./communities.js";
import { PolicyError } from "./errors.js";
import type { PolicyRoute } from "./route.js";

export type RoutePredicate = (route: PolicyRoute) => boolean;

export interface CompiledMatch {
  readonly test: RoutePredicate;
  /** The predicate reads the prefix or interface (not only attributes, family, source, type). */
  readonly routeSpecific: boolean;
}

interface Where {
  policy: string;
  statement: number;
}

function wordOf(bytes: Uint8Array, i: number): number {
  const o = i * 4;
  if (o >= bytes.length) return 0;
  return ((bytes[o] << 24) | (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3]) >>> 0;
}

function maskWord(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/** True when the first `bits` bits of the route's prefix equal those of (n0..n3). */
function coversBits(r: PolicyRoute, n: readonly number[], masks: readonly number[]): boolean {
  return (
    (r.w0 & masks[0]) >>> 0 === n[0] &&
    (r.w1 & masks[1]) >>> 0 === n[1] &&
    (r.w2 & masks[2]) >>> 0 === n[2] &&
    (r.w3 & masks[3]) >>> 0 === n[3]
  );
}

export function compilePrefixMatch(m: PrefixMatch, where: Where): RoutePredicate {
  const parsed = parsePrefixDetailed(m.cidr);
  if (!parsed.ok) {
    throw new PolicyError("ERR_POLICY_BAD_PREFIX", `invalid CIDR "${m.cidr}": ${parsed.reason}`, {
      ...where,
      field: "match.prefix.cidr",
    });
  }
  const p = parsed.prefix;
  const top = maxLength(p.family);
  const min = m.minLength ?? p.length;
  const max = m.maxLength ?? top;
  for (const [name, v] of [
    ["minLength", min],
    ["maxLength", max],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > top) {
      throw new PolicyError("ERR_POLICY_BAD_LENGTH_RANGE", `${name} ${v} is not within 0..${top}`, {
        ...where,
        field: `match.prefix.${name}`,
      });
    }
  }
  if (min > max) {
    throw new PolicyError("ERR_POLICY_BAD_LENGTH_RANGE", `minLength ${min} > maxLength ${max}`, {
      ...where,
      field: "match.prefix",
    });
  }
  const family = p.family;
  const len = p.length;
  const net = [0, 1, 2, 3].map((i) => wordOf(p.bytes, i));
  const masks = [0, 1, 2, 3].map((i) => maskWord(len - 32 * i));
  // "in": inside the CIDR (first `len` bits equal) with length in [max(min, len), max].
  const lo = Math.max(min, len);
  const inside: RoutePredicate = (r) =>
    r.family === family && r.length >= lo && r.length <= max && coversBits(r, net, masks);
  const equal: RoutePredicate = (r) =>
    r.family === family &&
    r.length === len &&
    r.w0 === net[0] &&
    r.w1 === net[1] &&
    r.w2 === net[2] &&
    r.w3 === net[3];
  switch (m.op) {
    case "in":
      return inside;
    case "notIn":
      return (r) => !inside(r);
    case "equal":
      return equal;
    case "notEqual":
      return (r) => !equal(r);
    default:
      throw new PolicyError("ERR_POLICY_BAD_FIELD", `unknown prefix operator "${String(m.op)}"`, {
        ...where,
        field: "match.prefix.op",
      });
  }
}

/** `*` matches any run of characters, `?` one character; everything else literally. */
export function globToRegExp(glob: string): RegExp {
  let re = "^";
  for (const ch of glob) {
    if (ch === "*") re += ".*";
    else if (ch === "?") re += ".";
    else re += ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  }
  return new RegExp(`${re}$`);
}

/** ASNs at the start of an AS_PATH, in order, up to the first non-sequence segment. */
export function asPathStartsWith(
  path: readonly AsPathSegment[] | undefined,
  asns: readonly number[],
): boolean {
  if (asns.length === 0) return true;
  if (path === undefined) return false;
  let k = 0;
  for (const seg of path) {
    if (seg.type !== "sequence") return false;
    for (const asn of seg.asns) {
      if (asn !== asns[k]) return false;
      if (++k === asns.length) return true;
    }
  }
  return false;
}

function checkAsn(v: number, where: Where, field: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw new PolicyError("ERR_POLICY_BAD_ASN", `${v} is not a 32-bit AS number`, {
      ...where,
      field,
    });
  }
}

/** Compiles `match` (null or empty → always true). */
export function compileMatch(match: PolicyMatch | undefined, where: Where): CompiledMatch | null {
  if (match === undefined) return null;
  const tests: RoutePredicate[] = [];
  let routeSpecific = false;
  if (match.family !== undefined) {
    const family = match.family;
    if (family !== "ipv4" && family !== "ipv6") {
      throw new PolicyError("ERR_POLICY_BAD_FIELD", `unknown family "${String(family)}"`, {
        ...where,
        field: "match.family",
      });
    }
    tests.push((r) => r.family === family);
  }
  if (match.source !== undefined) {
    const source = match.source;
    if (source !== "local" && source !== "bgp") {
      throw new PolicyError("ERR_POLICY_BAD_FIELD", `unknown source "${String(source)}"`, {
        ...where,
        field: "match.source",
      });
    }
    tests.push((r) => r.source === source);
  }
  if (match.peerType !== undefined) {
    const peerType = match.peerType;
    if (peerType !== "ibgp" && peerType !== "ebgp") {
      throw new PolicyError("ERR_POLICY_BAD_FIELD", `unknown peerType "${String(peerType)}"`, {
        ...where,
        field: "match.peerType",
      });
    }
    tests.push((r) => r.peerType === peerType);
  }
  if (match.prefix !== undefined) {
    tests.push(compilePrefixMatch(match.prefix, where));
    routeSpecific = true;
  }
  if (match.interface !== undefined) {
    if (typeof match.interface !== "string" || match.interface === "") {
      throw new PolicyError(
        "ERR_POLICY_BAD_INTERFACE",
        "interface glob must be a non-empty string",
        {
          ...where,
          field: "match.interface",
        },
      );
    }
    const re = globToRegExp(match.interface);
    tests.push((r) => r.interface !== null && re.test(r.interface));
    routeSpecific = true;
  }
  if (match.community !== undefined) {
    const value = parseCommunity(match.community);
    if (value === null) {
      throw new PolicyError("ERR_POLICY_BAD_COMMUNITY", `invalid community "${match.community}"`, {
        ...where,
        field: "match.community",
      });
    }
    tests.push((r) => r.attrs.communities?.includes(value) === true);
  }
  if (match.largeCommunity !== undefined) {
    const value = parseLargeCommunity(match.largeCommunity);
    if (value === null) {
      throw new PolicyError(
        "ERR_POLICY_BAD_LARGE_COMMUNITY",
        `invalid large community "${match.largeCommunity}"`,
        { ...where, field: "match.largeCommunity" },
      );
    }
    const [a, b, c] = value;
    tests.push(
      (r) => r.attrs.largeCommunities?.some((x) => x[0] === a && x[1] === b && x[2] === c) === true,
    );
  }
  if (match.asPathPrefix !== undefined) {
    const asns = [...match.asPathPrefix];
    asns.forEach((v, i) => {
      checkAsn(v, where, `match.asPathPrefix[${i}]`);
    });
    tests.push((r) => asPathStartsWith(r.attrs.asPath, asns));
  }
  if (tests.length === 0) return null;
  if (tests.length === 1) return { test: tests[0], routeSpecific };
  return {
    test: (r) => {
      for (let i = 0; i < tests.length; i++) if (!tests[i](r)) return false;
      return true;
    },
    routeSpecific,
  };
}
