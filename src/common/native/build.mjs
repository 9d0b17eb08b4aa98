#!/usr/bin/env node
// Builds the wren_netns addon (setns for the calling thread, used by the CNI plugin to open
// rtnetlink sockets inside a container's network namespace) with node-gyp. Run by the package's
// `install` script, so `npm ci` builds it. Uses npm's bundled node-gyp (npm exports its path in
// npm_config_node_gyp) and the machine's Node headers when they are installed next to the node
// binary (no download). A failed build does not fail the install: the CNI plugin then configures
// the container side through `nsenter --net=<netns>` (slower, one more process per ADD/CHECK).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = ["rebuild", "--directory", here];
const headers = resolve(process.execPath, "../../include/node");
if (existsSync(join(headers, "node_api.h"))) args.push(`--nodedir=${resolve(headers, "../..")}`);

function nodeGyp() {
  if (process.env.npm_config_node_gyp) return process.env.npm_config_node_gyp;
  for (const prefix of ["../../lib/node_modules", "../../lib/node", "../node_modules"]) {
    const p = resolve(process.execPath, prefix, "npm/node_modules/node-gyp/bin/node-gyp.js");
    if (existsSync(p)) return p;
  }
  return null;
}

const gyp = nodeGyp();
const [cmd, argv] = gyp ? [process.execPath, [gyp, ...args]] : ["node-gyp", args];
const r = spawnSync(cmd, argv, { stdio: ["ignore", "inherit", "inherit"] });
if (r.status !== 0) {
  console.warn(
    `[wren] building the network-namespace addon failed (${r.error?.message ?? `exit ${r.status}`}); ` +
      "the CNI plugin will use nsenter for the container side until it builds " +
      "(node src/common/native/build.mjs)",
  );
}
