/**
 * Calico's BIRD filter functions compiled into the route policy language of
 * src/common/contracts/policy.ts:
 *
 * - `calico_export_to_bgp_peers` (bird_ipam.cfg + bird_aggr.cfg + apply_communities, spec §2.4):
 *   reject pools with disableBGPExport; on iBGP sessions reject routes on `*.cali` / `*.calico`
 *   interfaces; add prefixAdvertisements communities (no result, falls through); accept this
 *   node's confirmed blocks exactly and reject anything more specific inside them; accept
 *   advertised service CIDRs; on route reflectors accept serviceLoadBalancerIPs more-specifics;
 *   accept anything inside an exportable pool; otherwise the chain's default (reject).
 * - each BGPFilter direction/family with rules → one policy `bgp_<name>_<direction>FilterV4|V6`,
 *   one statement per rule (first match ends the chain, like BIRD's accept/reject).
 */
import type { Family } from "../../common/contracts/families.js";
import type {
  PolicyAction,
  PolicyMatch,
  PolicyStatement,
  PrefixOperator,
  RoutePolicy,
} from "../../common/contracts/policy.js";
import { communityKind } from "../model/community.js";
import type { BGPFilter, BGPFilterRule, IPPool } from "../model/types.js";

export const CALICO_EXPORT_POLICY = "calico_export_to_bgp_peers";

export function filterPolicyName(
  name: string,
  direction: "import" | "export",
  family: Family,
): string {
  return `bgp_${name}_${direction}Filter${family === "ipv4" ? "V4" : "V6"}`;
}

export interface ExportInputs {
  readonly pools: readonly IPPool[];
  /** This node's blocks in state confirmed or unset (calico_aggr). */
  readonly confirmedBlocks: readonly string[];
  /** Service CIDRs this node advertises (the /staticroutes). */
  readonly staticRoutes: readonly string[];
  /** serviceLoadBalancerIPs CIDRs, accepted when this node is a route reflector. */
  readonly reflectorLoadBalancerCidrs: readonly string[];
  /** prefixAdvertisements with community names resolved to values. */
  readonly communities: readonly { readonly cidr: string; readonly values: readonly string[] }[];
}

const inCidr = (cidr: string): PolicyMatch => ({ prefix: { cidr, op: "in" } });

export function calicoExportPolicy(x: ExportInputs): RoutePolicy {
  const st: PolicyStatement[] = [];
  for (const p of x.pools) {
    if (p.spec.disableBGPExport) {
      st.push({
        comment: `IPPool ${p.name} has disableBGPExport`,
        match: inCidr(p.spec.cidr),
        result: "reject",
      });
    }
  }
  for (const glob of ["*.cali", "*.calico"]) {
    st.push({
      comment: "iBGP: do not re-advertise tunnel routes Felix programs",
      match: { peerType: "ibgp", interface: glob },
      result: "reject",
    });
  }
  for (const adv of x.communities) {
    const set: PolicyAction[] = adv.values.map((v) =>
      communityKind(v) === "large"
        ? { type: "addLargeCommunity", value: v }
        : { type: "addCommunity", value: v },
    );
    if (set.length > 0)
      st.push({ comment: `prefixAdvertisements ${adv.cidr}`, match: inCidr(adv.cidr), set });
  }
  for (const b of x.confirmedBlocks) {
    st.push({
      comment: `own block ${b}`,
      match: { prefix: { cidr: b, op: "equal" } },
      result: "accept",
    });
    st.push({ comment: `more specific of own block ${b}`, match: inCidr(b), result: "reject" });
  }
  for (const c of x.staticRoutes) {
    st.push({ comment: `service CIDR ${c}`, match: inCidr(c), result: "accept" });
  }
  for (const c of x.reflectorLoadBalancerCidrs) {
    st.push({
      comment: `route reflector: serviceLoadBalancerIPs ${c}`,
      match: inCidr(c),
      result: "accept",
    });
  }
  for (const p of x.pools) {
    if (!p.spec.disableBGPExport) {
      st.push({ comment: `IPPool ${p.name}`, match: inCidr(p.spec.cidr), result: "accept" });
    }
  }
  return { name: CALICO_EXPORT_POLICY, statements: st };
}

const OPERATOR: Record<NonNullable<BGPFilterRule["matchOperator"]>, PrefixOperator> = {
  Equal: "equal",
  NotEqual: "notEqual",
  In: "in",
  NotIn: "notIn",
};

export function ruleStatement(
  filter: string,
  where: string,
  family: Family,
  r: BGPFilterRule,
): PolicyStatement {
  const match: {
    -readonly [K in keyof PolicyMatch]: PolicyMatch[K];
  } = { family };
  if (r.cidr && r.matchOperator) {
    match.prefix = {
      cidr: r.cidr,
      op: OPERATOR[r.matchOperator],
      ...(r.prefixLength?.min !== undefined ? { minLength: r.prefixLength.min } : {}),
      ...(r.prefixLength?.max !== undefined ? { maxLength: r.prefixLength.max } : {}),
    };
  }
  if (r.source === "RemotePeers") match.source = "bgp";
  if (r.interface) match.interface = r.interface;
  if (r.peerType) match.peerType = r.peerType === "iBGP" ? "ibgp" : "ebgp";
  const c = r.communities?.values[0];
  if (c) {
    if (communityKind(c) === "large") match.largeCommunity = c;
    else match.community = c;
  }
  if (r.asPathPrefix && r.asPathPrefix.length > 0) match.asPathPrefix = r.asPathPrefix;
  const set: PolicyAction[] = [];
  for (const op of r.operations ?? []) {
    if (op.addCommunity) {
      const v = op.addCommunity.value;
      set.push(
        communityKind(v) === "large"
          ? { type: "addLargeCommunity", value: v }
          : { type: "addCommunity", value: v },
      );
    }
    if (op.prependASPath) set.push({ type: "prependAsPath", asns: op.prependASPath.prefix });
  }
  return {
    comment: `BGPFilter ${filter} ${where}`,
    match,
    ...(set.length > 0 ? { set } : {}),
    result: r.action === "Accept" ? "accept" : "reject",
  };
}

/** The policies of one BGPFilter (only direction/family pairs that have rules). */
export function bgpFilterPolicies(f: BGPFilter): RoutePolicy[] {
  const out: RoutePolicy[] = [];
  for (const [direction, family, key] of [
    ["import", "ipv4", "importV4"],
    ["export", "ipv4", "exportV4"],
    ["import", "ipv6", "importV6"],
    ["export", "ipv6", "exportV6"],
  ] as const) {
    const rules = f.spec[key];
    if (rules.length === 0) continue;
    out.push({
      name: filterPolicyName(f.name, direction, family),
      statements: rules.map((r, i) => ruleStatement(f.name, `${key}[${i}]`, family, r)),
    });
  }
  return out;
}
