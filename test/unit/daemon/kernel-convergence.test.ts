import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/common/clock.js";
import type { PeerStatus } from "../../../src/common/contracts/index.js";
import { KernelConvergence, peersNotSynchronised } from "../../../src/daemon/kernel-convergence.js";
import { FakeSpeaker, peer } from "./fakes.js";

function statuses(
  specs: { address: string; established: boolean; gr?: boolean; eor?: boolean }[],
): PeerStatus[] {
  const s = new FakeSpeaker();
  void s.configure({
    routerId: "10.0.0.1",
    asNumber: 64512,
    listen: { address: null, port: 179 },
    clusterId: null,
    gracefulRestart: { enabled: true, restartTime: 120, convergenceTimeout: 240 },
    peers: specs.map((x) => peer(x.address)),
    policies: [],
    originate: [],
    maxPaths: 1,
    multipathRelax: false,
    alwaysCompareMed: false,
  });
  return s.status().peers.map((p, i) => ({
    ...p,
    bgpState: specs[i].established ? "Established" : "Active",
    negotiated:
      specs[i].gr === undefined
        ? null
        : ({ gracefulRestart: specs[i].gr } as PeerStatus["negotiated"]),
    ...(specs[i].eor === undefined ? {} : { endOfRibReceived: specs[i].eor }),
  }));
}

describe("sweeping stale kernel routes after wren's graceful restart", () => {
  it("waits for peers that are down, and for GR peers that have not sent End-of-RIB", () => {
    const peers = statuses([
      { address: "10.0.0.2", established: false },
      { address: "10.0.0.3", established: true, gr: true, eor: false },
      { address: "10.0.0.4", established: true, gr: true, eor: true },
      { address: "10.0.0.5", established: true, gr: false, eor: false },
      { address: "10.0.0.6", established: true, gr: true },
    ]);
    expect(peersNotSynchronised(peers)).toEqual(["10.0.0.2", "10.0.0.3"]);
  });

  it("sweeps once the speaker converged and every peer is synchronised", () => {
    const clock = new ManualClock();
    let peers = statuses([{ address: "10.0.0.2", established: true, gr: true, eor: false }]);
    const sweeps: string[] = [];
    const gate = new KernelConvergence({
      clock,
      timeoutMs: 240_000,
      peers: () => peers,
      sweep: (r) => sweeps.push(r),
    });
    peers = statuses([{ address: "10.0.0.2", established: true, gr: true, eor: true }]);
    clock.advance(1_000);
    expect(sweeps).toEqual([]); // the speaker has not converged yet
    peers = statuses([{ address: "10.0.0.2", established: true, gr: true, eor: false }]);
    gate.converged();
    clock.advance(1_000);
    expect(sweeps).toEqual([]); // converged, but the peer's End-of-RIB is missing (R-bit peer)
    peers = statuses([{ address: "10.0.0.2", established: true, gr: true, eor: true }]);
    clock.advance(200);
    expect(sweeps).toEqual(["every peer is Established and sent End-of-RIB"]);
    expect(gate.finished).toBe(true);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("sweeps at the convergence timeout whatever the peers do, naming the missing ones", () => {
    const clock = new ManualClock();
    const peers = statuses([{ address: "10.0.0.9", established: false }]);
    const sweeps: string[] = [];
    const gate = new KernelConvergence({
      clock,
      timeoutMs: 240_000,
      peers: () => peers,
      sweep: (r) => sweeps.push(r),
    });
    gate.converged();
    clock.advance(239_000);
    expect(sweeps).toEqual([]);
    clock.advance(1_000);
    expect(sweeps).toEqual(["convergence timeout (240 s), still waiting for 10.0.0.9"]);
    gate.converged();
    expect(sweeps).toHaveLength(1);
  });

  it("cancel stops every timer", () => {
    const clock = new ManualClock();
    const gate = new KernelConvergence({
      clock,
      timeoutMs: 1_000,
      peers: () => [],
      sweep: () => {},
    });
    gate.cancel();
    expect(clock.pendingTimers()).toBe(0);
  });
});
