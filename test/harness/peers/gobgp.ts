/**
 * GoBGP 3.10 as a harness peer: gobgpd in the foreground inside its namespace with a TOML (or
 * YAML/JSON) config checked first with `gobgpd -d`, its gRPC API on the namespace's own
 * 127.0.0.1 (`--api-hosts 127.0.0.1:PORT`, so the same port works in every namespace), no pprof
 * server (`--pprof-disable`; it would take localhost:6060). Queries with `gobgp ... -j`.
 * Bulk loading goes through MRT (`gobgp mrt inject global`): GoBGP 3.10's CLI returns without
 * closing its gRPC stream, so gobgpd loses the tail of the stream; `inject` pads the file with
 * copies of the last record (re-adding a path is a no-op) and re-injects until the last prefix is
 * in the RIB. gobgpd does not program the kernel FIB.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runIn } from "../../../src/lab/exec.js";
import type { Lab } from "../netns.js";
import { paths } from "../tools.js";
import { waitUntil } from "../wait.js";
import { DaemonPeer, started } from "./daemon-peer.js";
import { buildMrt, nthPrefix } from "./mrt.js";
import { type BgpPeerRunner, type BgpState, normalizeBgpState, waitForState } from "./runner.js";

export interface GobgpPeerOptions {
  readonly name?: string;
  readonly apiPort?: number;
  readonly configType?: "toml" | "yaml" | "json";
  /** Start with `-r` (graceful-restart restarting flag). */
  readonly gracefulRestart?: boolean;
  readonly logLevel?: string;
}

export interface GobgpNeighbor {
  readonly conf?: { neighbor_address?: string; peer_asn?: number };
  readonly state?: { session_state?: number | string; neighbor_address?: string };
  readonly [k: string]: unknown;
}

export class GobgpPeer extends DaemonPeer implements BgpPeerRunner {
  readonly kind = "gobgp" as const;
  readonly apiPort: number;

  constructor(
    lab: Lab,
    node: string,
    private config: string,
    private readonly opts: GobgpPeerOptions = {},
  ) {
    super(lab, node, opts.name ?? "gobgp");
    this.apiPort = opts.apiPort ?? 50051;
  }

  private get configFile(): string {
    return join(this.dir, `gobgpd.${this.opts.configType ?? "toml"}`);
  }

  async start(): Promise<void> {
    this.assertNotRunning("gobgpd");
    const type = this.opts.configType ?? "toml";
    writeFileSync(this.configFile, this.config);
    await this.checkConfig("gobgpd", this.configFile, paths.gobgpd, [
      "-d",
      "-t",
      type,
      "-f",
      this.configFile,
    ]);
    const args = [
      "-t",
      type,
      "-f",
      this.configFile,
      "--api-hosts",
      `127.0.0.1:${this.apiPort}`,
      "--pprof-disable",
      "-p",
      "-l",
      this.opts.logLevel ?? "info",
      ...(this.opts.gracefulRestart ? ["-r"] : []),
    ];
    await this.launch("gobgpd", paths.gobgpd, args, {
      logFile: join(this.dir, "gobgpd.log"),
      waitingFor: `gobgpd API on 127.0.0.1:${this.apiPort} in ${this.ns}`,
      ready: async () => (await this.gobgpRaw(["global"], true)).code === 0,
      exited: (p) => `gobgpd exited (log: ${p.logFile})`,
      timeoutMs: 10_000,
    });
  }

  /** New configuration, applied at the next (re)start. */
  setConfig(config: string): void {
    this.config = config;
  }

  private gobgpRaw(args: readonly string[], allowFailure = false) {
    return runIn(this.ns, paths.gobgp, ["-u", "127.0.0.1", "-p", String(this.apiPort), ...args], {
      allowFailure,
      timeoutMs: 120_000,
    });
  }

  /** Any gobgp CLI command against this instance; returns stdout. */
  async gobgp(...args: string[]): Promise<string> {
    return (await this.gobgpRaw(args)).stdout;
  }

