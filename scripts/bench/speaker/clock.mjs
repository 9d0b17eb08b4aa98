// The one clock of the speaker benchmark: milliseconds since the epoch with sub-millisecond
// resolution. Every process of a run (feeder, downstream peers, RIB poller, and the C kernel
// counter through CLOCK_REALTIME) stamps its events with it, so times taken in different
// processes and namespaces of one machine can be subtracted.
import { performance } from "node:perf_hooks";

export const now = () => performance.timeOrigin + performance.now();
