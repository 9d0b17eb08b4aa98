/** The pure BGP FSM (RFC 4271 §8) and OPEN negotiation: public surface for the session engine. */
export * from "./describe.js";
export * from "./fsm.js";
export * from "./negotiate.js";
export * from "./notification-gr.js";
export * from "./open.js";
export * from "./types.js";
