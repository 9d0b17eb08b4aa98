/**
 * containerlab topology files (`*.clab.yml`) as the namespace runner reads them: environment
 * expansion as containerlab does it (`${VAR}`, `${VAR:=default}`, `${VAR:-default}`,
 * `${VAR:+alt}`, `$$` for a literal `$`), node settings inherited defaults → kinds → groups →
 * node, brief and extended veth links, binds resolved against the file's directory. Then the
 * project's own checks, which the JSON schema cannot express: links naming missing nodes or using
 * an endpoint twice, interface names over 15 characters, bind sources that do not exist, kinds
 * this runner cannot run, `network-mode: container:X` targets that are not nodes. Every problem
 * names the file and the node or link.
 */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { LabError } from "./errors.js";
import { MAX_IFNAME } from "./netns.js";

/** What the runner does with a node. */
export type NodeRole = "frr" | "wren" | "host" | "bridge";

export interface Bind {
  /** As written in the file (after environment expansion). */
  readonly spec: string;
  /** Absolute host path. */
  readonly host: string;
  readonly container: string;
  readonly readOnly: boolean;
}

export interface ClabNode {
  readonly name: string;
  readonly kind: string;
  readonly role: NodeRole;
  /** False when the kind/image gives the runner no way to run it (VyOS, kind clusters, NOS kinds...). */
  readonly known: boolean;
  readonly image?: string;
  readonly group?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  readonly binds: readonly Bind[];
  readonly exec: readonly string[];
  readonly cmd?: string;
  readonly networkMode?: string;
  readonly sysctls: Readonly<Record<string, string>>;
  readonly startupConfig?: string;
}

export interface Endpoint {
  readonly node: string;
  readonly iface: string;
}

export interface ClabLink {
  /** Position in the file's `links` list (0-based), for messages. */
  readonly index: number;
  readonly a: Endpoint;
  readonly b: Endpoint;
  readonly mtu?: number;
  /** Addresses per endpoint from the brief form's `ipv4:`/`ipv6:` lists ("" = none). */
  readonly addrA: readonly string[];
  readonly addrB: readonly string[];
}

export interface Topology {
  readonly file: string;
  readonly dir: string;
  readonly name: string;
  readonly prefix?: string;
  readonly nodes: ReadonlyMap<string, ClabNode>;
  readonly links: readonly ClabLink[];
  /** Links the parser could not read (reported by checkTopology). */
  readonly badLinks: readonly { index: number; message: string }[];
}

export interface Problem {
  readonly file: string;
  readonly node?: string;
  readonly link?: number;
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  const where =
    p.node !== undefined ? ` node ${p.node}` : p.link !== undefined ? ` link #${p.link + 1}` : "";
  return `${p.file}${where}: ${p.message}`;
}

/** The path FRR reads its integrated config from; the runner looks for binds onto it. */
export const FRR_CONF_PATH = "/etc/frr/frr.conf";
export const FRR_DAEMONS_PATH = "/etc/frr/daemons";
/** Where a wren node's datastore is bound (the Dockerfile's `--datastore`). */
export const WREN_DATASTORE_PATH = "/etc/wren/datastore";
/** containerlab's default data-link MTU. */
export const DEFAULT_LINK_MTU = 9500;

/** Kinds the namespace runner can build. */
export const RUNNABLE_KINDS = ["linux", "bridge"] as const;

/**
 * containerlab-style environment expansion of the whole file text. Unset variables without a
 * default expand to "" (as containerlab does); `$$` stays a literal `$`.
 */
export function expandEnv(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-=+])([^}]*))?\}/g,
    (m, name, op, arg) => {
      if (m === "$$") return "$";
      const v = env[name as string];
      const set = v !== undefined && v !== "";
      switch (op as string | undefined) {
        case undefined:
          return v ?? "";
        case ":=":
        case ":-":
          return set ? v! : (arg as string);
        case "=":
        case "-":
          return v !== undefined ? v : (arg as string);
        case ":+":
          return set ? (arg as string) : "";
        case "+":
          return v !== undefined ? (arg as string) : "";
        default:
          return m;
      }
    },
  );
}

type Raw = Record<string, unknown>;

function isObj(v: unknown): v is Raw {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObj(v))
    for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = String(x);
  return out;
}

function strList(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.map(String) : undefined;
}

