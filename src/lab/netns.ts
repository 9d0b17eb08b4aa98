/**
 * Network-namespace plumbing for labs: named namespaces (loopback up, forwarding on, no DAD so
 * IPv6 addresses are usable at once), veth pairs created directly inside their two namespaces
 * (nothing ever appears in the root namespace, so parallel runs cannot clash on interface names),
 * Linux bridges, addresses, routes and sysctls. Stateless: recording what was made, so it can be
 * removed later, is the caller's job (see state.ts).
 */
import { existsSync } from "node:fs";
import { LabError } from "./errors.js";
import { run, runIn } from "./exec.js";

/** Linux limits interface names to 15 bytes (IFNAMSIZ 16 with the NUL). */
export const MAX_IFNAME = 15;

const NS_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const IF_NAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]*$/;

export function checkNamespaceName(name: string): void {
  if (!NS_NAME.test(name)) {
    throw new LabError(
      "LAB_NAME_INVALID",
      `invalid namespace name "${name}" (letters, digits, "_.-", at most 63 characters)`,
    );
  }
}

export function checkInterfaceName(name: string): void {
  if (name.length > MAX_IFNAME || !IF_NAME.test(name)) {
    throw new LabError(
      "LAB_NAME_INVALID",
      `invalid interface name "${name}" (at most ${MAX_IFNAME} characters: letters, digits, "_.@-")`,
    );
  }
}

export function namespaceExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}

export interface NamespaceOptions {
  /** IPv4/IPv6 forwarding (a router or a node hosting pods); default true. */
  readonly forwarding?: boolean;
}

/** Creates namespace `name` with lo up; refuses a name that already exists. */
export async function createNamespace(name: string, opts: NamespaceOptions = {}): Promise<void> {
  checkNamespaceName(name);
  if (namespaceExists(name)) {
    throw new LabError("LAB_NAMESPACE_EXISTS", `network namespace ${name} already exists`);
  }
  await run("ip", ["netns", "add", name]);
  await run("ip", ["-n", name, "link", "set", "lo", "up"]);
  const fwd = opts.forwarding === false ? "0" : "1";
  await setSysctls(name, {
    "net.ipv4.ip_forward": fwd,
    "net.ipv6.conf.all.forwarding": fwd,
    "net.ipv6.conf.default.accept_dad": "0",
    "net.ipv6.conf.all.accept_dad": "0",
  });
}

/** Deletes namespace `name` (its veths and bridges go with it). Missing is not an error. */
export async function deleteNamespace(name: string): Promise<void> {
  checkNamespaceName(name);
  if (!namespaceExists(name)) return;
  await run("ip", ["netns", "del", name], { allowFailure: true });
  if (namespaceExists(name)) {
    throw new LabError("LAB_COMMAND_FAILED", `could not delete network namespace ${name}`);
  }
}

export async function setSysctls(
  ns: string,
  values: Readonly<Record<string, string>>,
): Promise<void> {
  const args = Object.entries(values).map(([k, v]) => `${k}=${v}`);
  if (args.length > 0) await runIn(ns, "sysctl", ["-qw", ...args]);
}

export interface VethEnd {
  readonly ns: string;
  readonly ifname: string;
}

export interface VethOptions {
  readonly mtu?: number;
  /** Leave both ends down (default: up). */
  readonly down?: boolean;
}

/** Creates a veth pair with each end directly inside its namespace, and sets both up. */
export async function addVeth(a: VethEnd, b: VethEnd, opts: VethOptions = {}): Promise<void> {
  checkInterfaceName(a.ifname);
  checkInterfaceName(b.ifname);
  for (const e of [a, b]) {
    if (!namespaceExists(e.ns)) {
      throw new LabError("LAB_NAMESPACE_MISSING", `network namespace ${e.ns} does not exist`);
    }
  }
  const mtu = opts.mtu === undefined ? [] : ["mtu", String(opts.mtu)];
  await run("ip", [
    "link",
    "add",
    a.ifname,
    "netns",
    a.ns,
    ...mtu,
    "type",
    "veth",
    "peer",
    "name",
    b.ifname,
    "netns",
    b.ns,
    ...mtu,
  ]);
  if (!opts.down) {
    await setLinkUp(a.ns, a.ifname);
    await setLinkUp(b.ns, b.ifname);
  }
}

