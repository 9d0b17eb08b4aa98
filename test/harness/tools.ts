/**
 * Which binaries and privileges this machine has, for `describe.skipIf(...)` in integration tests.
 * `skipReason(...)` returns undefined when everything needed is there, or a sentence naming what is
 * missing ("FRR (/usr/lib/frr/bgpd) is not installed"), meant for the test title.
 */
import { execFileSync } from "node:child_process";
import { accessSync, constants, existsSync } from "node:fs";
import { FRR_BIN_DIR } from "../../src/lab/frr.js";

export const BIRD1_DIR = process.env.WREN_BIRD1_DIR ?? "/opt/wren/bird1";

function onPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
    const p = `${dir}/${cmd}`;
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Absolute paths of the tools the harness runs (resolved once). */
export const paths = {
  frrBgpd: `${FRR_BIN_DIR}/bgpd`,
  frrZebra: `${FRR_BIN_DIR}/zebra`,
  vtysh: onPath("vtysh") ?? "/usr/bin/vtysh",
  bird2: onPath("bird") ?? "/usr/sbin/bird",
  birdc2: onPath("birdc") ?? "/usr/sbin/birdc",
  bird1: `${BIRD1_DIR}/usr/sbin/bird`,
  birdc1: `${BIRD1_DIR}/usr/sbin/birdc`,
  bird6: `${BIRD1_DIR}/usr/sbin/bird6`,
  birdc6: `${BIRD1_DIR}/usr/sbin/birdc6`,
  gobgpd: onPath("gobgpd") ?? "/usr/bin/gobgpd",
  gobgp: onPath("gobgp") ?? "/usr/bin/gobgp",
  exabgp: onPath("exabgp") ?? "/usr/sbin/exabgp",
  tcpdump: onPath("tcpdump") ?? "/usr/bin/tcpdump",
  tshark: onPath("tshark") ?? "/usr/bin/tshark",
  ip: onPath("ip") ?? "/usr/sbin/ip",
  ping: onPath("ping") ?? "/usr/bin/ping",
} as const;

export type Requirement =
  | "root"
  | "netns"
  | "frr"
  | "bird2"
  | "bird1"
  | "gobgp"
  | "exabgp"
  | "tcpdump"
  | "tshark"
  | "ping"
  | "vxlan"
  | "ipip";

let netnsCache: boolean | undefined;
function netnsWorks(): boolean {
  if (netnsCache === undefined) {
    try {
      execFileSync(paths.ip, ["netns", "list"], { stdio: "ignore" });
      netnsCache = process.getuid?.() === 0 && existsSync("/proc/self/ns/net");
    } catch {
      netnsCache = false;
    }
  }
  return netnsCache;
}

function moduleAvailable(name: string): boolean {
  if (existsSync(`/sys/module/${name}`)) return true;
  try {
    execFileSync("modprobe", ["-n", name], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Why requirement `r` is not met, or undefined when it is. */
export function missing(r: Requirement): string | undefined {
  switch (r) {
    case "root":
      return process.getuid?.() === 0 ? undefined : "not running as root";
    case "netns":
      return netnsWorks()
        ? undefined
        : "network namespaces are not usable (needs root and iproute2)";
    case "frr":
      return executable(paths.frrBgpd) && executable(paths.frrZebra) && executable(paths.vtysh)
        ? undefined
        : `FRR (${paths.frrBgpd}) is not installed`;
    case "bird2":
      return executable(paths.bird2) && executable(paths.birdc2)
        ? undefined
        : `BIRD 2 (${paths.bird2}) is not installed`;
    case "bird1":
      return executable(paths.bird1) && executable(paths.bird6)
        ? undefined
        : `BIRD 1.6 (${paths.bird1}) is not installed (scripts/install-debs.sh unpacks it)`;
    case "gobgp":
      return executable(paths.gobgpd) && executable(paths.gobgp)
        ? undefined
        : `GoBGP (${paths.gobgpd}) is not installed`;
    case "exabgp":
      return executable(paths.exabgp) ? undefined : `ExaBGP (${paths.exabgp}) is not installed`;
    case "tcpdump":
      return executable(paths.tcpdump) ? undefined : `tcpdump (${paths.tcpdump}) is not installed`;
    case "tshark":
      return executable(paths.tshark) ? undefined : `tshark (${paths.tshark}) is not installed`;
    case "ping":
      return executable(paths.ping) ? undefined : `ping (${paths.ping}) is not installed`;
    case "vxlan":
      return moduleAvailable("vxlan") ? undefined : "the kernel has no vxlan module";
    case "ipip":
      return moduleAvailable("ipip") ? undefined : "the kernel has no ipip module";
  }
}

/**
 * Undefined when every requirement is met, else one sentence listing what is missing. Root and
 * namespaces are implied for everything but "root" alone.
 */
export function skipReason(...reqs: Requirement[]): string | undefined {
  const all: Requirement[] =
    reqs.length === 1 && reqs[0] === "root" ? reqs : ["root", "netns", ...reqs];
  const why = [...new Set(all)].map(missing).filter((m): m is string => m !== undefined);
  return why.length === 0 ? undefined : why.join("; ");
}
