/**
 * Per-attribute facts the decoder checks against: the Optional/Transitive flag bits each known
 * attribute must carry (RFC 4271 §5, RFC 1997, RFC 4360, RFC 4456, RFC 4760, RFC 6793, RFC 8092)
 * and the RFC 7606 §7 action when the attribute is malformed (flag conflicts are malformations
 * too, §3 c). MP_REACH_NLRI / MP_UNREACH_NLRI are handled in their decoder: session reset when
 * the AFI/SAFI cannot be read, else AFI/SAFI disable (§7.11, §5.3).
 */
import { AttrFlag, AttrType } from "./constants.js";
import type { ErrorAction } from "./types.js";

const O = AttrFlag.OPTIONAL;
const T = AttrFlag.TRANSITIVE;

export interface AttributeRule {
  /** Expected value of the Optional and Transitive bits (flags & 0xc0). */
  readonly flags: number;
  /** RFC 7606 §7 action when malformed. */
  readonly action: ErrorAction;
}

const RULES: (AttributeRule | undefined)[] = [];
RULES[AttrType.ORIGIN] = { flags: T, action: "treat-as-withdraw" }; // §7.1
RULES[AttrType.AS_PATH] = { flags: T, action: "treat-as-withdraw" }; // §7.2
RULES[AttrType.NEXT_HOP] = { flags: T, action: "treat-as-withdraw" }; // §7.3
RULES[AttrType.MULTI_EXIT_DISC] = { flags: O, action: "treat-as-withdraw" }; // §7.4
RULES[AttrType.LOCAL_PREF] = { flags: T, action: "treat-as-withdraw" }; // §7.5 (iBGP)
RULES[AttrType.ATOMIC_AGGREGATE] = { flags: T, action: "attribute-discard" }; // §7.6
RULES[AttrType.AGGREGATOR] = { flags: O | T, action: "attribute-discard" }; // §7.7
RULES[AttrType.COMMUNITIES] = { flags: O | T, action: "treat-as-withdraw" }; // §7.8
RULES[AttrType.ORIGINATOR_ID] = { flags: O, action: "treat-as-withdraw" }; // §7.9
RULES[AttrType.CLUSTER_LIST] = { flags: O, action: "treat-as-withdraw" }; // §7.10
RULES[AttrType.MP_REACH_NLRI] = { flags: O, action: "afi-safi-disable" }; // §7.11
RULES[AttrType.MP_UNREACH_NLRI] = { flags: O, action: "afi-safi-disable" }; // §7.12
RULES[AttrType.EXTENDED_COMMUNITIES] = { flags: O | T, action: "treat-as-withdraw" }; // §7.14
RULES[AttrType.AS4_PATH] = { flags: O | T, action: "attribute-discard" }; // RFC 6793 §6
RULES[AttrType.AS4_AGGREGATOR] = { flags: O | T, action: "attribute-discard" }; // RFC 6793 §6
RULES[AttrType.LARGE_COMMUNITY] = { flags: O | T, action: "treat-as-withdraw" }; // RFC 8092 §6

export function attributeRule(type: number): AttributeRule | undefined {
  return RULES[type];
}

/** The Optional and Transitive bits of the flags a known attribute must be sent with. */
export function canonicalFlags(type: number): number | undefined {
  return RULES[type]?.flags;
}
