// The per-interface sysctls of a workload (calico-spec §6.4), as path lists so interface names
// with dots stay one component.
import { describe, expect, it } from "vitest";
import {
  containerSysctls,
  hostSideSysctls,
  sysctlFile,
  sysctlName,
} from "../../../src/cni/sysctls.js";

const show = (xs: { path: readonly string[]; value: string }[]) =>
  xs.map((x) => `${sysctlName(x.path)}=${x.value}`);

describe("workload sysctls", () => {
  it("host side, IPv4: proxy ARP without delay, forwarding, route_localnet, host rp_filter", () => {
    expect(show(hostSideSysctls("cali1", { ipv4: true, ipv6: false }, "2"))).toEqual([
      "net.ipv4.conf.cali1.route_localnet=1",
      "net.ipv4.neigh.cali1.proxy_delay=0",
      "net.ipv4.conf.cali1.proxy_arp=1",
      "net.ipv4.conf.cali1.forwarding=1",
      "net.ipv4.conf.cali1.rp_filter=2",
    ]);
  });

  it("host side, IPv6: on, no DAD, no RA, proxy NDP, forwarding", () => {
    expect(show(hostSideSysctls("cali1", { ipv4: false, ipv6: true }, "1"))).toEqual([
      "net.ipv6.conf.cali1.disable_ipv6=0",
      "net.ipv6.conf.cali1.accept_dad=0",
      "net.ipv6.conf.cali1.accept_ra=0",
      "net.ipv6.conf.cali1.proxy_ndp=1",
      "net.ipv6.conf.cali1.forwarding=1",
    ]);
  });

  it("container: IPv6 switched on when used, forwarding only when allowed", () => {
    expect(show(containerSysctls({ ipv6: false, allowIpForwarding: false }))).toEqual([]);
    expect(show(containerSysctls({ ipv6: true, allowIpForwarding: true }))).toEqual([
      "net.ipv6.conf.all.disable_ipv6=0",
      "net.ipv6.conf.default.disable_ipv6=0",
      "net.ipv6.conf.lo.disable_ipv6=0",
      "net.ipv4.ip_forward=1",
      "net.ipv6.conf.all.forwarding=1",
    ]);
  });

  it("keeps dotted interface names as one path component", () => {
    expect(sysctlFile(["net", "ipv4", "conf", "vxlan.calico", "proxy_arp"])).toBe(
      "/proc/sys/net/ipv4/conf/vxlan.calico/proxy_arp",
    );
  });
});
