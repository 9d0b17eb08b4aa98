/**
 * The health and metrics endpoint (default 127.0.0.1:9099, Felix's health port):
 *
 * - `GET /livez`   200 while the process and its event loop are alive (this handler runs at all
 *                  and the loop heartbeat is recent), else 503;
 * - `GET /readyz`  200 when ready (Calico bird-ready semantics, see readiness.ts), 503 otherwise,
 *                  with a one-line body saying why either way;
 * - `GET /metrics` Prometheus text format.
 *
 * Plain text bodies (probes and curl read them); `?json` on /livez and /readyz gives JSON.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { errorMessage } from "../common/errors.js";
import { DaemonError, systemErrorCode } from "./errors.js";
import type { Logger } from "./logger.js";
import type { HttpListen } from "./options.js";
import type { Readiness } from "./readiness.js";

export interface HttpHandlers {
  liveness(): Readiness;
  readiness(): Readiness;
  metrics(): Promise<{ contentType: string; body: string }>;
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8",
) {
  res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
  res.end(body);
}

function probe(req: IncomingMessage, res: ServerResponse, r: Readiness): void {
  const status = r.ready ? 200 : 503;
  if (new URL(req.url ?? "/", "http://x").searchParams.has("json")) {
    send(res, status, `${JSON.stringify(r)}\n`, "application/json");
  } else {
    send(res, status, `${r.ready ? "ok" : "not ready"}: ${r.reason}\n`);
  }
}

export async function startHttpServer(
  listen: HttpListen,
  handlers: HttpHandlers,
  logger: Logger,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(res, 405, "only GET\n");
      return;
    }
    if (path === "/livez" || path === "/healthz") return probe(req, res, handlers.liveness());
    if (path === "/readyz") return probe(req, res, handlers.readiness());
    if (path === "/metrics") {
      handlers.metrics().then(
        (m) => send(res, 200, m.body, m.contentType),
        (err) => {
          logger.error({ err }, "metrics collection failed");
          send(res, 500, `metrics collection failed: ${errorMessage(err)}\n`);
        },
      );
      return;
    }
    send(res, 404, "not found: try /livez, /readyz or /metrics\n");
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch((err: unknown) => {
    const code = systemErrorCode(err);
    const where = `${listen.host.includes(":") ? `[${listen.host}]` : listen.host}:${listen.port}`;
    if (code === "EADDRINUSE") {
      throw new DaemonError(
        "DAEMON_HTTP_PORT_IN_USE",
        `health/metrics address ${where} is already in use (another wren or Felix in this network namespace?); pass --http ADDR:PORT or --http none`,
        { cause: err },
      );
    }
    if (code === "EADDRNOTAVAIL") {
      throw new DaemonError(
        "DAEMON_HTTP_PORT_IN_USE",
        `health/metrics address ${where} is not an address of this network namespace; pass --http with a local address`,
        { cause: err },
      );
    }
    throw err;
  });
  server.on("error", (err) => logger.error({ err }, "health/metrics server error"));
  return server;
}

export function closeHttpServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
