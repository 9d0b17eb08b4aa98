/**
 * Address families and AFI/SAFI pairs (RFC 4760 §5, IANA "Address Family Numbers" and
 * "SAFI Values"). wren exchanges IPv4 and IPv6 unicast; other pairs are only carried as numbers
 * (e.g. unknown capabilities, MP_REACH for families we do not negotiate).
 */
export type Family = "ipv4" | "ipv6";

export const AFI_IPV4 = 1;
export const AFI_IPV6 = 2;
export const SAFI_UNICAST = 1;

/** Names used in JSON, CLI flags and configuration, e.g. `--addpath ipv4-unicast`. */
export type AfiSafiName = "ipv4-unicast" | "ipv6-unicast";

export interface AfiSafi {
  readonly afi: number;
  readonly safi: number;
}

export const IPV4_UNICAST: AfiSafi = Object.freeze({ afi: AFI_IPV4, safi: SAFI_UNICAST });
export const IPV6_UNICAST: AfiSafi = Object.freeze({ afi: AFI_IPV6, safi: SAFI_UNICAST });

export function familyAfi(family: Family): number {
  return family === "ipv4" ? AFI_IPV4 : AFI_IPV6;
}

export function afiSafiName(afi: number, safi: number): AfiSafiName | null {
  if (safi !== SAFI_UNICAST) return null;
  if (afi === AFI_IPV4) return "ipv4-unicast";
  if (afi === AFI_IPV6) return "ipv6-unicast";
  return null;
}

export function afiSafiOfName(name: AfiSafiName): AfiSafi {
  return name === "ipv4-unicast" ? IPV4_UNICAST : IPV6_UNICAST;
}

export function familyOfAfiSafiName(name: AfiSafiName): Family {
  return name === "ipv4-unicast" ? "ipv4" : "ipv6";
}

export function afiSafiNameOfFamily(family: Family): AfiSafiName {
  return family === "ipv4" ? "ipv4-unicast" : "ipv6-unicast";
}
