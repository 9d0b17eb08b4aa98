/**
 * Loads the wren_sockopt native addon (src/common/native/wren_sockopt.c: TCP-MD5 (RFC 2385), TTL, GTSM
 * minimum TTL (RFC 5082), TOS / traffic class, unconnected sockets) built by the package's install script. When it is
 * missing, peers that need it (password, ttlSecurity) are refused with ERR_SESSION_SOCKOPT_MISSING
 * instead of running without the protection they asked for.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { SessionError } from "./errors.js";

export interface SockoptAddon {
  tcpSocket(family: 4 | 6): number;
  setMd5Key(fd: number, address: string, key: string): void;
  setTtl(fd: number, ttl: number): void;
  setMinTtl(fd: number, ttl: number): void;
  /** Older builds of the addon lack it. */
  setTos?(fd: number, tos: number): void;
}

/** RFC 4271 does not say; BIRD and FRR send BGP as internetwork control (DSCP CS6). */
export const BGP_TOS = 0xc0;

const CANDIDATES = [
  // src/bgp/session/sockopt.ts (tests) and dist/bgp/session/sockopt.js (built)
  "../../common/native/build/Release/wren_sockopt.node",
  "../../../src/common/native/build/Release/wren_sockopt.node",
];

let loaded: SockoptAddon | null | undefined;
let loadError = "";

export function loadSockopt(): SockoptAddon | null {
  if (loaded !== undefined) return loaded;
  const require = createRequire(import.meta.url);
  const paths = process.env.WREN_SOCKOPT_ADDON
    ? [process.env.WREN_SOCKOPT_ADDON]
    : CANDIDATES.map((c) => fileURLToPath(new URL(c, import.meta.url)));
  for (const p of paths) {
    if (!existsSync(p)) continue;
    try {
      loaded = require(p) as SockoptAddon;
      return loaded;
    } catch (err) {
      loadError = `${p}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  loadError ||= `not built (looked for ${paths.join(", ")})`;
  loaded = null;
  return null;
}

/** The addon, or an error saying which peer option needs it and how to build it. */
export function requireSockopt(what: string): SockoptAddon {
  const addon = loadSockopt();
  if (addon) return addon;
  throw new SessionError(
    "ERR_SESSION_SOCKOPT_MISSING",
    `${what} needs wren's socket-option addon, which is not available (${loadError}); build it with \`node src/common/native/build.mjs\` (gcc and Node headers required)`,
  );
}
