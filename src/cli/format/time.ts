/**
 * Times as operators read them: BIRD's `since` column (HH:MM:SS when today, else YYYY-MM-DD,
 * local time) and durations like `1d2h3m`, `4m05s`.
 */

const two = (n: number) => String(n).padStart(2, "0");

/** BIRD-style `since`: local HH:MM:SS if the same local day as `now`, else YYYY-MM-DD. */
export function formatSince(iso: string, now: Date = new Date()): string {
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso || "-";
  const sameDay =
    t.getFullYear() === now.getFullYear() &&
    t.getMonth() === now.getMonth() &&
    t.getDate() === now.getDate();
  if (sameDay) return `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`;
  return `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())}`;
}

/** Duration in seconds as `45s`, `4m05s`, `3h07m`, `2d03h`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "-";
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${two(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d${two(Math.floor((s % 86400) / 3600))}h`;
}
