/**
 * iproute2-style text for kernel routes (`ip route` line format), for logs, `wren dataplane`
 * status output and tests that compare with the seeds' `ip route` lines. Like `ip route`, it
 * omits `proto boot` and the default IPv4 metric 0.
 */
import { formatAddress } from "../common/ip/address.js";
import type { KernelRoute } from "./model.js";
import {
  RT_SCOPE_HOST,
  RT_SCOPE_LINK,
  RTN_BLACKHOLE,
  RTN_PROHIBIT,
  RTN_THROW,
  RTN_UNREACHABLE,
  RTNH_F_ONLINK,
  RTPROT_BIRD,
  RTPROT_BOOT,
  RTPROT_KERNEL,
  RTPROT_STATIC,
} from "./netlink/constants.js";

/** iproute2's /usr/share/iproute2/rt_protos names. */
const PROTO_NAMES: Record<number, string> = {
  1: "redirect",
  [RTPROT_KERNEL]: "kernel",
  [RTPROT_BOOT]: "boot",
  [RTPROT_STATIC]: "static",
  8: "gated",
  9: "ra",
  10: "mrt",
  11: "zebra",
  [RTPROT_BIRD]: "bird",
  13: "dnrouted",
  14: "xorp",
  15: "ntk",
  16: "dhcp",
  18: "keepalived",
  42: "babel",
  99: "openr",
  186: "bgp",
  187: "isis",
  188: "ospf",
  189: "rip",
  192: "eigrp",
};

const TYPE_NAMES: Record<number, string> = {
  [RTN_BLACKHOLE]: "blackhole",
  [RTN_UNREACHABLE]: "unreachable",
  [RTN_PROHIBIT]: "prohibit",
  [RTN_THROW]: "throw",
};

export function formatRoute(
  r: KernelRoute,
  linkName: (ifindex: number) => string | undefined,
): string {
  const parts: string[] = [];
  const type = TYPE_NAMES[r.type];
  if (type) parts.push(type);
  const host = r.family === "ipv4" ? 32 : 128;
  const dst = formatAddress(r.dst);
  parts.push(r.dstLen === 0 ? "default" : r.dstLen === host ? dst : `${dst}/${r.dstLen}`);
  const dev = (i: number) => linkName(i) ?? `if${i}`;
  if (r.nexthops.length === 1 && !type) {
    const nh = r.nexthops[0];
    if (nh.gateway) parts.push("via", formatAddress(nh.gateway));
    if (nh.ifindex > 0) parts.push("dev", dev(nh.ifindex));
  }
  if (r.protocol !== RTPROT_BOOT)
    parts.push("proto", PROTO_NAMES[r.protocol] ?? String(r.protocol));
  if (r.scope === RT_SCOPE_LINK) parts.push("scope", "link");
  else if (r.scope === RT_SCOPE_HOST) parts.push("scope", "host");
  if (r.priority !== 0) parts.push("metric", String(r.priority));
  if (r.nexthops.length === 1 && !type && r.nexthops[0].flags & RTNH_F_ONLINK) parts.push("onlink");
  if (r.nexthops.length > 1) {
    for (const nh of r.nexthops) {
      parts.push("nexthop");
      if (nh.gateway) parts.push("via", formatAddress(nh.gateway));
      parts.push("dev", dev(nh.ifindex), "weight", String(nh.weight));
      if (nh.flags & RTNH_F_ONLINK) parts.push("onlink");
    }
  }
  return parts.join(" ");
}
