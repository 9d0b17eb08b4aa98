/**
 * A datastore snapshot: the complete, validated set of resources at one moment, with the
 * warnings found while loading it. Built from decoded documents; this is also where checks that
 * span resources happen (duplicate names, overlapping pools, a block affine to two nodes,
 * BGPConfiguration names). The renderer only ever sees snapshots.
 */
import { createHash } from "node:crypto";
import { cidrsOverlap, compareCidr } from "../model/net.js";
import {
  type BGPConfiguration,
  type BGPFilter,
  type BGPPeer,
  type BlockAffinity,
  type CalicoNode,
  type CalicoResource,
  type IPAMConfiguration,
  type IPPool,
  resourceId,
  type Secret,
  type WorkloadEndpoint,
} from "../model/types.js";
import type { ConfigMessage } from "./messages.js";

export interface Snapshot {
  /** Content hash of the inputs: equal hashes, equal snapshots. */
  readonly revision: string;
  readonly bgpConfigurations: readonly BGPConfiguration[];
  readonly nodes: readonly CalicoNode[];
  readonly bgpPeers: readonly BGPPeer[];
  readonly ipPools: readonly IPPool[];
  readonly blockAffinities: readonly BlockAffinity[];
  readonly workloadEndpoints: readonly WorkloadEndpoint[];
  readonly bgpFilters: readonly BGPFilter[];
  readonly secrets: readonly Secret[];
  /** The IPAMConfiguration named `default`, if any (others are ignored with a warning). */
  readonly ipamConfiguration: IPAMConfiguration | undefined;
  readonly warnings: readonly ConfigMessage[];
}

export interface SnapshotBuild {
  readonly snapshot: Snapshot;
  readonly errors: readonly ConfigMessage[];
  readonly warnings: readonly ConfigMessage[];
}

/** Fields of BGPConfiguration that Calico honours only on `default`. */
const DEFAULT_ONLY_FIELDS = [
  "nodeToNodeMeshEnabled",
  "asNumber",
  "serviceLoadBalancerIPs",
  "serviceExternalIPs",
  "serviceClusterIPs",
  "serviceLoadBalancerAggregation",
  "nodeMeshMaxRestartTime",
  "bindMode",
  "ignoredInterfaces",
] as const;

