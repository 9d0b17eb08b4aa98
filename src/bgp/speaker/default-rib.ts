/**
 * The RIB engine the speaker uses by default (src/bgp/rib's RibEngine), and its JIT warm-up:
 * `RibEngine.warmUp()` runs a synthetic table load through throwaway engines so that the first
 * real table load runs compiled code (docs/rib.md, docs/benchmarks.md). It is started once per
 * process, on a later turn of the event loop, while the sessions are still being established; its
 * work runs in the RIB's bounded slices, so keepalives of live sessions are not held up.
 */
import { RibEngine } from "../rib/index.js";
import type { Logger } from "../session/index.js";
import type { RibFactory } from "./rib-port.js";

export const defaultRibFactory: RibFactory = ({ clock, logger }) =>
  new RibEngine({ clock, logger });

let warmUp: Promise<void> | null = null;

/** Starts the RIB warm-up once per process (later calls return the same promise). */
export function warmUpRibOnce(logger: Logger): Promise<void> {
  if (warmUp === null) {
    warmUp = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      const started = performance.now();
      try {
        await RibEngine.warmUp();
        logger.debug(
          { ms: Math.round(performance.now() - started) },
          "RIB warm-up done (hot paths compiled before the first table load)",
        );
      } catch (err) {
        logger.warn({ err: String(err) }, "RIB warm-up failed (the first table load runs cold)");
      }
    });
  }
  return warmUp;
}
