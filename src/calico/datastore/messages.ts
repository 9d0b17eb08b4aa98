/**
 * Configuration messages (errors and warnings) with their origin, and their one-line text:
 * `config/peers.yaml:14 BGPPeer worker1.peer-tor: spec.asNumber: "65536x" is not an AS number`.
 * The shape is the node plan's `PlanMessage` (src/common/contracts/plan.ts).
 */
import { join } from "node:path";
import type { PlanMessage } from "../../common/contracts/plan.js";

export type ConfigMessage = PlanMessage;

/** Dotted field path, array indexes in brackets: spec.prefixAdvertisements[0].cidr */
export function fieldPath(path: readonly (string | number | symbol)[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** One line for logs and the CLI; `root` is the datastore directory as the user gave it. */
export function formatMessage(m: ConfigMessage, root?: string): string {
  let where = "";
  if (m.file !== undefined) {
    where = root ? join(root, m.file) : m.file;
    if (m.line !== undefined) where += `:${m.line}`;
  }
  const parts = [where, m.resource].filter((p) => p !== undefined && p !== "");
  let head = parts.join(" ");
  if (head !== "") head += ": ";
  return `${head}${m.field ? `${m.field}: ` : ""}${m.message}`;
}
