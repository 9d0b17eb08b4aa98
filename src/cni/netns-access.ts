/**
 * Reaching into the container's network namespace. With the wren_netns addon
 * (src/common/native) the plugin opens an rtnetlink socket inside the namespace and writes its
 * sysctls from the JS thread while it is switched over (withNetns), all in one process. Without
 * the addon each container step runs in a child, `nsenter --net=<netns> node main.js cni
 * --container-step`, that gets the request as JSON on stdin and answers JSON on stdout; the
 * child's process lives in the namespace, so its socket and /proc/sys writes land there.
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createRtNetlink } from "netlink";
import { netnsAddon, netnsAddonError, withNetns } from "../common/native/netns.js";
import {
  type ContainerRequest,
  type ContainerResponse,
  type NamespaceHandle,
  runContainerStep,
} from "./container-side.js";
import { CniError, type CniErrorCode } from "./errors.js";
import { writeSysctls } from "./sysctls.js";

export interface ContainerAccess {
  readonly mode: "addon" | "nsenter";
  run(req: ContainerRequest): Promise<ContainerResponse>;
  close(): void;
}

/** The compiled CLI the nsenter fallback runs. */
const MAIN = fileURLToPath(new URL("../cli/main.js", import.meta.url));

/** True when `path` exists (the runtime may already have destroyed the namespace on DEL). */
export function netnsExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Throws CNI error 3 when the namespace is not there or is not a network namespace. */
export function checkNetns(path: string): void {
  if (!netnsExists(path)) {
    throw new CniError("CNI_UNKNOWN_CONTAINER", `network namespace ${path} does not exist`);
  }
}

/** Opens the namespace file (for IFLA_NET_NS_FD); the caller closes the fd. */
export function openNetnsFd(path: string): number {
  try {
    return openSync(path, "r");
  } catch (err) {
    throw new CniError(
      "CNI_UNKNOWN_CONTAINER",
      `cannot open network namespace ${path}: ${(err as Error).message}`,
    );
  }
}

function addonAccess(path: string): ContainerAccess {
  let sock: ReturnType<typeof createRtNetlink>;
  try {
    sock = withNetns(path, () => createRtNetlink());
  } catch (err) {
    throw new CniError(
      "CNI_UNKNOWN_CONTAINER",
      `cannot enter network namespace ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const handle: NamespaceHandle = {
    sock,
    writeSysctls: (entries) => withNetns(path, () => writeSysctls(entries)),
  };
  return {
    mode: "addon",
    run: (req) => runContainerStep(handle, req),
    close: () => sock.socket.close(),
  };
}

function nsenterAccess(path: string): ContainerAccess {
  return {
    mode: "nsenter",
    close: () => {},
    run: (req) =>
      new Promise<ContainerResponse>((resolve, reject) => {
        const child = spawn(
          "nsenter",
          [`--net=${path}`, "--", process.execPath, MAIN, "cni", "--container-step"],
          { stdio: ["pipe", "pipe", "pipe"] },
        );
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        child.on("error", (e) =>
          reject(
            new CniError(
              "CNI_NETWORKING_FAILED",
              `running nsenter for ${path} (the netns addon is missing: ${netnsAddonError()}): ${e.message}`,
            ),
          ),
        );
        child.on("close", (code) => {
          const text = Buffer.concat(out).toString("utf8").trim();
          let parsed: {
            ok?: boolean;
            response?: ContainerResponse;
            code?: string;
            message?: string;
          };
          try {
            parsed = JSON.parse(text);
          } catch {
            reject(
              new CniError(
                "CNI_NETWORKING_FAILED",
                `container step in ${path} exited ${code}: ${Buffer.concat(err).toString("utf8").trim() || text || "no output"}`,
              ),
            );
            return;
          }
          if (parsed.ok && parsed.response) resolve(parsed.response);
          else
            reject(
              new CniError(
                (parsed.code as CniErrorCode | undefined) ?? "CNI_NETWORKING_FAILED",
                parsed.message ?? "container step failed",
              ),
            );
        });
        child.stdin.end(JSON.stringify(req));
      }),
  };
}

/** Access to the container namespace at `path`: the addon when it is built, else nsenter. */
export function openContainer(path: string): ContainerAccess {
  checkNetns(path);
  return netnsAddon() ? addonAccess(path) : nsenterAccess(path);
}

/** The `--container-step` child: runs one request in the namespace it was started in. */
export async function containerStepMain(
  input: string,
): Promise<{ text: string; exitCode: number }> {
  let sock: ReturnType<typeof createRtNetlink> | undefined;
  try {
    const req = JSON.parse(input) as ContainerRequest;
    sock = createRtNetlink();
    const response = await runContainerStep({ sock, writeSysctls }, req);
    return { text: JSON.stringify({ ok: true, response }), exitCode: 0 };
  } catch (err) {
    const code = err instanceof CniError ? err.code : "CNI_NETWORKING_FAILED";
    return {
      text: JSON.stringify({ ok: false, code, message: (err as Error).message }),
      exitCode: 1,
    };
  } finally {
    sock?.socket.close();
  }
}

export function closeFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
}
