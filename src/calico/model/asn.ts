/**
 * BGP AS numbers as Calico's `numorstring.ASNumber` reads them: a plain integer (YAML number or
 * decimal string) in 0..4294967295, or RFC 5396 "asdot" text `high.low` (each part 0..65535).
 */

export const AS_MAX = 4294967295;

/** Parses a YAML value as an AS number; null when it is not one. */
export function parseAsNumber(value: unknown): number | null {
  if (typeof value === "number") {
    return Number.isInteger(value) && value >= 0 && value <= AS_MAX ? value : null;
  }
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (/^\d{1,10}$/.test(text)) {
    const n = Number(text);
    return n <= AS_MAX ? n : null;
  }
  const dot = /^(\d{1,5})\.(\d{1,5})$/.exec(text);
  if (dot) {
    const high = Number(dot[1]);
    const low = Number(dot[2]);
    if (high > 65535 || low > 65535) return null;
    return high * 65536 + low;
  }
  return null;
}

/** asplain text (what BIRD, FRR and calicoctl print by default). */
export function formatAsNumber(asn: number): string {
  return String(asn);
}
