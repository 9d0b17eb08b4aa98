/**
 * What the speaker needs from a RIB engine (docs: rib-api): the shape src/bgp/rib's RibEngine
 * provides. Kept as an interface so the composition can be tested with a small stand-in.
 */
import type { Clock } from "../../common/clock.js";
import type { RibToSession, SessionToRib } from "../../common/contracts/bgp-engines.js";
import type { BgpRouteBatch } from "../../common/contracts/dataplane.js";
import type { RouteQuery, RouteView } from "../../common/contracts/speaker.js";
import type { SpeakerConfig } from "../../common/contracts/speaker-config.js";
import type { Logger } from "../session/index.js";

export interface RibPort {
  configure(config: SpeakerConfig): void;
  handle(message: SessionToRib): void;
  onSessionMessage(listener: (message: RibToSession) => void): void;
  onKernelRoutes(listener: (batch: BgpRouteBatch) => void): void;
  startRestartMode(): void;
  onConverged(listener: () => void): void;
  /** The peer's current session sent End-of-RIB for every negotiated family (RFC 4724 §2). */
  endOfRibReceived(peerId: string): boolean;
  peerCounters(peerId: string): {
    received: number;
    accepted: number;
    advertised: number;
    stale: number;
  };
  routes(query: RouteQuery): RouteView[];
  locRibSize(): { ipv4: number; ipv6: number };
  idle(): Promise<void>;
}

export type RibFactory = (options: { clock: Clock; logger: Logger }) => RibPort;
