// DaemonPeer (test/harness/peers/daemon-peer.ts), the process side of the BIRD/GoBGP/ExaBGP
// runners, driven with local node processes through a stand-in Lab (no namespace, no root): a
// rejected config names the file and the checker's output, a second start is refused, a daemon
// that exits while awaited is reported, stop/kill end the process and forget its PID.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive } from "../../../src/lab/process.js";
import type { Lab, SpawnedProcess } from "../../harness/netns.js";
import { DaemonPeer, started } from "../../harness/peers/daemon-peer.js";

const dir = mkdtempSync(join(tmpdir(), "wren-daemon-peer-"));
const spawned: number[] = [];
const forgotten: number[] = [];

afterAll(() => {
  for (const pid of spawned) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      /* already gone */
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** The part of Lab that DaemonPeer uses; processes run here, not in a namespace. */
const lab = {
  ns: (node: string) => `wren-dp-unit-${node}`,
  dir: () => dir,
  async spawn(
    node: string,
    name: string,
    cmd: string,
    args: readonly string[],
    opts: { env?: Record<string, string>; logFile?: string } = {},
  ): Promise<SpawnedProcess> {
    const logFile = opts.logFile ?? join(dir, `${name}.log`);
    const fd = openSync(logFile, "a");
    const child = spawn(cmd, args, {
      detached: true,
      stdio: ["ignore", fd, fd],
      env: { ...process.env, ...opts.env },
    });
    closeSync(fd);
    child.unref();
    spawned.push(child.pid!);
    return { pid: child.pid!, ns: `wren-dp-unit-${node}`, name, logFile };
  },
  forgetProcess: (pid: number) => forgotten.push(pid),
} as unknown as Lab;

const node = (code: string) => [process.execPath, ["-e", code]] as const;
const RUNS = "setInterval(() => {}, 1000)";

let instances = 0;

/** A daemon that writes TESTD_WORD to its ready file once "up", a checker given as code. */
class TestPeer extends DaemonPeer {
  readonly kind = "gobgp" as const;
  readonly readyFile = join(dir, `ready-${++instances}`);
  constructor(
    private readonly checkCode: string,
    private readonly daemonCode = `require("node:fs").writeFileSync(process.argv[1], process.env.TESTD_WORD); ${RUNS}`,
  ) {
    super(lab, "n1", "testd");
  }

  async start(): Promise<void> {
    this.assertNotRunning("testd");
    rmSync(this.readyFile, { force: true });
    await this.checkConfig("testd", "/etc/testd.conf", ...node(this.checkCode));
    await this.launch("testd", process.execPath, ["-e", this.daemonCode, this.readyFile], {
      env: { TESTD_WORD: "ready" },
      logFile: join(dir, "testd.log"),
      waitingFor: "testd answering",
      ready: () => existsSync(this.readyFile),
      exited: (p) => `testd exited (log: ${p.logFile})`,
      timeoutMs: 2000,
    });
  }
}

describe("DaemonPeer", () => {
  it("a rejected config names the file and the checker's stderr", async () => {
    const p = new TestPeer('console.error("line 3: syntax error"); process.exit(1)');
    await expect(p.start()).rejects.toThrow(
      "testd config /etc/testd.conf rejected: line 3: syntax error",
    );
    expect(p.processId).toBeUndefined();
  });

  it("falls back to stdout when the checker writes nothing on stderr", async () => {
    const p = new TestPeer('console.log("bad neighbor"); process.exit(2)');
    await expect(p.start()).rejects.toThrow("rejected: bad neighbor");
  });

  it("a daemon that exits while awaited is reported with the exited message", async () => {
    const p = new TestPeer("", "process.exit(3)");
    await expect(p.start()).rejects.toThrow(/waiting for testd answering.*testd exited \(log: /);
  });

  it("starts once, refuses a second start, stop ends it and forgets the PID", async () => {
    const p = await started(new TestPeer(""));
    const pid = p.processId!;
    expect(isAlive(pid)).toBe(true);
    await expect(p.start()).rejects.toThrow("testd in wren-dp-unit-n1 already running");
    await p.stop();
    expect(isAlive(pid)).toBe(false);
    expect(p.processId).toBeUndefined();
    expect(forgotten).toContain(pid);
    await p.stop(); // nothing left to stop
  });

  it("kill ends it at once; restart starts a new process", async () => {
    const p = await started(new TestPeer(""));
    const first = p.processId!;
    await p.restart();
    const second = p.processId!;
    expect(second).not.toBe(first);
    expect(isAlive(first)).toBe(false);
    await p.kill();
    expect(isAlive(second)).toBe(false);
    expect(forgotten).toContain(second);
  });

  it("passes the environment to the daemon", async () => {
    const p = await started(new TestPeer(""));
    expect(readFileSync(p.readyFile, "utf8")).toBe("ready");
    await p.kill();
  });
});
