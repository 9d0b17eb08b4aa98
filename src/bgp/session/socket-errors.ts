/** Socket error texts as BIRD prints them after "Socket: " (strerror wording). */
const TEXTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "Connection refused",
  ECONNRESET: "Connection reset by peer",
  ETIMEDOUT: "Connection timed out",
  EHOSTUNREACH: "No route to host",
  ENETUNREACH: "Network is unreachable",
  EADDRNOTAVAIL: "Cannot assign requested address",
  EADDRINUSE: "Address already in use",
  EPIPE: "Broken pipe",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  EINVAL: "Invalid argument",
};

export function socketErrorText(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === "string" && TEXTS[code]) return TEXTS[code];
  return err instanceof Error ? err.message : String(err);
}

/** "::ffff:10.0.0.1" → "10.0.0.1"; other addresses unchanged. */
export function plainAddress(address: string | undefined): string {
  if (!address) return "";
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
