/**
 * The CLI side of the control socket: connect, send one request, read its response. Used by
 * `wren status`, `wren show ...` and `wren reload`. Errors are `CtlClientError`s with a message
 * a user can act on (no daemon running, permission denied, timeout).
 */
import { connect } from "node:net";
import { WrenError } from "../common/errors.js";
// Only the protocol and the defaults: a client must not load the engines.
import { type ControlResponse, encodeLine, LineSplitter } from "../daemon/control/protocol.js";
import { DEFAULT_CONTROL_SOCKET } from "../daemon/options.js";

export class CtlClientError extends WrenError {
  constructor(
    code: "CTL_CONNECT" | "CTL_TIMEOUT" | "CTL_PROTOCOL" | "CTL_REMOTE",
    message: string,
  ) {
    super(code, message);
    this.name = "CtlClientError";
  }
}

export interface CtlOptions {
  /** Socket path; default $WREN_CONTROL or /run/wren/wren.sock. */
  readonly socket?: string;
  readonly timeoutMs?: number;
}

export function controlSocketPath(flag?: string): string {
  return flag ?? process.env.WREN_CONTROL ?? DEFAULT_CONTROL_SOCKET;
}

const MAX_RESPONSE_BYTES = 512 * 1024 * 1024;

/** Sends `cmd` with `args` and resolves with the result; a daemon-side error rejects. */
export function request<T = unknown>(
  cmd: string,
  args: Record<string, unknown> = {},
  options: CtlOptions = {},
): Promise<T> {
  const path = controlSocketPath(options.socket);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise<T>((resolve, reject) => {
    const socket = connect(path);
    const splitter = new LineSplitter(MAX_RESPONSE_BYTES);
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(
            new CtlClientError(
              "CTL_TIMEOUT",
              `no answer from wren on ${path} within ${timeoutMs / 1000} s`,
            ),
          ),
        ),
      timeoutMs,
    );
    socket.setEncoding("utf8");
    socket.once("connect", () => socket.write(encodeLine({ id: 1, cmd, args })));
    socket.on("data", (chunk: string) => {
      const { lines } = splitter.push(chunk);
      for (const line of lines) {
        let msg: ControlResponse;
        try {
          msg = JSON.parse(line) as ControlResponse;
        } catch {
          finish(() =>
            reject(new CtlClientError("CTL_PROTOCOL", `bad answer from ${path}: not JSON`)),
          );
          return;
        }
        if (msg.id !== 1 && msg.id !== null) continue;
        finish(() => {
          if (msg.ok) resolve(msg.result as T);
          else reject(new CtlClientError("CTL_REMOTE", msg.error.message));
        });
        return;
      }
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      finish(() => reject(new CtlClientError("CTL_CONNECT", connectMessage(path, err))));
    });
    socket.on("close", () =>
      finish(() =>
        reject(new CtlClientError("CTL_PROTOCOL", `wren closed ${path} without answering`)),
      ),
    );
  });
}

function connectMessage(path: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "ENOENT":
    case "ECONNREFUSED":
      return `wren is not running (no control socket at ${path}); start it with \`wren run\`, or pass --control PATH (or set WREN_CONTROL) for an instance with its own socket`;
    case "EACCES":
    case "EPERM":
      return `permission denied on ${path}: the control socket is only for the user running wren (try sudo)`;
    default:
      return `cannot connect to wren on ${path}: ${err.message}`;
  }
}
