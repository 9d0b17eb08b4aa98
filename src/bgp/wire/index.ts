/**
 * The BGP-4 wire codec's public API (docs: wire-api). Pure functions between bytes and the
 * typed messages of types.ts; no I/O, no per-peer state beyond the explicit CodecContext.
 */
export * from "./constants.js";
export { BgpError, bgpErrorCode, isBgpError } from "./errors.js";
export { Framer } from "./framer.js";
export {
  emptyNlri,
  NlriBuilder,
  nlriEquals,
  nlriFromPrefixes,
  nlriPathIdAt,
  nlriPrefixAt,
  nlriToPrefixes,
  nlriWidth,
} from "./nlri.js";
export {
  contextFromNegotiated,
  decodeMessage,
  decodeUpdate,
  encodeEndOfRib,
  encodeMessage,
  type PackUpdatesInput,
  packUpdates,
  toJson,
} from "./stubs.js";
export * from "./types.js";
