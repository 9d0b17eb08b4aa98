// The rtnetlink encoders against the bytes iproute2 sends for the same objects (captured from a
// real kernel by test/fixtures/dataplane/capture-golden.mjs), and the decoders against kernel dump
// replies captured the same way. This is also the only coverage of tunl0 creation on machines
// without the ipip module.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAddress } from "../../../src/common/ip/address.js";
import { parsePrefix } from "../../../src/common/ip/prefix.js";
import type { KernelRoute } from "../../../src/dataplane/model.js";
import { formatRouteDst, parseMac } from "../../../src/dataplane/model.js";
import { encodeDelAddress, encodeNewAddress } from "../../../src/dataplane/netlink/addr-codec.js";
import {
  NLM_F_ACK,
  NLM_F_CREATE,
  NLM_F_EXCL,
  NLM_F_REQUEST,
  RTM_NEWLINK,
  RTM_NEWROUTE,
  RTN_BLACKHOLE,
  RTN_UNICAST,
  RTNH_F_ONLINK,
} from "../../../src/dataplane/netlink/constants.js";
import {
  decodeLink,
  encodeDelLink,
  encodeNewIpip,
  encodeNewVxlan,
  encodeSetLink,
} from "../../../src/dataplane/netlink/link-codec.js";
import {
  encodeDelFdb,
  encodeDelNeighbour,
  encodeSetFdb,
  encodeSetNeighbour,
} from "../../../src/dataplane/netlink/neigh-codec.js";
import { forEachMessage } from "../../../src/dataplane/netlink/reader.js";
import {
  decodeRoute,
  encodeDelRoute,
  encodeNewRoute,
} from "../../../src/dataplane/netlink/route-codec.js";
import { NlWriter } from "../../../src/dataplane/netlink/writer.js";

interface GoldenCase {
  name: string;
  command: string;
  hex?: string;
}
const golden = JSON.parse(
  readFileSync(new URL("../../fixtures/dataplane/golden.json", import.meta.url), "utf8"),
) as {
  ifindexRequests: Record<string, number>;
  ifindexReplies: Record<string, number>;
  cases: GoldenCase[];
};
const req = golden.ifindexRequests;

function goldenHex(name: string): string {
  const c = golden.cases.find((x) => x.name === name);
  if (!c?.hex) throw new Error(`golden case ${name} missing`);
  return c.hex;
}

function encoded(fn: (w: NlWriter) => void): string {
  const w = new NlWriter(64);
  fn(w);
  return Buffer.from(w.take()).toString("hex");
}

const ADD = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
const addr = (t: string) => parseAddress(t)!;

function route(p: string, extra: Partial<KernelRoute>): KernelRoute {
  const prefix = parsePrefix(p);
  return {
    family: prefix.family,
    table: 254,
    dst: prefix.bytes,
    dstLen: prefix.length,
    tos: 0,
    priority: 0,
    protocol: 12,
    scope: 0,
    type: RTN_UNICAST,
    nexthops: [],
    prefsrc: null,
    ...extra,
  };
}

const nh = (gw: string | null, ifindex: number, flags = 0) => ({
  gateway: gw === null ? null : addr(gw),
  ifindex,
  flags,
  weight: 1,
});

