/** Temporary stand-ins for the parts of the codec not written yet (wire-api.md names). */

import type { NegotiatedSession } from "../../common/contracts/bgp-engines.js";
import type { AfiSafiName, Family } from "../../common/contracts/families.js";
import type {
  AttributeCache,
  BgpMessage,
  CodecContext,
  DecodedUpdate,
  NlriList,
  PathAttributes,
} from "./types.js";

export function decodeMessage(_message: Uint8Array, _ctx: CodecContext): BgpMessage {
  throw new Error("not implemented yet");
}
export function decodeUpdate(
  _body: Uint8Array,
  _ctx: CodecContext,
  _cache?: AttributeCache,
): DecodedUpdate {
  throw new Error("not implemented yet");
}
export function encodeMessage(_msg: BgpMessage, _ctx: CodecContext): Uint8Array {
  throw new Error("not implemented yet");
}
export interface PackUpdatesInput {
  readonly family: Family;
  readonly attributes: PathAttributes | null;
  readonly announce?: NlriList;
  readonly withdraw?: NlriList;
  readonly nextHops?: readonly string[];
}
export function packUpdates(_input: PackUpdatesInput, _ctx: CodecContext): Uint8Array[] {
  throw new Error("not implemented yet");
}
export function encodeEndOfRib(_family: AfiSafiName, _ctx: CodecContext): Uint8Array {
  throw new Error("not implemented yet");
}
export function contextFromNegotiated(
  _n: NegotiatedSession,
  _direction: "receive" | "send",
): CodecContext {
  throw new Error("not implemented yet");
}
export function toJson(_msg: BgpMessage | DecodedUpdate): unknown {
  throw new Error("not implemented yet");
}