/** Creates Linux bridge `name` in `ns` (no STP, no forward delay) and sets it up. */
export async function addBridge(
  ns: string,
  name: string,
  opts: { mtu?: number } = {},
): Promise<void> {
  checkInterfaceName(name);
  const mtu = opts.mtu === undefined ? [] : ["mtu", String(opts.mtu)];
  await run("ip", [
    "-n",
    ns,
    "link",
    "add",
    name,
    ...mtu,
    "type",
    "bridge",
    "stp_state",
    "0",
    "forward_delay",
    "0",
  ]);
  await setLinkUp(ns, name);
}

/** Enslaves `ifname` to `bridge` (both in `ns`) and sets it up. */
export async function setMaster(ns: string, ifname: string, bridge: string): Promise<void> {
  await run("ip", ["-n", ns, "link", "set", ifname, "master", bridge]);
  await setLinkUp(ns, ifname);
}

export async function setLinkUp(ns: string, ifname: string): Promise<void> {
  await run("ip", ["-n", ns, "link", "set", ifname, "up"]);
}

export async function setLinkDown(ns: string, ifname: string): Promise<void> {
  await run("ip", ["-n", ns, "link", "set", ifname, "down"]);
}

/** Adds address `cidr` (e.g. 10.0.0.1/24, fd00::1/64) to `ifname`; IPv6 gets `nodad`. */
export async function addAddress(ns: string, ifname: string, cidr: string): Promise<void> {
  const extra = cidr.includes(":") ? ["nodad"] : [];
  await run("ip", ["-n", ns, "addr", "add", cidr, "dev", ifname, ...extra]);
}

export interface RouteSpec {
  /** Destination prefix or "default". */
  readonly to: string;
  readonly via?: string;
  readonly dev?: string;
  /** `blackhole`, `unreachable`, ... instead of a unicast route. */
  readonly type?: "blackhole" | "unreachable" | "prohibit";
  readonly onlink?: boolean;
  readonly metric?: number;
  readonly proto?: string;
  /** `ip route replace` instead of `add`. */
  readonly replace?: boolean;
  /** Force the family for "default" (`-6`). */
  readonly ipv6?: boolean;
}

export function routeArgs(r: RouteSpec): string[] {
  const args: string[] = [];
  if (r.type) args.push(r.type);
  args.push(r.to);
  if (r.via) args.push("via", r.via);
  if (r.dev) args.push("dev", r.dev);
  if (r.onlink) args.push("onlink");
  if (r.metric !== undefined) args.push("metric", String(r.metric));
  if (r.proto) args.push("proto", r.proto);
  return args;
}

export async function addRoute(ns: string, r: RouteSpec): Promise<void> {
  const fam = r.ipv6 || r.to.includes(":") || r.via?.includes(":") ? ["-6"] : [];
  await run("ip", [...fam, "-n", ns, "route", r.replace ? "replace" : "add", ...routeArgs(r)]);
}

/** `ip -j` output of `ip -n ns <args>` parsed as JSON. */
export async function ipJson<T = unknown>(ns: string, args: readonly string[]): Promise<T> {
  const { stdout } = await run("ip", ["-j", "-n", ns, ...args]);
  return JSON.parse(stdout.trim() || "[]") as T;
}

/** Names of the interfaces in `ns`. */
export async function listLinks(ns: string): Promise<string[]> {
  const links = await ipJson<{ ifname: string }[]>(ns, ["link", "show"]);
  return links.map((l) => l.ifname);
}