describe("route messages match iproute2 byte for byte", () => {
  it("encodes `<block> via <nh> dev <if> proto bird`", () => {
    const r = route("10.55.0.0/26", { nexthops: [nh("192.0.2.1", req.g0)] });
    expect(encoded((w) => encodeNewRoute(w, r, ADD, 0))).toBe(goldenHex("route-via"));
  });

  it("encodes `blackhole <block> proto bird` and `proto 80`", () => {
    const bird = route("10.55.1.0/26", { type: RTN_BLACKHOLE });
    const felix = route("10.55.5.0/26", { type: RTN_BLACKHOLE, protocol: 80 });
    expect(encoded((w) => encodeNewRoute(w, bird, ADD, 0))).toBe(goldenHex("route-blackhole-bird"));
    expect(encoded((w) => encodeNewRoute(w, felix, ADD, 0))).toBe(
      goldenHex("route-blackhole-felix"),
    );
  });

  it("encodes the workload route `<ip>/32 dev cali… scope link` (proto boot)", () => {
    const r = route("10.55.2.1/32", { protocol: 3, scope: 253, nexthops: [nh(null, req.g0)] });
    expect(encoded((w) => encodeNewRoute(w, r, ADD, 0))).toBe(goldenHex("route-workload"));
  });

  it("encodes the IPIP form `via <node> dev <if> proto bird onlink`", () => {
    const r = route("10.55.3.0/26", { nexthops: [nh("10.0.0.21", req.g0, RTNH_F_ONLINK)] });
    expect(encoded((w) => encodeNewRoute(w, r, ADD, 0))).toBe(goldenHex("route-onlink"));
  });

  it("encodes multipath routes with one rtnexthop per path", () => {
    const r = route("10.55.4.0/26", {
      nexthops: [nh("192.0.2.1", req.g0), nh("192.0.2.3", req.g0)],
    });
    expect(encoded((w) => encodeNewRoute(w, r, ADD, 0))).toBe(goldenHex("route-multipath"));
  });

  it("encodes IPv6 routes", () => {
    const r = route("2001:db8:1::/64", { nexthops: [nh("2001:db8::1", req.g0)] });
    expect(encoded((w) => encodeNewRoute(w, r, ADD, 0))).toBe(goldenHex("route-v6"));
  });

  it("encodes deletes that name the protocol, type and metric", () => {
    const flags = NLM_F_REQUEST | NLM_F_ACK;
    expect(encoded((w) => encodeDelRoute(w, route("10.55.0.0/26", {}), flags, 0))).toBe(
      goldenHex("route-del"),
    );
    const bh = route("10.55.1.0/26", { type: RTN_BLACKHOLE });
    expect(encoded((w) => encodeDelRoute(w, bh, flags, 0))).toBe(goldenHex("route-del-blackhole"));
    const v6 = route("2001:db8:1::/64", { priority: 1024 });
    expect(encoded((w) => encodeDelRoute(w, v6, flags, 0))).toBe(goldenHex("route-del-v6"));
  });
});

describe("link, address and neighbour messages match iproute2 byte for byte", () => {
  it("creates vxlan.calico with VNI, port, local, parent, MAC, MTU, learning off", () => {
    const hex = encoded((w) =>
      encodeNewVxlan(
        w,
        {
          name: "vxlan.calico",
          vni: 4096,
          port: 4789,
          local: addr("192.0.2.2"),
          parentIndex: req.g0,
          mac: parseMac("66:0a:4a:c5:63:05"),
          mtu: 1450,
        },
        0,
      ),
    );
    expect(hex).toBe(goldenHex("vxlan-add"));
  });

  it("creates tunl0 as an ipip link (no ipip module needed to check the request)", () => {
    expect(encoded((w) => encodeNewIpip(w, "tunl0", 0))).toBe(goldenHex("ipip-add"));
  });

  it("changes MTU, MAC and the up flag in place, and deletes links", () => {
    const idx = req["vxlan.calico"];
    const set = encoded((w) =>
      encodeSetLink(w, idx, { mtu: 1400, mac: parseMac("66:0a:4a:c5:63:06")!, up: true }, 0),
    );
    expect(set).toBe(goldenHex("link-set"));
    expect(encoded((w) => encodeSetLink(w, idx, { up: false }, 0))).toBe(goldenHex("link-down"));
    expect(encoded((w) => encodeDelLink(w, idx, 0))).toBe(goldenHex("link-del"));
  });

  it("adds and removes the tunnel address as /32", () => {
    const idx = req["vxlan.calico"];
    expect(encoded((w) => encodeNewAddress(w, idx, addr("10.244.1.0"), 32, 0))).toBe(
      goldenHex("addr-add"),
    );
    expect(encoded((w) => encodeDelAddress(w, idx, addr("10.244.1.0"), 32, 0))).toBe(
      goldenHex("addr-del"),
    );
  });

  it("writes permanent neighbour and bridge FDB entries", () => {
    const idx = req["vxlan.calico"];
    const mac = parseMac("66:0a:4a:c5:63:07")!;
    expect(encoded((w) => encodeSetNeighbour(w, idx, addr("10.244.2.0"), mac, 0))).toBe(
      goldenHex("neigh-set"),
    );
    expect(encoded((w) => encodeDelNeighbour(w, idx, addr("10.244.2.0"), 0))).toBe(
      goldenHex("neigh-del"),
    );
    expect(encoded((w) => encodeSetFdb(w, idx, mac, addr("192.0.2.7"), 0))).toBe(
      goldenHex("fdb-set"),
    );
    expect(encoded((w) => encodeDelFdb(w, idx, mac, addr("192.0.2.7"), 0))).toBe(
      goldenHex("fdb-del"),
    );
  });
});

