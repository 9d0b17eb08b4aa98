/**
 * CNI spec versions this plugin speaks (the same result shape since 0.3.0; CHECK since 0.4.0)
 * and the VERSION command's answer.
 */
export const SUPPORTED_VERSIONS = ["0.3.0", "0.3.1", "0.4.0", "1.0.0"] as const;

export const LATEST_VERSION = "1.0.0";

export function isSupportedVersion(v: string): boolean {
  return (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

/** Compares dotted versions numerically ("0.4.0" < "1.0.0"); malformed parts count as 0. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(".").map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** The VERSION command's output, in the version the caller asked for when we speak it. */
export function versionInfo(requested?: string): {
  cniVersion: string;
  supportedVersions: string[];
} {
  return {
    cniVersion: requested && isSupportedVersion(requested) ? requested : LATEST_VERSION,
    supportedVersions: [...SUPPORTED_VERSIONS],
  };
}
