/**
 * When the dataplane may sweep the kernel routes it adopted after wren's own graceful restart
 * (RFC 4724 §4.1: forwarding state is kept across the restart and only the entries not refreshed
 * once routing has converged are removed).
 *
 * The speaker's `converged` event ends route-selection deferral. It waits for the End-of-RIB of
 * every graceful-restart peer that came up (also those that set the R bit, as BIRD and FRR do),
 * but not for peers without graceful restart, nor for configured peers that are not Established
 * yet. Their routes may not have arrived, so sweeping at that moment would remove their kernel
 * routes and re-add them a moment later: a flap. The gate therefore also waits, after
 * `converged`, until every configured peer is Established and — where graceful restart was
 * negotiated — has sent End-of-RIB (`PeerStatus.endOfRibReceived`), or until the convergence
 * timeout since start. Bounded, never blocking.
 */
import type { Clock, TimerHandle } from "../common/clock.js";
import type { PeerStatus } from "../common/contracts/index.js";

/** Peers still to be heard from before stale kernel routes may go (empty = all synchronised). */
export function peersNotSynchronised(peers: readonly PeerStatus[]): string[] {
  return peers
    .filter(
      (p) =>
        p.bgpState !== "Established" ||
        (p.negotiated?.gracefulRestart === true && p.endOfRibReceived === false),
    )
    .map((p) => p.address);
}

export interface KernelConvergenceOptions {
  readonly clock: Clock;
  /** After this long since start the sweep happens regardless (the plan's convergence timeout). */
  readonly timeoutMs: number;
  readonly pollMs?: number;
  readonly peers: () => readonly PeerStatus[];
  readonly sweep: (reason: string) => void;
}

export class KernelConvergence {
  private speakerConverged = false;
  private done = false;
  private poll: TimerHandle | null = null;
  private readonly deadline: TimerHandle;

  constructor(private readonly o: KernelConvergenceOptions) {
    this.deadline = o.clock.setTimer(o.timeoutMs, () => {
      const waiting = peersNotSynchronised(o.peers());
      this.finish(
        `convergence timeout (${Math.round(o.timeoutMs / 1000)} s)${waiting.length > 0 ? `, still waiting for ${waiting.join(", ")}` : ""}`,
      );
    });
  }

  get finished(): boolean {
    return this.done;
  }

  /** The speaker's `converged` event. */
  converged(): void {
    if (this.done) return;
    this.speakerConverged = true;
    this.check();
  }

  private check = (): void => {
    this.poll = null;
    if (this.done || !this.speakerConverged) return;
    if (peersNotSynchronised(this.o.peers()).length === 0) {
      this.finish("every peer is Established and sent End-of-RIB");
      return;
    }
    this.poll = this.o.clock.setTimer(this.o.pollMs ?? 200, this.check);
  };

  private finish(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.deadline.cancel();
    this.poll?.cancel();
    this.o.sweep(reason);
  }

  cancel(): void {
    this.done = true;
    this.deadline.cancel();
    this.poll?.cancel();
  }
}
