/**
 * Reads one YAML (or JSON) file into documents, keeping the `yaml` package's source ranges so
 * that any field path can be turned into a line number. Multi-document files and calicoctl's
 * `kind: List` / `kind: <Kind>List` exports are expanded into one entry per resource; null
 * values are dropped (Kubernetes reads `field: null` as unset).
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from "yaml";
import type { ConfigMessage } from "./messages.js";

export interface RawDocument {
  readonly file: string;
  readonly value: unknown;
  /** 1-based line of the resource (its first key). */
  readonly line: number;
  /** 1-based line of a field below this resource; the nearest existing ancestor if absent. */
  lineOf(path: readonly (string | number | symbol)[]): number;
}

export interface ParsedFile {
  readonly documents: RawDocument[];
  readonly errors: ConfigMessage[];
}

function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(v)) if (val !== null) out[k] = stripNulls(val);
    return out;
  }
  return v;
}

export function parseYamlFile(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const line = (offset: number) => lineCounter.linePos(offset).line;
  const out: RawDocument[] = [];
  const errors: ConfigMessage[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors) {
        errors.push({
          file,
          line: line(e.pos[0]),
          message: `YAML syntax error: ${e.message.split("\n")[0]}`,
        });
      }
      continue;
    }
    const root = doc.contents as Node | null;
    if (root === null) continue; // empty document (e.g. a trailing "---")
    const value = stripNulls(doc.toJS({ maxAliasCount: 1000 }));
    if (value === null || value === undefined) continue; // only comments, or a trailing "---"
    const makeDoc = (node: Node, v: unknown): RawDocument => ({
      file,
      value: v,
      line: line(node.range?.[0] ?? 0),
      lineOf: (path) =>
        line(
          locate(
            node,
            path.map((p) => (typeof p === "symbol" ? String(p) : p)),
          ) ??
            node.range?.[0] ??
            0,
        ),
    });
    const kind = (value as { kind?: unknown } | null)?.kind;
    const items = (value as { items?: unknown } | null)?.items;
    if (typeof kind === "string" && /List$/.test(kind) && Array.isArray(items) && isMap(root)) {
      const seq = root.get("items", true);
      items.forEach((item, i) => {
        const itemNode = isSeq(seq) ? (seq.items[i] as Node | undefined) : undefined;
        out.push(makeDoc(itemNode ?? root, item));
      });
      continue;
    }
    out.push(makeDoc(root, value));
  }
  return { documents: out, errors };
}

/** Offset of the node at `path` below `node`: a map key's own position, a sequence item's start. */
function locate(node: Node, path: readonly (string | number)[]): number | undefined {
  let current: unknown = node;
  let best = (node as Node).range?.[0];
  for (const seg of path) {
    if (isMap(current)) {
      const pair = current.items.find(
        (p) => isScalar(p.key) && String(p.key.value) === String(seg),
      );
      if (!pair) return best;
      const key = pair.key as Node;
      best = key.range?.[0] ?? best;
      current = pair.value;
    } else if (isSeq(current) && typeof seg === "number") {
      const item = current.items[seg] as Node | undefined;
      if (!item) return best;
      best = item.range?.[0] ?? best;
      current = item;
    } else {
      return best;
    }
  }
  return best;
}
