/**
 * The BGP router ID (spec §2.2.1, CALICO_ROUTER_ID semantics): "hash" → derived from the node
 * name; any other value → used as given (must be a dotted quad); unset → the node's IPv4 BGP
 * address. A node without an IPv4 address and no CALICO_ROUTER_ID falls back to the hash with a
 * warning (Calico would render an unusable `router id ;`).
 */
import { parseIPv4 } from "../../common/ip/index.js";
import type { RenderContext } from "./context.js";
import { hashRouterId } from "./names.js";

export function resolveRouterId(ctx: RenderContext): string {
  const env = ctx.options.routerId?.trim();
  if (env === "hash") return hashRouterId(ctx.nodeName);
  if (env) {
    if (parseIPv4(env) !== null) return env;
    ctx.errors.push({
      message: `CALICO_ROUTER_ID=${JSON.stringify(env)} is neither "hash" nor an IPv4 address; using the hash of the node name`,
    });
    return hashRouterId(ctx.nodeName);
  }
  const v4 = ctx.me ? ctx.nodeAddress(ctx.me, "ipv4") : undefined;
  if (v4) return v4;
  const id = hashRouterId(ctx.nodeName);
  if (ctx.me) {
    ctx.warnings.push({
      resource: `Node ${ctx.nodeName}`,
      field: "spec.bgp.ipv4Address",
      message: `is not set, so the router ID cannot be the node's IPv4 address; using ${id} (hash of the node name, as CALICO_ROUTER_ID=hash)`,
    });
  }
  return id;
}
