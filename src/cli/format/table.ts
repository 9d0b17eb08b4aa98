/**
 * Plain-text tables. `boxTable` draws the `+---+` / `| x |` grid calicoctl prints (headers
 * upper-case and centred, cells left-aligned), `columns` the space-aligned layout birdc and FRR
 * use. Widths count code points, so non-ASCII text does not shift columns.
 */

function width(s: string): number {
  return [...s].length;
}

function padEnd(s: string, n: number): string {
  return s + " ".repeat(Math.max(0, n - width(s)));
}

function center(s: string, n: number): string {
  const total = Math.max(0, n - width(s));
  const left = Math.floor(total / 2);
  return " ".repeat(left) + s + " ".repeat(total - left);
}

export function boxTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const upper = headers.map((h) => h.toUpperCase());
  const widths = upper.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const rule = `+${widths.map((w) => "-".repeat(w + 2)).join("+")}+`;
  const line = (cells: readonly string[], align: (s: string, n: number) => string) =>
    `| ${cells.map((c, i) => align(c, widths[i])).join(" | ")} |`;
  return [
    rule,
    line(upper, center),
    rule,
    ...rows.map((r) =>
      line(
        widths.map((_, i) => r[i] ?? ""),
        padEnd,
      ),
    ),
    rule,
  ].join("\n");
}

/** Space-separated columns; the last column is not padded. */
export function columns(rows: readonly (readonly string[])[], gap = 2): string {
  if (rows.length === 0) return "";
  const n = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: n }, (_, i) =>
    Math.max(...rows.map((r) => width(r[i] ?? ""))),
  );
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : padEnd(c, widths[i] + gap)))
        .join("")
        .trimEnd(),
    )
    .join("\n");
}

/** Parses a `boxTable` back into header names (upper-case, trimmed) and rows. */
export function parseBoxTable(text: string): { headers: string[]; rows: string[][] } {
  const lines = text.split("\n").filter((l) => l.startsWith("|"));
  const cells = (l: string) =>
    l
      .slice(1, l.lastIndexOf("|"))
      .split("|")
      .map((c) => c.trim());
  const [head, ...rest] = lines;
  return { headers: head ? cells(head) : [], rows: rest.map(cells) };
}
