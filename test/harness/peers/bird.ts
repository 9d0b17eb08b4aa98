/**
 * BIRD as a harness peer: BIRD 2 (one daemon for IPv4 and IPv6, channels), BIRD 1.6 (`bird` for
 * IPv4 and `bird6` for IPv6, separate daemons, no channels; unpacked under /opt/wren/bird1).
 * Each instance runs in the foreground (`-f`) inside its namespace with its own config, control
 * socket and log in the instance directory; birdc talks to the socket (no namespace needed).
 * `show protocols all` and `show route` are parsed into objects (formats of 1.6 and 2.0).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../../src/lab/exec.js";
import type { Lab } from "../netns.js";
import { paths } from "../tools.js";
import { DaemonPeer, started } from "./daemon-peer.js";
import { type BgpPeerRunner, type BgpState, normalizeBgpState, waitForState } from "./runner.js";

/** "2" = BIRD 2.0; "1" = BIRD 1.6 IPv4 (`bird`); "1-6" = BIRD 1.6 IPv6 (`bird6`). */
export type BirdVariant = "2" | "1" | "1-6";

export interface BirdProtocol {
  readonly name: string;
  readonly proto: string;
  readonly table: string;
  /** up / down / start ... */
  readonly state: string;
  readonly info: string;
  /** BGP only. */
  readonly bgpState?: BgpState;
  readonly neighbor?: string;
  readonly neighborAs?: number;
}

export interface BirdRoute {
  readonly prefix: string;
  /** Protocol that supplied it (the name in brackets). */
  readonly protocol: string;
  /** Marked `*` (the best route). */
  readonly primary: boolean;
  /** Next hops (`via X`), empty for blackholes/unreachable/device routes. */
  readonly via: string[];
  /** The AS path summary in brackets, e.g. "AS65001i". */
  readonly asInfo?: string;
}

function binaries(v: BirdVariant): { daemon: string; client: string } {
  switch (v) {
    case "2":
      return { daemon: paths.bird2, client: paths.birdc2 };
    case "1":
      return { daemon: paths.bird1, client: paths.birdc1 };
    case "1-6":
      return { daemon: paths.bird6, client: paths.birdc6 };
  }
}

/** Parses `birdc show protocols all` (BIRD 1.6 or 2.0). */
export function parseBirdProtocols(text: string): BirdProtocol[] {
  const out: BirdProtocol[] = [];
  let cur: { -readonly [K in keyof BirdProtocol]: BirdProtocol[K] } | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^\d{4}[- ]/, "");
    if (/^BIRD \d/.test(line) || /^name\s+proto/i.test(line) || line.trim() === "") continue;
    if (!/^\s/.test(line)) {
      const m = /^(\S+)\s+(\S+)\s+(\S+)\s+(up|down|start|flush|stop)\s+(.*)$/.exec(line);
      if (m) {
        const rest = m[5].trim();
        // rest = since (a time, or a date and a time) then info
        const info = rest.replace(/^(\d{4}-\d\d-\d\d\s+)?\d[\d:.]*\s*/, "").trim();
        cur = { name: m[1], proto: m[2], table: m[3], state: m[4], info };
        out.push(cur);
      } else {
        cur = undefined;
      }
      continue;
    }
    if (!cur) continue;
    const s = line.trim();
    const kv = /^([^:]+):\s*(.*)$/.exec(s);
    if (!kv) continue;
    const [, k, v] = kv;
    if (k === "BGP state")
      cur.bgpState = normalizeBgpState(v.trim() === "Down" ? "Idle" : v.trim());
    else if (k === "Neighbor address") cur.neighbor = v.trim().split("%")[0];
    else if (k === "Neighbor AS") cur.neighborAs = Number(v.trim());
  }
  return out;
}

/** Parses `birdc show route` (BIRD 1.6 one-line form and BIRD 2.0 form with `via` lines). */
export function parseBirdRoutes(text: string): BirdRoute[] {
  const out: BirdRoute[] = [];
  let prefix: string | undefined;
  let last: { -readonly [K in keyof BirdRoute]: BirdRoute[K] } | undefined;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^\d{4}[- ]/, "");
    if (/^BIRD \d/.test(line) || /^Table /.test(line) || line.trim() === "") continue;
    const head = /^([0-9a-fA-F:.]+\/\d+)\s+(.*)$/.exec(line);
    let body: string;
    if (head) {
      prefix = head[1];
      body = head[2];
    } else if (/^\s/.test(line) && prefix) {
      body = line.trim();
    } else {
      continue;
    }
    const proto = /\[(\S+)[^\]]*\]\s*(\*)?\s*(?:\(\d+(?:\/\d+)?\))?\s*(?:\[([^\]]*)\])?/.exec(body);
    if (proto) {
      last = {
        prefix: prefix!,
        protocol: proto[1],
        primary: proto[2] === "*",
        via: [],
        asInfo: proto[3],
      };
      out.push(last);
      const v = /^via (\S+)/.exec(body);
      if (v) last.via.push(v[1]);
      continue;
    }
    const via = /^via (\S+)/.exec(body);
    if (via && last) last.via.push(via[1]);
  }
  return out;
}

