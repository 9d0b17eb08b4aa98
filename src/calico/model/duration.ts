/**
 * Durations in Go's `time.ParseDuration` syntax, which Kubernetes `metav1.Duration` fields
 * (BGPPeer maxRestartTime, keepaliveTime, BGPConfiguration nodeMeshMaxRestartTime) use:
 * a sequence of decimal numbers with units ns, us/µs, ms, s, m, h, e.g. "120s", "1m30s", "1.5h".
 */

const UNIT_SECONDS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  μs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

/** Seconds of a Go duration text; null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  let s = text.trim();
  if (s === "") return null;
  let sign = 1;
  if (s[0] === "-" || s[0] === "+") {
    if (s[0] === "-") sign = -1;
    s = s.slice(1);
  }
  if (s === "0") return 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  let total = 0;
  let seen = false;
  while (s.length > 0) {
    const m = part.exec(s);
    if (!m) return null;
    total += Number(m[1]) * UNIT_SECONDS[m[2]];
    s = s.slice(m[0].length);
    seen = true;
  }
  return seen ? sign * total : null;
}
