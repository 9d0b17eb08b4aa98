/**
 * `BgpError`: the only thing the codec throws for malformed input. It carries the NOTIFICATION
 * to send (RFC 4271 §6 code, subcode, data) and the RFC 7606 §2 action the receiver must take
 * (session reset, AFI/SAFI disable, treat-as-withdraw, attribute discard). The stable `code`
 * string is derived from the NOTIFICATION code/subcode, e.g. ERR_BGP_UPDATE_MALFORMED_AS_PATH.
 */
import type { AfiSafiName } from "../../common/contracts/families.js";
import { WrenError } from "../../common/errors.js";
import { NotifyCode } from "./constants.js";
import type { ErrorAction } from "./types.js";

export interface NotificationFields {
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

const CODE_PREFIX: Readonly<Record<number, string>> = {
  1: "ERR_BGP_HEADER",
  2: "ERR_BGP_OPEN",
  3: "ERR_BGP_UPDATE",
  4: "ERR_BGP_HOLD_TIMER",
  5: "ERR_BGP_FSM",
  6: "ERR_BGP_CEASE",
  7: "ERR_BGP_ROUTE_REFRESH",
};

const SUBCODE_SUFFIX: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  1: { 1: "CONNECTION_NOT_SYNCHRONIZED", 2: "BAD_MESSAGE_LENGTH", 3: "BAD_MESSAGE_TYPE" },
  2: {
    1: "UNSUPPORTED_VERSION",
    2: "BAD_PEER_AS",
    3: "BAD_BGP_IDENTIFIER",
    4: "UNSUPPORTED_OPTIONAL_PARAMETER",
    6: "UNACCEPTABLE_HOLD_TIME",
    7: "UNSUPPORTED_CAPABILITY",
  },
  3: {
    1: "MALFORMED_ATTRIBUTE_LIST",
    2: "UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE",
    3: "MISSING_WELL_KNOWN_ATTRIBUTE",
    4: "ATTRIBUTE_FLAGS",
    5: "ATTRIBUTE_LENGTH",
    6: "INVALID_ORIGIN",
    8: "INVALID_NEXT_HOP",
    9: "OPTIONAL_ATTRIBUTE",
    10: "INVALID_NETWORK_FIELD",
    11: "MALFORMED_AS_PATH",
  },
  7: { 1: "INVALID_MESSAGE_LENGTH" },
};

/** The stable `code` string for a NOTIFICATION code/subcode pair. */
export function bgpErrorCode(code: number, subcode: number): string {
  const prefix = CODE_PREFIX[code] ?? "ERR_BGP";
  const suffix = SUBCODE_SUFFIX[code]?.[subcode];
  return suffix ? `${prefix}_${suffix}` : prefix;
}

const EMPTY = new Uint8Array(0);

export class BgpError extends WrenError {
  readonly notification: NotificationFields;
  readonly action: ErrorAction;
  readonly reason: string;
  /** Attribute type code the error is about, when it is about one. */
  readonly attributeType: number | null;
  /** The family to disable, for "afi-safi-disable" (RFC 7606 §2, RFC 4760 §7). */
  readonly afiSafi: AfiSafiName | null;

  constructor(init: {
    code: number;
    subcode: number;
    data?: Uint8Array;
    action?: ErrorAction;
    reason: string;
    attributeType?: number | null;
    afiSafi?: AfiSafiName | null;
  }) {
    super(bgpErrorCode(init.code, init.subcode), init.reason);
    this.name = "BgpError";
    this.notification = { code: init.code, subcode: init.subcode, data: init.data ?? EMPTY };
    this.action = init.action ?? "session-reset";
    this.reason = init.reason;
    this.attributeType = init.attributeType ?? null;
    this.afiSafi = init.afiSafi ?? null;
  }
}

export function isBgpError(err: unknown): err is BgpError {
  return err instanceof BgpError;
}

/** Shorthand for UPDATE Message Error (code 3) errors. */
export function updateError(
  subcode: number,
  action: ErrorAction,
  reason: string,
  data?: Uint8Array,
  attributeType?: number,
): BgpError {
  return new BgpError({
    code: NotifyCode.UPDATE_MESSAGE_ERROR,
    subcode,
    action,
    reason,
    data,
    attributeType,
  });
}

/** Order of strength of RFC 7606 actions (§2: the strongest applicable one wins). */
export const ACTION_STRENGTH: Readonly<Record<ErrorAction, number>> = {
  "attribute-discard": 1,
  "treat-as-withdraw": 2,
  "afi-safi-disable": 3,
  "session-reset": 4,
};

export function strongerAction(a: ErrorAction | null, b: ErrorAction): ErrorAction {
  if (a === null) return b;
  return ACTION_STRENGTH[b] > ACTION_STRENGTH[a] ? b : a;
}
