/**
 * BGPFilter rules as BIRD 1.6 filter functions, the way confd renders them
 * (template_funcs.go filterStatement): one function `'bgp_<name>_<dir>FilterV4'()` per filter,
 * direction and family, one `if (<conditions>) then { [operations] accept|reject; }` per rule.
 * Rules using HEAD's `peerType` make the function take `(bool internal_peer)`.
 */
import type { Family } from "../../common/contracts/families.js";
import { communityKind } from "../model/community.js";
import type { BGPFilter, BGPFilterRule } from "../model/types.js";
import { filterPolicyName } from "../render/policies.js";

const OPS = { Equal: "=", NotEqual: "!=", In: "~", NotIn: "!~" } as const;

export function birdFunctionName(
  filter: string,
  direction: "import" | "export",
  family: Family,
): string {
  return `'${filterPolicyName(filter, direction, family)}'`;
}

function communityTuple(value: string): string {
  return `(${value.split(":").join(", ")})`;
}

function ruleLine(r: BGPFilterRule, family: Family): string {
  const cond: string[] = [];
  if (r.cidr && r.matchOperator) {
    const max = family === "ipv4" ? 32 : 128;
    const len = Number(r.cidr.split("/")[1]);
    const net = r.prefixLength
      ? `[ ${r.cidr}{${r.prefixLength.min ?? len},${r.prefixLength.max ?? max}} ]`
      : r.cidr;
    cond.push(`(net ${OPS[r.matchOperator]} ${net})`);
  }
  if (r.source === "RemotePeers") cond.push("((defined(source))&&(source ~ [ RTS_BGP ]))");
  if (r.interface) cond.push(`((defined(ifname))&&(ifname ~ "${r.interface}"))`);
  if (r.peerType) cond.push(r.peerType === "iBGP" ? "(internal_peer)" : "(!internal_peer)");
  const c = r.communities?.values[0];
  if (c) {
    cond.push(
      `(${communityTuple(c)} ~ ${communityKind(c) === "large" ? "bgp_large_community" : "bgp_community"})`,
    );
  }
  if (r.asPathPrefix?.length) cond.push(`(bgp_path ~ [= ${r.asPathPrefix.join(" ")} * =])`);
  const ops: string[] = [];
  for (const op of r.operations ?? []) {
    if (op.addCommunity) {
      const v = op.addCommunity.value;
      ops.push(
        `${communityKind(v) === "large" ? "bgp_large_community" : "bgp_community"}.add(${communityTuple(v)});`,
      );
    }
    if (op.prependASPath) {
      for (const asn of [...op.prependASPath.prefix].reverse())
        ops.push(`bgp_path.prepend(${asn});`);
    }
  }
  const action = `${[...ops, r.action === "Accept" ? "accept;" : "reject;"].join(" ")}`;
  return cond.length > 0 ? `if (${cond.join(" && ")}) then { ${action} }` : action;
}

export function usesPeerType(rules: readonly BGPFilterRule[]): boolean {
  return rules.some((r) => r.peerType !== undefined);
}

/** The BIRD functions of the given filters for one family (only directions with rules). */
export function birdFilterFunctions(filters: readonly BGPFilter[], family: Family): string[] {
  const v = family === "ipv4" ? "V4" : "V6";
  const lines: string[] = [];
  for (const f of filters) {
    let header = false;
    for (const direction of ["import", "export"] as const) {
      const rules = f.spec[`${direction}${v}`];
      if (rules.length === 0) continue;
      if (!header) lines.push(`# v${family === "ipv4" ? 4 : 6} BGPFilter ${f.name}`);
      header = true;
      const arg = usesPeerType(rules) ? "bool internal_peer" : "";
      lines.push(`function ${birdFunctionName(f.name, direction, family)}(${arg}) {`);
      for (const r of rules) lines.push(`  ${ruleLine(r, family)}`);
      lines.push("}");
    }
  }
  if (lines.length === 0) lines.push(`# No v${family === "ipv4" ? 4 : 6} BGPFilters configured`);
  return lines;
}
