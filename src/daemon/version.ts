/** wren's version, from package.json (two levels up from both src/daemon and dist/daemon). */
import { readFileSync } from "node:fs";

let cached: string | null = null;

export function wrenVersion(): string {
  if (cached === null) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
      cached = String(pkg.version);
    } catch {
      cached = "unknown";
    }
  }
  return cached;
}
