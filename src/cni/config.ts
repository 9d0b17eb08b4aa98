/**
 * The network configuration a runtime streams to the plugin on stdin, modelled on Calico's
 * (`"type": "calico"` configs keep working after changing `type`):
 *
 *   {
 *     "cniVersion": "1.0.0",            spec version of this config and of the result
 *     "name": "k8s-pod-network",        network name (part of the IPAM handle)
 *     "type": "wren",                   the executable the runtime ran
 *     "datastore": "/etc/wren/datastore",  wren's datastore directory (default shown)
 *     "nodename": "worker1",            Calico Node name (else "nodename_file", else hostname)
 *     "nodename_file": "/var/lib/calico/nodename",
 *     "mtu": 1450,                      MTU of both veth ends (default 1500)
 *     "ipam": { "type": "wren-ipam",    also "calico-ipam": addresses from the datastore's IPAM
 *               "assign_ipv4": "true", "assign_ipv6": "false",
 *               "ipv4_pools": ["10.244.0.0/16"], "ipv6_pools": [] },
 *     "container_settings": { "allow_ip_forwarding": false },
 *     "log_level": "info", "log_file_path": "/var/log/wren/cni.log",
 *     "dns": { ... }                    passed through into the result
 *   }
 *
 * plus what runtimes add (`prevResult`, `runtimeConfig`, `args`, `capabilities`), accepted;
 * `runtimeConfig.ips` / `args.cni.ips` ask for chosen addresses (requested-ips.ts). Every
 * problem is a CniError naming the field (CNI code 7, 6 for unreadable JSON, 1 for a version
 * this plugin does not speak).
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { isAbsolute } from "node:path";
import { CniError } from "./errors.js";
import { type RequestedIps, requestedIpsOfConfig } from "./requested-ips.js";
import type { CniDns } from "./result.js";
import { isSupportedVersion, SUPPORTED_VERSIONS } from "./versions.js";

export const DEFAULT_DATASTORE = "/etc/wren/datastore";
export const DEFAULT_MTU = 1500;
/** IPAM types served in-process from the datastore (Calico's name is accepted as an alias). */
export const IPAM_TYPES = ["wren-ipam", "calico-ipam"] as const;

export type LogLevel = "error" | "warning" | "info" | "debug";

export interface IpamSettings {
  readonly type: string;
  readonly assignIpv4: boolean;
  readonly assignIpv6: boolean;
  /** Pools (name or CIDR) to allocate from, in order; empty = any pool selecting the node. */
  readonly ipv4Pools: readonly string[];
  readonly ipv6Pools: readonly string[];
}

export interface NetworkConfig {
  readonly cniVersion: string;
  readonly name: string;
  readonly type: string;
  readonly datastore: string;
  readonly nodename?: string;
  readonly nodenameFile?: string;
  readonly mtu: number;
  readonly ipam: IpamSettings;
  readonly allowIpForwarding: boolean;
  readonly logLevel: LogLevel;
  readonly logFile?: string;
  readonly dns: CniDns;
  /** The runtime's prevResult (CHECK, DEL), unparsed. */
  readonly prevResult?: unknown;
  /** Addresses asked for by `runtimeConfig.ips` (the "ips" capability) or `args.cni.ips`. */
  readonly requestedIps?: RequestedIps;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/** Parses the text of stdin; only the JSON syntax and the version are checked here. */
export function decodeConfig(text: string): Obj {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CniError(
      "CNI_DECODE_FAILED",
      `network config on stdin is not JSON: ${(err as Error).message}`,
    );
  }
  if (!isObj(doc)) throw new CniError("CNI_DECODE_FAILED", "network config must be a JSON object");
  return doc;
}