function byName<T extends { name: string; namespace?: string }>(a: T, b: T): number {
  const ka = `${a.namespace ?? ""}/${a.name}`;
  const kb = `${b.namespace ?? ""}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function where(r: CalicoResource): string {
  return `${r.source.file}:${r.source.line}`;
}

export function buildSnapshot(
  resources: readonly CalicoResource[],
  revisionInput: string,
  loadWarnings: readonly ConfigMessage[] = [],
): SnapshotBuild {
  const errors: ConfigMessage[] = [];
  const warnings: ConfigMessage[] = [...loadWarnings];
  const at = (r: CalicoResource, field: string | undefined, message: string): ConfigMessage => ({
    file: r.source.file,
    line: r.source.line,
    resource: resourceId(r),
    ...(field ? { field } : {}),
    message,
  });

  const seen = new Map<string, CalicoResource>();
  const kept: CalicoResource[] = [];
  for (const r of resources) {
    const key = `${r.kind}/${r.namespace ?? ""}/${r.name}`;
    const first = seen.get(key);
    if (first) {
      errors.push(
        at(r, undefined, `duplicate ${resourceId(r)} (first defined at ${where(first)})`),
      );
      continue;
    }
    seen.set(key, r);
    kept.push(r);
  }

  const of = <K extends CalicoResource["kind"]>(kind: K) =>
    kept.filter((r): r is Extract<CalicoResource, { kind: K }> => r.kind === kind).sort(byName);

  const bgpConfigurations: BGPConfiguration[] = [];
  for (const c of of("BGPConfiguration")) {
    if (c.name === "default") {
      bgpConfigurations.push(c);
      continue;
    }
    if (!c.name.startsWith("node.") || c.name.length <= 5) {
      warnings.push(at(c, "metadata.name", 'must be "default" or "node.<nodename>": ignored'));
      continue;
    }
    if (c.spec.nodeMeshPassword) {
      errors.push(
        at(c, "spec.nodeMeshPassword", 'is only allowed on the BGPConfiguration named "default"'),
      );
      continue;
    }
    for (const f of DEFAULT_ONLY_FIELDS) {
      if (c.spec[f] !== undefined) {
        warnings.push(
          at(c, `spec.${f}`, 'only applies on the BGPConfiguration named "default": ignored here'),
        );
      }
    }
    bgpConfigurations.push(c);
  }
  const def = bgpConfigurations.find((c) => c.name === "default");
  if (def && def.spec.nodeToNodeMeshEnabled === false) {
    if (def.spec.nodeMeshPassword) {
      warnings.push(
        at(def, "spec.nodeMeshPassword", "has no effect: the node-to-node mesh is disabled"),
      );
    }
    if (def.spec.nodeMeshMaxRestartTime !== undefined) {
      warnings.push(
        at(def, "spec.nodeMeshMaxRestartTime", "has no effect: the node-to-node mesh is disabled"),
      );
    }
  }

  const ipPools = of("IPPool");
  for (let i = 0; i < ipPools.length; i++) {
    for (let j = 0; j < i; j++) {
      if (cidrsOverlap(ipPools[i].spec.cidr, ipPools[j].spec.cidr)) {
        errors.push(
          at(
            ipPools[i],
            "spec.cidr",
            `${ipPools[i].spec.cidr} overlaps IPPool ${ipPools[j].name} (${ipPools[j].spec.cidr}) at ${where(ipPools[j])}`,
          ),
        );
      }
    }
  }

  const blockAffinities: BlockAffinity[] = [];
  const byBlock = new Map<string, BlockAffinity>();
  for (const a of of("BlockAffinity")) {
    if (a.spec.deleted) continue;
    const other = byBlock.get(a.spec.cidr);
    if (other) {
      if (other.spec.node !== a.spec.node) {
        errors.push(
          at(
            a,
            "spec.cidr",
            `block ${a.spec.cidr} is already affine to node ${other.spec.node} (${resourceId(other)} at ${where(other)})`,
          ),
        );
      }
      continue;
    }
    byBlock.set(a.spec.cidr, a);
    blockAffinities.push(a);
  }

  const bgpFilters = of("BGPFilter");
  const filterNames = new Set(bgpFilters.map((f) => f.name));
  const bgpPeers = of("BGPPeer");
  for (const p of bgpPeers) {
    p.spec.filters?.forEach((f, i) => {
      if (!filterNames.has(f)) {
        warnings.push(
          at(p, `spec.filters[${i}]`, `BGPFilter ${JSON.stringify(f)} does not exist: skipped`),
        );
      }
    });
  }

  const secrets = of("Secret");
  const secretNames = new Map<string, Secret>();
  for (const s of secrets) {
    const first = secretNames.get(s.name);
    if (first) {
      warnings.push(
        at(
          s,
          undefined,
          `Secret name ${s.name} also exists in namespace ${first.namespace} (${where(first)}); secretKeyRef uses the first`,
        ),
      );
    } else secretNames.set(s.name, s);
  }

  let ipamConfiguration: IPAMConfiguration | undefined;
  for (const c of of("IPAMConfiguration")) {
    if (c.name === "default") ipamConfiguration = c;
    else
      warnings.push(
        at(c, "metadata.name", 'must be "default" (Calico reads only that one): ignored'),
      );
  }

  const revision = createHash("sha256").update(revisionInput).digest("hex").slice(0, 16);
  const snapshot: Snapshot = {
    revision,
    bgpConfigurations,
    nodes: of("Node"),
    bgpPeers,
    ipPools,
    blockAffinities: blockAffinities.sort((a, b) => compareCidr(a.spec.cidr, b.spec.cidr)),
    workloadEndpoints: of("WorkloadEndpoint"),
    bgpFilters,
    secrets,
    ipamConfiguration,
    warnings,
  };
  return { snapshot, errors, warnings };
}

/** An empty snapshot (no resources): what a node sees with an empty datastore. */
export function emptySnapshot(): Snapshot {
  return buildSnapshot([], "").snapshot;
}
