/**
 * ExaBGP 4.2 as a harness peer, for announcing and withdrawing routes on demand (also with odd
 * attributes) and recording exactly what the other side sends. ExaBGP runs in the foreground in
 * its namespace with the settings it needs as root in a test: no privilege drop
 * (`exabgp.daemon.user=root`, `exabgp.daemon.drop=false`), no CLI pipes (`exabgp.api.cli=false`),
 * acks on (`exabgp.api.ack=true`), routes not logged, and `exabgp.tcp.bind` when it should also
 * accept connections (it otherwise only connects out). Our API helper (exabgp-api.mjs) is
 * prepended as an ExaBGP process; it takes commands on a unix socket and keeps the peers' state
 * and received routes as JSON in the instance directory.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isAlive, pidsIn, stopProcesses } from "../../../src/lab/process.js";
import type { Lab } from "../netns.js";
import { paths } from "../tools.js";
import { DaemonPeer, started } from "./daemon-peer.js";
import { type BgpPeerRunner, type BgpState, waitForState } from "./runner.js";

export const EXABGP_HELPER = fileURLToPath(new URL("./exabgp-api.mjs", import.meta.url));
const PROCESS_NAME = "wrenapi";

export interface ExabgpPeerOptions {
  readonly name?: string;
  /** Address to listen on for incoming sessions (exabgp.tcp.bind); default: connect out only. */
  readonly bind?: string;
  /** Listen port (exabgp.tcp.port) when `bind` is set; default 179. */
  readonly port?: number;
  /** Extra exabgp_* environment settings. */
  readonly env?: Readonly<Record<string, string>>;
}

/** One route as recorded from the peer's UPDATEs. */
export interface ExabgpReceivedRoute {
  readonly family: string;
  readonly "next-hop": string;
  readonly attribute: Record<string, unknown>;
}

export interface ExabgpQuery {
  /** Per peer address: "up" | "down" | "connected". */
  readonly state: Record<string, string>;
  /** Per peer address: prefix → route. */
  readonly rib: Record<string, Record<string, ExabgpReceivedRoute>>;
}

