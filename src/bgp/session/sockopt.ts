/**
 * Loads the wren_sockopt native addon (src/common/native/wren_sockopt.c: TCP-MD5 (RFC 2385), TTL, GTSM
 * minimum TTL (RFC 5082), TOS / traffic class, unconnected sockets) built by the package's install script. When it is
 * missing, peers that need it (password, ttlSecurity) are refused with ERR_SESSION_SOCKOPT_MISSING
 * instead of running without the protection they asked for.
 */
import { addonLoader, BUILD_HINT } from "../../common/native/load.js";
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

const sockoptLoader = addonLoader<SockoptAddon>("wren_sockopt", "WREN_SOCKOPT_ADDON");

export function loadSockopt(): SockoptAddon | null {
  return sockoptLoader.load();
}

/** The addon, or an error saying which peer option needs it and how to build it. */
export function requireSockopt(what: string): SockoptAddon {
  const addon = loadSockopt();
  if (addon) return addon;
  throw new SessionError(
    "ERR_SESSION_SOCKOPT_MISSING",
    `${what} needs wren's socket-option addon, which is not available (${sockoptLoader.error()}); ${BUILD_HINT} (gcc and Node headers required)`,
  );
}
