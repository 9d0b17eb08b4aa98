/**
 * A raw BGP peer for malformed-message tests: a TCP endpoint inside a namespace (connecting out or
 * listening) that sends exactly the bytes a test hands it (see bgp-bytes.ts) and records every
 * message it receives, parsed by the harness's own parser. The socket lives in a small agent
 * process in the namespace (raw-agent.mjs), driven over its stdio. `establish()` does the normal
 * OPEN/KEEPALIVE exchange when a test needs a session before sending the bad part.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { stopProcesses } from "../../../src/lab/process.js";
import type { Lab } from "../netns.js";
import { waitFor, waitUntil } from "../wait.js";
import {
  hex,
  keepalive,
  MessageFramer,
  MessageType,
  type OpenSpec,
  open,
  type ParsedMessage,
} from "./bgp-bytes.js";

const AGENT = fileURLToPath(new URL("./raw-agent.mjs", import.meta.url));

type AgentEvent =
  | { ev: "ready" | "listening" }
  | { ev: "connected"; local: string; remote: string }
  | { ev: "data"; hex: string }
  | { ev: "sent"; bytes: number }
  | { ev: "closed"; hadError: boolean }
  | { ev: "error"; message: string };

export class RawBgpPeer {
  /** Every message received, in order. */
  readonly received: ParsedMessage[] = [];
  /** Agent errors (connect refused, framing problems...). */
  readonly errors: string[] = [];
  connected = false;
  closed = false;
  /** Connections made so far (connect or accept). */
  connections = 0;
  /** Index in `received` where the current connection's messages start. */
  sessionStart = 0;
  local?: string;
  remote?: string;
  private framer = new MessageFramer();
  private events: AgentEvent[] = [];
  private readonly child: ChildProcess;

  private constructor(
    private readonly lab: Lab,
    readonly ns: string,
  ) {
    this.child = spawn("ip", ["netns", "exec", ns, process.execPath, AGENT], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    createInterface({ input: this.child.stdout! }).on("line", (l) =>
      this.onEvent(JSON.parse(l) as AgentEvent),
    );
  }

  /** Starts the agent in node `node` of `lab`. */
  static async start(lab: Lab, node: string): Promise<RawBgpPeer> {
    const p = new RawBgpPeer(lab, lab.ns(node));
    await waitFor(`raw BGP agent in ${p.ns} ready`, () => p.events.some((e) => e.ev === "ready"), {
      timeoutMs: 10_000,
      intervalMs: 20,
    });
    lab.recordProcess(p.child.pid!, p.ns, "raw-bgp-agent");
    return p;
  }

  private onEvent(e: AgentEvent): void {
    this.events.push(e);
    switch (e.ev) {
      case "connected":
        this.connected = true;
        this.closed = false;
        this.connections++;
        this.sessionStart = this.received.length;
        this.local = e.local;
        this.remote = e.remote;
        this.framer = new MessageFramer();
        break;
      case "data":
        try {
          this.received.push(...this.framer.push(Buffer.from(e.hex, "hex")));
        } catch (err) {
          this.errors.push((err as Error).message);
        }
        break;
      case "closed":
        this.connected = false;
        this.closed = true;
        break;
      case "error":
        this.errors.push(e.message);
        break;
    }
  }

  private cmd(c: Record<string, unknown>): void {
    this.child.stdin!.write(`${JSON.stringify(c)}\n`);
  }

  /**
   * Connects to host:port from inside the namespace; resolves once the TCP connection was made
   * (even if the other side closed it again right away: check `closed`).
   */
  async connect(
    host: string,
    port = 179,
    opts: { localAddress?: string; timeoutMs?: number } = {},
  ): Promise<void> {
    const errors = this.errors.length;
    const conns = this.connections;
    this.cmd({ op: "connect", host, port, localAddress: opts.localAddress });
    await waitFor(
      `raw peer in ${this.ns} connected to ${host}:${port}`,
      () => {
        if (this.errors.length > errors) throw new Error(this.errors[this.errors.length - 1]);
        return this.connections > conns;
      },
      { timeoutMs: opts.timeoutMs ?? 10_000, intervalMs: 20 },
    );
  }

  /** Listens on host:port; `waitConnected()` then waits for the peer to connect. */
  async listen(host: string, port = 179): Promise<void> {
    this.cmd({ op: "listen", host, port });
    await waitFor(`raw peer in ${this.ns} listening on ${host}:${port}`, () => {
      const err = this.events.find((e) => e.ev === "error");
      if (err && err.ev === "error") throw new Error(err.message);
      return this.events.some((e) => e.ev === "listening");
    });
  }

  waitConnected(timeoutMs = 30_000): Promise<boolean> {
    return waitFor(`a connection to the raw peer in ${this.ns}`, () => this.connections > 0, {
      timeoutMs,
      intervalMs: 20,
    });
  }

  /** Sends bytes (a Buffer or hex text) as they are. */
  send(bytes: Buffer | string): void {
    const b = typeof bytes === "string" ? hex(bytes) : bytes;
    this.cmd({ op: "send", hex: b.toString("hex") });
  }

  /**
   * Waits for the first received message at index `from` or later (default: the start of the
   * current connection) matching `match` (a message type or a predicate).
   */
  async waitForMessage(
    match: number | ((m: ParsedMessage) => boolean),
    opts: { timeoutMs?: number; from?: number } = {},
  ): Promise<ParsedMessage> {
    const pred = typeof match === "number" ? (m: ParsedMessage) => m.type === match : match;
    const from = opts.from ?? this.sessionStart;
    const r = await waitUntil(
      `raw peer in ${this.ns} to receive ${typeof match === "number" ? `a message of type ${match}` : "a matching message"}`,
      () => {
        const seen = this.received.slice(from);
        return {
          found: seen.find(pred),
          received: seen.map((m) => m.typeName).join(",") || "nothing",
          closed: this.closed,
        };
      },
      (v) => v.found !== undefined,
      { timeoutMs: opts.timeoutMs ?? 15_000, intervalMs: 20 },
    );
    return r.found!;
  }

  /** Waits for a NOTIFICATION and returns [code, subcode]. */
  async waitForNotification(
    timeoutMs = 15_000,
  ): Promise<{ code: number; subcode: number; data: Buffer }> {
    const m = await this.waitForMessage(MessageType.NOTIFICATION, { timeoutMs });
    return m.notification!;
  }

  /** Waits until the other side closed the connection. */
  waitClosed(timeoutMs = 15_000): Promise<boolean> {
    return waitFor(`the connection of the raw peer in ${this.ns} to close`, () => this.closed, {
      timeoutMs,
      intervalMs: 20,
    });
  }

  /**
   * Normal session start on a connected socket: sends OPEN, waits for the peer's OPEN, sends
   * KEEPALIVE, waits for the peer's KEEPALIVE. Returns the peer's OPEN.
   */
  async establish(spec: OpenSpec, timeoutMs = 15_000): Promise<ParsedMessage> {
    const from = this.sessionStart;
    this.send(open(spec));
    const theirOpen = await this.waitForMessage(MessageType.OPEN, { timeoutMs, from });
    this.send(keepalive());
    await this.waitForMessage(MessageType.KEEPALIVE, { timeoutMs, from });
    return theirOpen;
  }

  /** Half-closes (FIN). */
  end(): void {
    this.cmd({ op: "end" });
  }

  /** Resets the connection. */
  destroy(): void {
    this.cmd({ op: "destroy" });
  }

  /** Stops the agent. */
  async stop(): Promise<void> {
    const pid = this.child.pid!;
    this.child.stdin?.end();
    await stopProcesses([pid], { ns: this.ns, graceMs: 2000 });
    this.lab.forgetProcess(pid);
  }
}
