/**
 * Entering another network namespace from Node, through the wren_netns addon (wren_netns.c,
 * built by the package's install script with build.mjs). Node cannot setns(2), but a socket
 * keeps the namespace it was created in: `withNetns(path, fn)` enters the namespace on the JS
 * thread, runs the synchronous `fn` (create rtnetlink sockets, read or write /proc/sys/net) and
 * is back in the original namespace before it returns — also when `fn` throws. Nothing
 * asynchronous may run inside `fn`: a promise returned from it is refused.
 *
 * When the addon is missing (no compiler or Node headers at install time) `netnsAddon()` is
 * null and callers fall back to `nsenter --net=PATH` child processes.
 */
import { closeSync, openSync } from "node:fs";
import { WrenError } from "../errors.js";
import { addonLoader, BUILD_HINT } from "./load.js";

export interface NetnsAddon {
  setns(fd: number, nstype?: number): void;
  runInNetns<T>(fd: number, fn: () => T): T;
  readonly CLONE_NEWNET: number;
}

export type NetnsErrorCode = "NETNS_ADDON_MISSING" | "NETNS_OPEN_FAILED" | "NETNS_ENTER_FAILED";

export class NetnsError extends WrenError {
  declare readonly code: NetnsErrorCode;

  constructor(code: NetnsErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "NetnsError";
  }
}

const netnsLoader = addonLoader<NetnsAddon>("wren_netns", "WREN_NETNS_ADDON");

/** The addon, or null when it is not built (see netnsAddonError()). WREN_NETNS_ADDON overrides
 *  the path; WREN_NETNS_ADDON=none pretends it is missing (to exercise the nsenter fallback). */
export function netnsAddon(): NetnsAddon | null {
  return netnsLoader.load();
}

/** Why netnsAddon() is null ("" when it loaded). */
export function netnsAddonError(): string {
  return netnsLoader.error();
}

function isThenable(v: unknown): boolean {
  return (
    typeof v === "object" && v !== null && typeof (v as { then?: unknown }).then === "function"
  );
}

/**
 * Runs `fn` with the JS thread inside the network namespace at `path` (/var/run/netns/NAME,
 * /proc/PID/ns/net, ...). Sockets created inside stay in that namespace afterwards.
 */
export function withNetns<T>(path: string, fn: () => T): T {
  const addon = netnsAddon();
  if (!addon) {
    throw new NetnsError(
      "NETNS_ADDON_MISSING",
      `entering network namespace ${path} needs wren's netns addon, which is not available (${netnsLoader.error()}); ${BUILD_HINT}`,
    );
  }
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    throw new NetnsError(
      "NETNS_OPEN_FAILED",
      `cannot open network namespace ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  try {
    let result: T;
    try {
      result = addon.runInNetns(fd, fn);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "EINVAL" && /setns/.test((err as Error).message)) {
        throw new NetnsError("NETNS_ENTER_FAILED", `${path} is not a network namespace`, {
          cause: err,
        });
      }
      if (code === "EPERM" && /setns/.test((err as Error).message)) {
        throw new NetnsError(
          "NETNS_ENTER_FAILED",
          `entering network namespace ${path} is not permitted (CAP_SYS_ADMIN needed)`,
          { cause: err },
        );
      }
      throw err;
    }
    if (isThenable(result)) {
      throw new NetnsError(
        "NETNS_ENTER_FAILED",
        "withNetns: the callback must be synchronous (it returned a promise, which would run outside the namespace)",
      );
    }
    return result;
  } finally {
    closeSync(fd);
  }
}
