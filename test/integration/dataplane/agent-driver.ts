/**
 * Runs `wren dataplane` (the compiled CLI in dist/) inside a test namespace and talks to it over
 * its JSON-lines stdin/stdout: the netlink socket belongs to the namespace of the process, so the
 * agent must run there. The PID is recorded in the Lab, so cleanup stops it even when a test fails.
 */

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import type { DesiredDataplane } from "../../../src/common/contracts/dataplane.js";
import { desiredDataplane } from "../../harness/desired-dataplane.js";
import type { Lab } from "../../harness/index.js";

export const MAIN_JS = resolve(import.meta.dirname, "../../../dist/cli/main.js");

export type Reply = Record<string, unknown> & { ok?: boolean };

export interface StartOptions {
  readonly restarting?: boolean;
  readonly routesFile?: string;
  readonly extraArgs?: readonly string[];
  readonly name?: string;
}

export interface JsonBatch {
  readonly upserts?: readonly { prefix: string; nexthops: readonly string[] }[];
  readonly withdrawals?: readonly string[];
}

export class AgentProcess {
  private nextId = 1;
  private readonly waiters = new Map<number, (r: Reply) => void>();
  private readyWaiter: ((r: Reply) => void) | null = null;
  private ready: Reply | null = null;
  private exited: Promise<number | null>;
  readonly stderr: string[] = [];

  private constructor(
    private readonly lab: Lab,
    readonly node: string,
    readonly planFile: string,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {
    const rl = createInterface({ input: child.stdout });
    rl.on("line", (line) => {
      let msg: Reply;
      try {
        msg = JSON.parse(line) as Reply;
      } catch {
        return;
      }
      if (msg.event === "ready") {
        this.ready = msg;
        this.readyWaiter?.(msg);
      } else if (typeof msg.id === "number") {
        this.waiters.get(msg.id)?.(msg);
        this.waiters.delete(msg.id);
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      this.stderr.push(d.toString());
      if (this.stderr.length > 500) this.stderr.splice(0, 100);
    });
    this.exited = new Promise((res) => child.on("exit", (code) => res(code)));
  }

  static async start(
    lab: Lab,
    node: string,
    plan: DesiredDataplane,
    opts: StartOptions = {},
  ): Promise<AgentProcess> {
    const dir = lab.dir(node, opts.name ?? "dataplane");
    const planFile = join(dir, "plan.json");
    writeFileSync(planFile, JSON.stringify(plan, null, 2));
    const args = [MAIN_JS, "dataplane", "--plan", planFile, "--log-level", "debug"];
    if (opts.restarting) args.push("--restarting");
    if (opts.routesFile) args.push("--routes", opts.routesFile);
    args.push(...(opts.extraArgs ?? []));
    const ns = lab.ns(node);
    const child = spawn("ip", ["netns", "exec", ns, process.execPath, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    if (child.pid === undefined) throw new Error("could not start wren dataplane");
    lab.recordProcess(child.pid, ns, opts.name ?? "dataplane");
    const agent = new AgentProcess(lab, node, planFile, child);
    await agent.waitReady();
    return agent;
  }

  private waitReady(): Promise<Reply> {
    if (this.ready) return Promise.resolve(this.ready);
    return new Promise((res, rej) => {
      const timer = setTimeout(
        () => rej(new Error(`wren dataplane did not get ready:\n${this.stderr.join("")}`)),
        30_000,
      );
      this.readyWaiter = (r) => {
        clearTimeout(timer);
        res(r);
      };
      void this.exited.then((code) => {
        clearTimeout(timer);
        rej(new Error(`wren dataplane exited (${code}):\n${this.stderr.join("")}`));
      });
    });
  }

  /** Sends a command and waits for its answer. */
  cmd(command: Record<string, unknown>, timeoutMs = 40_000): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((res, rej) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        // status is answered even while other commands wait: say where the agent is stuck.
        const sid = this.nextId++;
        const fail = (status: unknown) =>
          rej(
            new Error(
              `no answer to ${JSON.stringify(command)}; status ${JSON.stringify(status)}\n${this.stderr.slice(-20).join("")}`,
            ),
          );
        const t2 = setTimeout(() => fail("(no answer)"), 2000);
        this.waiters.set(sid, (r) => {
          clearTimeout(t2);
          fail(r.status);
        });
        this.child.stdin.write(`${JSON.stringify({ cmd: "status", id: sid })}\n`);
      }, timeoutMs);
      this.waiters.set(id, (r) => {
        clearTimeout(timer);
        res(r);
      });
      this.child.stdin.write(`${JSON.stringify({ ...command, id })}\n`);
    });
  }

