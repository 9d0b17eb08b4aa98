// Shared helpers for the calico unit tests: load in-memory YAML files as a datastore and format
// the messages the way the CLI prints them (with a "config/" root).
import { loadTexts } from "../../../src/calico/datastore/load.js";
import { formatMessage } from "../../../src/calico/datastore/messages.js";

export function load(files: Record<string, string>) {
  const r = loadTexts(new Map(Object.entries(files)));
  return {
    ...r,
    errorLines: r.errors.map((e) => formatMessage(e, "config")),
    warningLines: r.warnings.map((w) => formatMessage(w, "config")),
  };
}

/** YAML with a leading newline and common indentation removed (for readable fixtures). */
export function yaml(text: string): string {
  const lines = text.replace(/^\n/, "").split("\n");
  const indent = Math.min(
    ...lines.filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)![0].length),
  );
  return lines.map((l) => l.slice(indent)).join("\n");
}
