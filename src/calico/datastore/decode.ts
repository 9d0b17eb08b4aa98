/**
 * Turns one raw YAML document into a validated resource, or into messages. Structure and values
 * are checked with the zod schemas of model/schemas; every problem becomes a message naming
 * file, line, kind/name and field. Unknown fields and kinds are warnings (the rest of the
 * document still loads); invalid values are errors (the document does not load).
 */
import { z } from "zod";
import { show } from "../model/fields.js";
import { IGNORED_FIELDS } from "../model/ignored-fields.js";
import {
  CALICO_API_VERSIONS,
  isCalicoKind,
  KIND_ALIASES,
  NAMESPACED_KINDS,
  SPEC_SCHEMAS,
  UNUSED_KINDS,
} from "../model/kinds.js";
import { metadata } from "../model/schemas/metadata.js";
import { secretBody } from "../model/schemas/secret.js";
import type { CalicoResource } from "../model/types.js";
import { type ConfigMessage, fieldPath } from "./messages.js";
import type { RawDocument } from "./yaml-source.js";

export interface Decoded {
  readonly resource: CalicoResource | null;
  readonly errors: ConfigMessage[];
  readonly warnings: ConfigMessage[];
}

type Path = readonly (string | number | symbol)[];

function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[seg as string | number];
  }
  return v;
}

function typeName(v: unknown): string {
  if (v === undefined) return "nothing";
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "a map";
  return show(v);
}

/** A zod issue as text, using the raw value for context. */
function describeIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const value = valueAt(raw, issue.path);
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined) return "is required";
      return `expected ${issue.expected === "array" ? "a list" : issue.expected === "object" ? "a map" : `a ${issue.expected}`}, got ${typeName(value)}`;
    case "too_small":
    case "too_big":
      if (Array.isArray(value)) {
        return `expected ${issue.code === "too_small" ? "at least" : "at most"} ${String(issue.code === "too_small" ? issue.minimum : issue.maximum)} entries, got ${value.length}`;
      }
      return issue.message;
    default:
      return issue.message;
  }
}

/** Deletes the keys of unrecognized_keys issues from a deep copy of `raw`. */
function withoutKeys(raw: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  const copy = structuredClone(raw);
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    const parent = valueAt(copy, issue.path) as Record<string, unknown> | undefined;
    if (parent && typeof parent === "object") for (const k of issue.keys) delete parent[k];
  }
  return copy;
}

/** Paths with "*" wildcards present in `root`. */
function expandPaths(
  root: unknown,
  pattern: readonly string[],
  prefix: (string | number)[] = [],
): (string | number)[][] {
  if (pattern.length === 0) return [prefix];
  const [head, ...rest] = pattern;
  const here = valueAt(root, prefix);
  if (here === null || typeof here !== "object") return [];
  if (head === "*") {
    const keys = Array.isArray(here) ? here.map((_, i) => i) : Object.keys(here);
    return keys.flatMap((k) => expandPaths(root, rest, [...prefix, k]));
  }
  if (!Object.hasOwn(here, head)) return [];
  return expandPaths(root, rest, [...prefix, head]);
}

const envelopes = new Map<string, z.ZodType>();

/** The whole-document schema of a kind: apiVersion, kind, metadata and the body. */
function envelopeFor(kind: string): z.ZodType {
  let e = envelopes.get(kind);
  if (!e) {
    const body =
      kind === "Secret"
        ? secretBody.shape
        : {
            spec: SPEC_SCHEMAS[kind as keyof typeof SPEC_SCHEMAS].default({}),
            status: z.unknown().optional(),
          };
    e = z.strictObject({
      apiVersion: z.unknown().optional(),
      kind: z.string(),
      metadata,
      ...body,
    });
    envelopes.set(kind, e);
  }
  return e;
}

