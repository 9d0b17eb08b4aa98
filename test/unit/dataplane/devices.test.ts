// Tunnel devices, neighbour/FDB entries and sysctls: desired vs actual planning.

import { describe, expect, it } from "vitest";
import type { DesiredDataplane, VxlanDevice } from "../../../src/common/contracts/dataplane.js";
import { formatAddress } from "../../../src/common/ip/address.js";
import { hostMtu, planDevices } from "../../../src/dataplane/devices.js";
import type { KernelOp } from "../../../src/dataplane/kernel.js";
import type { KernelAddress, KernelLink, KernelNeighbour } from "../../../src/dataplane/model.js";
import { formatMac } from "../../../src/dataplane/model.js";
import { planNeighbours } from "../../../src/dataplane/neighbours.js";
import { DEFAULT_OWNERSHIP } from "../../../src/dataplane/ownership.js";
import { applySysctls, type SysctlPort, workloadSysctls } from "../../../src/dataplane/sysctls.js";
import { desiredDataplane } from "../../harness/desired-dataplane.js";

const UP = 0x1 | 0x40 | 0x10000;
const link = (index: number, name: string, extra: Partial<KernelLink> = {}): KernelLink => ({
  index,
  name,
  flags: UP,
  mtu: 1500,
  operstate: 6,
  mac: null,
  kind: null,
  vxlan: null,
  ...extra,
});
const addr = (index: number, address: string, prefixLen: number): KernelAddress => ({
  family: address.includes(":") ? "ipv6" : "ipv4",
  index,
  address,
  prefixLen,
  scope: 0,
});

function plan(extra: Partial<DesiredDataplane>): DesiredDataplane {
  return desiredDataplane({ nodeName: "n1", ...extra });
}

const vx: VxlanDevice = {
  family: "ipv4",
  name: "vxlan.calico",
  vni: 4096,
  port: 4789,
  address: "10.244.204.0",
  localAddress: "10.0.0.21",
  mac: "66:0a:4a:c5:63:05",
  mtu: null,
};

function describeOps(ops: readonly KernelOp[]): string[] {
  return ops.map((op) => {
    switch (op.kind) {
      case "vxlan-add":
        return `vxlan-add ${op.spec.name} vni ${op.spec.vni} port ${op.spec.port} local ${formatAddress(op.spec.local)} parent ${op.spec.parentIndex} mtu ${op.spec.mtu} mac ${op.spec.mac && formatMac(op.spec.mac)}`;
      case "link-set":
        return `link-set ${op.index} ${Object.entries(op.change)
          .map(([k, v]) => `${k}=${v instanceof Uint8Array ? formatMac(v) : v}`)
          .join(",")}`;
      case "addr-add":
      case "addr-del":
        return `${op.kind} ${op.index} ${formatAddress(op.address)}/${op.prefixLen}`;
      case "link-del":
        return `link-del ${op.index}`;
      case "ipip-add":
        return `ipip-add ${op.name}`;
      case "neigh-set":
        return `neigh-set ${op.ifindex} ${formatAddress(op.ip)} ${formatMac(op.mac)}`;
      case "neigh-del":
        return `neigh-del ${op.ifindex} ${formatAddress(op.ip)}`;
      case "fdb-set":
        return `fdb-set ${op.ifindex} ${formatMac(op.mac)} dst ${formatAddress(op.dst)}`;
      case "fdb-del":
        return `fdb-del ${op.ifindex} ${formatMac(op.mac)}`;
      default:
        return op satisfies never;
    }
  });
}

