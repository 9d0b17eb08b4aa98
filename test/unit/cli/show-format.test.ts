import { describe, expect, it } from "vitest";
import { formatConfig } from "../../../src/cli/format/config.js";
import { formatProtocols } from "../../../src/cli/format/protocols.js";
import { formatReload } from "../../../src/cli/format/reload.js";
import {
  formatRouteDetail,
  formatRouteTable,
  formatWhy,
  pathCode,
} from "../../../src/cli/format/routes.js";
import { formatDuration, formatSince } from "../../../src/cli/format/time.js";
import type { PathView, PeerStatus } from "../../../src/common/contracts/index.js";
import type { ConfigJson, ReloadJson } from "../../../src/daemon/views.js";
import { peer, plan } from "../daemon/fakes.js";

const now = new Date(2026, 0, 5, 18, 0, 0);
const since = new Date(2026, 0, 5, 17, 0, 0).toISOString();

function status(over: Partial<PeerStatus> = {}): PeerStatus {
  return {
    name: "Mesh_10_0_0_12",
    address: "10.0.0.12",
    port: 179,
    asNumber: 64512,
    localAsNumber: 64512,
    type: "node-to-node mesh",
    family: "ipv4",
    state: "up",
    bgpState: "Established",
    since,
    info: "Established",
    lastError: null,
    prefixes: { received: 3, accepted: 2, advertised: 1 },
    messages: {
      updatesIn: 4,
      updatesOut: 2,
      notificationsIn: 0,
      notificationsOut: 0,
      keepalivesIn: 9,
      keepalivesOut: 8,
    },
    negotiated: {
      holdTime: 240,
      keepaliveTime: 80,
      as4: true,
      families: ["ipv4-unicast"],
      addPathReceive: [],
      addPathSend: [],
      routeRefresh: true,
      enhancedRouteRefresh: false,
      gracefulRestart: true,
      extendedMessage: false,
      remoteRouterId: "10.0.0.12",
      localAddress: "10.0.0.11",
      remoteHostname: null,
    },
    staleRoutes: 0,
    passive: false,
    rrClient: false,
    ...over,
  };
}

function path(over: Partial<PathView> = {}): PathView {
  return {
    peer: "10.0.0.12",
    nexthop: "10.0.0.12",
    asPath: "65001",
    origin: "igp",
    med: null,
    localPref: 100,
    communities: [],
    largeCommunities: [],
    extendedCommunities: [],
    originatorId: null,
    clusterList: [],
    pathId: null,
    best: true,
    multipath: false,
    stale: false,
    reason: "only path",
    age: 75,
    ...over,
  };
}

describe("time formatting", () => {
  it("since is HH:MM:SS today and the date otherwise; durations are compact", () => {
    expect(formatSince(since, now)).toBe("17:00:00");
    expect(formatSince(new Date(2025, 2, 1, 1, 2, 3).toISOString(), now)).toBe("2025-03-01");
    expect(formatSince("garbage", now)).toBe("garbage");
    expect([
      formatDuration(45),
      formatDuration(245),
      formatDuration(3 * 3600 + 420),
      formatDuration(2 * 86400 + 3 * 3600),
    ]).toEqual(["45s", "4m05s", "3h07m", "2d03h"]);
  });
});

describe("show protocols", () => {
  const view = {
    node: "node1",
    routerId: "10.0.0.11",
    asNumber: 64512,
    gracefulRestartInProgress: false,
    peers: [
      status(),
      status({
        name: "Global_fd00__1",
        address: "fd00::1",
        family: "ipv6",
        state: "start",
        bgpState: "Active",
        info: "Active Socket: Connection refused",
        lastError: "Socket: Connection refused",
        negotiated: null,
      }),
    ],
  };

  it("lists sessions like birdc show protocols", () => {
    expect(formatProtocols(view, false, now)).toBe(
      [
        "Name            Proto  Table    State  Since     Info",
        "Mesh_10_0_0_12  BGP    master4  up     17:00:00  Established",
        "Global_fd00__1  BGP    master6  start  17:00:00  Active Socket: Connection refused",
        "",
      ].join("\n"),
    );
  });

  it("--all adds negotiated capabilities, timers, counters, last error and uptime", () => {
    const text = formatProtocols(view, true, now);
    expect(text).toContain("Neighbor ID:          10.0.0.12");
    expect(text).toContain("Hold timer:           240 s");
    expect(text).toContain("Uptime:               1h00m");
    expect(text).toContain("Routes:               3 received, 2 accepted, 1 advertised");
    expect(text).toContain("Updates:              4 in, 2 out");
    expect(text).toContain("Last error:           Socket: Connection refused");
    expect(text).toContain("Session:              internal");
  });
});

