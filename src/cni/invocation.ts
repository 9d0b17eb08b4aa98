/**
 * The CNI invocation from the environment (CNI spec 1.0 "Parameters"): CNI_COMMAND (ADD, DEL,
 * CHECK, VERSION), CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS ("K=V;K2=V2", Kubernetes
 * runtimes pass K8S_POD_NAMESPACE / K8S_POD_NAME there) and CNI_PATH. What each command needs is
 * checked here; a missing or malformed variable is CNI error 4 naming it. DEL needs no netns
 * (the runtime may have destroyed it already).
 */
import { CniError } from "./errors.js";

export type CniCommand = "ADD" | "DEL" | "CHECK" | "VERSION";

export interface CniInvocation {
  readonly command: CniCommand;
  readonly containerId: string;
  /** Path of the container's network namespace ("" when the runtime gave none: DEL only). */
  readonly netns: string;
  readonly ifname: string;
  readonly args: Readonly<Record<string, string>>;
  readonly path: readonly string[];
}

const COMMANDS: readonly string[] = ["ADD", "DEL", "CHECK", "VERSION"];
const CONTAINER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** CNI_ARGS: "K=V;K2=V2" (empty values allowed, keys not). */
export function parseCniArgs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (text.trim() === "") return out;
  for (const pair of text.split(";")) {
    if (pair === "") continue;
    const i = pair.indexOf("=");
    if (i <= 0) {
      throw new CniError(
        "CNI_INVALID_ENVIRONMENT",
        `CNI_ARGS: "${pair}" is not KEY=VALUE (CNI_ARGS is "K=V;K2=V2")`,
      );
    }
    out[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return out;
}

/** Linux interface name rules as the spec states them. */
export function interfaceNameProblem(name: string): string | undefined {
  if (name === "") return "is empty";
  if (name === "." || name === "..") return 'may not be "." or ".."';
  if (Buffer.byteLength(name) > 15) return "is longer than 15 bytes";
  if (/[\s/:]/.test(name)) return 'contains "/", ":" or whitespace';
  return undefined;
}

export function parseInvocation(env: Readonly<Record<string, string | undefined>>): CniInvocation {
  const command = env.CNI_COMMAND;
  if (!command) {
    throw new CniError(
      "CNI_INVALID_ENVIRONMENT",
      "CNI_COMMAND is not set (this is a CNI plugin: the runtime sets CNI_COMMAND=ADD|DEL|CHECK|VERSION and streams the network config on stdin; see wren cni --help)",
    );
  }
  if (!COMMANDS.includes(command)) {
    throw new CniError(
      "CNI_INVALID_ENVIRONMENT",
      `CNI_COMMAND "${command}" is not supported (ADD, DEL, CHECK, VERSION)`,
    );
  }
  const path = (env.CNI_PATH ?? "").split(":").filter(Boolean);
  if (command === "VERSION") {
    return { command, containerId: "", netns: "", ifname: "", args: {}, path };
  }
  const containerId = env.CNI_CONTAINERID ?? "";
  if (!CONTAINER_ID.test(containerId)) {
    throw new CniError(
      "CNI_INVALID_ENVIRONMENT",
      containerId === ""
        ? "CNI_CONTAINERID is not set"
        : `CNI_CONTAINERID "${containerId}" must start with a letter or digit, then letters, digits, "_", ".", "-"`,
    );
  }
  const netns = env.CNI_NETNS ?? "";
  if (netns === "" && command !== "DEL") {
    throw new CniError("CNI_INVALID_ENVIRONMENT", `CNI_NETNS is not set (${command} needs it)`);
  }
  const ifname = env.CNI_IFNAME ?? "";
  const problem = interfaceNameProblem(ifname);
  if (problem) {
    throw new CniError(
      "CNI_INVALID_ENVIRONMENT",
      ifname === "" ? "CNI_IFNAME is not set" : `CNI_IFNAME "${ifname}" ${problem}`,
    );
  }
  return {
    command: command as CniCommand,
    containerId,
    netns,
    ifname,
    args: parseCniArgs(env.CNI_ARGS ?? ""),
    path,
  };
}
