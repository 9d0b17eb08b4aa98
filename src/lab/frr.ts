/**
 * FRR instances inside network namespaces, the way several run on one machine at once: each
 * daemon (zebra first, then staticd, bgpd, bfdd... as the `daemons` file enables) is started by
 * the host's FRR binaries with its own PID file, vty socket directory, zserv socket and log in
 * the instance directory, without a TCP vty (`-P 0`), and the integrated `frr.conf` is applied
 * like frrinit.sh does (`vtysh -b` with the instance's config directory). zebra programs the
 * namespace's own kernel FIB. Queries go through `vtysh -c '... json'`.
 */
import {
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { LabError } from "./errors.js";
import { runIn } from "./exec.js";
import { isAlive, killProcess, readPidFile, stopProcesses } from "./process.js";

export const FRR_BIN_DIR = process.env.WREN_FRR_BIN ?? "/usr/lib/frr";

/** Daemons the runner knows how to start, in start order (zebra must come first). */
export const FRR_DAEMON_ORDER = [
  "zebra",
  "mgmtd",
  "staticd",
  "bgpd",
  "bfdd",
  "ospfd",
  "ospf6d",
  "ripd",
  "ripngd",
  "isisd",
  "pimd",
  "ldpd",
  "nhrpd",
  "eigrpd",
  "babeld",
  "sharpd",
  "pbrd",
  "fabricd",
  "vrrpd",
  "pathd",
] as const;

/** RFC 4271 §8.2.2 session states, plus Unknown when the peer is not configured / not known. */
export type BgpState =
  | "Idle"
  | "Connect"
  | "Active"
  | "OpenSent"
  | "OpenConfirm"
  | "Established"
  | "Unknown";

const STATES: Record<string, BgpState> = {
  idle: "Idle",
  connect: "Connect",
  active: "Active",
  opensent: "OpenSent",
  openconfirm: "OpenConfirm",
  established: "Established",
};

/** Maps an implementation's state spelling ("ESTABLISHED", "established", 6...) to BgpState. */
export function normalizeBgpState(s: unknown): BgpState {
  if (typeof s === "number") {
    return (["Unknown", "Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established"][s] ??
      "Unknown") as BgpState;
  }
  if (typeof s !== "string") return "Unknown";
  return STATES[s.toLowerCase().replace(/[^a-z]/g, "")] ?? "Unknown";
}

/**
 * Daemons enabled in an FRR `daemons` file (`bgpd=yes` lines), in start order, always with zebra.
 * Unknown names and `=no` entries are ignored.
 */
export function parseDaemonsFile(text: string): string[] {
  const enabled = new Set<string>(["zebra"]);
  for (const raw of text.split("\n")) {
    const m = /^\s*([a-z0-9]+)\s*=\s*"?(yes|no)"?\s*(?:#.*)?$/.exec(raw);
    if (m && m[2] === "yes") enabled.add(m[1]);
  }
  return FRR_DAEMON_ORDER.filter((d) => enabled.has(d));
}

export interface FrrOptions {
  /** Network namespace the daemons run in. */
  readonly ns: string;
  /** Instance directory: config, PID files, sockets, logs (created; owned by user frr). */
  readonly dir: string;
  /** Integrated configuration (frr.conf text). */
  readonly config: string;
  /** Daemons to run; default zebra, staticd, bgpd. zebra is always added and started first. */
  readonly daemons?: readonly string[];
  /** BGP listen port (default 179; 0 = do not listen). */
  readonly bgpPort?: number;
  readonly binDir?: string;
  /** Told about every daemon PID started (so a run record can clean up after a crash). */
  readonly onProcess?: (pid: number, name: string) => void;
  /** Told when a daemon PID is stopped. */
  readonly onProcessGone?: (pid: number) => void;
}

export interface FrrPeerSummary {
  readonly state: BgpState;
  readonly remoteAs?: number;
  readonly pfxRcd?: number;
  readonly pfxSnt?: number;
  readonly raw: Record<string, unknown>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function frrIds(): { uid: number; gid: number } | undefined {
  try {
    const pw = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((l) => l.startsWith("frr:"));
    if (!pw) return undefined;
    const f = pw.split(":");
    return { uid: Number(f[2]), gid: Number(f[3]) };
  } catch {
    return undefined;
  }
}

export class FrrInstance {
  readonly ns: string;
  readonly dir: string;
  readonly daemons: readonly string[];
  private config: string;
  private readonly opts: FrrOptions;

  constructor(opts: FrrOptions) {
    this.opts = opts;
    this.ns = opts.ns;
    this.dir = opts.dir;
    this.config = opts.config;
    const wanted = new Set(["zebra", ...(opts.daemons ?? ["staticd", "bgpd"])]);
    this.daemons = FRR_DAEMON_ORDER.filter((d) => wanted.has(d));
    for (const d of wanted) {
      if (!(FRR_DAEMON_ORDER as readonly string[]).includes(d)) {
        throw new LabError("LAB_FRR_CONFIG", `unknown FRR daemon "${d}"`);
      }
    }
  }

  private get bin(): string {
    return this.opts.binDir ?? FRR_BIN_DIR;
  }

  /** PID of each running daemon (from its PID file; dead ones left out). */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const d of this.daemons) {
      const pid = readPidFile(join(this.dir, `${d}.pid`));
      if (pid !== undefined && isAlive(pid)) out[d] = pid;
    }
    return out;
  }

  running(): boolean {
    return Object.keys(this.pids()).length === this.daemons.length;
  }

  /** Starts the daemons and applies the configuration; on any error stops what it started. */
  async start(): Promise<void> {
    if (Object.keys(this.pids()).length > 0) {
      throw new LabError(
        "LAB_PROCESS_FAILED",
        `FRR in ${this.ns} is already running (${this.dir})`,
      );
    }
    if (!existsSync(join(this.bin, "zebra"))) {
      throw new LabError(
        "LAB_PROCESS_FAILED",
        `FRR is not installed (${join(this.bin, "zebra")} is missing)`,
      );
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    for (const d of this.daemons) {
      rmSync(join(this.dir, `${d}.pid`), { force: true });
      rmSync(join(this.dir, `${d}.vty`), { force: true });
    }
    writeFileSync(join(this.dir, "frr.conf"), this.config);
    writeFileSync(join(this.dir, "vtysh.conf"), "service integrated-vtysh-config\n");
    writeFileSync(join(this.dir, "empty.conf"), "");
    const ids = frrIds();
    if (ids) {
      for (const f of ["", "frr.conf", "vtysh.conf", "empty.conf"])
        chownSync(join(this.dir, f), ids.uid, ids.gid);
    }
    try {
      for (const d of this.daemons) await this.startDaemon(d);
      await this.applyBoot();
    } catch (e) {
      await this.stop(1000);
      throw e;
    }
  }

  private async startDaemon(d: string): Promise<void> {
    const extra = d === "bgpd" ? ["-p", String(this.opts.bgpPort ?? 179)] : [];
    const pidFile = join(this.dir, `${d}.pid`);
    await runIn(this.ns, join(this.bin, d), [
      "-d",
      "-u",
      "frr",
      "-g",
      "frr",
      "-P",
      "0",
      "-f",
      join(this.dir, "empty.conf"),
      "-i",
      pidFile,
      "-z",
      join(this.dir, "zserv.api"),
      "--vty_socket",
      this.dir,
      "--log",
      `file:${join(this.dir, `${d}.log`)}`,
      ...extra,
    ]).catch((e: unknown) => {
      throw new LabError(
        "LAB_PROCESS_FAILED",
        `FRR ${d} in ${this.ns} failed to start: ${(e as Error).message}`,
      );
    });
    const vty = join(this.dir, `${d}.vty`);
    const end = Date.now() + 10_000;
    while (!(existsSync(vty) && statSync(vty).isSocket() && readPidFile(pidFile) !== undefined)) {
      if (Date.now() > end) {
        throw new LabError(
          "LAB_TIMEOUT",
          `FRR ${d} in ${this.ns}: vty socket ${vty} did not appear within 10 s (log: ${join(this.dir, `${d}.log`)})`,
        );
      }
      await sleep(20);
    }
    const pid = readPidFile(pidFile)!;
    this.opts.onProcess?.(pid, `frr/${d}`);
  }

  private async applyBoot(): Promise<void> {
    const r = await this.vtyshRaw(["-b"], true);
    const text = `${r.stdout}\n${r.stderr}`;
    const bad = text
      .split("\n")
      .filter((l) => !/Can't open configuration file/.test(l))
      .filter((l) => /unknown command|error|^line \d+:|^% /i.test(l.trim()));
    writeFileSync(join(this.dir, "apply.log"), text);
    if (r.code !== 0 || bad.length > 0) {
      throw new LabError(
        "LAB_FRR_CONFIG",
        `FRR in ${this.ns}: the configuration has errors:\n${(bad.length ? bad : text.trim().split("\n")).slice(0, 20).join("\n")}`,
      );
    }
  }

  /** Applies more configuration lines (`vtysh -f`); the text is kept for a later restart. */
  async applyConfig(text: string): Promise<void> {
    const f = join(this.dir, `extra-${Date.now()}.conf`);
    writeFileSync(f, text);
    const r = await this.vtyshRaw(["-f", f], true);
    const out = `${r.stdout}\n${r.stderr}`;
    if (r.code !== 0 || /unknown command|^% /im.test(out)) {
      throw new LabError(
        "LAB_FRR_CONFIG",
        `FRR in ${this.ns}: config not accepted:\n${out.trim()}`,
      );
    }
    this.config = `${this.config}\n${text}`;
  }

  /** Stops every daemon (SIGTERM, SIGKILL after graceMs). */
  async stop(graceMs = 5000): Promise<void> {
    const pids = this.pids();
    await stopProcesses(Object.values(pids), { ns: this.ns, graceMs });
    for (const [d, pid] of Object.entries(pids)) {
      this.opts.onProcessGone?.(pid);
      rmSync(join(this.dir, `${d}.pid`), { force: true });
    }
  }

  /** SIGKILLs daemons at once (default all) — a crash, for graceful-restart tests. */
  async kill(daemons: readonly string[] = this.daemons): Promise<void> {
    const pids = this.pids();
    for (const d of daemons) {
      const pid = pids[d];
      if (pid === undefined) continue;
      await killProcess(pid, { ns: this.ns });
      this.opts.onProcessGone?.(pid);
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  private vtyshRaw(args: readonly string[], allowFailure = false) {
    return runIn(this.ns, "vtysh", ["--vty_socket", this.dir, "--config_dir", this.dir, ...args], {
      allowFailure,
      timeoutMs: 30_000,
    });
  }

  /** Runs vtysh commands (each as `-c`) and returns the output. */
  async vtysh(...commands: string[]): Promise<string> {
    const r = await this.vtyshRaw(commands.flatMap((c) => ["-c", c]));
    return r.stdout;
  }

  /** Runs one `show ... json` command and parses its output. */
  async json<T = Record<string, unknown>>(command: string): Promise<T> {
    const out = await this.vtysh(command);
    try {
      return JSON.parse(out) as T;
    } catch {
      throw new LabError(
        "LAB_COMMAND_FAILED",
        `FRR in ${this.ns}: "${command}" did not return JSON: ${out.slice(0, 200)}`,
      );
    }
  }

  /** `show bgp summary json` (all address families). */
  bgpSummaryJson(): Promise<Record<string, unknown>> {
    return this.json("show bgp summary json");
  }

  /** Peers of one address family's summary, keyed by neighbor address. */
  async peers(
    afi: "ipv4Unicast" | "ipv6Unicast" = "ipv4Unicast",
  ): Promise<Record<string, FrrPeerSummary>> {
    const s = (await this.bgpSummaryJson()) as Record<
      string,
      { peers?: Record<string, Record<string, unknown>> }
    >;
    const out: Record<string, FrrPeerSummary> = {};
    for (const [ip, p] of Object.entries(s[afi]?.peers ?? {})) {
      out[ip] = {
        state: normalizeBgpState(p.state),
        remoteAs: typeof p.remoteAs === "number" ? p.remoteAs : undefined,
        pfxRcd: typeof p.pfxRcd === "number" ? p.pfxRcd : undefined,
        pfxSnt: typeof p.pfxSnt === "number" ? p.pfxSnt : undefined,
        raw: p,
      };
    }
    return out;
  }

  /** Session state toward `neighbor` (an address or an interface for unnumbered peers). */
  async neighborState(neighbor: string): Promise<BgpState> {
    const j = await this.json<Record<string, { bgpState?: string }>>(
      `show bgp neighbors ${neighbor} json`,
    );
    return normalizeBgpState(j[neighbor]?.bgpState);
  }

  /** `show bgp ipv4|ipv6 unicast json`: the BGP RIB, `routes` keyed by prefix. */
  bgpRib(
    afi: "ipv4" | "ipv6" = "ipv4",
  ): Promise<{ routes?: Record<string, unknown[]> } & Record<string, unknown>> {
    return this.json(`show bgp ${afi} unicast json`);
  }

  /** Prefixes in the BGP RIB of one family. */
  async bgpPrefixes(afi: "ipv4" | "ipv6" = "ipv4"): Promise<string[]> {
    return Object.keys((await this.bgpRib(afi)).routes ?? {}).sort();
  }

  /** `show ip route json` / `show ipv6 route json`: zebra's RIB keyed by prefix. */
  ipRoutes(afi: "ipv4" | "ipv6" = "ipv4"): Promise<Record<string, FrrRoute[]>> {
    return this.json(afi === "ipv4" ? "show ip route json" : "show ipv6 route json");
  }
}

/** One entry of `show ip route json`. */
export interface FrrRoute {
  readonly prefix: string;
  readonly protocol: string;
  readonly selected?: boolean;
  readonly installed?: boolean;
  readonly nexthops: readonly {
    ip?: string;
    interfaceName?: string;
    active?: boolean;
    fib?: boolean;
  }[];
}
