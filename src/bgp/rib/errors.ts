/**
 * Errors of the RIB engine's configuration checks. `configure()` validates a whole
 * configuration before applying any of it; a rejected one leaves the running one untouched.
 */
import { WrenError } from "../../common/errors.js";

export type RibErrorCode =
  | "ERR_RIB_DUPLICATE_PEER"
  | "ERR_RIB_BAD_ORIGINATE"
  | "ERR_RIB_BAD_CONFIG"
  | "ERR_RIB_TOO_MANY_PEERS";

export class RibError extends WrenError {
  constructor(code: RibErrorCode, message: string) {
    super(code, message);
    this.name = "RibError";
  }
}
