/**
 * The passive side: TCP listeners on the configured address and port (default every IPv4 and
 * IPv6 address, port 179; IPv6 with IPV6_V6ONLY so each family has its own socket). Connections
 * are handed to the engine, which maps the source address to a peer. TCP-MD5 keys (RFC 2385) are
 * installed per peer address on the listening socket of the peer's family, so the kernel
 * verifies the SYN before it reaches us.
 */
import net from "node:net";
import { familyOf } from "../../common/ip/address.js";
import { SessionError } from "./errors.js";
import type { Logger } from "./logger.js";
import { BGP_TOS, loadSockopt, requireSockopt } from "./sockopt.js";

export interface ListenSpec {
  readonly address: string | null;
  readonly port: number;
}

interface Bound {
  readonly family: "ipv4" | "ipv6";
  readonly server: net.Server;
}

function serverFd(server: net.Server): number {
  const fd = (server as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (fd === undefined || fd < 0)
    throw new SessionError("ERR_SESSION_LISTENER_FD", "listening socket has no file descriptor");
  return fd;
}

export class Listener {
  private bound: Bound[] = [];
  /** Keys installed: address → password. */
  private readonly keys = new Map<string, string>();

  constructor(
    private readonly onConnection: (socket: net.Socket) => void,
    private readonly logger: Logger,
  ) {}

  get addresses(): { address: string; port: number }[] {
    return this.bound.map((b) => b.server.address() as net.AddressInfo).filter(Boolean);
  }

  async listen(spec: ListenSpec): Promise<void> {
    const hosts: { host: string; family: "ipv4" | "ipv6"; optional: boolean }[] =
      spec.address === null
        ? [
            { host: "0.0.0.0", family: "ipv4", optional: false },
            { host: "::", family: "ipv6", optional: true },
          ]
        : [{ host: spec.address, family: familyOf(spec.address) ?? "ipv4", optional: false }];
    for (const h of hosts) {
      const server = net.createServer({ pauseOnConnect: false }, (socket) =>
        this.onConnection(socket),
      );
      try {
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(
            { host: h.host, port: spec.port, ipv6Only: h.family === "ipv6", backlog: 128 },
            () => {
              server.off("error", reject);
              resolve();
            },
          );
        });
      } catch (err) {
        if (h.optional) {
          this.logger.warn(
            { address: h.host, port: spec.port, err: String(err) },
            "cannot listen for BGP on IPv6",
          );
          continue;
        }
        await this.close();
        const code = (err as { code?: string }).code ?? "ERR_SESSION_LISTEN";
        throw new SessionError(
          code === "EADDRINUSE" ? "ERR_SESSION_PORT_IN_USE" : "ERR_SESSION_LISTEN",
          `cannot listen for BGP on ${h.host} port ${spec.port}: ${(err as Error).message}`,
          { cause: err },
        );
      }
      server.on("error", (err) => this.logger.error({ err: String(err) }, "BGP listener error"));
      // SYN-ACKs and accepted connections inherit the listener's TOS (DSCP CS6 like BIRD/FRR).
      try {
        loadSockopt()?.setTos?.(serverFd(server), BGP_TOS);
      } catch (err) {
        this.logger.debug({ err: String(err) }, "cannot set TOS on the listener");
      }
      this.bound.push({ family: h.family, server });
      this.logger.info({ address: h.host, port: spec.port }, "listening for BGP");
    }
    for (const [address, key] of this.keys) this.installKey(address, key);
  }

  /** Installs (or with null removes) the TCP-MD5 key for a peer address. */
  setKey(address: string, key: string | null): void {
    const old = this.keys.get(address);
    if ((old ?? null) === key) return;
    if (key === null) {
      this.keys.delete(address);
      this.installKey(address, "");
    } else {
      this.keys.set(address, key);
      this.installKey(address, key);
    }
  }

  private installKey(address: string, key: string): void {
    const family = familyOf(address);
    for (const b of this.bound) {
      if (b.family !== family) continue;
      requireSockopt(`TCP-MD5 for ${address}`).setMd5Key(serverFd(b.server), address, key);
    }
  }

  async close(): Promise<void> {
    const servers = this.bound.map((b) => b.server);
    this.bound = [];
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
