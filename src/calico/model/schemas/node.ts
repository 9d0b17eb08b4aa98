/**
 * Node (projectcalico.org/v3): the BGP identity of a host (spec.bgp), tunnel addresses and MACs,
 * labels for selectors. As libcalico-go lib/apis/v3/node.go.
 */
import { z } from "zod";
import { asNumber, converted, ignored, interfaceAddress, ipAddress, show } from "../fields.js";

const mac = converted<string>((v) =>
  typeof v === "string" && /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(v)
    ? { ok: true, value: v.toLowerCase().replaceAll("-", ":") }
    : { ok: false, message: `${show(v)} is not a MAC address` },
);

/** An IPv4-formatted cluster ID; "" means "not a route reflector" (as Calico treats it). */
const clusterId = converted<string>((v) => {
  if (v === "") return { ok: true, value: "" };
  const r = ipAddress("ipv4").safeParse(v);
  return r.success
    ? { ok: true, value: r.data }
    : { ok: false, message: `${show(v)} is not an IPv4-formatted cluster ID` };
});

export const nodeSpec = z.strictObject({
  bgp: z
    .strictObject({
      asNumber: asNumber.optional(),
      ipv4Address: interfaceAddress("ipv4").optional(),
      ipv6Address: interfaceAddress("ipv6").optional(),
      ipv4IPIPTunnelAddr: ipAddress("ipv4").optional(),
      routeReflectorClusterID: clusterId.optional(),
    })
    .optional(),
  ipv4VXLANTunnelAddr: ipAddress("ipv4").optional(),
  ipv6VXLANTunnelAddr: ipAddress("ipv6").optional(),
  vxlanTunnelMACAddr: mac.optional(),
  vxlanTunnelMACAddrV6: mac.optional(),
  orchRefs: ignored.optional(),
  addresses: ignored.optional(),
  interfaces: ignored.optional(),
  wireguard: ignored.optional(),
});

export type NodeSpec = z.output<typeof nodeSpec>;
