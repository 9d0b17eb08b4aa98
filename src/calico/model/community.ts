/**
 * BGP community text as Calico's BGPConfiguration writes it: standard `aa:nn` (RFC 1997, two
 * 16-bit parts) or large `aa:nn:mm` (RFC 8092, three 32-bit parts).
 */

export type CommunityKind = "standard" | "large";

export function communityKind(text: string): CommunityKind | null {
  const std = /^(\d+):(\d+)$/.exec(text);
  if (std) return Number(std[1]) <= 65535 && Number(std[2]) <= 65535 ? "standard" : null;
  const large = /^(\d+):(\d+):(\d+)$/.exec(text);
  if (large) return large.slice(1).every((p) => Number(p) <= 4294967295) ? "large" : null;
  return null;
}
