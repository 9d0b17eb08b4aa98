/**
 * Errors of the lab layer (namespaces, processes, FRR instances, topology files). One class with
 * stable `code` strings, so the CLI and the tests check `err.code` and users get messages that
 * name the namespace, file, node or command that failed.
 */
import { WrenError } from "../common/errors.js";

export type LabErrorCode =
  | "LAB_COMMAND_FAILED"
  | "LAB_NAME_INVALID"
  | "LAB_NAMESPACE_EXISTS"
  | "LAB_NAMESPACE_MISSING"
  | "LAB_STATE_INVALID"
  | "LAB_STATE_EXISTS"
  | "LAB_PROCESS_FAILED"
  | "LAB_FRR_CONFIG"
  | "LAB_TOPOLOGY_INVALID"
  | "LAB_TIMEOUT";

export class LabError extends WrenError {
  declare readonly code: LabErrorCode;

  constructor(code: LabErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "LabError";
  }
}
