/**
 * Secret (Kubernetes v1): holds BGP passwords referenced by `secretKeyRef`. `data` values are
 * base64 (as `kubectl get secret -o yaml` exports them), `stringData` values plain text; a key
 * in stringData wins over the same key in data (Kubernetes semantics).
 */
import { z } from "zod";
import { converted, ignored, show } from "../fields.js";

const base64Map = converted<Readonly<Record<string, string>>>((v) => {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    return { ok: false, message: `${show(v)} is not a map of base64 values` };
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== "string" || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(val)) {
      return { ok: false, message: `key ${k}: ${show(val)} is not base64` };
    }
    out[k] = Buffer.from(val, "base64").toString("utf8");
  }
  return { ok: true, value: out };
});

const stringMap = converted<Readonly<Record<string, string>>>((v) => {
  if (v === null || typeof v !== "object" || Array.isArray(v)) {
    return { ok: false, message: `${show(v)} is not a map of strings` };
  }
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val === "string") out[k] = val;
    else if (typeof val === "number" || typeof val === "boolean") out[k] = String(val);
    else return { ok: false, message: `key ${k}: ${show(val)} is not a string` };
  }
  return { ok: true, value: out };
});

/** The Secret body (everything but apiVersion/kind/metadata). */
export const secretBody = z.strictObject({
  data: base64Map.optional(),
  stringData: stringMap.optional(),
  type: ignored.optional(),
  immutable: ignored.optional(),
});
