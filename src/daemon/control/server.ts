/**
 * The control socket server: a Unix stream socket (mode 0600, owned by the running user) that
 * answers newline-delimited JSON requests (see protocol.ts) by calling the daemon's handlers.
 * Start-up refuses a socket path a live wren answers on, and removes a stale socket left by a
 * process that died.
 */
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { dirname } from "node:path";
import { errorMessage, isWrenError, WrenError } from "../../common/errors.js";
import { DaemonError, systemErrorCode } from "../errors.js";
import type { Logger } from "../logger.js";
import {
  type ControlResponse,
  encodeLine,
  LineSplitter,
  MAX_REQUEST_BYTES,
  parseRequest,
} from "./protocol.js";

export type ControlHandler = (
  args: Readonly<Record<string, unknown>>,
) => unknown | Promise<unknown>;

/** A request the daemon cannot answer as asked (bad arguments, not ready): answered with the
 *  code, not logged as a failure. */
export class ControlCommandError extends WrenError {
  constructor(code: "CTL_BAD_ARGS" | "CTL_NOT_READY", message: string) {
    super(code, message);
    this.name = "ControlCommandError";
  }
}

/** Answers one request line (exported for unit tests of the dispatch). */
export async function answer(
  line: string,
  handlers: Readonly<Record<string, ControlHandler>>,
  logger: Logger,
): Promise<ControlResponse> {
  const parsed = parseRequest(line);
  if (!parsed.ok) return { id: parsed.id, ok: false, error: parsed.error };
  const { id, cmd, args } = parsed.request;
  const handler = Object.hasOwn(handlers, cmd) ? handlers[cmd] : undefined;
  if (!handler) {
    return {
      id,
      ok: false,
      error: {
        code: "CTL_UNKNOWN_COMMAND",
        message: `unknown command "${cmd}"; known: ${Object.keys(handlers).join(", ")}`,
      },
    };
  }
  try {
    return { id, ok: true, result: await handler(args ?? {}) };
  } catch (err) {
    if (err instanceof ControlCommandError) {
      return { id, ok: false, error: { code: err.code, message: err.message } };
    }
    logger.error({ err, cmd }, "control command failed");
    const code = isWrenError(err) ? err.code : "CTL_FAILED";
    return { id, ok: false, error: { code, message: errorMessage(err) } };
  }
}

function probeLiveSocket(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function prepareSocketPath(path: string): Promise<void> {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new DaemonError(
      "DAEMON_CONTROL_PATH",
      `cannot create the control socket directory ${dirname(path)}: ${errorMessage(err)}; pass --control PATH in a writable directory`,
      { cause: err },
    );
  }
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSocket()) {
    throw new DaemonError(
      "DAEMON_CONTROL_PATH",
      `control socket path ${path} exists and is not a socket; remove it or pass --control PATH`,
    );
  }
  if (await probeLiveSocket(path)) {
    throw new DaemonError(
      "DAEMON_CONTROL_IN_USE",
      `another wren is running with control socket ${path}; stop it, or give this instance its own socket with --control PATH`,
    );
  }
  unlinkSync(path); // left by a process that died
}

export interface ControlServer {
  readonly path: string;
  close(): Promise<void>;
}

export async function startControlServer(
  path: string,
  handlers: Readonly<Record<string, ControlHandler>>,
  logger: Logger,
): Promise<ControlServer> {
  await prepareSocketPath(path);
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setEncoding("utf8");
    const splitter = new LineSplitter(MAX_REQUEST_BYTES);
    let queue = Promise.resolve();
    socket.on("data", (chunk: string) => {
      const { lines, overflow } = splitter.push(chunk);
      if (overflow) {
        socket.write(
          encodeLine({
            id: null,
            ok: false,
            error: {
              code: "CTL_BAD_REQUEST",
              message: `request longer than ${MAX_REQUEST_BYTES} bytes`,
            },
          }),
        );
      }
      for (const line of lines) {
        queue = queue.then(async () => {
          const response = await answer(line, handlers, logger);
          logger.debug(
            { request: line.length > 200 ? `${line.slice(0, 200)}…` : line, ok: response.ok },
            "control request",
          );
          if (!socket.destroyed) socket.write(encodeLine(response));
        });
      }
    });
    socket.on("error", (err) => logger.debug({ err }, "control client error"));
    socket.on("close", () => sockets.delete(socket));
  });
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    const code = systemErrorCode(err);
    throw new DaemonError(
      code === "EADDRINUSE" ? "DAEMON_CONTROL_IN_USE" : "DAEMON_CONTROL_PATH",
      `cannot listen on control socket ${path}: ${errorMessage(err)}; pass --control PATH`,
      { cause: err },
    );
  } finally {
    process.umask(oldMask);
  }
  chmodSync(path, 0o600);
  server.on("error", (err) => logger.error({ err }, "control socket error"));
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }),
  };
}
