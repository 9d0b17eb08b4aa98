/**
 * Errors of the Calico engine (resources, selectors, datastore, IPAM). Each carries a stable
 * `code`; configuration problems found while loading YAML are not thrown but reported as
 * `ConfigMessage`s (see datastore/messages.ts) so that one bad document never hides the others.
 */
import { WrenError } from "../common/errors.js";

export type CalicoErrorCode =
  | "CALICO_SELECTOR_SYNTAX"
  | "CALICO_DATASTORE_READ"
  | "CALICO_DATASTORE_INVALID"
  | "CALICO_IPAM_NO_BLOCK"
  | "CALICO_IPAM_EXHAUSTED"
  | "CALICO_IPAM_UNKNOWN_POOL"
  | "CALICO_IPAM_UNKNOWN_NODE"
  | "CALICO_IPAM_BAD_ADDRESS"
  | "CALICO_IPAM_NOT_IN_POOL"
  | "CALICO_IPAM_ADDRESS_RESERVED"
  | "CALICO_IPAM_ADDRESS_IN_USE"
  | "CALICO_IPAM_ADDRESS_UNAVAILABLE"
  | "CALICO_IPAM_HANDLE_CONFLICT"
  | "CALICO_RENDER_NODE_UNKNOWN";

export class CalicoError extends WrenError {
  constructor(code: CalicoErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "CalicoError";
  }
}

/** A selector that does not parse; `position` is the 0-based offset of the offending text. */
export class SelectorSyntaxError extends CalicoError {
  readonly selector: string;
  readonly position: number;

  constructor(selector: string, position: number, problem: string) {
    super(
      "CALICO_SELECTOR_SYNTAX",
      `${problem} at position ${position + 1} of selector ${JSON.stringify(selector)}`,
    );
    this.name = "SelectorSyntaxError";
    this.selector = selector;
    this.position = position;
  }
}
