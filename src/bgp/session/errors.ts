/** Errors of the session engine (stable `code` strings; see WrenError). */
import { WrenError } from "../../common/errors.js";

export class SessionError extends WrenError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "SessionError";
  }
}
