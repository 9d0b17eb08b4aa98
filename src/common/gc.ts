/**
 * A full garbage collection on request, without starting Node with `--expose-gc`: the flag is
 * set at run time and `gc` taken from a fresh context (V8 exposes it to contexts created after
 * the flag is set). Used where wren knows that much memory just became garbage and V8 would not
 * hurry: the netlink I/O threads after receiving a few MB of external buffers, and the daemon
 * once a burst of route changes has settled (typed arrays replaced while tables grew are freed
 * only when their JS objects are collected). Falls back to doing nothing if V8 refuses.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

let gc: (() => void) | null = null;

/** Runs a full, blocking garbage collection of this thread's heap (set up on first use). */
export function collectGarbage(): void {
  if (gc === null) {
    gc = () => {};
    try {
      setFlagsFromString("--expose-gc");
      const fn = runInNewContext("gc") as unknown;
      if (typeof fn === "function") gc = fn as () => void;
    } catch {
      // V8 refused the flag: collections stay V8's own business
    }
  }
  gc();
}