export interface BirdPeerOptions {
  /** Instance name (directory <runDir>/<node>/<name>); default "bird". */
  readonly name?: string;
  readonly variant?: BirdVariant;
  /** Start with `-R` (graceful-restart recovery: wait for peers' End-of-RIB before pruning). */
  readonly gracefulRestartRecovery?: boolean;
}

export class BirdPeer extends DaemonPeer implements BgpPeerRunner {
  readonly kind: "bird2" | "bird1" | "bird1-6";
  readonly variant: BirdVariant;
  private config: string;
  private readonly recovery: boolean;

  constructor(lab: Lab, node: string, config: string, opts: BirdPeerOptions = {}) {
    super(lab, node, opts.name ?? "bird");
    this.recovery = opts.gracefulRestartRecovery === true;
    this.variant = opts.variant ?? "2";
    this.kind = this.variant === "2" ? "bird2" : this.variant === "1" ? "bird1" : "bird1-6";
    this.config = config;
  }

  get socket(): string {
    return join(this.dir, "bird.ctl");
  }

  get logFile(): string {
    return join(this.dir, "bird.log");
  }

  private writeConfig(): string {
    const file = join(this.dir, "bird.conf");
    const hasLog = /^\s*log\s/m.test(this.config);
    writeFileSync(file, hasLog ? this.config : `log "${this.logFile}" all;\n${this.config}`);
    return file;
  }

  async start(): Promise<void> {
    this.assertNotRunning(this.kind);
    const { daemon } = binaries(this.variant);
    const conf = this.writeConfig();
    await this.checkConfig(this.kind, conf, daemon, ["-p", "-c", conf]);
    await this.launch(
      this.kind,
      daemon,
      ["-f", "-c", conf, "-s", this.socket, ...(this.recovery ? ["-R"] : [])],
      {
        logFile: join(this.dir, "stderr.log"),
        waitingFor: `${this.kind} control socket ${this.socket} answering`,
        ready: async () => (await this.birdcRaw(["show", "status"], true)).code === 0,
        exited: (p) => {
          const err = existsSync(p.logFile) ? readFileSync(p.logFile, "utf8").trim() : "";
          return `${this.kind} exited: ${err}`;
        },
        timeoutMs: 10_000,
      },
    );
  }

  /** Replaces the configuration and reloads it (`birdc configure`). */
  async reconfigure(config: string): Promise<void> {
    this.config = config;
    this.writeConfig();
    const out = await this.birdc("configure");
    if (!/Reconfigured|Reconfiguration in progress|Reconfiguration confirmed/i.test(out)) {
      throw new Error(`${this.kind} in ${this.ns} did not accept the new config: ${out.trim()}`);
    }
  }

  private birdcRaw(args: readonly string[], allowFailure = false) {
    const { client } = binaries(this.variant);
    return run(client, ["-s", this.socket, ...args], { allowFailure, timeoutMs: 30_000 });
  }

  /** Runs one birdc command, e.g. birdc("show", "route", "all", "10.0.0.0/24"). */
  async birdc(...args: string[]): Promise<string> {
    return (await this.birdcRaw(args)).stdout;
  }

  async protocols(): Promise<BirdProtocol[]> {
    return parseBirdProtocols(await this.birdc("show", "protocols", "all"));
  }

  async neighborState(neighbor: string): Promise<BgpState> {
    const p = (await this.protocols()).find((x) => x.neighbor === neighbor);
    return p?.bgpState ?? "Unknown";
  }

  async routes(): Promise<BirdRoute[]> {
    return parseBirdRoutes(await this.birdc("show", "route"));
  }

  async prefixes(): Promise<string[]> {
    return [...new Set((await this.routes()).map((r) => r.prefix))].sort();
  }

  waitEstablished(neighbor: string, timeoutMs?: number): Promise<void> {
    return waitForState(this, neighbor, "Established", timeoutMs);
  }
}

export async function startBird(
  lab: Lab,
  node: string,
  config: string,
  opts: BirdPeerOptions = {},
): Promise<BirdPeer> {
  return started(new BirdPeer(lab, node, config, opts));
}