  /** Applies a BGP batch and waits until the kernel matches. */
  async bgp(batch: JsonBatch): Promise<Reply> {
    const r = await this.cmd({ cmd: "bgp", ...batch, wait: true });
    if (!r.ok) throw new Error(`bgp command failed: ${JSON.stringify(r)}`);
    return r;
  }

  async plan(plan: DesiredDataplane): Promise<Reply> {
    const r = await this.cmd({ cmd: "plan", plan });
    if (!r.ok) throw new Error(`plan command failed: ${JSON.stringify(r)}`);
    return r;
  }

  async status(): Promise<Record<string, unknown>> {
    const r = await this.cmd({ cmd: "status" });
    return r.status as Record<string, unknown>;
  }

  /** Stops the agent through its stdin and waits for the process to end. */
  async stop(keepRoutes: boolean): Promise<void> {
    await this.cmd({ cmd: "stop", keepRoutes });
    this.child.stdin.end();
    await this.exited;
    if (this.child.pid !== undefined) this.lab.forgetProcess(this.child.pid);
  }

  /** SIGKILL: a crash, nothing cleaned up by the agent. */
  async kill(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.exited;
    if (this.child.pid !== undefined) this.lab.forgetProcess(this.child.pid);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }
}

/** `ip [-6] route show table main` lines of a node, trimmed. */
export async function ipRoutes(lab: Lab, node: string, family: 4 | 6 = 4): Promise<string[]> {
  const r = await lab.exec(node, "ip", [`-${family}`, "route", "show", "table", "main"]);
  return r.stdout
    .replace(/\n\s+nexthop/g, " nexthop")
    .split("\n")
    .map((l) => l.trim().replace(/\s+/g, " "))
    .filter((l) => l.length > 0);
}

/** `ip -d -j route show table all` for byte-for-byte ownership checks. */
export async function allRoutesJson(lab: Lab, node: string): Promise<Record<string, unknown>[]> {
  const v4 = await lab.exec(node, "ip", ["-4", "-d", "-j", "route", "show", "table", "all"]);
  const v6 = await lab.exec(node, "ip", ["-6", "-d", "-j", "route", "show", "table", "all"]);
  return [...JSON.parse(v4.stdout), ...JSON.parse(v6.stdout)] as Record<string, unknown>[];
}

/** A minimal desired dataplane to extend in tests. */
export function emptyPlan(node: string, extra: Partial<DesiredDataplane> = {}): DesiredDataplane {
  return desiredDataplane({
    nodeName: node,
    // Long: repairs in tests must come from netlink notifications, not from a periodic resync.
    resyncInterval: 3600,
    workloadGracePeriod: 0,
    ...extra,
  });
}

/** Creates a "pod": namespace <node>-<pod> with eth0 ⇄ <hostIf> on the node, Calico-style. */
export async function addPod(
  lab: Lab,
  node: string,
  pod: string,
  hostIf: string,
  ip: string,
  opts: { ipv6?: string } = {},
): Promise<{ mac: string }> {
  await lab.addNode(pod, { forwarding: false });
  await lab.link(node, hostIf, pod, "eth0", { addrB: `${ip}/32` });
  await lab.exec(node, "ip", ["link", "set", hostIf, "address", "ee:ee:ee:ee:ee:ee"]);
  await lab.sh(
    pod,
    `ip route add 169.254.1.1 dev eth0 scope link && ip route add default via 169.254.1.1 dev eth0`,
  );
  if (opts.ipv6)
    await lab.exec(pod, "ip", ["-6", "addr", "add", `${opts.ipv6}/128`, "dev", "eth0", "nodad"]);
  const mac = (await lab.exec(pod, "cat", ["/sys/class/net/eth0/address"])).stdout.trim();
  return { mac };
}