describe("show routes", () => {
  const routes = {
    truncated: false,
    routes: [
      {
        prefix: "10.244.1.0/26",
        paths: [
          path(),
          path({
            peer: "10.0.0.13",
            nexthop: "10.0.0.13",
            asPath: "65002",
            best: false,
            multipath: true,
            reason: "multipath with best",
          }),
          path({
            peer: "10.0.0.14",
            nexthop: "10.0.0.14",
            asPath: "65003 65004",
            best: false,
            reason: "longer AS path than best (2 > 1)",
            stale: true,
            med: 5,
          }),
        ],
      },
      {
        prefix: "10.244.2.0/26",
        paths: [path({ peer: null, nexthop: "0.0.0.0", asPath: "", localPref: null })],
      },
    ],
  };

  it("marks best, multipath and stale paths the FRR way", () => {
    expect(routes.routes[0].paths.map(pathCode)).toEqual(["*>", "*=", "S "]);
    expect(formatRouteTable(routes)).toBe(
      [
        "Status codes: * valid, > best, = multipath, S stale; Origin codes: i IGP, e EGP, ? incomplete",
        "",
        "   Network       Next Hop  Peer      LocPrf MED Path",
        "*> 10.244.1.0/26 10.0.0.12 10.0.0.12 100        65001 i",
        "*=               10.0.0.13 10.0.0.13 100        65002 i",
        "S                10.0.0.14 10.0.0.14 100    5   65003 65004 i",
        "*> 10.244.2.0/26 0.0.0.0   local                i",
        "",
        "Displayed 2 routes and 4 paths",
        "",
      ].join("\n"),
    );
  });

  it("says when the limit cut the listing", () => {
    expect(formatRouteTable({ ...routes, truncated: true })).toContain(
      "(more matched: raise --limit, or --limit 0 for all)",
    );
  });

  it("shows every attribute of a prefix's paths", () => {
    const text = formatRouteDetail({ truncated: false, routes: [routes.routes[0]] });
    expect(text).toContain("10.244.1.0/26: 3 paths");
    expect(text).toContain("  Path 2: multipath");
    expect(text).toContain("    AS path:              65003 65004");
    expect(text).toContain("    Decision:             longer AS path than best (2 > 1)");
  });

  it("--why explains each path against the best", () => {
    const text = formatWhy({ truncated: false, routes: [routes.routes[0]] }, "10.244.1.0/26");
    expect(text.split("\n")[0]).toBe("10.244.1.0/26: 3 paths, best via 10.0.0.12 from 10.0.0.12");
    expect(text).toMatch(
      /not best\s+via 10\.0\.0\.14\s+from 10\.0\.0\.14\s+\[65003 65004 i\]\s+longer AS path than best \(2 > 1\)/,
    );
    expect(formatWhy({ truncated: false, routes: [] }, "10.9.9.0/24")).toMatch(
      /not in the Loc-RIB/,
    );
  });
});

describe("show config and reload", () => {
  const config: ConfigJson = {
    node: "node1",
    datastore: "config",
    ok: false,
    error: "peers.yaml:3 BGPPeer tor: bad",
    errors: [{ file: "config/peers.yaml", line: 3, resource: "BGPPeer tor", message: "bad" }],
    warnings: [
      {
        file: "config/node.yaml",
        resource: "Node node1",
        field: "spec.foo",
        message: "unknown field ignored",
      },
    ],
    generation: 2,
    appliedAt: "2026-01-05T17:00:00.000Z",
    checkedAt: "2026-01-05T17:01:00.000Z",
    plan: plan({ peers: [peer("10.0.0.2", { passive: true, password: "x" })] }),
  };

  it("shows the refused change above the running plan", () => {
    const text = formatConfig(config);
    expect(text).toContain("CHANGE REFUSED");
    expect(text).toContain("  error: peers.yaml:3 BGPPeer tor: bad");
    expect(text).toContain("  warning: node.yaml Node node1: spec.foo: unknown field ignored");
    expect(text).toContain("Node node1: router id 10.0.0.1, AS 64512, listening on *:179");
    expect(text).toMatch(/Node_10_0_0_2\s+10\.0\.0\.2\s+65001\s+node specific\s+passive, password/);
  });

  it("summarises a reload", () => {
    const base: ReloadJson = {
      applied: true,
      unchanged: false,
      error: null,
      peersAdded: ["A"],
      peersRemoved: [],
      peersReset: [],
      peersSoft: ["B"],
      dataplaneChanged: true,
      blocksClaimed: [],
    };
    expect(formatReload(base)).toBe(
      "reloaded: added A; updated without reset B; dataplane updated\n",
    );
    expect(formatReload({ ...base, applied: false, unchanged: true })).toBe(
      "reloaded: no change\n",
    );
    expect(formatReload({ ...base, applied: false, error: "x.yaml: bad" })).toMatch(
      /^reload refused/,
    );
  });
});
