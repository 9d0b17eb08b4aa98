/**
 * Start-up and control errors of the daemon. Each start-up failure becomes one `DaemonError`
 * whose message is the single line `wren run` prints: what is wrong and how to fix it. The
 * `code` is stable (tests check it), the exit status follows from it (see exit-codes.ts).
 */
import { WrenError } from "../common/errors.js";
import { EXIT, type ExitCode } from "./exit-codes.js";

export type DaemonErrorCode =
  | "DAEMON_USAGE"
  | "DAEMON_DATASTORE_MISSING"
  | "DAEMON_CONFIG_INVALID"
  | "DAEMON_NODE_NOT_FOUND"
  | "DAEMON_NOT_PRIVILEGED"
  | "DAEMON_BGP_PORT_IN_USE"
  | "DAEMON_HTTP_PORT_IN_USE"
  | "DAEMON_CONTROL_IN_USE"
  | "DAEMON_CONTROL_PATH"
  | "DAEMON_NETLINK_UNAVAILABLE";

const EXIT_OF: Record<DaemonErrorCode, ExitCode> = {
  DAEMON_USAGE: EXIT.usage,
  DAEMON_DATASTORE_MISSING: EXIT.config,
  DAEMON_CONFIG_INVALID: EXIT.config,
  DAEMON_NODE_NOT_FOUND: EXIT.config,
  DAEMON_NOT_PRIVILEGED: EXIT.permission,
  DAEMON_BGP_PORT_IN_USE: EXIT.addressInUse,
  DAEMON_HTTP_PORT_IN_USE: EXIT.addressInUse,
  DAEMON_CONTROL_IN_USE: EXIT.addressInUse,
  DAEMON_CONTROL_PATH: EXIT.config,
  DAEMON_NETLINK_UNAVAILABLE: EXIT.dataplane,
};

export class DaemonError extends WrenError {
  declare readonly code: DaemonErrorCode;

  constructor(code: DaemonErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "DaemonError";
  }

  get exitCode(): ExitCode {
    return EXIT_OF[this.code];
  }
}

/** Node.js system error code (EADDRINUSE, EACCES, ...) of an error or of its causes. */
export function systemErrorCode(err: unknown): string | null {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}
