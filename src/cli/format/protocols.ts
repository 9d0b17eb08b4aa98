/**
 * `wren show protocols [--all]`: one line per BGP session in birdc's `show protocols` layout
 * (Name, Proto, Table, State, Since, Info), and with `--all` the per-session detail birdc's
 * `show protocols all` gives: neighbour, AS numbers, negotiated capabilities and timers, prefix
 * and message counters, last error, uptime.
 */
import type { PeerStatus } from "../../common/contracts/index.js";
import type { ProtocolsJson } from "../../daemon/index.js";
import { columns } from "./table.js";
import { formatDuration, formatSince } from "./time.js";

const TABLE_OF = { ipv4: "master4", ipv6: "master6" } as const;

function summaryRow(p: PeerStatus, now: Date): string[] {
  return ["BGP", TABLE_OF[p.family], p.state, formatSince(p.since, now), p.info];
}

function onOff(b: boolean): string {
  return b ? "yes" : "no";
}

function list(items: readonly string[]): string {
  return items.length > 0 ? items.join(" ") : "-";
}

function detail(p: PeerStatus, now: Date): string[] {
  const kv = (k: string, v: string | number) => `    ${`${k}:`.padEnd(22)}${v}`;
  const lines = [
    `  BGP state:          ${p.bgpState}`,
    kv("Neighbor address", p.address),
    kv("Neighbor port", p.port),
    kv("Neighbor AS", p.asNumber),
    kv("Local AS", p.localAsNumber),
    kv("Peer type", p.type),
    kv(
      "Session",
      `${p.asNumber === p.localAsNumber ? "internal" : "external"}${p.passive ? " passive" : ""}${p.rrClient ? " route-reflector-client" : ""}`,
    ),
  ];
  if (p.bgpState === "Established") {
    lines.push(
      kv(
        "Uptime",
        `${formatDuration((now.getTime() - Date.parse(p.since)) / 1000)} (since ${p.since})`,
      ),
    );
  } else {
    lines.push(kv("In state since", p.since));
  }
  const n = p.negotiated;
  if (n) {
    lines.push(
      kv("Neighbor ID", n.remoteRouterId),
      kv("Source address", n.localAddress),
      ...(n.remoteHostname ? [kv("Neighbor hostname", n.remoteHostname)] : []),
      kv("Hold timer", `${n.holdTime} s`),
      kv("Keepalive timer", `${n.keepaliveTime} s`),
      kv("Families", list(n.families)),
      kv("AS4", onOff(n.as4)),
      kv("Route refresh", `${onOff(n.routeRefresh)}${n.enhancedRouteRefresh ? " (enhanced)" : ""}`),
      kv("Graceful restart", onOff(n.gracefulRestart)),
      kv("Extended message", onOff(n.extendedMessage)),
      kv("ADD-PATH receive", list(n.addPathReceive)),
      kv("ADD-PATH send", list(n.addPathSend)),
    );
  }
  lines.push(kv("Last error", p.lastError ?? "-"));
  const m = p.messages;
  lines.push(
    `  Channel ${p.family}`,
    kv(
      "Routes",
      `${p.prefixes.received} received, ${p.prefixes.accepted} accepted, ${p.prefixes.advertised} advertised${p.staleRoutes > 0 ? `, ${p.staleRoutes} stale` : ""}`,
    ),
    kv("Updates", `${m.updatesIn} in, ${m.updatesOut} out`),
    kv("Notifications", `${m.notificationsIn} in, ${m.notificationsOut} out`),
    kv("Keepalives", `${m.keepalivesIn} in, ${m.keepalivesOut} out`),
  );
  return lines;
}

export function formatProtocols(view: ProtocolsJson, all: boolean, now: Date = new Date()): string {
  const header = ["Name", "Proto", "Table", "State", "Since", "Info"];
  if (view.peers.length === 0) return `${columns([header])}\n(no BGP sessions configured)\n`;
  if (!all) {
    return `${columns([header, ...view.peers.map((p) => [p.name, ...summaryRow(p, now)])])}\n`;
  }
  const out: string[] = [
    `Router ID ${view.routerId}, AS ${view.asNumber}${view.gracefulRestartInProgress ? ", graceful restart in progress" : ""}`,
    "",
  ];
  const widths = columns([header, ...view.peers.map((p) => [p.name, ...summaryRow(p, now)])]).split(
    "\n",
  );
  out.push(widths[0]);
  view.peers.forEach((p, i) => {
    out.push(widths[i + 1], ...detail(p, now), "");
  });
  return `${out.join("\n")}`;
}
