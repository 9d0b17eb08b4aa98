import { describe, expect, it } from "vitest";
import { evaluateReadiness, type ReadinessInput } from "../../../src/daemon/readiness.js";

const base: ReadinessInput = {
  phase: "running",
  uptimeMs: 5_000,
  peers: [],
  gracefulRestartInProgress: false,
  configError: null,
};

describe("readiness (Calico bird-ready semantics)", () => {
  it("is ready with no peers at all", () => {
    expect(evaluateReadiness(base)).toEqual({ ready: true, reason: "no BGP peers configured" });
  });

  it("within 30 s of start needs every peer Established and names the ones that are not", () => {
    const r = evaluateReadiness({
      ...base,
      peers: [
        { address: "10.0.0.2", bgpState: "Established" },
        { address: "10.0.0.3", bgpState: "Active" },
        { address: "10.0.0.4", bgpState: "Connect" },
      ],
    });
    expect(r).toEqual({ ready: false, reason: "BGP not established with 10.0.0.3, 10.0.0.4" });
  });

  it("within 30 s of start is not ready while our graceful restart is in progress", () => {
    const r = evaluateReadiness({
      ...base,
      peers: [{ address: "10.0.0.2", bgpState: "Established" }],
      gracefulRestartInProgress: true,
    });
    expect(r).toEqual({ ready: false, reason: "graceful restart in progress" });
  });

  it("after 30 s one Established peer is enough", () => {
    const r = evaluateReadiness({
      ...base,
      uptimeMs: 31_000,
      peers: [
        { address: "10.0.0.2", bgpState: "Established" },
        { address: "10.0.0.3", bgpState: "Idle" },
      ],
      gracefulRestartInProgress: true,
    });
    expect(r).toEqual({ ready: true, reason: "1 of 2 BGP peers established" });
  });

  it("after 30 s with no Established peer is not ready", () => {
    const r = evaluateReadiness({
      ...base,
      uptimeMs: 31_000,
      peers: [{ address: "fd00::2", bgpState: "OpenSent" }],
    });
    expect(r).toEqual({ ready: false, reason: "BGP not established with fd00::2" });
  });

  it("honours a custom threshold", () => {
    const input = {
      ...base,
      peers: [
        { address: "10.0.0.2", bgpState: "Idle" as const },
        { address: "10.0.0.3", bgpState: "Established" as const },
      ],
    };
    expect(evaluateReadiness({ ...input, thresholdMs: 1_000 }).ready).toBe(true);
    expect(evaluateReadiness({ ...input, thresholdMs: 60_000 }).ready).toBe(false);
  });

  it("a refused datastore change makes it not ready, naming the error", () => {
    const r = evaluateReadiness({
      ...base,
      configError: "peers.yaml:14 BGPPeer peer-tor: spec.asNumber: not an AS number",
    });
    expect(r.ready).toBe(false);
    expect(r.reason).toContain("peers.yaml:14 BGPPeer peer-tor: spec.asNumber: not an AS number");
  });

  it("is not ready while starting or stopping", () => {
    expect(evaluateReadiness({ ...base, phase: "starting" }).ready).toBe(false);
    expect(evaluateReadiness({ ...base, phase: "stopping" })).toEqual({
      ready: false,
      reason: "stopping",
    });
  });
});