describe("tunnel devices", () => {
  const eth0 = link(2, "enp0s3", { mtu: 1500 });
  const base = { links: [eth0], addresses: [addr(2, "10.0.0.21", 24)], tunl0Undeletable: false };

  it("creates vxlan.calico on the interface holding the node IP, MTU host−50", () => {
    const dp = planDevices(plan({ vxlan: [vx] }), base);
    expect(dp.structural).toBe(true);
    expect(describeOps(dp.ops)).toEqual([
      "vxlan-add vxlan.calico vni 4096 port 4789 local 10.0.0.21 parent 2 mtu 1450 mac 66:0a:4a:c5:63:05",
    ]);
  });

  it("then brings it up, sets the /32 tunnel address and removes other addresses", () => {
    const dev = link(9, "vxlan.calico", {
      flags: 0,
      mtu: 1450,
      mac: "66:0a:4a:c5:63:05",
      kind: "vxlan",
      vxlan: { vni: 4096, port: 4789, local: "10.0.0.21", link: 2, learning: false },
    });
    const dp = planDevices(plan({ vxlan: [vx] }), {
      ...base,
      links: [eth0, dev],
      addresses: [...base.addresses, addr(9, "10.9.9.9", 32), addr(9, "fe80::1", 64)],
    });
    expect(dp.structural).toBe(false);
    expect(describeOps(dp.ops)).toEqual([
      "link-set 9 up=true",
      "addr-del 9 10.9.9.9/32",
      "addr-add 9 10.244.204.0/32",
    ]);
  });

  it("corrects MTU and MAC in place, recreates on VNI/port/parent/learning drift", () => {
    const good = { vni: 4096, port: 4789, local: "10.0.0.21", link: 2, learning: false };
    const dev = (v: typeof good, extra: Partial<KernelLink> = {}) =>
      link(9, "vxlan.calico", {
        mtu: 1450,
        mac: "66:0a:4a:c5:63:05",
        kind: "vxlan",
        vxlan: v,
        ...extra,
      });
    const addresses = [...base.addresses, addr(9, "10.244.204.0", 32)];
    const inPlace = planDevices(plan({ vxlan: [vx] }), {
      ...base,
      links: [eth0, dev(good, { mtu: 1400, mac: "66:00:00:00:00:01" })],
      addresses,
    });
    expect(describeOps(inPlace.ops)).toEqual([
      "link-set 9 mac=66:0a:4a:c5:63:05",
      "link-set 9 mtu=1450",
    ]);
    for (const bad of [
      { vni: 100 },
      { port: 8472 },
      { link: 3 },
      { learning: true },
      { local: "10.0.0.99" },
    ]) {
      const dp = planDevices(plan({ vxlan: [vx] }), {
        ...base,
        links: [eth0, dev({ ...good, ...bad })],
        addresses,
      });
      expect(describeOps(dp.ops)[0]).toBe("link-del 9");
      expect(describeOps(dp.ops)[1]).toMatch(/^vxlan-add vxlan\.calico/);
    }
    expect(
      planDevices(plan({ vxlan: [vx] }), { ...base, links: [eth0, dev(good)], addresses }).ops,
    ).toEqual([]);
  });

  it("removes VXLAN devices no pool needs, and says when the node IP is on no interface", () => {
    const dp = planDevices(plan({}), {
      ...base,
      links: [eth0, link(9, "vxlan.calico", { kind: "vxlan" })],
    });
    expect(describeOps(dp.ops)).toEqual(["link-del 9"]);
    const missing = planDevices(plan({ vxlan: [{ ...vx, localAddress: "10.0.0.99" }] }), base);
    expect(missing.ops).toEqual([]);
    expect(missing.problems).toEqual(["vxlan.calico: node address 10.0.0.99 is on no interface"]);
  });

  it("tunl0: created, MTU host−20, up, /32 address; emptied and set down when not deletable", () => {
    expect(
      describeOps(planDevices(plan({ ipip: { address: "10.244.65.0", mtu: null } }), base).ops),
    ).toEqual(["ipip-add tunl0"]);
    const tunl = link(4, "tunl0", { kind: "ipip", flags: 0, mtu: 1480 });
    const after = planDevices(plan({ ipip: { address: "10.244.65.0", mtu: null } }), {
      ...base,
      links: [eth0, tunl],
    });
    expect(describeOps(after.ops)).toEqual(["link-set 4 up=true", "addr-add 4 10.244.65.0/32"]);
    const up = link(4, "tunl0", { kind: "ipip", mtu: 1480 });
    const withAddr = [...base.addresses, addr(4, "10.244.65.0", 32)];
    expect(
      describeOps(planDevices(plan({}), { ...base, links: [eth0, up], addresses: withAddr }).ops),
    ).toEqual(["link-del 4"]);
    expect(
      describeOps(
        planDevices(plan({}), { links: [eth0, up], addresses: withAddr, tunl0Undeletable: true })
          .ops,
      ),
    ).toEqual(["addr-del 4 10.244.65.0/32", "link-set 4 up=false"]);
  });

  it("takes the host MTU from the smallest matching host interface (Felix MTUIfacePattern)", () => {
    expect(
      hostMtu([
        link(1, "lo", { mtu: 65536 }),
        link(2, "eth0", { mtu: 9000 }),
        link(3, "ens5", { mtu: 1460 }),
      ]),
    ).toBe(1460);
    expect(hostMtu([link(1, "lo", { mtu: 65536 }), link(3, "cali123", { mtu: 1400 })])).toBe(1500);
  });
});