describe("decoding kernel replies", () => {
  function routesOf(name: string): KernelRoute[] {
    const buf = Buffer.from(goldenHex(name), "hex");
    const out: KernelRoute[] = [];
    forEachMessage(buf, (h) => {
      if (h.type !== RTM_NEWROUTE) return;
      const r = decodeRoute(buf, h);
      if (r !== null) out.push(r);
    });
    return out;
  }

  it("decodes every IPv4 route kind of the dump, as `ip route` printed them", () => {
    const g0 = golden.ifindexReplies.g0;
    const byDst = new Map(routesOf("dump-routes-v4").map((r) => [formatRouteDst(r), r]));
    const via = byDst.get("10.55.0.0/26")!;
    expect(via.protocol).toBe(12);
    expect(via.nexthops).toEqual([nh("192.0.2.1", g0)]);
    const bh = byDst.get("10.55.1.0/26")!;
    expect([bh.type, bh.protocol, bh.nexthops.length]).toEqual([RTN_BLACKHOLE, 12, 0]);
    const wl = byDst.get("10.55.2.1/32")!;
    expect([wl.protocol, wl.scope]).toEqual([3, 253]);
    expect(wl.nexthops).toEqual([nh(null, g0)]);
    const onlink = byDst.get("10.55.3.0/26")!;
    expect(onlink.nexthops[0].flags & RTNH_F_ONLINK).toBe(RTNH_F_ONLINK);
    const mp = byDst.get("10.55.4.0/26")!;
    expect(mp.nexthops.map((n) => [n.gateway, n.ifindex])).toEqual([
      [addr("192.0.2.1"), g0],
      [addr("192.0.2.3"), g0],
    ]);
    const connected = byDst.get("192.0.2.0/24")!;
    expect([connected.protocol, connected.table]).toEqual([2, 254]);
  });

  it("decodes IPv6 routes with their kernel metric", () => {
    const r = routesOf("dump-routes-v6").find((x) => formatRouteDst(x) === "2001:db8:1::/64")!;
    expect([r.protocol, r.priority]).toEqual([12, 1024]);
    expect(r.nexthops[0].gateway).toEqual(addr("2001:db8::1"));
  });

  it("decodes a VXLAN link with its VNI, port, local address, parent and learning flag", () => {
    const buf = Buffer.from(goldenHex("dump-link-vxlan"), "hex");
    const links: ReturnType<typeof decodeLink>[] = [];
    forEachMessage(buf, (h) => {
      if (h.type === RTM_NEWLINK) links.push(decodeLink(buf, h));
    });
    const vx = links.find((l) => l?.name === "vxlan.calico")!;
    expect(vx.kind).toBe("vxlan");
    expect(vx.mac).toBe("66:0a:4a:c5:63:05");
    expect(vx.mtu).toBe(1450);
    expect(vx.vxlan).toEqual({
      vni: 4096,
      port: 4789,
      local: "192.0.2.2",
      link: golden.ifindexReplies.g0,
      learning: false,
    });
  });
});