function parseBind(spec: string, dir: string): Bind {
  const parts = spec.split(":");
  const host = parts[0];
  const container = parts[1] ?? "";
  const readOnly = parts.slice(2).some((o) => o.split(",").includes("ro"));
  const expanded = host.startsWith("~") ? `${homedir()}${host.slice(1)}` : host;
  return {
    spec,
    host: isAbsolute(expanded) ? expanded : resolve(dir, expanded),
    container,
    readOnly,
  };
}

function roleOf(
  kind: string,
  image: string | undefined,
  labels: Record<string, string>,
): NodeRole | undefined {
  const label = labels["wren.role"];
  if (label === "frr") return "frr";
  if (label === "node" || label === "wren") return "wren";
  if (label === "host") return "host";
  if (kind === "bridge") return "bridge";
  if (kind !== "linux") return undefined;
  if (image && /(^|\/)frr(:|$)|frrouting/.test(image)) return "frr";
  if (image && /(^|\/)wren(:|$)/.test(image)) return "wren";
  return "host";
}

function parseEndpoint(text: string): Endpoint | undefined {
  const i = text.indexOf(":");
  if (i <= 0 || i === text.length - 1 || /\s/.test(text)) return undefined;
  return { node: text.slice(0, i), iface: text.slice(i + 1) };
}

/** Parses topology text (already read from `file`). Throws only when the YAML itself is unusable. */
export function parseTopology(
  text: string,
  file: string,
  env: Readonly<Record<string, string | undefined>> = {},
): Topology {
  const dir = dirname(resolve(file));
  let doc: unknown;
  try {
    doc = parseYaml(expandEnv(text, env));
  } catch (e) {
    throw new LabError("LAB_TOPOLOGY_INVALID", `${file}: not valid YAML: ${(e as Error).message}`);
  }
  if (!isObj(doc))
    throw new LabError(
      "LAB_TOPOLOGY_INVALID",
      `${file}: not a containerlab topology (a mapping is expected)`,
    );
  if (typeof doc.name !== "string" || doc.name === "") {
    throw new LabError("LAB_TOPOLOGY_INVALID", `${file}: "name" is missing`);
  }
  const topo = doc.topology;
  if (!isObj(topo) || !isObj(topo.nodes)) {
    throw new LabError("LAB_TOPOLOGY_INVALID", `${file}: "topology.nodes" is missing`);
  }
  const defaults = isObj(topo.defaults) ? topo.defaults : {};
  const kinds = isObj(topo.kinds) ? topo.kinds : {};
  const groups = isObj(topo.groups) ? topo.groups : {};

  const nodes = new Map<string, ClabNode>();
  for (const [name, rawNode] of Object.entries(topo.nodes)) {
    const n: Raw = isObj(rawNode) ? rawNode : {};
    const group = typeof n.group === "string" ? n.group : undefined;
    const g: Raw = group && isObj(groups[group]) ? (groups[group] as Raw) : {};
    const kind = String(n.kind ?? g.kind ?? defaults.kind ?? "");
    const k: Raw = isObj(kinds[kind]) ? (kinds[kind] as Raw) : {};
    const levels = [defaults, k, g, n];
    const pick = (key: string): unknown => {
      for (let i = levels.length - 1; i >= 0; i--)
        if (levels[i][key] !== undefined) return levels[i][key];
      return undefined;
    };
    const merged = (key: string) => Object.assign({}, ...levels.map((l) => strMap(l[key])));
    const labels = merged("labels");
    const image = pick("image") === undefined ? undefined : String(pick("image"));
    const role = roleOf(kind, image, labels);
    nodes.set(name, {
      name,
      kind,
      role: role ?? "host",
      known: role !== undefined,
      image,
      group,
      labels,
      env: merged("env"),
      binds: (strList(pick("binds")) ?? []).map((b) => parseBind(b, dir)),
      exec: strList(pick("exec")) ?? [],
      cmd: pick("cmd") === undefined ? undefined : String(pick("cmd")),
      networkMode: pick("network-mode") === undefined ? undefined : String(pick("network-mode")),
      sysctls: merged("sysctls"),
      startupConfig:
        pick("startup-config") === undefined ? undefined : String(pick("startup-config")),
    });
  }

  const links: ClabLink[] = [];
  const badLinks: { index: number; message: string }[] = [];
  const rawLinks = Array.isArray(topo.links) ? topo.links : [];
  rawLinks.forEach((l: unknown, index: number) => {
    if (!isObj(l)) {
      badLinks.push({ index, message: "not a mapping" });
      return;
    }
    const type = l.type === undefined ? "brief" : String(l.type);
    if (type !== "brief" && type !== "veth") {
      badLinks.push({
        index,
        message: `link type "${type}" cannot be built by the namespace runner (veth links only)`,
      });
      return;
    }
    const eps = Array.isArray(l.endpoints) ? l.endpoints : [];
    if (eps.length !== 2) {
      badLinks.push({ index, message: `a link needs exactly 2 endpoints, found ${eps.length}` });
      return;
    }
    const parsed = eps.map((e: unknown) =>
      typeof e === "string"
        ? parseEndpoint(e)
        : isObj(e) && typeof e.node === "string" && typeof e.interface === "string"
          ? { node: e.node, iface: e.interface }
          : undefined,
    );
    if (!parsed[0] || !parsed[1]) {
      badLinks.push({
        index,
        message: `endpoints must be "node:interface" (got ${JSON.stringify(eps)})`,
      });
      return;
    }
    const v4 = strList(l.ipv4) ?? [];
    const v6 = strList(l.ipv6) ?? [];
    const fromExt = (i: number) =>
      isObj(eps[i])
        ? [...(strList((eps[i] as Raw).ipv4) ?? []), ...(strList((eps[i] as Raw).ipv6) ?? [])]
        : [];
    links.push({
      index,
      a: parsed[0],
      b: parsed[1],
      mtu: typeof l.mtu === "number" ? l.mtu : undefined,
      addrA: [v4[0], v6[0], ...fromExt(0)].filter((x): x is string => !!x),
      addrB: [v4[1], v6[1], ...fromExt(1)].filter((x): x is string => !!x),
    });
  });

  return {
    file,
    dir,
    name: doc.name,
    prefix: typeof doc.prefix === "string" ? doc.prefix : undefined,
    nodes,
    links,
    badLinks,
  };
}

