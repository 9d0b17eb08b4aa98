/**
 * A stand-in used only while src/bgp/rib's RibEngine is not built into this checkout: it keeps
 * no routes, answers every session with End-of-RIB for its families (RFC 4724 §2) so peers
 * converge, and declares convergence at once. The speaker logs a warning when it is used.
 */
import type {
  NegotiatedSession,
  RibToSession,
  SessionToRib,
} from "../../common/contracts/bgp-engines.js";
import { contextFromNegotiated, encodeEndOfRib } from "../wire/index.js";
import type { RibPort } from "./rib-port.js";

export class SessionOnlyRib implements RibPort {
  private readonly listeners: ((m: RibToSession) => void)[] = [];
  private readonly converged: (() => void)[] = [];
  private readonly sessions = new Map<string, NegotiatedSession>();

  configure(): void {}

  handle(m: SessionToRib): void {
    if (m.type === "sessionUp") {
      this.sessions.set(m.peerId, m.negotiated);
      const ctx = contextFromNegotiated(m.negotiated, "send");
      const messages = m.negotiated.families.map((f) => encodeEndOfRib(f, ctx));
      for (const l of this.listeners) l({ type: "updates", peerId: m.peerId, messages });
    } else if (m.type === "sessionDown") {
      this.sessions.delete(m.peerId);
    }
  }

  onSessionMessage(l: (m: RibToSession) => void): void {
    this.listeners.push(l);
  }
  onKernelRoutes(): void {}
  startRestartMode(): void {}
  onConverged(l: () => void): void {
    this.converged.push(l);
  }
  peerCounters() {
    return { received: 0, accepted: 0, advertised: 0, stale: 0 };
  }
  routes() {
    return [];
  }
  locRibSize() {
    return { ipv4: 0, ipv6: 0 };
  }
  async idle(): Promise<void> {}
}
