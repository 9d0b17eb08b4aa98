/**
 * What a lab must show once it has converged, from lab.yaml's `expect` (top level, overridden
 * per mode): the routes each FRR router must have selected and installed, with their exact
 * next-hop sets (ECMP as in the seed's `show ip route`), or one next hop out of a set (a
 * best-path tie FRR breaks by age), or no route inside a prefix at all (the fabric of the mesh
 * modes learns no pod routes); and which pod↔pod pings must work — within a node, within a rack
 * (the topology group of the nodes), across racks — or must fail (no fabric path, as the seed
 * shows for the full mesh).
 *
 *   expect:
 *     pings: { node: reach, rack: reach, crossRack: unreachable }
 *     routes:
 *       spine:
 *         10.244.65.0/24: [172.16.1.2]
 *         10.96.0.0/12: [172.16.1.2, 172.16.2.2]
 *         30.0.10.0/24: { oneOf: [10.1.10.1, 10.1.34.1] }
 *         10.244.0.0/16: absent
 */
import { LabError } from "./errors.js";

export type PingExpectation = "reach" | "unreachable" | "skip";

export interface PingExpectations {
  readonly node: PingExpectation;
  readonly rack: PingExpectation;
  readonly crossRack: PingExpectation;
}

export type RouteExpectation =
  | { readonly prefix: string; readonly kind: "exact"; readonly nexthops: readonly string[] }
  | { readonly prefix: string; readonly kind: "oneOf"; readonly nexthops: readonly string[] }
  | { readonly prefix: string; readonly kind: "absent" };

export interface LabExpectations {
  readonly pings: PingExpectations;
  /** Router (topology node name) → its expected routes. */
  readonly routes: Readonly<Record<string, readonly RouteExpectation[]>>;
}

export const DEFAULT_PINGS: PingExpectations = { node: "reach", rack: "reach", crossRack: "reach" };

export const NO_EXPECTATIONS: LabExpectations = { pings: DEFAULT_PINGS, routes: {} };

const CIDR = /^[0-9a-fA-F:.]+\/\d{1,3}$/;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function addressList(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string" && x !== "")
    ? (v as string[])
    : undefined;
}

/** Parses an `expect` mapping; `where` names it in errors (file and mode). */
export function parseExpectations(
  v: unknown,
  where: string,
  base: LabExpectations = NO_EXPECTATIONS,
): LabExpectations {
  if (v === undefined) return base;
  const fail = (msg: string): never => {
    throw new LabError("LAB_TOPOLOGY_INVALID", `${where}: ${msg}`);
  };
  if (!isObj(v)) fail('"expect" must be a mapping');
  const e = v as Record<string, unknown>;
  let pings = base.pings;
  if (e.pings !== undefined) {
    if (!isObj(e.pings)) fail('"expect.pings" must be a mapping');
    const p = { ...base.pings } as Record<string, PingExpectation>;
    for (const [k, val] of Object.entries(e.pings as Record<string, unknown>)) {
      if (!["node", "rack", "crossRack"].includes(k))
        fail(`expect.pings.${k}: unknown (node, rack, crossRack)`);
      if (val !== "reach" && val !== "unreachable" && val !== "skip")
        fail(`expect.pings.${k} must be reach, unreachable or skip`);
      p[k] = val as PingExpectation;
    }
    pings = p as unknown as PingExpectations;
  }
  let routes = base.routes;
  if (e.routes !== undefined) {
    if (!isObj(e.routes)) fail('"expect.routes" must be a mapping of router → routes');
    const out: Record<string, RouteExpectation[]> = {};
    for (const [router, list] of Object.entries(e.routes as Record<string, unknown>)) {
      if (!isObj(list)) fail(`expect.routes.${router} must be a mapping of prefix → next hops`);
      out[router] = Object.entries(list as Record<string, unknown>).map(([prefix, want]) => {
        if (!CIDR.test(prefix)) fail(`expect.routes.${router}: "${prefix}" is not a prefix`);
        if (want === "absent") return { prefix, kind: "absent" as const };
        const exact = addressList(want);
        if (exact) return { prefix, kind: "exact" as const, nexthops: exact };
        const oneOf = isObj(want) ? addressList(want.oneOf) : undefined;
        if (oneOf) return { prefix, kind: "oneOf" as const, nexthops: oneOf };
        return fail(
          `expect.routes.${router}.${prefix} must be a list of next hops, {oneOf: [...]} or absent`,
        );
      });
    }
    routes = out;
  }
  return { pings, routes };
}