describe("neighbours and FDB", () => {
  const links = [
    link(5, "cali1dadcdd5b31"),
    link(6, "cali42cd276b2be", { operstate: 2 }),
    link(9, "vxlan.calico", { operstate: 0, kind: "vxlan" }),
    link(2, "eth0"),
  ];
  const p = plan({
    workloads: [
      {
        name: "cali1dadcdd5b31",
        addresses: ["172.16.196.1/32", "fd00::1"],
        mac: "0E:1C:2C:F6:2A:F9",
        endpoint: "a",
      },
      {
        name: "cali42cd276b2be",
        addresses: ["172.16.196.2/32"],
        mac: "0e:1c:2c:f6:2a:fa",
        endpoint: "b",
      },
    ],
    vxlan: [vx],
    vxlanPeers: [
      {
        node: "w3",
        family: "ipv4",
        nodeAddress: "30.0.0.23",
        tunnelAddress: "10.244.73.0",
        mac: "66:0a:4a:c5:63:05",
        blocks: [],
      },
    ],
  });
  const nb = (n: Partial<KernelNeighbour>): KernelNeighbour => ({
    family: "ipv4",
    ifindex: 5,
    state: 0x80,
    flags: 0,
    dst: null,
    lladdr: null,
    ...n,
  });

  it("wants permanent ARP for up workloads (IPv4 only) and VTEP neighbour + FDB entries", () => {
    expect(describeOps(planNeighbours(p, links, [], DEFAULT_OWNERSHIP))).toEqual([
      "neigh-set 5 172.16.196.1 0e:1c:2c:f6:2a:f9",
      "neigh-set 9 10.244.73.0 66:0a:4a:c5:63:05",
      "fdb-set 9 66:0a:4a:c5:63:05 dst 30.0.0.23",
    ]);
  });

  it("keeps what is right, replaces learnt entries, removes stale permanent ones on our links only", () => {
    const kernel = [
      nb({ ifindex: 5, dst: "172.16.196.1", lladdr: "0e:1c:2c:f6:2a:f9" }),
      nb({ ifindex: 9, dst: "10.244.73.0", lladdr: "66:0a:4a:c5:63:05", state: 0x02 }),
      nb({
        family: "bridge",
        ifindex: 9,
        flags: 0x02,
        lladdr: "66:0a:4a:c5:63:05",
        dst: "30.0.0.23",
      }),
      nb({
        family: "bridge",
        ifindex: 9,
        flags: 0x02,
        lladdr: "66:99:99:99:99:99",
        dst: "30.0.0.99",
      }),
      nb({ ifindex: 5, dst: "172.16.196.9", lladdr: "aa:aa:aa:aa:aa:aa" }),
      nb({ ifindex: 5, dst: "172.16.196.8", lladdr: "aa:aa:aa:aa:aa:ab", state: 0x04 }),
      nb({ ifindex: 2, dst: "192.168.0.1", lladdr: "aa:aa:aa:aa:aa:ac" }),
    ];
    expect(describeOps(planNeighbours(p, links, kernel, DEFAULT_OWNERSHIP))).toEqual([
      "fdb-del 9 66:99:99:99:99:99",
      "neigh-del 5 172.16.196.9",
      "neigh-set 9 10.244.73.0 66:0a:4a:c5:63:05",
    ]);
  });
});

describe("sysctls", () => {
  it("lists Calico's per-interface settings and writes only differing values", () => {
    const keys = workloadSysctls("cali1", true, false, "2").map((s) => `${s.key}=${s.value}`);
    expect(keys).toEqual([
      "net/ipv4/conf/cali1/route_localnet=1",
      "net/ipv4/neigh/cali1/proxy_delay=0",
      "net/ipv4/conf/cali1/proxy_arp=1",
      "net/ipv4/conf/cali1/forwarding=1",
      "net/ipv4/conf/cali1/rp_filter=2",
      "net/ipv6/conf/cali1/accept_ra=0",
    ]);
    const values = new Map<string, string>([
      ["net/ipv4/conf/cali1/route_localnet", "0"],
      ["net/ipv4/neigh/cali1/proxy_delay", "0"],
      ["net/ipv4/conf/cali1/proxy_arp", "0"],
      ["net/ipv4/conf/cali1/forwarding", "1"],
      ["net/ipv4/conf/cali1/rp_filter", "2"],
    ]);
    const port: SysctlPort = {
      read: (k) => values.get(k) ?? null,
      write: (k, v) => void values.set(k, v),
    };
    const out = applySysctls(port, workloadSysctls("cali1", true, false, "2"));
    expect(out.written).toEqual([
      "net/ipv4/conf/cali1/route_localnet",
      "net/ipv4/conf/cali1/proxy_arp",
    ]);
    expect(out.failed).toEqual([]); // accept_ra is optional (IPv6 off)
  });
});
