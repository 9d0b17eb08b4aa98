/**
 * Service IP advertisement from the default BGPConfiguration (confd client.go
 * updateGlobalRoutes): serviceClusterIPs (or CALICO_ADVERTISE_CLUSTER_IPS), serviceExternalIPs,
 * and serviceLoadBalancerIPs except single /32 and /128 entries (those are per-service routes,
 * which need Service objects wren does not read) and only while serviceLoadBalancerAggregation
 * is Enabled. Each CIDR is a static route (advertised, exported by calico_export_to_bgp_peers)
 * and a reject CIDR (never installed in the kernel). A node labelled
 * `node.kubernetes.io/exclude-from-external-load-balancers=true` advertises none of them but
 * still rejects them from its kernel.
 */
import { canonicalIp, compareCidr, parseCidr } from "../model/net.js";
import type { RenderContext } from "./context.js";

export const EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers";

export interface ServiceRoutes {
  /** CIDRs this node originates as `service` routes. */
  readonly advertised: readonly string[];
  /** CIDRs never programmed into the kernel (rejectcidrs). */
  readonly reject: readonly string[];
  /** serviceLoadBalancerIPs: a route reflector re-advertises routes inside these. */
  readonly loadBalancer: readonly string[];
}

function isSingle(cidr: string): boolean {
  return cidr.includes(":") ? cidr.endsWith("/128") : cidr.endsWith("/32");
}

function uniqueSorted(list: readonly string[]): string[] {
  return [...new Set(list)].sort(compareCidr);
}

export function serviceRoutes(ctx: RenderContext): ServiceRoutes {
  const spec = ctx.global?.spec;
  let cluster = (spec?.serviceClusterIPs ?? []).map((c) => c.cidr);
  const env = ctx.options.advertiseClusterIps?.trim();
  if (env) {
    const parsed =
      parseCidr(env) ??
      (canonicalIp(env) ? parseCidr(`${canonicalIp(env)}/${env.includes(":") ? 128 : 32}`) : null);
    if (parsed) cluster = [parsed.cidr];
    else
      ctx.warnings.push({
        message: `CALICO_ADVERTISE_CLUSTER_IPS=${JSON.stringify(env)} is not a CIDR: ignored`,
      });
  }
  const external = (spec?.serviceExternalIPs ?? []).map((c) => c.cidr);
  const lbAll = (spec?.serviceLoadBalancerIPs ?? []).map((c) => c.cidr);
  const lb =
    spec?.serviceLoadBalancerAggregation === "Disabled" ? [] : lbAll.filter((c) => !isSingle(c));
  const reject = uniqueSorted([...cluster, ...external, ...lb]);
  const excluded = ctx.me?.labels[EXCLUDE_LABEL] === "true";
  return { advertised: excluded ? [] : reject, reject, loadBalancer: uniqueSorted(lbAll) };
}
