/** The BGP speaker: session engine + RIB engine composed behind the `Speaker` contract. */
export * from "./config-json.js";
export type { RibFactory, RibPort } from "./rib-port.js";
export { type CreateSpeakerOptions, createSpeaker, createSpeakerWith } from "./speaker.js";