export function decodeDocument(doc: RawDocument): Decoded {
  const errors: ConfigMessage[] = [];
  const warnings: ConfigMessage[] = [];
  const raw = doc.value;
  const at = (path: Path) => ({ file: doc.file, line: doc.lineOf(path) });

  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    errors.push({
      file: doc.file,
      line: doc.line,
      message: `a resource must be a map, got ${typeName(raw)}`,
    });
    return { resource: null, errors, warnings };
  }
  const obj = raw as Record<string, unknown>;
  const kind =
    typeof obj.kind === "string" && Object.hasOwn(KIND_ALIASES, obj.kind)
      ? KIND_ALIASES[obj.kind]
      : obj.kind;
  const name = (obj.metadata as { name?: unknown } | undefined)?.name;
  const namespaceRaw = (obj.metadata as { namespace?: unknown } | undefined)?.namespace;
  const namespace = NAMESPACED_KINDS.has(String(kind))
    ? `${typeof namespaceRaw === "string" ? namespaceRaw : "default"}/`
    : "";
  const label = `${typeof kind === "string" ? kind : "resource"}${typeof name === "string" ? ` ${namespace}${name}` : ""}`;
  const msg = (path: Path, message: string): ConfigMessage => ({
    ...at(path),
    resource: label,
    ...(path.length > 0 ? { field: fieldPath(path) } : {}),
    message,
  });

  if (typeof kind !== "string" || kind === "") {
    errors.push(msg(["kind"], "kind is missing"));
    return { resource: null, errors, warnings };
  }
  if (!isCalicoKind(kind) && kind !== "Secret") {
    warnings.push(
      msg(
        [],
        UNUSED_KINDS.has(kind)
          ? `kind ${kind} is not used by wren: ignored`
          : `unknown kind ${JSON.stringify(kind)}: ignored`,
      ),
    );
    return { resource: null, errors, warnings };
  }

  const apiVersions: readonly string[] = kind === "Secret" ? ["v1"] : CALICO_API_VERSIONS;
  const envelope = envelopeFor(kind);
  if (!apiVersions.includes(obj.apiVersion as string)) {
    errors.push(
      msg(
        ["apiVersion"],
        obj.apiVersion === undefined
          ? `is required (${apiVersions.join(" or ")})`
          : `${show(obj.apiVersion)} is not ${apiVersions.join(" or ")}`,
      ),
    );
  }

  let result = envelope.safeParse(raw);
  if (!result.success) {
    const unknown = result.error.issues.filter((i) => i.code === "unrecognized_keys");
    for (const issue of unknown) {
      if (issue.code !== "unrecognized_keys") continue;
      for (const k of issue.keys) warnings.push(msg([...issue.path, k], "unknown field: ignored"));
    }
    if (unknown.length > 0) result = envelope.safeParse(withoutKeys(raw, unknown));
  }
  if (!result.success) {
    for (const issue of result.error.issues) {
      errors.push(msg(issue.path, describeIssue(issue, raw)));
    }
  }
  if (errors.length > 0 || !result.success) return { resource: null, errors, warnings };

  for (const f of IGNORED_FIELDS) {
    if (f.kind !== kind) continue;
    for (const p of expandPaths(raw, f.path)) {
      const v = valueAt(raw, p);
      if (f.when && !f.when(v)) continue;
      warnings.push(msg(p, `accepted but ignored: ${f.reason}`));
    }
  }

  const data = result.data as Record<string, unknown> & {
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  };
  const namespaced = NAMESPACED_KINDS.has(kind);
  const base = {
    kind,
    name: data.metadata.name,
    ...(namespaced ? { namespace: data.metadata.namespace ?? "default" } : {}),
    labels: data.metadata.labels ?? {},
    source: { file: doc.file, line: doc.line },
  };
  if (kind === "Secret") {
    const d = data as { data?: Record<string, string>; stringData?: Record<string, string> };
    return {
      resource: { ...base, kind, namespace: base.namespace!, data: { ...d.data, ...d.stringData } },
      errors,
      warnings,
    };
  }
  return { resource: { ...base, spec: data.spec } as CalicoResource, errors, warnings };
}