export function loadTopology(
  file: string,
  env: Readonly<Record<string, string | undefined>> = {},
): Topology {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new LabError("LAB_TOPOLOGY_INVALID", `${file}: cannot read: ${(e as Error).message}`);
  }
  return parseTopology(text, file, env);
}

/** A bind of `node` onto container path `target`, if any. */
export function bindFor(node: ClabNode, target: string): Bind | undefined {
  return node.binds.find((b) => b.container.replace(/\/+$/, "") === target);
}

/** The container a `network-mode: container:X` node shares, if any. */
export function sharedWith(node: ClabNode): string | undefined {
  const m = /^container:(\S+)$/.exec(node.networkMode ?? "");
  return m ? m[1] : undefined;
}

/**
 * The project's checks. `forRunner` adds what only the namespace runner needs (runnable kinds,
 * FRR nodes with a bound frr.conf); without it the checks are those any containerlab deploy
 * would need.
 */
export function checkTopology(t: Topology, opts: { forRunner?: boolean } = {}): Problem[] {
  const problems: Problem[] = [];
  const add = (p: Omit<Problem, "file">) => problems.push({ file: t.file, ...p });
  for (const b of t.badLinks) add({ link: b.index, message: b.message });

  const used = new Map<string, number>();
  for (const l of t.links) {
    for (const e of [l.a, l.b]) {
      const key = `${e.node}:${e.iface}`;
      if (!t.nodes.has(e.node)) {
        add({
          link: l.index,
          message: `endpoint "${key}" names node "${e.node}", which is not in topology.nodes`,
        });
      }
      if (e.iface.length > MAX_IFNAME) {
        add({
          link: l.index,
          message: `interface name "${e.iface}" of "${key}" is longer than ${MAX_IFNAME} characters`,
        });
      } else if (!/^[A-Za-z0-9][A-Za-z0-9_.@-]*$/.test(e.iface)) {
        add({
          link: l.index,
          message: `interface name "${e.iface}" of "${key}" has characters Linux does not accept`,
        });
      }
      const prev = used.get(key);
      if (prev !== undefined) {
        add({ link: l.index, message: `endpoint "${key}" is already used by link #${prev + 1}` });
      } else {
        used.set(key, l.index);
      }
    }
    if (l.a.node === l.b.node && l.a.iface === l.b.iface) {
      add({ link: l.index, message: `both endpoints are "${l.a.node}:${l.a.iface}"` });
    }
  }

  for (const n of t.nodes.values()) {
    if (n.kind === "")
      add({
        node: n.name,
        message: "has no kind (set it on the node, its group, or topology.defaults)",
      });
    for (const b of n.binds) {
      if (b.container === "")
        add({ node: n.name, message: `bind "${b.spec}" has no container path` });
      if (!existsSync(b.host))
        add({ node: n.name, message: `bind source ${b.host} (from "${b.spec}") does not exist` });
    }
    const sc = n.startupConfig;
    if (sc !== undefined && !sc.includes("\n") && !/^[a-z]+:\/\//.test(sc)) {
      const path = isAbsolute(sc) ? sc : resolve(t.dir, sc);
      if (!existsSync(path))
        add({ node: n.name, message: `startup-config ${path} does not exist` });
    }
    const peer = sharedWith(n);
    if (
      n.networkMode !== undefined &&
      peer === undefined &&
      n.networkMode !== "none" &&
      n.networkMode !== "host"
    ) {
      add({
        node: n.name,
        message: `network-mode "${n.networkMode}" is not host, none or container:<name>`,
      });
    }
    if (!opts.forRunner) continue;
    if (!n.known || !(RUNNABLE_KINDS as readonly string[]).includes(n.kind)) {
      add({
        node: n.name,
        message: `kind "${n.kind}" cannot be run by the namespace runner (it runs ${RUNNABLE_KINDS.join(" and ")} nodes: FRR, wren nodes, plain hosts, bridges); use containerlab for this file`,
      });
      continue;
    }
    if (n.networkMode === "host") {
      add({
        node: n.name,
        message:
          'network-mode "host" would put the node in the root namespace; the runner refuses it',
      });
    }
    if (peer !== undefined && !t.nodes.has(peer)) {
      add({
        node: n.name,
        message: `network-mode container:${peer} names a container that is not a node of this file (the runner has no kind cluster)`,
      });
    }
    if (n.role === "frr") {
      if (!bindFor(n, FRR_CONF_PATH))
        add({ node: n.name, message: `an FRR node needs a bind onto ${FRR_CONF_PATH}` });
    }
    if (n.role === "wren") {
      if (!bindFor(n, WREN_DATASTORE_PATH)) {
        add({
          node: n.name,
          message: `a wren node needs its datastore bound onto ${WREN_DATASTORE_PATH}`,
        });
      }
    }
    if (n.role === "bridge" && n.name.length > MAX_IFNAME) {
      add({
        node: n.name,
        message: `a bridge node's name is its device name: at most ${MAX_IFNAME} characters`,
      });
    }
  }
  return problems;
}

