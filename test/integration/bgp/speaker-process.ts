/**
 * `wren speaker` as an integration-test subject: `node dist/cli/main.js speaker --config F`
 * started inside a Lab namespace (PID recorded for cleanup), its stdout JSON lines collected as
 * events, commands written to its stdin and matched to replies by id, stderr (pino logs) in a
 * file in the lab's run directory.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { PeerStatus, SpeakerStatus } from "../../../src/common/contracts/speaker.js";
import type { Lab } from "../../harness/netns.js";
import { waitUntil } from "../../harness/wait.js";

export const WREN_MAIN = resolve(import.meta.dirname, "../../../dist/cli/main.js");

export function wrenBuildMissing(): string | undefined {
  return existsSync(WREN_MAIN)
    ? undefined
    : `the compiled CLI (${WREN_MAIN}) is missing: run npx tsc -p tsconfig.build.json`;
}

export type SpeakerJson = Record<string, unknown>;

export class SpeakerProcess {
  readonly events: SpeakerJson[] = [];
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: SpeakerJson) => void>();
  private exitCode: number | null = null;
  private readonly exited: Promise<number>;

  private constructor(
    readonly lab: Lab,
    readonly node: string,
    readonly configFile: string,
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    const rl = createInterface({ input: child.stdout! });
    rl.on("line", (line) => {
      let msg: SpeakerJson;
      try {
        msg = JSON.parse(line);
      } catch {
        return;
      }
      if (typeof msg.id === "number" && this.waiting.has(msg.id)) {
        this.waiting.get(msg.id)!(msg);
        this.waiting.delete(msg.id);
      } else this.events.push(msg);
    });
    this.exited = new Promise((r) =>
      child.on("exit", (code) => {
        this.exitCode = code ?? -1;
        lab.forgetProcess(child.pid!);
        r(this.exitCode);
      }),
    );
  }

  /** Writes the config and starts `wren speaker` in node `node`. */
  static async start(
    lab: Lab,
    node: string,
    config: object,
    opts: { name?: string; args?: string[] } = {},
  ): Promise<SpeakerProcess> {
    const dir = lab.dir(node, opts.name ?? "wren");
    const configFile = join(dir, "speaker.json");
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    const logFile = join(dir, "speaker.log");
    const child = spawn(
      "ip",
      [
        "netns",
        "exec",
        lab.ns(node),
        process.execPath,
        WREN_MAIN,
        "speaker",
        "--config",
        configFile,
        "--log-level",
        "debug",
        ...(opts.args ?? []),
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    );
    lab.recordProcess(child.pid!, lab.ns(node), opts.name ?? "wren");
    const log = createWriteStream(logFile, { flags: "a" });
    child.stderr!.pipe(log);
    const p = new SpeakerProcess(lab, node, configFile, child, logFile);
    await waitUntil(
      `wren speaker in ${node} to start (log ${logFile})`,
      () =>
        p.exitCode !== null
          ? "exited"
          : p.events.find((e) => e.event === "started")
            ? "started"
            : null,
      (s) => s !== null,
      { timeoutMs: 20_000, intervalMs: 50 },
    ).then((s) => {
      if (s === "exited") throw new Error(`wren speaker exited with ${p.exitCode}; see ${logFile}`);
    });
    return p;
  }

  async command(cmd: SpeakerJson, timeoutMs = 10_000): Promise<SpeakerJson> {
    const id = this.nextId++;
    const reply = new Promise<SpeakerJson>((resolve, reject) => {
      const t = setTimeout(
        () => reject(new Error(`no reply to ${JSON.stringify(cmd)}`)),
        timeoutMs,
      );
      this.waiting.set(id, (r) => {
        clearTimeout(t);
        resolve(r);
      });
    });
    this.child.stdin!.write(`${JSON.stringify({ ...cmd, id })}\n`);
    const r = await reply;
    if (r.ok !== true) throw new Error(`wren speaker: ${String(r.error)}`);
    return r;
  }

  async status(): Promise<SpeakerStatus> {
    return (await this.command({ cmd: "status" })).result as SpeakerStatus;
  }

  async peer(name: string): Promise<PeerStatus> {
    const s = await this.status();
    const p = s.peers.find((x) => x.name === name);
    if (!p) throw new Error(`no peer ${name} in wren status`);
    return p;
  }

  async waitPeer(
    name: string,
    what: string,
    done: (p: PeerStatus) => boolean,
    timeoutMs = 30_000,
  ): Promise<PeerStatus> {
    return waitUntil(`wren peer ${name}: ${what}`, () => this.peer(name), done, {
      timeoutMs,
      intervalMs: 150,
    });
  }

  waitEstablished(name: string, timeoutMs = 30_000): Promise<PeerStatus> {
    return this.waitPeer(name, "Established", (p) => p.bgpState === "Established", timeoutMs);
  }

  /** Stops with the given mode over stdin and waits for the process to exit. */
  async stop(mode: "graceful" | "withdraw" = "withdraw"): Promise<number> {
    if (this.exitCode !== null) return this.exitCode;
    this.child.stdin!.write(`${JSON.stringify({ cmd: "stop", mode })}\n`);
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 10_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /** SIGKILL: wren vanishes without closing anything (crash). */
  async kill(): Promise<void> {
    if (this.exitCode !== null) return;
    this.child.kill("SIGKILL");
    await this.exited;
  }

  get running(): boolean {
    return this.exitCode === null;
  }
}

/** A SpeakerConfig JSON for `wren speaker` (defaults are filled by the CLI). */
export function speakerJson(o: {
  routerId: string;
  asNumber: number;
  peers: object[];
  originate?: string[];
  listen?: { address: string | null; port: number };
  extra?: object;
}): object {
  return {
    routerId: o.routerId,
    asNumber: o.asNumber,
    ...(o.listen ? { listen: o.listen } : {}),
    peers: o.peers,
    originate: (o.originate ?? []).map((prefix) => ({ prefix, kind: "static" })),
    ...o.extra,
  };
}

/** Route-level tests need the RIB engine built into dist/ (without it wren runs sessions only). */
export function ribMissing(): string | undefined {
  const engine = resolve(import.meta.dirname, "../../../dist/bgp/rib/engine.js");
  return existsSync(engine) ? undefined : `the RIB engine (${engine}) is not built`;
}
