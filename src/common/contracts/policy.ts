/**
 * Route policy: the small filter language the renderer compiles Calico's BIRD filters into
 * (calico_export_to_bgp_peers, apply_communities, calico_aggr, BGPFilter rules) and the speaker
 * evaluates on import and export. Modelled on BIRD filter semantics:
 *
 * - A peer has an import chain and an export chain: lists of policy names, evaluated in order.
 * - Each policy is a list of statements. A statement whose `match` holds applies its `set`
 *   actions and, if it has a `result`, ends the whole chain with accept or reject.
 *   A statement without `result` falls through (like `apply_communities()`).
 * - If no statement of any policy in the chain gives a result, the chain's default applies:
 *   import → accept (Calico: `import ... accept`), export → reject (Calico: `... reject;`).
 *
 * Prefixes and communities are text here (configuration); the speaker compiles them once per
 * configuration into fast matchers.
 */

export type PolicyResult = "accept" | "reject";

/** BGPFilter `matchOperator`: Equal (=), NotEqual (!=), In (~, the CIDR or more-specifics), NotIn (!~). */
export type PrefixOperator = "equal" | "notEqual" | "in" | "notIn";

export interface PrefixMatch {
  /** CIDR text, e.g. "10.244.0.0/16". */
  readonly cidr: string;
  readonly op: PrefixOperator;
  /** With a length range the CIDR acts as BIRD's `[ cidr{min,max} ]`: In matches prefixes inside
   *  the CIDR whose length is within the range. Defaults: min = CIDR length, max = 32/128. */
  readonly minLength?: number;
  readonly maxLength?: number;
}

export interface PolicyMatch {
  readonly prefix?: PrefixMatch;
  /** Where the route came from: originated by this speaker (`local`), or learned over BGP. */
  readonly source?: "local" | "bgp";
  /** Type of the session the route is exported to (export chains) or came from (import). */
  readonly peerType?: "ibgp" | "ebgp";
  /** Glob (`*`, `?`) on the interface of a locally originated route (BGPFilter `interface`). */
  readonly interface?: string;
  /** Route carries this standard community ("65000:100" or a well-known name). */
  readonly community?: string;
  /** Route carries this large community ("1:2:3"). */
  readonly largeCommunity?: string;
  /** AS_PATH starts with this sequence of ASNs. */
  readonly asPathPrefix?: readonly number[];
  /** Address family of the route. */
  readonly family?: "ipv4" | "ipv6";
}

export type PolicyAction =
  | { readonly type: "addCommunity"; readonly value: string }
  | { readonly type: "addLargeCommunity"; readonly value: string }
  | { readonly type: "prependAsPath"; readonly asns: readonly number[] }
  | { readonly type: "setLocalPref"; readonly value: number }
  | { readonly type: "setMed"; readonly value: number };

export interface PolicyStatement {
  /** Free text shown in `wren show config` and debug logs (e.g. "pool 10.244.0.0/16"). */
  readonly comment?: string;
  /** All given conditions must hold; an absent or empty match always holds. */
  readonly match?: PolicyMatch;
  readonly set?: readonly PolicyAction[];
  readonly result?: PolicyResult;
}

export interface RoutePolicy {
  readonly name: string;
  readonly statements: readonly PolicyStatement[];
}

export const IMPORT_DEFAULT: PolicyResult = "accept";
export const EXPORT_DEFAULT: PolicyResult = "reject";
