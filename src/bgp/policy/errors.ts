/**
 * Errors of route policy compilation. A policy that cannot be compiled (unknown policy name in a
 * chain, malformed CIDR or community, out-of-range length or value) is rejected as a whole before
 * any of it takes effect, so a bad reload keeps the previous configuration running. Codes are
 * stable strings; the message names the policy, statement and field.
 */
import { WrenError } from "../../common/errors.js";

export type PolicyErrorCode =
  | "ERR_POLICY_UNKNOWN_POLICY"
  | "ERR_POLICY_DUPLICATE_NAME"
  | "ERR_POLICY_BAD_PREFIX"
  | "ERR_POLICY_BAD_LENGTH_RANGE"
  | "ERR_POLICY_BAD_COMMUNITY"
  | "ERR_POLICY_BAD_LARGE_COMMUNITY"
  | "ERR_POLICY_BAD_ASN"
  | "ERR_POLICY_BAD_VALUE"
  | "ERR_POLICY_BAD_INTERFACE"
  | "ERR_POLICY_BAD_FIELD";

export class PolicyError extends WrenError {
  /** Policy name, statement index (0-based) and field the error is about, when known. */
  readonly policy: string | null;
  readonly statement: number | null;
  readonly field: string | null;

  constructor(
    code: PolicyErrorCode,
    message: string,
    where: { policy?: string; statement?: number; field?: string } = {},
  ) {
    const at = [
      where.policy !== undefined ? `policy "${where.policy}"` : null,
      where.statement !== undefined ? `statement ${where.statement + 1}` : null,
      where.field !== undefined ? `field ${where.field}` : null,
    ]
      .filter((s) => s !== null)
      .join(", ");
    super(code, at === "" ? message : `${at}: ${message}`);
    this.name = "PolicyError";
    this.policy = where.policy ?? null;
    this.statement = where.statement ?? null;
    this.field = where.field ?? null;
  }
}
