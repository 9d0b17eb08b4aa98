// Golden scenarios shared by the unit golden test and the BIRD parse integration test.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const GOLDEN_DIR = resolve(import.meta.dirname, "../../fixtures/calico/golden");

export interface GoldenCase {
  readonly description: string;
  readonly nodes: readonly string[];
  readonly env?: {
    readonly CALICO_ROUTER_ID?: string;
    readonly CALICO_ADVERTISE_CLUSTER_IPS?: string;
  };
  /** Expected load errors are part of the scenario (e.g. "bad input keeps the rest"). */
  readonly allowLoadErrors?: boolean;
  readonly review?: readonly string[];
}

export function goldenCases(): { name: string; dir: string; spec: GoldenCase }[] {
  return readdirSync(GOLDEN_DIR, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => {
      const dir = join(GOLDEN_DIR, e.name);
      return {
        name: e.name,
        dir,
        spec: JSON.parse(readFileSync(join(dir, "case.json"), "utf8")) as GoldenCase,
      };
    });
}
