/**
 * The plugin's entry point, free of process globals so tests can drive it: the environment and
 * stdin in, stdout text and the exit status out. Success prints the ADD result (nothing for DEL
 * and CHECK) and exits 0; failure prints the spec's error JSON
 * (`{"cniVersion","code","msg","details"}`) on stdout and exits 1.
 */
import { decodeConfig, parseConfig } from "./config.js";
import { CNI_ERROR_CODES, CniError } from "./errors.js";
import { parseInvocation } from "./invocation.js";
import { createLogger, silentLogger } from "./log.js";
import { cmdAdd, cmdCheck, cmdDel } from "./plugin.js";
import { formatResult } from "./result.js";
import { compareVersions, isSupportedVersion, LATEST_VERSION, versionInfo } from "./versions.js";

export interface CniOutput {
  readonly stdout: string;
  readonly exitCode: number;
}

/** The cniVersion the caller used, when stdin says it and we speak it (for error JSON). */
function callerVersion(stdin: string): string {
  try {
    const v = (JSON.parse(stdin) as { cniVersion?: unknown }).cniVersion;
    return typeof v === "string" && isSupportedVersion(v) ? v : LATEST_VERSION;
  } catch {
    return LATEST_VERSION;
  }
}

export function errorOutput(err: unknown, cniVersion: string): CniOutput {
  const e =
    err instanceof CniError
      ? err
      : new CniError("CNI_NETWORKING_FAILED", err instanceof Error ? err.message : String(err));
  const body: Record<string, unknown> = {
    cniVersion,
    code: CNI_ERROR_CODES[e.code],
    msg: e.message,
  };
  if (e.details) body.details = e.details;
  return { stdout: `${JSON.stringify(body)}\n`, exitCode: 1 };
}

export async function runCni(
  env: Readonly<Record<string, string | undefined>>,
  stdin: string,
  opts: { stderr?: (line: string) => void } = {},
): Promise<CniOutput> {
  const version = callerVersion(stdin);
  try {
    const inv = parseInvocation(env);
    if (inv.command === "VERSION") {
      let requested: string | undefined;
      try {
        requested = (JSON.parse(stdin) as { cniVersion?: string }).cniVersion;
      } catch {
        requested = undefined;
      }
      return { stdout: `${JSON.stringify(versionInfo(requested))}\n`, exitCode: 0 };
    }
    const cfg = parseConfig(decodeConfig(stdin));
    if (inv.command === "CHECK" && compareVersions(cfg.cniVersion, "0.4.0") < 0) {
      throw new CniError(
        "CNI_INCOMPATIBLE_VERSION",
        `CHECK needs cniVersion 0.4.0 or later (the config says ${cfg.cniVersion})`,
      );
    }
    const log =
      cfg.logFile || opts.stderr
        ? createLogger({
            level: cfg.logLevel,
            file: cfg.logFile,
            base: { command: inv.command, containerId: inv.containerId, ifname: inv.ifname },
            stderr: opts.stderr,
          })
        : silentLogger;
    const ctx = { inv, cfg, log };
    try {
      switch (inv.command) {
        case "ADD": {
          const result = await cmdAdd(ctx);
          return {
            stdout: `${JSON.stringify(formatResult(result, cfg.cniVersion))}\n`,
            exitCode: 0,
          };
        }
        case "DEL":
          await cmdDel(ctx);
          return { stdout: "", exitCode: 0 };
        case "CHECK":
          await cmdCheck(ctx);
          return { stdout: "", exitCode: 0 };
      }
    } catch (err) {
      log.error((err as Error).message, { code: (err as { code?: string }).code });
      throw err;
    }
  } catch (err) {
    return errorOutput(err, version);
  }
}
