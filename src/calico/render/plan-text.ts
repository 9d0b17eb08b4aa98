/**
 * The plan as text for `wren render` without --json: a summary, the peers in a table with the
 * columns `calicoctl node status` users know plus the session parameters, blocks, originated
 * prefixes, the dataplane in brief, then warnings and errors (with file:line).
 */
import type { NodePlan } from "../../common/contracts/plan.js";
import { formatMessage } from "../datastore/messages.js";

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    `  ${cells.map((c, i) => c.padEnd(widths[i])).join("  ")}`.trimEnd();
  return [line(header), ...rows.map(line)];
}

export function formatPlanText(plan: NodePlan, datastoreRoot?: string): string {
  const L: string[] = [];
  const listen = `${plan.listen.address ?? "*"}:${plan.listen.port}`;
  L.push(
    `node        ${plan.node}`,
    `router id   ${plan.routerId}`,
    `local AS    ${plan.asNumber}`,
    `listen      ${listen}`,
    `reflector   ${plan.clusterId ? `yes, cluster ID ${plan.clusterId}` : "no"}`,
    "",
  );
  if (plan.peers.length === 0) L.push("peers: none");
  else {
    L.push(`peers (${plan.peers.length}):`);
    L.push(
      ...table(
        [
          "NAME",
          "ADDRESS",
          "PORT",
          "AS",
          "TYPE",
          "PASSIVE",
          "RR-CLIENT",
          "NEXT-HOP",
          "SOURCE",
          "TTL",
          "GR",
          "PASSWORD",
          "FILTERS",
        ],
        plan.peers.map((p) => [
          p.name,
          p.address,
          String(p.port),
          p.localAsNumber !== plan.asNumber
            ? `${p.asNumber} (local ${p.localAsNumber})`
            : String(p.asNumber),
          p.type,
          p.passive ? "yes" : "no",
          p.rrClient ? `yes (${p.clusterId})` : "no",
          p.nextHop,
          p.sourceAddress ?? "-",
          p.ttlSecurity > 0 ? `gtsm ${p.ttlSecurity}` : `multihop ${p.multihop}`,
          `${p.gracefulRestartTime}s`,
          p.password === null ? "-" : "set",
          [
            ...p.importPolicy.map((x) => `in:${x}`),
            ...p.exportPolicy.slice(0, -1).map((x) => `out:${x}`),
          ].join(",") || "-",
        ]),
      ),
    );
  }
  L.push("");
  if (plan.blocks.length === 0) L.push("blocks: none");
  else {
    L.push("blocks:");
    L.push(
      ...table(
        ["CIDR", "POOL", "STATE"],
        plan.blocks.map((b) => [
          b.cidr,
          b.pool || "-",
          b.state === "pending-claim"
            ? "to be claimed (render never writes)"
            : `claimed${b.affinityState ? ` (${b.affinityState})` : ""}`,
        ]),
      ),
    );
  }
  L.push("");
  if (plan.originate.length === 0) L.push("originate: none");
  else {
    L.push("originate:");
    L.push(
      ...table(
        ["PREFIX", "KIND", "INTERFACE"],
        plan.originate.map((o) => [o.prefix, o.kind, o.interface ?? "-"]),
      ),
    );
  }
  const d = plan.dataplane;
  L.push("", "dataplane:");
  L.push(
    `  blackholes     ${d.blackholes.map((b) => `${b.prefix} (${b.owner})`).join(", ") || "-"}`,
  );
  L.push(
    `  workloads      ${d.workloads.map((w) => `${w.name} ${w.addresses.join(",")}`).join("; ") || "-"}`,
  );
  L.push(`  tunl0          ${d.ipip ? (d.ipip.address ?? "no address") : "-"}`);
  L.push(
    `  vxlan          ${d.vxlan.map((x) => `${x.name} ${x.address ?? "no address"} mac ${x.mac}`).join("; ") || "-"}`,
  );
  L.push(
    `  vxlan peers    ${d.vxlanPeers.map((p) => `${p.node} ${p.tunnelAddress} (${p.blocks.join(",") || "no blocks"})`).join("; ") || "-"}`,
  );
  L.push(
    `  static routes  ${d.staticRoutes.map((r) => `${r.prefix} via ${r.via} (${r.owner})`).join(", ") || "-"}`,
  );
  L.push(`  reject         ${d.kernelPolicy.rejectCidrs.join(", ") || "-"}`);
  L.push(
    `  pools          ${d.kernelPolicy.pools.map((p) => `${p.cidr} ${p.encap}${p.crossSubnet ? " cross-subnet" : ""}`).join(", ") || "-"}`,
  );
  if (plan.warnings.length > 0) {
    L.push(
      "",
      `warnings (${plan.warnings.length}):`,
      ...plan.warnings.map((w) => `  ${formatMessage(w, datastoreRoot)}`),
    );
  }
  if (plan.errors.length > 0) {
    L.push(
      "",
      `errors (${plan.errors.length}):`,
      ...plan.errors.map((e) => `  ${formatMessage(e, datastoreRoot)}`),
    );
  }
  return `${L.join("\n")}\n`;
}
