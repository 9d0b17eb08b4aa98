import { describe, expect, it } from "vitest";
import { formatPeerAddress, formatStatus, parseStatus } from "../../../src/cli/format/status.js";
import type { StatusJson, StatusPeerJson } from "../../../src/daemon/views.js";

const now = new Date(2026, 0, 5, 18, 0, 0);
const todayIso = new Date(2026, 0, 5, 17, 38, 47).toISOString();
const earlierIso = new Date(2025, 11, 24, 9, 0, 0).toISOString();

function p(over: Partial<StatusPeerJson>): StatusPeerJson {
  return {
    address: "10.0.0.12",
    port: 179,
    asNumber: 64512,
    type: "node-to-node mesh",
    family: "ipv4",
    state: "up",
    bgpState: "Established",
    since: todayIso,
    info: "Established",
    prefixes: { received: 1, accepted: 1, advertised: 1 },
    ...over,
  };
}

const status: StatusJson = {
  node: "node1",
  routerId: "10.0.0.11",
  asNumber: 64512,
  peers: [
    p({}),
    p({
      address: "10.0.0.1",
      port: 1179,
      type: "global",
      state: "start",
      bgpState: "Active",
      since: earlierIso,
      info: "Active Socket: Connection refused",
    }),
  ],
  config: { ok: true, error: null },
};

describe("wren status table", () => {
  it("prints the calicoctl node status layout", () => {
    expect(formatStatus(status, now)).toBe(
      [
        "wren process is running (node node1, router id 10.0.0.11, AS 64512).",
        "",
        "IPv4 BGP status",
        "+---------------+-------------------+-------+------------+-----------------------------------+",
        "| PEER ADDRESS  |     PEER TYPE     | STATE |   SINCE    |               INFO                |",
        "+---------------+-------------------+-------+------------+-----------------------------------+",
        "| 10.0.0.12     | node-to-node mesh | up    | 17:38:47   | Established                       |",
        "| 10.0.0.1:1179 | global            | start | 2025-12-24 | Active Socket: Connection refused |",
        "+---------------+-------------------+-------+------------+-----------------------------------+",
        "",
        "IPv6 BGP status",
        "No IPv6 peers found.",
        "",
      ].join("\n"),
    );
  });

  it("adds a WARNING line for a refused datastore change", () => {
    const text = formatStatus({ ...status, config: { ok: false, error: "peers.yaml: bad" } }, now);
    expect(text.trimEnd().split("\n").at(-1)).toBe(
      "WARNING: datastore change refused, last good configuration still running: peers.yaml: bad",
    );
  });

  it("parses back what it prints, per family", () => {
    const withV6 = {
      ...status,
      peers: [
        ...status.peers,
        p({
          address: "fd00::12",
          family: "ipv6",
          port: 1179,
          state: "down",
          bgpState: "Idle",
          info: "Idle",
        }),
      ],
    };
    const parsed = parseStatus(formatStatus(withV6, now));
    expect(parsed.running).toBe(true);
    expect(parsed.warning).toBeNull();
    expect(parsed.ipv4).toEqual([
      {
        address: "10.0.0.12",
        port: 179,
        type: "node-to-node mesh",
        state: "up",
        since: "17:38:47",
        info: "Established",
      },
      {
        address: "10.0.0.1",
        port: 1179,
        type: "global",
        state: "start",
        since: "2025-12-24",
        info: "Active Socket: Connection refused",
      },
    ]);
    expect(parsed.ipv6).toEqual([
      {
        address: "fd00::12",
        port: 1179,
        type: "node-to-node mesh",
        state: "down",
        since: "17:38:47",
        info: "Idle",
      },
    ]);
  });

  it("shows the port only when it is not 179", () => {
    expect(formatPeerAddress("10.0.0.1", 179)).toBe("10.0.0.1");
    expect(formatPeerAddress("10.0.0.1", 1179)).toBe("10.0.0.1:1179");
    expect(formatPeerAddress("fd00::1", 1179)).toBe("[fd00::1]:1179");
  });
});
