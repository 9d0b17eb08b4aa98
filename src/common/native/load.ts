/**
 * Finds and loads one of wren's native addons (built into src/common/native/build/Release by
 * build.mjs at `npm ci`), from the sources (tests) or from dist/ (built). A missing or broken
 * addon is not an error here: `load()` returns null and `error()` says why, so each caller can
 * refuse only the features that need it, with a message saying how to build it.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

export interface AddonLoader<T> {
  /** The addon, or null when it is not available. Loaded once. */
  load(): T | null;
  /** Why load() returned null ("" when it loaded). */
  error(): string;
}

export const BUILD_HINT = "build it with `node src/common/native/build.mjs`";

/**
 * `name` is the addon's target name (wren_sockopt, wren_netns, wren_memory). The environment variable
 * `envOverride` may name another path, or `none` to pretend the addon is missing (tests of the
 * fallbacks).
 */
export function addonLoader<T>(name: string, envOverride: string): AddonLoader<T> {
  let loaded: T | null | undefined;
  let loadError = "";
  const load = (): T | null => {
    if (loaded !== undefined) return loaded;
    const override = process.env[envOverride];
    loaded = null;
    if (override === "none") {
      loadError = `disabled by ${envOverride}=none`;
      return null;
    }
    // src/common/native/load.ts (tests) and dist/common/native/load.js (built)
    const paths = override
      ? [override]
      : [
          `./build/Release/${name}.node`,
          `../../../src/common/native/build/Release/${name}.node`,
        ].map((c) => fileURLToPath(new URL(c, import.meta.url)));
    const require = createRequire(import.meta.url);
    for (const p of paths) {
      if (!existsSync(p)) continue;
      try {
        loaded = require(p) as T;
        return loaded;
      } catch (err) {
        loadError = `${p}: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    loadError ||= `not built (looked for ${paths.join(", ")})`;
    return null;
  };
  return {
    load,
    error: () => {
      load();
      return loadError;
    },
  };
}
