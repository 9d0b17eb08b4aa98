/**
 * Errors of the CNI plugin. Each carries a stable wren `code` string and the numeric CNI error
 * code it is reported with (CNI spec 1.0 "Error codes": 1-99 are the spec's well-known codes,
 * 100 and up are the plugin's own). The plugin prints them as the spec's error JSON
 * (`{"cniVersion","code","msg","details"}`) on stdout and exits non-zero.
 */
import { WrenError } from "../common/errors.js";

/** CNI spec well-known error codes, and wren's own (≥ 100). */
export const CNI_ERROR_CODES = {
  CNI_INCOMPATIBLE_VERSION: 1,
  CNI_UNSUPPORTED_FIELD: 2,
  CNI_UNKNOWN_CONTAINER: 3,
  CNI_INVALID_ENVIRONMENT: 4,
  CNI_IO_FAILURE: 5,
  CNI_DECODE_FAILED: 6,
  CNI_INVALID_CONFIG: 7,
  CNI_TRY_AGAIN_LATER: 11,
  /** No address could be allocated or released (wren's IPAM said why). */
  CNI_IPAM_FAILED: 100,
  /** A kernel operation (veth, address, route, sysctl) failed. */
  CNI_NETWORKING_FAILED: 101,
  /** CHECK found the container's networking different from what ADD made. */
  CNI_CHECK_FAILED: 102,
  /** The WorkloadEndpoint could not be written to or read from the datastore. */
  CNI_DATASTORE_FAILED: 103,
} as const;

export type CniErrorCode = keyof typeof CNI_ERROR_CODES;

export class CniError extends WrenError {
  declare readonly code: CniErrorCode;
  /** Longer explanation for the `details` field of the error JSON. */
  readonly details: string;

  constructor(
    code: CniErrorCode,
    message: string,
    options?: { details?: string; cause?: unknown },
  ) {
    super(code, message, options);
    this.name = "CniError";
    this.details = options?.details ?? "";
  }

  /** The numeric code of the CNI error JSON. */
  get cniCode(): number {
    return CNI_ERROR_CODES[this.code];
  }
}
