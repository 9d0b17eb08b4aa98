/**
 * Names and identifiers Calico derives by hashing: the host-side veth of a workload
 * (`cali` + 11 hex digits of SHA-1("<namespace>.<pod>"), libcalico-go VethNameForWorkload),
 * the VXLAN VTEP MAC of a node (0x66 then the first 5 bytes of SHA-1(nodename), "-v6" appended
 * for IPv6; felix/calc/vxlan_resolver.go) and the hashed router ID (first 4 bytes of
 * SHA-256(nodename), first octet minus 32 when above 223; confd HashToIPv4).
 */
import { createHash } from "node:crypto";
import type { Family } from "../../common/contracts/families.js";

export const WORKLOAD_INTERFACE_PREFIX = "cali";

export function workloadInterfaceName(
  namespace: string,
  pod: string,
  prefix = WORKLOAD_INTERFACE_PREFIX,
): string {
  const h = createHash("sha1").update(`${namespace}.${pod}`).digest("hex");
  return `${prefix}${h.slice(0, 11)}`;
}

export function vxlanMac(nodeName: string, family: Family): string {
  const h = createHash("sha1")
    .update(family === "ipv4" ? nodeName : `${nodeName}-v6`)
    .digest();
  const bytes = [0x66, ...h.subarray(0, 5)];
  return bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

export function hashRouterId(nodeName: string): string {
  const h = createHash("sha256").update(nodeName).digest();
  const first = h[0] > 223 ? h[0] - 32 : h[0];
  return `${first}.${h[1]}.${h[2]}.${h[3]}`;
}
