/**
 * Packet capture for wire checks: tcpdump inside a namespace writes BGP traffic to a pcap file,
 * then tshark's BGP dissector reads it back: per-type message counts, and every frame Wireshark
 * marks malformed or with an expert-info severity of Error (Warnings too with `strict`, TCP
 * analysis noise excluded). An independent second opinion on what our encoder puts on the wire.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { run } from "../../src/lab/exec.js";
import { isAlive } from "../../src/lab/process.js";
import type { Lab } from "./netns.js";
import { paths } from "./tools.js";
import { sleep, waitFor } from "./wait.js";

export interface BadFrame {
  readonly frame: number;
  readonly src: string;
  readonly dst: string;
  /** BGP message types in the frame, e.g. "2" or "2,4". */
  readonly bgpTypes: string;
  readonly expert: string;
  readonly malformed: boolean;
}

export interface CaptureReport {
  readonly pcap: string;
  readonly frames: number;
  /** BGP messages by type name (OPEN, UPDATE, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH). */
  readonly messages: Record<string, number>;
  readonly malformed: readonly BadFrame[];
  /** Expert warnings (only filled when analysed with strict). */
  readonly warnings: readonly BadFrame[];
  /** No malformed frame, no expert error (and no warning when strict). */
  readonly clean: boolean;
}

const NAMES: Record<string, string> = {
  1: "OPEN",
  2: "UPDATE",
  3: "NOTIFICATION",
  4: "KEEPALIVE",
  5: "ROUTE-REFRESH",
};

function tsharkArgs(pcap: string, port: number): string[] {
  return ["-n", "-r", pcap, "-2", ...(port !== 179 ? ["-d", `tcp.port==${port},bgp`] : [])];
}

function parseFrames(text: string): BadFrame[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [frame, src, dst, types, expert, malformed] = l.split("|");
      return {
        frame: Number(frame),
        src,
        dst,
        bgpTypes: types ?? "",
        expert: expert ?? "",
        malformed: Boolean(malformed),
      };
    });
}

/** Analyses a pcap with tshark. */
export async function analysePcap(
  pcap: string,
  opts: { port?: number; strict?: boolean } = {},
): Promise<CaptureReport> {
  const port = opts.port ?? 179;
  const base = tsharkArgs(pcap, port);
  const fields = [
    "-T",
    "fields",
    "-E",
    "separator=|",
    "-e",
    "frame.number",
    "-e",
    "ip.src",
    "-e",
    "ip.dst",
    "-e",
    "bgp.type",
    "-e",
    "_ws.expert.message",
    "-e",
    "_ws.malformed",
  ];
  const [all, types, bad, warn] = await Promise.all([
    run(paths.tshark, base, { allowFailure: true }),
    run(paths.tshark, [...base, "-Y", "bgp", "-T", "fields", "-e", "bgp.type"], {
      allowFailure: true,
    }),
    run(
      paths.tshark,
      [...base, "-Y", "_ws.malformed || _ws.expert.severity >= 0x00800000", ...fields],
      { allowFailure: true },
    ),
    opts.strict
      ? run(
          paths.tshark,
          [
            ...base,
            "-Y",
            "_ws.expert.severity >= 0x00600000 && !tcp.analysis.flags && !(_ws.expert.group == 0x0d000000)",
            ...fields,
          ],
          { allowFailure: true },
        )
      : Promise.resolve({ stdout: "", stderr: "", code: 0 }),
  ]);
  const messages: Record<string, number> = {};
  for (const t of types.stdout.split(/[\n,]/).filter(Boolean)) {
    const n = NAMES[t.trim()] ?? `type ${t.trim()}`;
    messages[n] = (messages[n] ?? 0) + 1;
  }
  const malformed = parseFrames(bad.stdout);
  const warnings = parseFrames(warn.stdout);
  return {
    pcap,
    frames: all.stdout.split("\n").filter(Boolean).length,
    messages,
    malformed,
    warnings,
    clean: malformed.length === 0 && warnings.length === 0,
  };
}

export class Capture {
  private constructor(
    private readonly lab: Lab,
    readonly ns: string,
    readonly pcap: string,
    private readonly pid: number,
    private readonly logFile: string,
    private readonly port: number,
  ) {}

  /**
   * Starts tcpdump on `iface` of node `node` for `tcp port <port>`; resolves once tcpdump is
   * listening, so traffic started afterwards is captured from its first packet.
   */
  static async start(
    lab: Lab,
    node: string,
    iface: string,
    opts: { port?: number; name?: string } = {},
  ): Promise<Capture> {
    const port = opts.port ?? 179;
    const dir = lab.dir(node, opts.name ?? `cap-${iface}`);
    const pcap = join(dir, "capture.pcap");
    const logFile = join(dir, "tcpdump.log");
    // --immediate-mode: no kernel buffering (else packets of the last second are lost at stop);
    // -U: packet-buffered file; -Z root: keep writing into root-owned dirs
    const p = await lab.spawn(
      node,
      "tcpdump",
      paths.tcpdump,
      [
        "-i",
        iface,
        "-s",
        "0",
        "--immediate-mode",
        "-U",
        "-Z",
        "root",
        "-w",
        pcap,
        `tcp port ${port}`,
      ],
      { logFile },
    );
    await waitFor(
      `tcpdump listening on ${iface} in ${lab.ns(node)}`,
      () => {
        if (!isAlive(p.pid))
          throw new Error(
            `tcpdump exited: ${existsSync(logFile) ? readFileSync(logFile, "utf8") : ""}`,
          );
        return existsSync(logFile) && readFileSync(logFile, "utf8").includes("listening on");
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    return new Capture(lab, lab.ns(node), pcap, p.pid, logFile, port);
  }

  /** Stops tcpdump (SIGINT, so it flushes) and analyses the capture. */
  async stop(opts: { strict?: boolean } = {}): Promise<CaptureReport> {
    if (isAlive(this.pid)) {
      await sleep(150); // let packets already on the wire reach the file
      process.kill(this.pid, "SIGINT");
      for (let i = 0; i < 100 && isAlive(this.pid); i++) await sleep(20);
      if (isAlive(this.pid)) process.kill(this.pid, "SIGKILL");
    }
    this.lab.forgetProcess(this.pid);
    return analysePcap(this.pcap, { port: this.port, strict: opts.strict });
  }

  /** tcpdump's own output (packet counts, errors). */
  log(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, "utf8") : "";
  }
}
