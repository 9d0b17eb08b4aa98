/**
 * The file operations the directory IPAM is built on, safe for several processes sharing one
 * directory: "create if absent" (written completely under a private name in `ipam/tmp/`, then
 * hard-linked to its final name, which fails with EEXIST when someone else got there first, so
 * readers never see half a file and exactly one creator wins), "replace" (rename over the old
 * file), tolerant reads (a missing or unparsable file reads as null) and idempotent removal.
 */
import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

export const TMP_DIR = "ipam/tmp";

export function isExists(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "EEXIST";
}

export function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === "ENOENT";
}

async function scratchFile(root: string, content: string): Promise<string> {
  await mkdir(join(root, TMP_DIR), { recursive: true });
  const tmp = join(root, TMP_DIR, `${process.pid}-${randomBytes(6).toString("hex")}`);
  await writeFile(tmp, content, { flag: "wx" });
  return tmp;
}

/** Creates `final` with `content` unless it exists; true when this call created it. */
export async function createExclusive(
  root: string,
  final: string,
  content: string,
): Promise<boolean> {
  await mkdir(dirname(final), { recursive: true });
  const tmp = await scratchFile(root, content);
  try {
    await link(tmp, final);
    return true;
  } catch (err) {
    if (isExists(err)) return false;
    throw err;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** Writes `final` atomically, replacing what is there. */
export async function replaceAtomic(root: string, final: string, content: string): Promise<void> {
  await mkdir(dirname(final), { recursive: true });
  const tmp = await scratchFile(root, content);
  try {
    await rename(tmp, final);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}

/** The parsed JSON of `file`; null when it does not exist or is not JSON. */
export async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch (err) {
    if (isMissing(err) || err instanceof SyntaxError) return null;
    throw err;
  }
}

/** Removes `file`; true when it existed. */
export async function removeFile(file: string): Promise<boolean> {
  try {
    await unlink(file);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}