/** Validates a decoded network config. */
export function parseConfig(doc: Obj): NetworkConfig {
  const name = typeof doc.name === "string" ? doc.name : undefined;
  const where = name ? `network config "${name}"` : "network config";
  const bad = (field: string, want: string, got: unknown): never => {
    throw new CniError("CNI_INVALID_CONFIG", `${where}: "${field}" ${want} (got ${show(got)})`);
  };

  const cniVersion = doc.cniVersion;
  if (typeof cniVersion !== "string" || cniVersion === "")
    bad("cniVersion", 'is required (a spec version such as "1.0.0")', cniVersion);
  if (!isSupportedVersion(cniVersion as string)) {
    throw new CniError(
      "CNI_INCOMPATIBLE_VERSION",
      `${where}: cniVersion ${show(cniVersion)} is not supported (supported: ${SUPPORTED_VERSIONS.join(", ")})`,
    );
  }
  if (name === undefined || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name))
    bad("name", 'must start with a letter or digit, then letters, digits, "_", ".", "-"', doc.name);
  if (typeof doc.type !== "string" || doc.type === "") bad("type", "is required", doc.type);

  const str = (field: string, v: unknown): string | undefined => {
    if (v === undefined) return undefined;
    if (typeof v !== "string" || v === "") bad(field, "must be a non-empty string", v);
    return v as string;
  };
  const bool = (field: string, v: unknown, dflt: boolean): boolean => {
    if (v === undefined) return dflt;
    if (typeof v === "boolean") return v;
    if (v === "true") return true;
    if (v === "false") return false;
    return bad(field, 'must be true or false (or "true" / "false")', v);
  };
  const list = (field: string, v: unknown): string[] => {
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string" || x === ""))
      bad(field, "must be a list of pool names or CIDRs", v);
    return v as string[];
  };

  const datastore = str("datastore", doc.datastore) ?? DEFAULT_DATASTORE;
  if (!isAbsolute(datastore)) bad("datastore", "must be an absolute directory path", datastore);

  let mtu = DEFAULT_MTU;
  if (doc.mtu !== undefined) {
    if (
      typeof doc.mtu !== "number" ||
      !Number.isInteger(doc.mtu) ||
      doc.mtu < 68 ||
      doc.mtu > 65535
    )
      bad("mtu", "must be a whole number between 68 and 65535", doc.mtu);
    mtu = doc.mtu as number;
  }

  if (!isObj(doc.ipam)) bad("ipam", 'must be an object such as {"type": "wren-ipam"}', doc.ipam);
  const ipamDoc = doc.ipam as Obj;
  const ipamType = ipamDoc.type;
  if (typeof ipamType !== "string" || !(IPAM_TYPES as readonly string[]).includes(ipamType)) {
    bad(
      "ipam.type",
      `must be ${IPAM_TYPES.map((t) => `"${t}"`).join(" or ")}: wren's plugin allocates workload addresses from the datastore's IPAM`,
      ipamType,
    );
  }
  const ipam: IpamSettings = {
    type: ipamType as string,
    assignIpv4: bool("ipam.assign_ipv4", ipamDoc.assign_ipv4, true),
    assignIpv6: bool("ipam.assign_ipv6", ipamDoc.assign_ipv6, false),
    ipv4Pools: list("ipam.ipv4_pools", ipamDoc.ipv4_pools),
    ipv6Pools: list("ipam.ipv6_pools", ipamDoc.ipv6_pools),
  };
  if (!ipam.assignIpv4 && !ipam.assignIpv6)
    bad("ipam.assign_ipv4", "and ipam.assign_ipv6 cannot both be false", ipamDoc.assign_ipv4);

  let allowIpForwarding = false;
  if (doc.container_settings !== undefined) {
    if (!isObj(doc.container_settings))
      bad("container_settings", "must be an object", doc.container_settings);
    allowIpForwarding = bool(
      "container_settings.allow_ip_forwarding",
      (doc.container_settings as Obj).allow_ip_forwarding,
      false,
    );
  }

  const levelText = (str("log_level", doc.log_level) ?? "info").toLowerCase();
  const levels: Record<string, LogLevel> = {
    error: "error",
    warning: "warning",
    warn: "warning",
    info: "info",
    debug: "debug",
  };
  const logLevel = levels[levelText];
  if (!logLevel) bad("log_level", "must be error, warning, info or debug", doc.log_level);

  if (doc.dns !== undefined && !isObj(doc.dns)) bad("dns", "must be an object", doc.dns);

  const requestedIps = requestedIpsOfConfig(doc, (field, message) => {
    throw new CniError("CNI_INVALID_CONFIG", `${where}: "${field}" ${message}`);
  });

  return {
    cniVersion: cniVersion as string,
    name: name as string,
    type: doc.type as string,
    datastore,
    nodename: str("nodename", doc.nodename),
    nodenameFile: str("nodename_file", doc.nodename_file),
    mtu,
    ipam,
    allowIpForwarding,
    logLevel,
    logFile: str("log_file_path", doc.log_file_path),
    dns: (doc.dns as CniDns | undefined) ?? {},
    prevResult: doc.prevResult,
    ...(requestedIps ? { requestedIps } : {}),
  };
}

/** The Calico Node name: "nodename", else the first line of "nodename_file", else the hostname. */
export function resolveNodename(cfg: NetworkConfig, host: () => string = hostname): string {
  if (cfg.nodename) return cfg.nodename;
  if (cfg.nodenameFile) {
    let text: string;
    try {
      text = readFileSync(cfg.nodenameFile, "utf8");
    } catch (err) {
      throw new CniError(
        "CNI_INVALID_CONFIG",
        `network config "${cfg.name}": cannot read nodename_file ${cfg.nodenameFile}: ${(err as Error).message}`,
      );
    }
    const first = text.split("\n")[0].trim();
    if (first) return first;
    throw new CniError(
      "CNI_INVALID_CONFIG",
      `network config "${cfg.name}": nodename_file ${cfg.nodenameFile} is empty`,
    );
  }
  return host();
}
