/**
 * `wren status` text output, in the layout of `calicoctl node status` so scripts written for it
 * keep working (documented in docs/cli.md, stable):
 *
 *   wren process is running (node NAME, router id ID, AS N).
 *
 *   IPv4 BGP status
 *   +--------------+-------------------+-------+----------+-------------+
 *   | PEER ADDRESS |     PEER TYPE     | STATE |  SINCE   |    INFO     |
 *   +--------------+-------------------+-------+----------+-------------+
 *   | 10.0.0.12    | node-to-node mesh | up    | 17:38:47 | Established |
 *   +--------------+-------------------+-------+----------+-------------+
 *
 *   IPv6 BGP status
 *   No IPv6 peers found.
 *
 * A refused datastore change adds a final `WARNING:` line. `parseStatus` reads it back.
 */
import type { Family, PeerType, ProtocolState } from "../../common/contracts/index.js";
import type { StatusJson } from "../../daemon/index.js";
import { boxTable, parseBoxTable } from "./table.js";
import { formatSince } from "./time.js";

export const STATUS_HEADERS = ["Peer address", "Peer type", "State", "Since", "Info"] as const;

/** `10.0.0.1`, or `10.0.0.1:1179` / `[fd00::1]:1179` when the port is not 179. */
export function formatPeerAddress(address: string, port: number): string {
  if (port === 179) return address;
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

const FAMILY_TITLE: Record<Family, string> = { ipv4: "IPv4", ipv6: "IPv6" };

export function formatStatus(status: StatusJson, now: Date = new Date()): string {
  const out: string[] = [
    `wren process is running (node ${status.node}, router id ${status.routerId || "-"}, AS ${status.asNumber}).`,
  ];
  for (const family of ["ipv4", "ipv6"] as const) {
    const peers = status.peers.filter((p) => p.family === family);
    out.push("", `${FAMILY_TITLE[family]} BGP status`);
    if (peers.length === 0) {
      out.push(`No ${FAMILY_TITLE[family]} peers found.`);
      continue;
    }
    out.push(
      boxTable(
        STATUS_HEADERS,
        peers.map((p) => [
          formatPeerAddress(p.address, p.port),
          p.type,
          p.state,
          formatSince(p.since, now),
          p.info,
        ]),
      ),
    );
  }
  if (!status.config.ok) {
    out.push(
      "",
      `WARNING: datastore change refused, last good configuration still running: ${status.config.error}`,
    );
  }
  return `${out.join("\n")}\n`;
}

export interface ParsedStatusRow {
  readonly address: string;
  readonly port: number;
  readonly type: PeerType;
  readonly state: ProtocolState;
  readonly since: string;
  readonly info: string;
}

export interface ParsedStatus {
  readonly running: boolean;
  readonly ipv4: readonly ParsedStatusRow[];
  readonly ipv6: readonly ParsedStatusRow[];
  readonly warning: string | null;
}

function parseAddress(text: string): { address: string; port: number } {
  const v6 = /^\[(.+)\]:(\d+)$/.exec(text);
  if (v6) return { address: v6[1], port: Number(v6[2]) };
  const v4 = /^(\d+\.\d+\.\d+\.\d+):(\d+)$/.exec(text);
  if (v4) return { address: v4[1], port: Number(v4[2]) };
  return { address: text, port: 179 };
}

/** Reads `formatStatus` output (or a section of it) back into rows per family. */
export function parseStatus(text: string): ParsedStatus {
  const sections: Record<Family, ParsedStatusRow[]> = { ipv4: [], ipv6: [] };
  const parts = text.split(/^(IPv4|IPv6) BGP status$/m);
  for (let i = 1; i < parts.length; i += 2) {
    const family: Family = parts[i] === "IPv4" ? "ipv4" : "ipv6";
    const { rows } = parseBoxTable(parts[i + 1] ?? "");
    for (const r of rows) {
      sections[family].push({
        ...parseAddress(r[0]),
        type: r[1] as PeerType,
        state: r[2] as ProtocolState,
        since: r[3],
        info: r[4],
      });
    }
  }
  const warning = /^WARNING: (.*)$/m.exec(text);
  return {
    running: /^wren process is running/m.test(text),
    ipv4: sections.ipv4,
    ipv6: sections.ipv6,
    warning: warning ? warning[1] : null,
  };
}
