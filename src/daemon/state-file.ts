/**
 * The restart-state file (next to the control socket, one per node): how the previous instance
 * ended. It decides whether this start is a graceful restart in the RFC 4724 §4.1 sense (the
 * speaker sets the R bit and defers best-path selection until peers' End-of-RIB; the dataplane
 * keeps the kernel routes it finds and sweeps only stale ones after convergence):
 *
 * - `graceful` stop, within the restart time we advertised → restart;
 * - `running` (the previous process died without stopping: crash, SIGKILL) → restart too, since
 *   its peers saw a TCP close without Cease and its kernel routes are still there;
 * - `withdraw` stop, no file, or an old graceful stop → a fresh start.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface RestartState {
  readonly node: string;
  readonly status: "running" | "stopped";
  /** How the instance stopped; null while running. */
  readonly stop: "graceful" | "withdraw" | null;
  readonly pid: number;
  /** Wall-clock ms of the last write (start or stop). */
  readonly at: number;
  /** Restart time (s) advertised to peers: how long they keep our routes after a stop. */
  readonly restartTime: number;
}

export function readRestartState(path: string): RestartState | null {
  try {
    const data = JSON.parse(readFileSync(path, "utf8")) as Partial<RestartState>;
    if (data.status !== "running" && data.status !== "stopped") return null;
    return {
      node: String(data.node ?? ""),
      status: data.status,
      stop: data.stop === "graceful" || data.stop === "withdraw" ? data.stop : null,
      pid: Number(data.pid ?? 0),
      at: Number(data.at ?? 0),
      restartTime: Number(data.restartTime ?? 0),
    };
  } catch {
    return null;
  }
}

/** Atomic write (temp file + rename) so a crash never leaves half a file. */
export function writeRestartState(path: string, state: RestartState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

export interface RestartDecision {
  readonly restarting: boolean;
  readonly reason: string;
}

/** Whether this start is a graceful restart, with the reason (logged at start). */
export function decideRestart(
  previous: RestartState | null,
  node: string,
  nowWall: number,
): RestartDecision {
  if (!previous) return { restarting: false, reason: "no previous run recorded" };
  if (previous.node && previous.node !== node) {
    return { restarting: false, reason: `state file belongs to node ${previous.node}` };
  }
  if (previous.status === "running") {
    return {
      restarting: true,
      reason: `previous instance (pid ${previous.pid}) ended without stopping`,
    };
  }
  if (previous.stop === "withdraw") {
    return { restarting: false, reason: "previous instance stopped with withdraw-and-clean" };
  }
  const age = (nowWall - previous.at) / 1000;
  if (age > previous.restartTime) {
    return {
      restarting: false,
      reason: `previous graceful stop was ${Math.round(age)} s ago, beyond the ${previous.restartTime} s restart time`,
    };
  }
  return {
    restarting: true,
    reason: `previous instance stopped gracefully ${Math.round(age)} s ago`,
  };
}
