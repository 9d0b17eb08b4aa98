#!/usr/bin/env node
// Makes a fresh clone runnable with nothing but Node, npm and apt: installs npm packages when
// node_modules is missing or older than the lockfile (`npm ci`), installs the Debian packages the
// tests/labs use when running as root and they are missing, and compiles TypeScript to dist/ when
// any source is newer than the last build, and rebuilds the native addons (src/common/native) when
// one is missing or older than its C source (a checkout that pulled a new addon). Used by `pretest`, `prelab` and `prebench`.
// Only Node built-ins here: this runs before node_modules exists.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
function run(cmd, argv) {
  try {
    execFileSync(cmd, argv, { cwd: root, stdio: "inherit" });
  } catch (err) {
    console.error(
      `[ensure-ready] ${cmd} ${argv.join(" ")} failed (exit ${err.status ?? err.code})`,
    );
    process.exit(1);
  }
}

function ensureNpm() {
  // npm writes node_modules/.package-lock.json on every install; it being older than the
  // lockfile (or missing) means the installed tree is stale.
  const lock = statSync(join(root, "package-lock.json")).mtimeMs;
  const installed = join(root, "node_modules", ".package-lock.json");
  if (existsSync(installed) && statSync(installed).mtimeMs >= lock) return;
  console.error("[ensure-ready] installing npm packages (npm ci)");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
}

function ensureDebs() {
  if (process.env.WREN_SKIP_APT === "1") return;
  run("bash", [join(root, "scripts", "install-debs.sh")]);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    const t = entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

function ensureBuild() {
  const stamp = join(root, "dist", ".build-stamp");
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  const inputs = Math.max(
    newestMtime(join(root, "src")),
    statSync(join(root, "tsconfig.json")).mtimeMs,
    statSync(join(root, "tsconfig.build.json")).mtimeMs,
  );
  if (built > inputs) return;
  console.error("[ensure-ready] compiling TypeScript to dist/");
  run(join(root, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.build.json"]);
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

function ensureAddons() {
  const dir = join(root, "src", "common", "native");
  const gyp = readFileSync(join(dir, "binding.gyp"), "utf8");
  const stale = [...gyp.matchAll(/"target_name":\s*"([^"]+)"/g)].some(([, name]) => {
    const built = join(dir, "build", "Release", `${name}.node`);
    return !existsSync(built) || statSync(built).mtimeMs < statSync(join(dir, `${name}.c`)).mtimeMs;
  });
  if (!stale) return;
  console.error("[ensure-ready] building the native addons");
  // build.mjs warns and exits 0 when it cannot build: the features that need an addon say so.
  run(process.execPath, [join(dir, "build.mjs")]);
}

ensureNpm();
ensureDebs();
ensureAddons();
ensureBuild();
