/**
 * Base error for everything wren throws on purpose. Each error carries a stable `code` string
 * (like undici's UND_ERR_*), so callers and tests check `err.code`, not message text or class
 * identity. Engine-specific errors (BgpError in bgp/wire, config errors in calico) extend it.
 */
export class WrenError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WrenError";
    this.code = code;
  }
}

export function isWrenError(err: unknown, code?: string): err is WrenError {
  return (
    err instanceof Error &&
    typeof (err as { code?: unknown }).code === "string" &&
    (code === undefined || (err as unknown as { code: string }).code === code)
  );
}

/** Message of any thrown value, for logs. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