  async neighbors(): Promise<GobgpNeighbor[]> {
    const out = (await this.gobgp("neighbor", "-j")).trim();
    return out ? (JSON.parse(out) as GobgpNeighbor[]) : [];
  }

  async neighborState(neighbor: string): Promise<BgpState> {
    const n = (await this.neighbors()).find(
      (x) => x.conf?.neighbor_address === neighbor || x.state?.neighbor_address === neighbor,
    );
    return normalizeBgpState(n?.state?.session_state);
  }

  /** `gobgp global rib -a <family> -j`: destinations keyed by prefix. */
  async rib(family: "ipv4" | "ipv6" = "ipv4"): Promise<Record<string, unknown[]>> {
    const out = (await this.gobgp("global", "rib", "-a", family, "-j")).trim();
    return out && out !== "null" ? (JSON.parse(out) as Record<string, unknown[]>) : {};
  }

  async prefixes(): Promise<string[]> {
    const [v4, v6] = await Promise.all([this.rib("ipv4"), this.rib("ipv6")]);
    return [...Object.keys(v4), ...Object.keys(v6)].sort();
  }

  /** Originates a prefix, e.g. addRoute("10.1.0.0/24", "community", "65000:1", "med", "10"). */
  async addRoute(prefix: string, ...attrs: string[]): Promise<void> {
    await this.changeRoute("add", prefix, attrs);
  }

  async deleteRoute(prefix: string, ...attrs: string[]): Promise<void> {
    await this.changeRoute("del", prefix, attrs);
  }

  private async changeRoute(op: "add" | "del", prefix: string, attrs: string[]): Promise<void> {
    const family = prefix.includes(":") ? "ipv6" : "ipv4";
    await this.gobgp("global", "rib", "-a", family, op, prefix, ...attrs);
  }

  private async hasPrefix(family: string, prefix: string): Promise<boolean> {
    const r = await this.gobgpRaw(["global", "rib", "-a", family, prefix, "-j"], true);
    const t = r.stdout.trim();
    return r.code === 0 && t !== "" && t !== "{}" && t !== "null";
  }

  /**
   * Loads `count` consecutive prefixes from `base`/`length` into the global RIB through MRT
   * (fast: one gRPC stream). Returns the file it wrote. Throws if the last prefix never appears.
   */
  async inject(
    count: number,
    base = "10.200.0.0",
    length = 24,
    opts: { asPath?: number[]; med?: number; nextHop?: string } = {},
  ): Promise<string> {
    const file = join(this.dir, "inject.mrt");
    writeFileSync(
      file,
      buildMrt({
        base,
        length,
        count,
        asPath: opts.asPath,
        med: opts.med,
        nextHop: opts.nextHop,
        pad: 2000 + Math.floor(count / 5),
      }),
    );
    const family = base.includes(":") ? "ipv6" : "ipv4";
    const last = nthPrefix(base, length, count - 1);
    for (let attempt = 1; attempt <= 5; attempt++) {
      await this.gobgp("mrt", "inject", "global", file);
      try {
        await waitUntil(
          `gobgp in ${this.ns} to hold ${last}`,
          () => this.hasPrefix(family, last),
          Boolean,
          {
            timeoutMs: 3000,
            intervalMs: 50,
          },
        );
        return file;
      } catch {
        /* re-inject: paths are processed in order, so the tail was lost */
      }
    }
    throw new Error(
      `gobgp inject of ${count} prefixes from ${base}/${length}: ${last} never appeared in the RIB`,
    );
  }

  waitEstablished(neighbor: string, timeoutMs?: number): Promise<void> {
    return waitForState(this, neighbor, "Established", timeoutMs);
  }
}

export async function startGobgp(
  lab: Lab,
  node: string,
  config: string,
  opts: GobgpPeerOptions = {},
): Promise<GobgpPeer> {
  return started(new GobgpPeer(lab, node, config, opts));
}