/** Throws one LabError listing every problem, if there are any. */
export function assertNoProblems(problems: readonly Problem[]): void {
  if (problems.length > 0) {
    throw new LabError(
      "LAB_TOPOLOGY_INVALID",
      `${problems.length} problem(s):\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`,
    );
  }
}

/** Splits a command line into words like a shell would (quotes, backslashes); no expansion. */
export function splitCommand(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"' && i + 1 < line.length) cur += line[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\" && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = "";
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new LabError("LAB_TOPOLOGY_INVALID", `unterminated ${quote} quote in: ${line}`);
  if (inWord) out.push(cur);
  return out;
}

export interface ExecAddress {
  readonly iface: string;
  readonly cidr: string;
}

/** Addresses a node's exec lines add (`ip addr add CIDR dev IF`, also `ip -4 a add`, `address`). */
export function execAddresses(n: ClabNode): ExecAddress[] {
  const out: ExecAddress[] = [];
  for (const line of n.exec) {
    let w: string[];
    try {
      w = splitCommand(line);
    } catch {
      continue;
    }
    if (w[0] === "bash" || w[0] === "sh") {
      const i = w.indexOf("-c");
      if (i >= 0 && w[i + 1]) {
        for (const part of w[i + 1].split(/;|&&|\n/)) {
          out.push(...execAddresses({ ...n, exec: [part.trim()] }));
        }
      }
      continue;
    }
    if (w[0] !== "ip") continue;
    const rest = w.slice(1).filter((x) => !/^-[46]$/.test(x));
    if (!/^(a|ad|add|addr|addre|addres|address)$/.test(rest[0] ?? "") || rest[1] !== "add")
      continue;
    const cidr = rest[2];
    const dev = rest.indexOf("dev");
    if (cidr && dev >= 0 && rest[dev + 1]) out.push({ iface: rest[dev + 1], cidr });
  }
  return out;
}
