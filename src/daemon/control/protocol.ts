/**
 * The control protocol between `wren` CLI commands and a running daemon: newline-delimited JSON
 * over a Unix stream socket. A request is `{"id": ID, "cmd": NAME, "args": {...}}`, a response
 * `{"id": ID, "ok": true, "result": ...}` or `{"id": ID, "ok": false, "error": {"code", "message"}}`.
 * One connection may carry many requests; they are answered in order. Documented in docs/cli.md.
 */

export const CONTROL_COMMANDS = [
  "hello",
  "status",
  "protocols",
  "routes",
  "config",
  "reload",
] as const;
export type ControlCommand = (typeof CONTROL_COMMANDS)[number];

export type RequestId = number | string;

export interface ControlRequest {
  readonly id: RequestId;
  readonly cmd: string;
  readonly args?: Readonly<Record<string, unknown>>;
}

export interface ControlError {
  /** Stable code: CTL_BAD_REQUEST, CTL_UNKNOWN_COMMAND, CTL_BAD_ARGS, CTL_NOT_READY, CTL_FAILED. */
  readonly code: string;
  readonly message: string;
}

export type ControlResponse =
  | { readonly id: RequestId | null; readonly ok: true; readonly result: unknown }
  | { readonly id: RequestId | null; readonly ok: false; readonly error: ControlError };

/** Arguments of `routes` (show routes). */
export interface RoutesArgs {
  readonly prefix?: string;
  readonly peer?: string;
  readonly all?: boolean;
  readonly family?: "ipv4" | "ipv6";
  /** At most this many routes; 0 = no limit. */
  readonly limit?: number;
}

/** Arguments of `protocols` (show protocols). */
export interface ProtocolsArgs {
  /** Only sessions whose name or address is this. */
  readonly name?: string;
}

/** Longest request line the daemon accepts (a request is small; this only bounds memory). */
export const MAX_REQUEST_BYTES = 64 * 1024;

export function encodeLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}

export type ParsedRequest =
  | { readonly ok: true; readonly request: ControlRequest }
  | { readonly ok: false; readonly id: RequestId | null; readonly error: ControlError };

export function parseRequest(line: string): ParsedRequest {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch (err) {
    return {
      ok: false,
      id: null,
      error: { code: "CTL_BAD_REQUEST", message: `not JSON: ${(err as Error).message}` },
    };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return {
      ok: false,
      id: null,
      error: { code: "CTL_BAD_REQUEST", message: "not a JSON object" },
    };
  }
  const o = data as Record<string, unknown>;
  const id = typeof o.id === "number" || typeof o.id === "string" ? o.id : null;
  if (id === null) {
    return {
      ok: false,
      id: null,
      error: { code: "CTL_BAD_REQUEST", message: '"id" must be a number or a string' },
    };
  }
  if (typeof o.cmd !== "string") {
    return { ok: false, id, error: { code: "CTL_BAD_REQUEST", message: '"cmd" must be a string' } };
  }
  if (
    o.args !== undefined &&
    (typeof o.args !== "object" || o.args === null || Array.isArray(o.args))
  ) {
    return {
      ok: false,
      id,
      error: { code: "CTL_BAD_REQUEST", message: '"args" must be an object' },
    };
  }
  return {
    ok: true,
    request: { id, cmd: o.cmd, args: (o.args as Record<string, unknown> | undefined) ?? {} },
  };
}

/**
 * Splits a byte stream into lines. Lines longer than `maxBytes` are reported once as an
 * overflow and skipped up to their newline.
 */
export class LineSplitter {
  private buffer = "";
  private overflowing = false;

  constructor(private readonly maxBytes: number) {}

  /** Feeds a chunk; returns complete lines and whether an over-long line was dropped. */
  push(chunk: string): { lines: string[]; overflow: boolean } {
    const lines: string[] = [];
    let overflow = false;
    let text = this.buffer + chunk;
    this.buffer = "";
    for (;;) {
      const nl = text.indexOf("\n");
      if (nl < 0) break;
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      if (this.overflowing) {
        this.overflowing = false;
        continue;
      }
      if (line.length > this.maxBytes) {
        overflow = true;
        continue;
      }
      if (line.trim() !== "") lines.push(line.replace(/\r$/, ""));
    }
    if (this.overflowing) return { lines, overflow };
    if (text.length > this.maxBytes) {
      this.overflowing = true;
      overflow = true;
    } else {
      this.buffer = text;
    }
    return { lines, overflow };
  }
}
