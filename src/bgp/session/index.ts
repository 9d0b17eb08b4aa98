/** The session engine: sockets, timers and framing around the pure FSM (public surface). */
export * from "./engine.js";
export * from "./errors.js";
export * from "./logger.js";
export type { PeerSessionStatus } from "./peer.js";
export { loadSockopt } from "./sockopt.js";
