/**
 * Loads a datastore directory: every `*.yaml` and `*.yml` file below it (sorted by path; JSON
 * content is fine inside them, JSON being YAML), decoded and validated into one snapshot plus the
 * messages found. Hidden files, other extensions (tool configuration such as biome.json) and
 * wren's own IPAM bookkeeping under ipam/allocations, ipam/handles and ipam/tmp are skipped.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { CalicoError } from "../errors.js";
import type { CalicoResource } from "../model/types.js";
import { decodeDocument } from "./decode.js";
import type { ConfigMessage } from "./messages.js";
import { buildSnapshot, type Snapshot } from "./snapshot.js";
import { parseYamlFile } from "./yaml-source.js";

export interface LoadResult {
  /** The resources that validated (all of them when `errors` is empty). */
  readonly snapshot: Snapshot;
  readonly errors: readonly ConfigMessage[];
  readonly warnings: readonly ConfigMessage[];
  /** Files read, relative to the root. */
  readonly files: readonly string[];
}

/** Directories (relative, "/"-separated) holding IPAM state that is not resources. */
export const IPAM_PRIVATE_DIRS = ["ipam/allocations", "ipam/handles", "ipam/tmp"] as const;

const EXTENSIONS = /\.ya?ml$/i;

export async function listDatastoreFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (dir === root) {
        throw new CalicoError(
          "CALICO_DATASTORE_READ",
          `cannot read datastore directory ${root}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      return; // removed while walking
    }
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const full = join(dir, e.name);
      const rel = relative(root, full).split(sep).join("/");
      if (e.isDirectory()) {
        if ((IPAM_PRIVATE_DIRS as readonly string[]).includes(rel)) continue;
        await walk(full);
      } else if (e.isFile() && EXTENSIONS.test(e.name)) {
        out.push(rel);
      }
    }
  }
  await walk(root);
  return out.sort();
}

/** Parses already-read files (path relative to the datastore → text) into a snapshot. */
export function loadTexts(texts: ReadonlyMap<string, string>): LoadResult {
  const errors: ConfigMessage[] = [];
  const warnings: ConfigMessage[] = [];
  const resources: CalicoResource[] = [];
  const files = [...texts.keys()].sort();
  let revisionInput = "";
  for (const file of files) {
    const text = texts.get(file)!;
    revisionInput += `${file}\0${text}\0`;
    const parsed = parseYamlFile(file, text);
    errors.push(...parsed.errors);
    for (const doc of parsed.documents) {
      const d = decodeDocument(doc);
      errors.push(...d.errors);
      warnings.push(...d.warnings);
      if (d.resource) resources.push(d.resource);
    }
  }
  const built = buildSnapshot(resources, revisionInput, warnings);
  return {
    snapshot: built.snapshot,
    errors: [...errors, ...built.errors],
    warnings: built.warnings,
    files,
  };
}

export async function readDatastoreTexts(root: string): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (const file of await listDatastoreFiles(root)) {
    try {
      texts.set(file, await readFile(join(root, file), "utf8"));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err; // removed meanwhile
    }
  }
  return texts;
}

export async function loadDirectory(root: string): Promise<LoadResult> {
  return loadTexts(await readDatastoreTexts(root));
}
