/**
 * The host side of a workload interface (calico-spec §6.4), in the namespace the plugin runs in
 * (the node's): the veth pair (`cali…` here, CNI_IFNAME created directly inside the container),
 * the host end's MAC ee:ee:ee:ee:ee:ee (set at creation, checked and set again after it is up,
 * as Calico's plugin does against udev's MAC policies), its sysctls, up, and the host routes
 * `<ip>/32 dev cali… scope link` (/128 for IPv6, proto boot like Calico's CNI), which the
 * daemon's dataplane agent takes over once it reads the WorkloadEndpoint.
 */
import type { RtNetlinkSocket } from "netlink";
import { CniError } from "./errors.js";
import {
  createVeth,
  deleteLink,
  type LinkView,
  linkByName,
  listRoutes,
  RT_SCOPE_LINK,
  replaceRoute,
  setLinkMac,
  setLinkUp,
} from "./netlink-ops.js";
import { hostDefaultRpFilter, hostSideSysctls, readSysctls, writeSysctls } from "./sysctls.js";

export const HOST_VETH_MAC = "ee:ee:ee:ee:ee:ee";

export interface HostSetup {
  readonly hostVeth: string;
  readonly containerIfname: string;
  readonly netnsFd: number;
  readonly mtu: number;
  /** /32 and /128 CIDRs. */
  readonly addresses: readonly string[];
}

export async function createHostVeth(sock: RtNetlinkSocket, s: HostSetup): Promise<LinkView> {
  const stale = await linkByName(sock, s.hostVeth);
  // a veth of an earlier sandbox of the same pod (its DEL never came): replace it
  if (stale) await deleteLink(sock, stale.index, s.hostVeth);
  await createVeth(sock, {
    hostName: s.hostVeth,
    hostMac: HOST_VETH_MAC,
    peerName: s.containerIfname,
    peerNetnsFd: s.netnsFd,
    mtu: s.mtu,
  });
  const link = await linkByName(sock, s.hostVeth);
  if (!link) throw new CniError("CNI_NETWORKING_FAILED", `${s.hostVeth} vanished after creation`);
  return link;
}

/** Sysctls, up, MAC check: the host end ready to carry traffic. */
export async function configureHostVeth(
  sock: RtNetlinkSocket,
  link: LinkView,
  addresses: readonly string[],
): Promise<void> {
  const families = {
    ipv4: addresses.some((a) => !a.includes(":")),
    ipv6: addresses.some((a) => a.includes(":")),
  };
  const failed = writeSysctls(hostSideSysctls(link.name, families, hostDefaultRpFilter()));
  if (failed) throw new CniError("CNI_NETWORKING_FAILED", `host sysctl ${failed}`);
  await setLinkUp(sock, link.index, link.name);
  for (let attempt = 0; ; attempt++) {
    const now = await linkByName(sock, link.name);
    if (now?.mac === HOST_VETH_MAC) break;
    if (attempt >= 5) {
      throw new CniError(
        "CNI_NETWORKING_FAILED",
        `${link.name} keeps MAC ${now?.mac ?? "?"} instead of ${HOST_VETH_MAC} (a udev MAC policy?)`,
      );
    }
    await setLinkMac(sock, link.index, link.name, HOST_VETH_MAC);
  }
}

export async function addHostRoutes(
  sock: RtNetlinkSocket,
  link: LinkView,
  addresses: readonly string[],
): Promise<void> {
  for (const a of addresses) {
    await replaceRoute(sock, { dst: a, oif: link.index, scope: "link" }, link.name);
  }
}

export async function removeHostVeth(sock: RtNetlinkSocket, name: string): Promise<boolean> {
  const link = await linkByName(sock, name);
  return link ? deleteLink(sock, link.index, name) : false;
}

/** What CHECK finds wrong with the host side ([] when all is as ADD left it). */
export async function hostProblems(
  sock: RtNetlinkSocket,
  hostVeth: string,
  addresses: readonly string[],
): Promise<string[]> {
  const link = await linkByName(sock, hostVeth);
  if (!link) return [`host interface ${hostVeth} does not exist`];
  const problems: string[] = [];
  if (!link.up) problems.push(`host interface ${hostVeth} is down`);
  if (link.mac !== HOST_VETH_MAC)
    problems.push(`host interface ${hostVeth} has MAC ${link.mac}, not ${HOST_VETH_MAC}`);
  const routes = await listRoutes(sock);
  for (const a of addresses) {
    // the kernel keeps every IPv6 route at universe scope
    const scopeOk = (scope: number) => a.includes(":") || scope === RT_SCOPE_LINK;
    if (!routes.some((r) => r.dst === a && r.oif === link.index && scopeOk(r.scope)))
      problems.push(
        `host route ${a} dev ${hostVeth}${a.includes(":") ? "" : " scope link"} is missing`,
      );
  }
  if (addresses.some((a) => !a.includes(":"))) {
    const [proxyArp] = readSysctls([["net", "ipv4", "conf", hostVeth, "proxy_arp"]]);
    if (proxyArp !== "1") problems.push(`proxy_arp is ${proxyArp ?? "unreadable"} on ${hostVeth}`);
  }
  return problems;
}
