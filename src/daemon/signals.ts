/**
 * Signals of a running daemon:
 * - SIGTERM / SIGINT: stop (graceful unless configured otherwise); a second one while stopping
 *   exits at once with EXIT.forced, leaving kernel routes and peers as they are;
 * - SIGHUP: re-read the datastore and apply the change (like `wren reload`).
 */
import type { Daemon } from "./daemon.js";
import { EXIT } from "./exit-codes.js";
import type { Logger } from "./logger.js";

export interface SignalHooks {
  /** Called when a stop finished (normally exits the process with EXIT.ok). */
  onStopped(code: number): void;
  /** Called on the second stop signal (normally `process.exit(EXIT.forced)`). */
  onForced(code: number): void;
}

export function installSignalHandlers(
  daemon: Daemon,
  logger: Logger,
  hooks: SignalHooks,
): () => void {
  let stopSignals = 0;
  const onStop = (signal: NodeJS.Signals) => {
    stopSignals++;
    if (stopSignals > 1) {
      logger.warn({ signal }, "second stop signal: exiting now");
      hooks.onForced(EXIT.forced);
      return;
    }
    daemon.stop(signal).then(
      () => hooks.onStopped(EXIT.ok),
      (err: unknown) => {
        logger.error({ err }, "stop failed");
        hooks.onStopped(EXIT.internal);
      },
    );
  };
  const onHup = () => {
    if (daemon.phase !== "running") return;
    logger.info("SIGHUP: re-reading the datastore");
    daemon.reload("sighup").catch((err: unknown) => logger.error({ err }, "reload failed"));
  };
  process.on("SIGTERM", onStop);
  process.on("SIGINT", onStop);
  process.on("SIGHUP", onHup);
  return () => {
    process.off("SIGTERM", onStop);
    process.off("SIGINT", onStop);
    process.off("SIGHUP", onHup);
  };
}
