/**
 * What the plugin does inside the container's network namespace (calico-spec §6.4), written
 * against an rtnetlink socket that lives there and a sysctl writer that writes there, so the
 * same code runs through the netns addon (sockets opened inside, see netns-access.ts) and in
 * the `nsenter` fallback child:
 *   - configure: container sysctls, the interface up, its /32 and /128 addresses,
 *     `169.254.1.1 dev IF scope link` + `default via 169.254.1.1 dev IF`, and for IPv6
 *     `default via fe80::ecee:eeff:feee:eeee dev IF` (the host side's link-local address,
 *     derived from its ee:ee:ee:ee:ee:ee MAC); returns the interface's MAC;
 *   - inspect: the interface, its addresses and routes, for CHECK and repeated ADDs;
 *   - remove: delete the interface (the veth pair goes with it).
 */
import type { RtNetlinkSocket } from "netlink";
import { CniError } from "./errors.js";
import {
  deleteLink,
  linkByName,
  listAddresses,
  listRoutes,
  replaceAddress,
  replaceRoute,
  setLinkUp,
} from "./netlink-ops.js";
import { containerSysctls, type Sysctl } from "./sysctls.js";

/** The container's IPv4 gateway, answered by proxy ARP on the host side. */
export const IPV4_GATEWAY = "169.254.1.1";
/** The host side's IPv6 link-local address (EUI-64 of ee:ee:ee:ee:ee:ee). */
export const IPV6_GATEWAY = "fe80::ecee:eeff:feee:eeee";

export type ContainerRequest =
  | {
      readonly op: "configure";
      readonly ifname: string;
      /** /32 and /128 CIDRs. */
      readonly addresses: readonly string[];
      readonly allowIpForwarding: boolean;
    }
  | { readonly op: "inspect"; readonly ifname: string }
  | { readonly op: "remove"; readonly ifname: string };

export interface ContainerInterface {
  readonly exists: boolean;
  readonly index?: number;
  readonly up?: boolean;
  readonly mac?: string;
  readonly kind?: string;
  readonly addresses: readonly string[];
  /** Routes through the interface, "dst via gw" or "dst". */
  readonly routes: readonly { dst: string; gateway?: string }[];
}

export type ContainerResponse =
  | { readonly op: "configure"; readonly mac: string }
  | { readonly op: "inspect"; readonly iface: ContainerInterface }
  | { readonly op: "remove"; readonly removed: boolean };

export interface NamespaceHandle {
  readonly sock: RtNetlinkSocket;
  /** Writes sysctls inside the namespace; returns the first failure. */
  writeSysctls(entries: readonly Sysctl[]): string | undefined;
}

async function inspect(h: NamespaceHandle, ifname: string): Promise<ContainerInterface> {
  const link = await linkByName(h.sock, ifname);
  if (!link) return { exists: false, addresses: [], routes: [] };
  const addresses = (await listAddresses(h.sock, link.index))
    .map((a) => a.cidr)
    .filter((c) => !c.startsWith("fe80:"));
  const routes = (await listRoutes(h.sock))
    .filter((r) => r.oif === link.index)
    .map((r) => ({ dst: r.dst, ...(r.gateway ? { gateway: r.gateway } : {}) }));
  return {
    exists: true,
    index: link.index,
    up: link.up,
    mac: link.mac,
    kind: link.kind,
    addresses,
    routes,
  };
}

export async function runContainerStep(
  h: NamespaceHandle,
  req: ContainerRequest,
): Promise<ContainerResponse> {
  switch (req.op) {
    case "inspect":
      return { op: "inspect", iface: await inspect(h, req.ifname) };
    case "remove": {
      const link = await linkByName(h.sock, req.ifname);
      if (!link) return { op: "remove", removed: false };
      if (link.kind !== undefined && link.kind !== "veth") {
        throw new CniError(
          "CNI_NETWORKING_FAILED",
          `${req.ifname} in the container is a ${link.kind}, not the veth this plugin made: left alone`,
        );
      }
      return { op: "remove", removed: await deleteLink(h.sock, link.index, req.ifname) };
    }
    case "configure": {
      const link = await linkByName(h.sock, req.ifname);
      if (!link) {
        throw new CniError(
          "CNI_NETWORKING_FAILED",
          `${req.ifname} did not appear in the container after creating the veth pair`,
        );
      }
      const v4 = req.addresses.filter((a) => !a.includes(":"));
      const v6 = req.addresses.filter((a) => a.includes(":"));
      const sysFail = h.writeSysctls(
        containerSysctls({ ipv6: v6.length > 0, allowIpForwarding: req.allowIpForwarding }),
      );
      if (sysFail) throw new CniError("CNI_NETWORKING_FAILED", `container sysctl ${sysFail}`);
      await setLinkUp(h.sock, link.index, req.ifname);
      for (const a of req.addresses) await replaceAddress(h.sock, link.index, req.ifname, a);
      if (v4.length > 0) {
        await replaceRoute(
          h.sock,
          { dst: `${IPV4_GATEWAY}/32`, oif: link.index, scope: "link" },
          req.ifname,
        );
        await replaceRoute(
          h.sock,
          { dst: "default", gateway: IPV4_GATEWAY, oif: link.index, scope: "universe" },
          req.ifname,
        );
      }
      if (v6.length > 0) {
        await replaceRoute(
          h.sock,
          { dst: "default6", gateway: IPV6_GATEWAY, oif: link.index, scope: "universe" },
          req.ifname,
        );
      }
      return { op: "configure", mac: link.mac };
    }
  }
}
