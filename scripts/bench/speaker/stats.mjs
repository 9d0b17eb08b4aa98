// Small statistics and formatting helpers of the speaker benchmark: medians with their spread,
// and the markdown summary table printed at the end of a run (docs/benchmarks.md takes it).

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function spread(xs) {
  return xs.length === 0 ? [Number.NaN, Number.NaN] : [Math.min(...xs), Math.max(...xs)];
}

/** "1,234" for ms, one decimal below 10. */
export function fmtMs(v) {
  if (!Number.isFinite(v)) return "–";
  if (v < 10) return v.toFixed(1);
  return Math.round(v).toLocaleString("en-US");
}

/** "median (min–max)" of a list, or "–". */
export function fmtSpread(xs, fmt = fmtMs) {
  if (xs.length === 0) return "–";
  if (xs.length === 1) return fmt(xs[0]);
  const [lo, hi] = spread(xs);
  return `${fmt(median(xs))} (${fmt(lo)}–${fmt(hi)})`;
}
