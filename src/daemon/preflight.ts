/**
 * Start-up checks that turn the usual first-run mistakes into one line saying what is wrong and
 * how to fix it: a missing datastore directory, missing privileges, a BGP port another daemon
 * holds. They run before wren touches the kernel or opens sessions.
 */
import { readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { errorMessage } from "../common/errors.js";
import { DaemonError, systemErrorCode } from "./errors.js";

export function checkDatastore(dir: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    throw new DaemonError(
      "DAEMON_DATASTORE_MISSING",
      `datastore directory ${resolve(dir)} does not exist (${systemErrorCode(err) ?? errorMessage(err)}); pass --datastore DIR with your Calico YAML files, or create it`,
      { cause: err },
    );
  }
  if (!isDir) {
    throw new DaemonError(
      "DAEMON_DATASTORE_MISSING",
      `datastore ${resolve(dir)} is a file, not a directory; pass --datastore DIR (the directory holding the YAML files)`,
    );
  }
}

export const CAP_NET_BIND_SERVICE = 10;
export const CAP_NET_ADMIN = 12;

/** Effective capability set of this process (Linux /proc/self/status `CapEff`); null if unknown. */
export function effectiveCapabilities(statusText?: string): bigint | null {
  let text = statusText;
  if (text === undefined) {
    try {
      text = readFileSync("/proc/self/status", "utf8");
    } catch {
      return null;
    }
  }
  const m = /^CapEff:\s*([0-9a-fA-F]+)\s*$/m.exec(text);
  return m ? BigInt(`0x${m[1]}`) : null;
}

export function hasCapability(caps: bigint, bit: number): boolean {
  return ((caps >> BigInt(bit)) & 1n) === 1n;
}

/** wren programs routes (CAP_NET_ADMIN) and usually listens on port 179 (CAP_NET_BIND_SERVICE). */
export function checkPrivileges(listenPort: number, caps = effectiveCapabilities()): void {
  if (caps === null) return; // not Linux /proc: let the engines report what fails
  const missing: string[] = [];
  if (!hasCapability(caps, CAP_NET_ADMIN)) missing.push("CAP_NET_ADMIN");
  if (listenPort > 0 && listenPort < 1024 && !hasCapability(caps, CAP_NET_BIND_SERVICE)) {
    missing.push("CAP_NET_BIND_SERVICE");
  }
  if (missing.length === 0) return;
  throw new DaemonError(
    "DAEMON_NOT_PRIVILEGED",
    `wren needs ${missing.join(" and ")} to program kernel routes${missing.includes("CAP_NET_BIND_SERVICE") ? ` and listen on port ${listenPort}` : ""}; run it as root (sudo wren run ...) or grant the capabilities (setcap cap_net_admin,cap_net_bind_service+ep "$(command -v node)")`,
  );
}

function tryListen(host: string, port: number): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolvePromise()));
  });
}

/** Binds the BGP listen address briefly to report a taken port before anything else starts. */
export async function checkBgpPort(address: string | null, port: number): Promise<void> {
  if (port === 0) return;
  const hosts = address ? [address] : ["::", "0.0.0.0"];
  for (let i = 0; i < hosts.length; i++) {
    try {
      await tryListen(hosts[i], port);
      return;
    } catch (err) {
      const code = systemErrorCode(err);
      const where = `${hosts[i].includes(":") ? `[${hosts[i]}]` : hosts[i]}:${port}`;
      if (code === "EADDRINUSE") {
        throw new DaemonError(
          "DAEMON_BGP_PORT_IN_USE",
          `BGP port ${where} is already in use (another BGP daemon such as bird, bgpd or gobgpd in this network namespace?); stop it or set BGPConfiguration spec.listenPort`,
          { cause: err },
        );
      }
      if (code === "EACCES") {
        throw new DaemonError(
          "DAEMON_NOT_PRIVILEGED",
          `not allowed to listen on BGP port ${where}; run wren as root or grant CAP_NET_BIND_SERVICE`,
          { cause: err },
        );
      }
      // "::" without IPv6 in this namespace: try the IPv4 wildcard next.
      const ipv6Missing = code === "EAFNOSUPPORT" || code === "EADDRNOTAVAIL";
      if (address === null && i < hosts.length - 1 && ipv6Missing) continue;
      if (code === "EADDRNOTAVAIL") {
        throw new DaemonError(
          "DAEMON_BGP_PORT_IN_USE",
          `BGP listen address ${where} is not an address of this network namespace; fix BGPConfiguration spec.bindMode or the Node address`,
          { cause: err },
        );
      }
      throw err;
    }
  }
}
