/**
 * `wren run`: the daemon. Flags (defaults in docs/operations.md):
 *   --datastore DIR   Calico YAML directory (default config/)
 *   --node NAME       node name (default $NODENAME, $CALICO_NODENAME, hostname)
 *   --control PATH    control socket (default /run/wren/wren.sock)
 *   --http ADDR:PORT  health and metrics (default 127.0.0.1:9099; "none" to disable)
 *   --log-level L     trace|debug|info|warn|error (default info)
 *   --no-graceful     stop with withdraw-and-clean instead of graceful restart
 *   --route-refresh-interval S  full kernel resync period (default 90 s, Felix's)
 * A start-up failure prints one line (what and how to fix) and exits non-zero.
 */
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { errorMessage } from "../../common/errors.js";
import {
  createLogger,
  Daemon,
  DaemonError,
  defaultEngines,
  EXIT,
  installSignalHandlers,
  type RunOptions,
  resolveRunOptions,
} from "../../daemon/index.js";

export const summary = "run the daemon: BGP speaker, Calico renderer and kernel routes";

const USAGE = `usage: wren run [--datastore DIR] [--node NAME] [--control SOCKET] [--http ADDR:PORT|none]
                [--log-level trace|debug|info|warn|error] [--no-graceful]
                [--route-refresh-interval SECONDS]

  --datastore DIR    Calico YAML resources (default: config/, or $WREN_DATASTORE)
  --node NAME        this node's name (default: $NODENAME, $CALICO_NODENAME, the hostname)
  --control SOCKET   control socket for wren status/show/reload (default: /run/wren/wren.sock)
  --http ADDR:PORT   /livez, /readyz, /metrics (default: 127.0.0.1:9099; "none" disables)
  --log-level L      log level (default: info; debug traces BGP messages)
  --no-graceful      on SIGTERM send Cease to peers and remove wren's kernel routes
                     (default: graceful restart, peers and kernel keep the routes)
  --route-refresh-interval SECONDS
                     full resync of wren's kernel routes, devices and neighbours every
                     SECONDS (also 30s, 5m; Felix's routeRefreshInterval; default: 90, or
                     $WREN_ROUTE_REFRESH_INTERVAL); kernel events are handled in between

Signals: SIGTERM/SIGINT stop (a second one exits at once), SIGHUP re-reads the datastore.`;

/** Exit a moment after the daemon stopped even if a stray handle keeps the loop alive. */
function exitSoon(code: number): void {
  setTimeout(() => process.exit(code), 200).unref();
}

export async function run(args: string[]): Promise<number> {
  let options: RunOptions;
  try {
    const { values } = parseArgs({
      args,
      options: {
        datastore: { type: "string" },
        node: { type: "string" },
        control: { type: "string" },
        http: { type: "string" },
        "log-level": { type: "string" },
        "no-graceful": { type: "boolean" },
        "state-file": { type: "string" },
        "route-refresh-interval": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      console.log(USAGE);
      return EXIT.ok;
    }
    options = resolveRunOptions(
      {
        datastore: values.datastore,
        node: values.node,
        control: values.control,
        http: values.http,
        logLevel: values["log-level"],
        noGraceful: values["no-graceful"],
        stateFile: values["state-file"],
        routeRefreshInterval: values["route-refresh-interval"],
      },
      { env: process.env, hostname: hostname() },
    );
  } catch (err) {
    console.error(`wren run: ${errorMessage(err)}\n\n${USAGE}`);
    return EXIT.usage;
  }

  const logger = createLogger({ level: options.logLevel, node: options.node });
  const daemon = new Daemon(options, { engines: defaultEngines(), logger });

  // A stop signal during start-up is acted on once start-up is over.
  let earlySignal: NodeJS.Signals | null = null;
  const early = (signal: NodeJS.Signals) => {
    if (earlySignal) process.exit(EXIT.forced);
    earlySignal = signal;
  };
  process.on("SIGTERM", early);
  process.on("SIGINT", early);
  const ignoreHup = () => undefined; // SIGHUP during start-up: the first read sees the change
  process.on("SIGHUP", ignoreHup);
  try {
    await daemon.start();
  } catch (err) {
    const code = err instanceof DaemonError ? err.exitCode : EXIT.internal;
    if (err instanceof DaemonError) {
      logger.fatal({ code: err.code }, err.message);
      console.error(`wren: ${err.message}`);
    } else {
      logger.fatal({ err }, "start-up failed");
      console.error(
        `wren: start-up failed: ${errorMessage(err)} (a bug: please report it with the log)`,
      );
    }
    exitSoon(code);
    return code;
  } finally {
    process.off("SIGTERM", early);
    process.off("SIGINT", early);
    process.off("SIGHUP", ignoreHup);
  }

  return new Promise<number>((resolve) => {
    installSignalHandlers(daemon, logger, {
      onStopped: (code) => {
        exitSoon(code);
        resolve(code);
      },
      onForced: (code) => process.exit(code),
    });
    if (earlySignal) process.kill(process.pid, earlySignal);
  });
}
