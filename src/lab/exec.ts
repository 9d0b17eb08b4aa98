/**
 * Running external commands (ip, sysctl, vtysh, birdc, ...) for the lab layer: arguments as an
 * array (never a shell), output collected, a non-zero exit turned into a LabError that quotes the
 * command line and its stderr. `runIn` runs a command inside a named network namespace through
 * `ip netns exec`, which execs the command in place (no extra process stays behind).
 */
import { spawn } from "node:child_process";
import { LabError } from "./errors.js";

export interface RunOptions {
  /** Written to the command's stdin, then stdin is closed. */
  readonly input?: string;
  /** Extra environment variables (merged over process.env). */
  readonly env?: Readonly<Record<string, string>>;
  /** Kill the command (SIGKILL) after this long; default 60 s. */
  readonly timeoutMs?: number;
  /** Return the result instead of throwing when the exit status is not 0. */
  readonly allowFailure?: boolean;
  readonly cwd?: string;
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Exit status; -1 when killed by a signal or the timeout. */
  readonly code: number;
}

/** Quotes an argv for error messages and logs (display only, never executed). */
export function formatCommand(cmd: string, args: readonly string[]): string {
  return [cmd, ...args]
    .map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`))
    .join(" ");
}

export function run(
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
      stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(
        new LabError("LAB_COMMAND_FAILED", `${formatCommand(cmd, args)}: ${e.message}`, {
          cause: e,
        }),
      );
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const result = {
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        code: code ?? -1,
      };
      if (result.code !== 0 && !opts.allowFailure) {
        const detail = (result.stderr.trim() || result.stdout.trim())
          .split("\n")
          .slice(-5)
          .join("\n");
        reject(
          new LabError(
            "LAB_COMMAND_FAILED",
            `${formatCommand(cmd, args)} exited ${result.code}${detail ? `: ${detail}` : ""}`,
          ),
        );
        return;
      }
      resolve(result);
    });
    if (opts.input !== undefined) {
      child.stdin?.on("error", () => {});
      child.stdin?.end(opts.input);
    }
  });
}

/** Runs `cmd args` inside network namespace `ns`. */
export function runIn(
  ns: string,
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  return run("ip", ["netns", "exec", ns, cmd, ...args], opts);
}
