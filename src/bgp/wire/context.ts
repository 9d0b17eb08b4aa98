/**
 * Building `CodecContext`s: from the session engine's negotiated state (the receive direction
 * uses the ADD-PATH families we receive identifiers in, the send direction those we send), and
 * by hand for tools and tests.
 */
import type { NegotiatedSession } from "../../common/contracts/bgp-engines.js";
import type { AfiSafiName } from "../../common/contracts/families.js";
import { type CodecContext, DEFAULT_CONTEXT } from "./types.js";

export function contextFromNegotiated(
  n: NegotiatedSession,
  direction: "receive" | "send",
): CodecContext {
  return Object.freeze({
    as4: n.as4,
    addPath: [...(direction === "receive" ? n.addPathReceive : n.addPathSend)],
    extendedMessage: n.extendedMessage,
    extendedNextHop: [...n.extendedNextHop],
    ebgp: !n.ibgp,
  });
}

/** A context from the defaults (2-octet AS, no ADD-PATH, 4096-octet messages) plus overrides. */
export function makeContext(
  overrides: {
    as4?: boolean;
    addPath?: readonly AfiSafiName[];
    extendedMessage?: boolean;
    extendedNextHop?: readonly AfiSafiName[];
    ebgp?: boolean;
  } = {},
): CodecContext {
  return Object.freeze({ ...DEFAULT_CONTEXT, ...overrides });
}