/** Adds our API process and, per `neighbor X {` block, the api stanza that feeds it. */
export function withApiProcess(config: string, dir: string): string {
  const proc = `process ${PROCESS_NAME} {\n    run ${process.execPath} ${EXABGP_HELPER} ${dir};\n    encoder json;\n}\n\n`;
  if (config.includes(PROCESS_NAME)) return proc + config;
  const api = `    api { processes [ ${PROCESS_NAME} ]; neighbor-changes; receive { parsed; update; notification; open; } }`;
  return proc + config.replace(/^(\s*neighbor\s+[0-9A-Fa-f:.]+\s*\{)\s*$/gm, `$1\n${api}`);
}

export class ExabgpPeer extends DaemonPeer implements BgpPeerRunner {
  readonly kind = "exabgp" as const;

  constructor(
    lab: Lab,
    node: string,
    private config: string,
    private readonly opts: ExabgpPeerOptions = {},
  ) {
    super(lab, node, opts.name ?? "exabgp");
  }

  private env(): Record<string, string> {
    return {
      exabgp_daemon_user: "root",
      exabgp_daemon_drop: "false",
      exabgp_daemon_daemonize: "false",
      exabgp_api_cli: "false",
      exabgp_api_ack: "true",
      exabgp_api_respawn: "true",
      exabgp_log_destination: join(this.dir, "exabgp.log"),
      exabgp_log_routes: "false",
      exabgp_log_packets: "false",
      exabgp_tcp_bind: this.opts.bind ?? "",
      ...(this.opts.port !== undefined ? { exabgp_tcp_port: String(this.opts.port) } : {}),
      ...this.opts.env,
    };
  }

  async start(): Promise<void> {
    this.assertNotRunning("exabgp");
    const conf = join(this.dir, "exabgp.conf");
    writeFileSync(conf, withApiProcess(this.config, this.dir));
    for (const f of ["api.ready", "state.json", "rib-in.json"]) {
      const p = join(this.dir, f);
      if (existsSync(p)) writeFileSync(p, f === "api.ready" ? "" : "{}");
    }
    await this.checkConfig("exabgp", conf, paths.exabgp, ["--validate", conf], {
      env: this.env(),
      detail: (r) => (r.stdout + r.stderr).trim().split("\n").slice(-8).join("\n"),
    });
    const ready = join(this.dir, "api.ready");
    await this.launch("exabgp", paths.exabgp, [conf], {
      env: this.env(),
      logFile: join(this.dir, "exabgp.out"),
      waitingFor: `exabgp API helper in ${this.ns} (${ready})`,
      ready: () => existsSync(ready) && readFileSync(ready, "utf8").trim() !== "",
      exited: (p) =>
        `exabgp exited: ${readFileSync(p.logFile, "utf8").trim().split("\n").slice(-5).join(" | ")}`,
      timeoutMs: 20_000,
    });
  }

  private async stopHelpers(): Promise<void> {
    // the helper exits when ExaBGP closes its stdin; make sure (it carries our directory in argv)
    const mine = pidsIn(this.ns).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(this.dir);
      } catch {
        return false;
      }
    });
    await stopProcesses(mine, { ns: this.ns, graceMs: 1000 });
  }

  override async stop(): Promise<void> {
    if (this.pid === undefined) return;
    await super.stop();
    await this.stopHelpers();
  }

  override async kill(): Promise<void> {
    if (this.pid === undefined) return;
    await super.kill();
    await this.stopHelpers();
  }

  setConfig(config: string): void {
    this.config = config;
  }

  private request(line: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const c = createConnection(join(this.dir, "api.sock"));
      let buf = "";
      const timer = setTimeout(() => {
        c.destroy();
        reject(
          new Error(
            `exabgp in ${this.ns}: no answer within ${timeoutMs} ms to: ${line.slice(0, 100)}`,
          ),
        );
      }, timeoutMs);
      c.setEncoding("utf8");
      c.on("connect", () => c.write(`${line}\n`));
      c.on("data", (d) => {
        buf += d;
      });
      c.on("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`exabgp in ${this.ns}: API socket: ${e.message}`));
      });
      c.on("close", () => {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(buf) as Record<string, unknown>);
        } catch {
          reject(
            new Error(`exabgp in ${this.ns}: bad API answer "${buf}" to: ${line.slice(0, 100)}`),
          );
        }
      });
    });
  }

  /** Sends one ExaBGP API command and waits for its ack; throws when ExaBGP answers "error". */
  async command(cmd: string): Promise<void> {
    const r = await this.request(cmd);
    if (r.ok !== true)
      throw new Error(`exabgp in ${this.ns} rejected "${cmd.slice(0, 160)}": ${String(r.error)}`);
  }

  /** announce route PREFIX ATTRS (next-hop self unless ATTRS names one). */
  announce(prefix: string, attrs = ""): Promise<void> {
    const nh = /\bnext-hop\b/.test(attrs) ? "" : "next-hop self ";
    return this.command(`announce route ${prefix} ${nh}${attrs}`.trim());
  }

  withdraw(prefix: string, attrs = ""): Promise<void> {
    const nh = /\bnext-hop\b/.test(attrs) ? "" : "next-hop self ";
    return this.command(`withdraw route ${prefix} ${nh}${attrs}`.trim());
  }

  /** COUNT consecutive prefixes from BASE/PLEN, many NLRI per UPDATE. */
  bulkAnnounce(
    count: number,
    base: string,
    plen: number,
    nextHop = "self",
    attrs = "",
  ): Promise<void> {
    return this.command(`bulk-announce ${count} ${base} ${plen} ${nextHop} ${attrs}`.trim());
  }

  bulkWithdraw(count: number, base: string, plen: number, nextHop = "self"): Promise<void> {
    return this.command(`bulk-withdraw ${count} ${base} ${plen} ${nextHop}`);
  }

  /** The helper's view: per-peer state and received routes. */
  async query(): Promise<ExabgpQuery> {
    const r = await this.request("query", 10_000);
    return {
      state: (r.state ?? {}) as ExabgpQuery["state"],
      rib: (r.rib ?? {}) as ExabgpQuery["rib"],
    };
  }

  async neighborState(neighbor: string): Promise<BgpState> {
    if (this.pid === undefined || !isAlive(this.pid)) return "Idle";
    const s = (await this.query()).state[neighbor];
    return s === "up"
      ? "Established"
      : s === "connected"
        ? "OpenSent"
        : s === "down"
          ? "Idle"
          : "Unknown";
  }

  /** Routes received from `neighbor` (or from all peers), keyed by prefix. */
  async received(neighbor?: string): Promise<Record<string, ExabgpReceivedRoute>> {
    const { rib } = await this.query();
    if (neighbor !== undefined) return rib[neighbor] ?? {};
    return Object.assign({}, ...Object.values(rib));
  }

  async prefixes(): Promise<string[]> {
    return Object.keys(await this.received()).sort();
  }

  /** Every message ExaBGP reported (state, open, update, notification), in order. */
  events(): Record<string, unknown>[] {
    const f = join(this.dir, "events.jsonl");
    if (!existsSync(f)) return [];
    return readFileSync(f, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }

  waitEstablished(neighbor: string, timeoutMs?: number): Promise<void> {
    return waitForState(this, neighbor, "Established", timeoutMs);
  }
}

export async function startExabgp(
  lab: Lab,
  node: string,
  config: string,
  opts: ExabgpPeerOptions = {},
): Promise<ExabgpPeer> {
  return started(new ExabgpPeer(lab, node, config, opts));
}
