/**
 * `wren show config`: the running node plan in short (global settings, peers, originated
 * prefixes, owned blocks, dataplane summary) and the state of the datastore — in particular the
 * refused change, with file, resource and error, while the last good plan keeps running.
 */
import { type ConfigJson, formatPlanMessage } from "../../daemon/views.js";
import { formatPeerAddress } from "./status.js";
import { columns } from "./table.js";

export function formatConfig(view: ConfigJson): string {
  const out: string[] = [];
  if (view.ok) {
    out.push(
      `Datastore ${view.datastore}: ok (generation ${view.generation}, applied ${view.appliedAt ?? "-"})`,
    );
  } else {
    out.push(
      `Datastore ${view.datastore}: CHANGE REFUSED — the last good configuration (generation ${view.generation}, applied ${view.appliedAt ?? "-"}) keeps running`,
      ...view.errors.map((e) => `  error: ${formatPlanMessage(e)}`),
    );
  }
  for (const w of view.warnings) out.push(`  warning: ${formatPlanMessage(w)}`);
  const plan = view.plan;
  if (!plan) return `${out.join("\n")}\n(no configuration applied)\n`;
  const gr = plan.gracefulRestart;
  out.push(
    "",
    `Node ${plan.node}: router id ${plan.routerId}, AS ${plan.asNumber}, listening on ${plan.listen.address ?? "*"}:${plan.listen.port}`,
    `Graceful restart: ${gr.enabled ? `on, restart time ${gr.restartTime} s, convergence timeout ${gr.convergenceTimeout} s` : "off"}`,
    `Multipath: ${plan.maxPaths > 1 ? `up to ${plan.maxPaths} paths${plan.multipathRelax ? ", relaxed AS path" : ""}` : "off"}${plan.clusterId ? `; route reflector cluster id ${plan.clusterId}` : ""}`,
    "",
    `Peers (${plan.peers.length}):`,
  );
  if (plan.peers.length > 0) {
    const rows = [["  Name", "Address", "AS", "Type", "Options"]];
    for (const p of plan.peers) {
      const opts = [
        p.passive ? "passive" : null,
        p.rrClient ? `rr-client(${p.clusterId ?? "-"})` : null,
        p.nextHop !== "auto" ? `next-hop ${p.nextHop}` : null,
        p.sourceAddress ? `source ${p.sourceAddress}` : null,
        p.multihop !== null ? `multihop ${p.multihop}` : null,
        p.ttlSecurity > 0 ? `ttl-security ${p.ttlSecurity}` : null,
        p.password !== null ? "password" : null,
        p.shutdown ? "shutdown" : null,
        p.addPaths !== "off" ? `add-path ${p.addPaths}` : null,
        p.maxPrefix ? `max-prefix ${p.maxPrefix.limit} ${p.maxPrefix.action}` : null,
      ].filter((x) => x !== null);
      rows.push([
        `  ${p.name}`,
        formatPeerAddress(p.address, p.port),
        String(p.asNumber),
        p.type,
        opts.join(", ") || "-",
      ]);
    }
    out.push(columns(rows));
  }
  out.push("", `Originated prefixes (${plan.originate.length}):`);
  for (const o of plan.originate)
    out.push(`  ${o.prefix} ${o.kind}${o.interface ? ` (${o.interface})` : ""}`);
  out.push("", `Owned blocks (${plan.blocks.length}):`);
  for (const b of plan.blocks)
    out.push(
      `  ${b.cidr} pool ${b.pool} ${b.state}${b.affinityState ? ` (${b.affinityState})` : ""}`,
    );
  const d = plan.dataplane;
  out.push(
    "",
    `Dataplane: ${d.workloads.length} workloads, ${d.blackholes.length} blackholes, ${d.staticRoutes.length} static routes, IPIP ${d.ipip ? "on" : "off"}, VXLAN ${d.vxlan.length > 0 ? d.vxlan.map((v) => v.name).join(" ") : "off"}, ${d.vxlanPeers.length} VXLAN peers`,
    `Kernel policy: ${d.kernelPolicy.pools.map((p) => `${p.cidr} ${p.encap}${p.crossSubnet ? " cross-subnet" : ""}`).join(", ") || "no pools"}; never installed: ${d.kernelPolicy.rejectCidrs.join(" ") || "-"}`,
  );
  return `${out.join("\n")}\n`;
}
