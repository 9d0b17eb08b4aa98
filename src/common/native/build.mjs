#!/usr/bin/env node
// Builds wren's three small N-API addons with node-gyp (binding.gyp here):
//   wren_sockopt  TCP-MD5 (RFC 2385), TTL, GTSM minimum TTL (RFC 5082), DSCP for BGP sockets
//   wren_netns    setns(2) for the calling thread, so the CNI plugin can open rtnetlink sockets
//                 inside a container's network namespace
//   wren_memory   malloc_trim(3): freed heap memory back to the kernel after a large table load
// Run by the package's `install` script, so `npm ci` builds them. Uses npm's bundled node-gyp
// (npm exports its path in npm_config_node_gyp) and the machine's Node headers when they are
// installed next to the node binary (no download). A failed build does not fail the install:
// BGP peers that need socket options (password, ttlSecurity, multihop) are then refused with a
// clear error, and the CNI plugin configures the container side through `nsenter --net=<netns>`.
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
    `[wren] building the native addons failed (${r.error?.message ?? `exit ${r.status}`}); ` +
      "BGP peers with password, ttlSecurity or multihop are refused and the CNI plugin uses " +
      "nsenter until they build (node src/common/native/build.mjs); freed memory is not trimmed",
  );
}
