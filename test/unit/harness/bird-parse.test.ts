// The harness's birdc parsers on real output of BIRD 2.0.12 and BIRD 1.6.8 (captured from the
// Debian builds the harness runs).
import { describe, expect, it } from "vitest";
import { parseBirdProtocols, parseBirdRoutes } from "../../harness/peers/bird.js";

const BIRD2_PROTOCOLS = `BIRD 2.0.12 ready.
Name       Proto      Table      State  Since         Info
device1    Device     ---        up     00:10:21.664  

static1    Static     master4    up     00:10:21.664  
  Channel ipv4
    State:          UP
    Table:          master4

frr        BGP        ---        up     00:10:22.654  Established   
  BGP state:          Established
    Neighbor address: 10.0.1.1
    Neighbor AS:      65001
    Local AS:         65002
    Neighbor ID:      10.0.2.1
    Session:          external AS4
  Channel ipv4
    State:          UP

down1      BGP        ---        start  00:10:21.664  Idle          
  BGP state:          Idle
    Neighbor address: 10.0.1.9
    Neighbor AS:      65009
    Local AS:         65002
`;

const BIRD1_PROTOCOLS = `BIRD 1.6.8 ready.
name     proto    table    state  since       info
device1  Device   master   up     00:10:21    
  Preference:     240

frr      BGP      master   down   00:10:21    Error: No listening socket
  Preference:     100
  BGP state:          Down
    Neighbor address: 10.0.2.1
    Neighbor AS:      65001
    Last error:       Error: No listening socket

peer6    BGP      master   up     2026-11-20 10:00:01  Established
  BGP state:          Established
    Neighbor address: fd00:13::1%to-frr
    Neighbor AS:      65001
`;

describe("parseBirdProtocols", () => {
  it("reads BIRD 2 protocols with their BGP state, neighbor and AS", () => {
    const p = parseBirdProtocols(BIRD2_PROTOCOLS);
    expect(p.map((x) => [x.name, x.proto, x.state, x.info])).toEqual([
      ["device1", "Device", "up", ""],
      ["static1", "Static", "up", ""],
      ["frr", "BGP", "up", "Established"],
      ["down1", "BGP", "start", "Idle"],
    ]);
    expect(p[2]).toMatchObject({
      bgpState: "Established",
      neighbor: "10.0.1.1",
      neighborAs: 65001,
    });
    expect(p[3]).toMatchObject({ bgpState: "Idle", neighbor: "10.0.1.9", neighborAs: 65009 });
  });

  it("reads BIRD 1.6 protocols: Down is Idle, dates in Since, scoped IPv6 neighbors", () => {
    const p = parseBirdProtocols(BIRD1_PROTOCOLS);
    expect(p[1]).toMatchObject({
      name: "frr",
      table: "master",
      state: "down",
      info: "Error: No listening socket",
      bgpState: "Idle",
    });
    expect(p[2]).toMatchObject({
      name: "peer6",
      info: "Established",
      bgpState: "Established",
      neighbor: "fd00:13::1",
    });
  });
});

describe("parseBirdRoutes", () => {
  it("reads BIRD 2 routes: protocol, primary mark, next hops on the following lines, AS info", () => {
    const r = parseBirdRoutes(`BIRD 2.0.12 ready.
Table master4:
10.102.0.0/24        blackhole [static1 00:10:21.664] * (200)
10.101.0.0/24        unicast [frr 00:10:23.758] * (100) [AS65001i]
	via 10.0.1.1 on e0
                     unicast [gobgp 00:10:24.001] (100) [AS65003 65001i]
	via 10.0.100.3 on sw0
10.9.0.0/24          unicast [frr 00:10:23.758] * (100) [AS65001i]
	via 10.0.1.1 on e0 weight 1
	via 10.0.2.1 on e1 weight 1
`);
    expect(r).toEqual([
      { prefix: "10.102.0.0/24", protocol: "static1", primary: true, via: [], asInfo: undefined },
      {
        prefix: "10.101.0.0/24",
        protocol: "frr",
        primary: true,
        via: ["10.0.1.1"],
        asInfo: "AS65001i",
      },
      {
        prefix: "10.101.0.0/24",
        protocol: "gobgp",
        primary: false,
        via: ["10.0.100.3"],
        asInfo: "AS65003 65001i",
      },
      {
        prefix: "10.9.0.0/24",
        protocol: "frr",
        primary: true,
        via: ["10.0.1.1", "10.0.2.1"],
        asInfo: "AS65001i",
      },
    ]);
  });

  it("reads BIRD 1.6 one-line routes", () => {
    const r = parseBirdRoutes(`BIRD 1.6.8 ready.
10.103.0.0/24      blackhole [static1 00:10:21] * (200)
10.101.0.0/24      via 10.0.13.1 on eth0 [frr 22:27:38] * (100) [AS65001i]
fd00:101::/64      via fd00:13::1 on to-frr [frr 22:27:38] * (100) [AS65001i]
`);
    expect(r.map((x) => [x.prefix, x.protocol, x.primary, x.via])).toEqual([
      ["10.103.0.0/24", "static1", true, []],
      ["10.101.0.0/24", "frr", true, ["10.0.13.1"]],
      ["fd00:101::/64", "frr", true, ["fd00:13::1"]],
    ]);
  });
});
