/**
 * The BGP-4 wire codec's public API (wire-api: session and RIB engines code against it). Pure
 * functions between bytes and the typed messages of types.ts; no I/O, no per-peer state beyond
 * the explicit CodecContext.
 */
export { asPathLength, mergeAs4Path } from "./as-path.js";
export { decodeCapability, encodeCapabilityValue } from "./capabilities.js";
export * from "./constants.js";
export { contextFromNegotiated, makeContext } from "./context.js";
export { BgpError, bgpErrorCode, isBgpError } from "./errors.js";
export { Framer, type FramerOptions } from "./framer.js";
export { type MessageHeader, readHeader } from "./header.js";
export {
  attributesToJson,
  errorToJson,
  formatCommunity,
  formatExtendedCommunity,
  formatNlriEntry,
  type Json,
  nlriToJson,
  toJson,
} from "./json.js";
export { decodeMessage, type EncodeOptions, encodeMessage } from "./message.js";
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
export { decodeNlriField } from "./nlri-wire.js";
export {
  decodeShutdownCommunication,
  encodeShutdownCommunication,
  shutdownNotification,
} from "./notification.js";
export {
  checkOpen,
  decodeOpenBody,
  encodeOpenBody,
  type OpenEncodeOptions,
  type OpenExpectations,
  peerAsOf,
  validateOpen,
} from "./open.js";
export { encodeEndOfRib, maxMessageLength, type PackUpdatesInput, packUpdates } from "./pack.js";
export * from "./types.js";
export { decodeUpdate, endOfRibFamily } from "./update-decode.js";
export { encodeUpdateBody } from "./update-encode.js";
