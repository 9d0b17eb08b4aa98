/**
 * Pods of a lab, made the way a container runtime makes them: the runner creates the pod's
 * network namespace (`<prefix>-<node>-<pod>`, recorded before it exists, loopback up as the
 * runtime's loopback plugin does), then runs wren's CNI plugin inside the node's namespace —
 * `node dist/cli/main.js cni` with CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME=eth0,
 * CNI_ARGS (K8S_POD_NAMESPACE, K8S_POD_NAME), CNI_PATH and the network config on stdin — and
 * keeps the result (addresses, host veth). Removing a pod is CNI DEL, then the namespace.
 *
 * The LoadBalancer stand-in: the seed's LoadBalancer service fronts one pod per node, and
 * kube-proxy (absent here, and this machine has no iptables/nft tools) would DNAT the address
 * to a local pod. The runner instead gives every pod the LoadBalancer address as a second /32
 * and points the node at its local pod through a policy-routing table of its own (table 110,
 * rule `to <address>`), outside the main table the daemon's dataplane reconciles.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { netnsAddon, netnsAddonError } from "../common/native/netns.js";
import { LabError } from "./errors.js";
import { run, runIn } from "./exec.js";
import { createNamespace, deleteNamespace, namespaceExists } from "./netns.js";
import type { RunState } from "./state.js";

/** The network name of the lab's CNI config (Calico's default). */
export const POD_NETWORK = "k8s-pod-network";
/** Kubernetes namespace of the lab's pods. */
export const POD_NAMESPACE = "default";
/** Policy-routing table of the LoadBalancer stand-in. */
export const LB_TABLE = 110;

export interface PodRecord {
  /** Kubernetes-style pod name: `<node>-pod<N>`. */
  readonly name: string;
  /** Topology node the pod runs on. */
  readonly node: string;
  readonly ns: string;
  readonly containerId: string;
  /** Addresses from the CNI result, without length. */
  readonly ips: readonly string[];
  readonly hostVeth: string;
  /** Extra address the runner added (the LoadBalancer stand-in). */
  readonly loadBalancer?: string;
}

/** What the runner needs to know about the node a pod goes on. */
export interface PodHost {
  readonly name: string;
  readonly ns: string;
  readonly calicoName: string;
  readonly datastore: string;
  /** Instance directory (the CNI log goes there). */
  readonly dir: string;
}

export function podName(node: string, index: number): string {
  return `${node}-pod${index}`.toLowerCase();
}

export function podNamespace(prefix: string, node: string, index: number): string {
  return `${prefix}-${node}-pod${index}`;
}

/** The network config the runner streams to the plugin (docs/cni.md). */
export function podNetworkConfig(host: PodHost): Record<string, unknown> {
  return {
    cniVersion: "1.0.0",
    name: POD_NETWORK,
    type: "wren",
    datastore: host.datastore,
    nodename: host.calicoName,
    mtu: 1500,
    ipam: { type: "wren-ipam" },
    log_level: "info",
    log_file_path: join(host.dir, "cni.log"),
  };
}

export interface CniCallResult {
  readonly code: number;
  readonly json?: Record<string, unknown>;
  readonly stderr: string;
}

/** Runs the CNI plugin (compiled CLI `main`) in the node's namespace, as a runtime would. */
export async function callCni(
  main: string,
  host: PodHost,
  command: "ADD" | "DEL" | "CHECK",
  pod: { name: string; ns: string; containerId: string },
  extraConfig: Record<string, unknown> = {},
): Promise<CniCallResult> {
  const r = await runIn(host.ns, process.execPath, [main, "cni"], {
    allowFailure: true,
    timeoutMs: 30_000,
    input: JSON.stringify({ ...podNetworkConfig(host), ...extraConfig }),
    env: {
      CNI_COMMAND: command,
      CNI_CONTAINERID: pod.containerId,
      CNI_NETNS: namespaceExists(pod.ns) ? `/run/netns/${pod.ns}` : "",
      CNI_IFNAME: "eth0",
      CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${POD_NAMESPACE};K8S_POD_NAME=${pod.name}`,
      CNI_PATH: join(main, "../../../scripts/cni"),
    },
  });
  let json: Record<string, unknown> | undefined;
  const text = r.stdout.trim();
  if (text) {
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { msg: text };
    }
  }
  return { code: r.code, json, stderr: r.stderr };
}

/** Creates pod number `index` on `host` through the CNI plugin and records it. */
export async function createPod(
  state: RunState,
  main: string,
  host: PodHost,
  index: number,
): Promise<PodRecord> {
  const name = podName(host.name, index);
  const ns = podNamespace(state.prefix, host.name, index);
  const containerId = `${state.prefix}-${host.name}-pod${index}`.replace(/[^A-Za-z0-9_.-]/g, "-");
  state.recordNamespace(ns);
  await createNamespace(ns, { forwarding: false });
  const r = await callCni(main, host, "ADD", { name, ns, containerId });
  if (r.code !== 0 || !r.json) {
    throw new LabError(
      "LAB_COMMAND_FAILED",
      `pod ${name} on ${host.name}: CNI ADD failed: ${String(r.json?.msg ?? r.stderr.trim()) || `exit ${r.code}`}`,
    );
  }
  const ips = ((r.json.ips ?? []) as { address: string }[]).map((i) => i.address.split("/")[0]);
  const hostVeth = ((r.json.interfaces ?? []) as { name: string; sandbox?: string }[]).find(
    (i) => !i.sandbox,
  )?.name;
  if (ips.length === 0 || !hostVeth) {
    throw new LabError(
      "LAB_COMMAND_FAILED",
      `pod ${name} on ${host.name}: the CNI result has no address or host interface: ${JSON.stringify(r.json)}`,
    );
  }
  return { name, node: host.name, ns, containerId, ips, hostVeth };
}

/** CNI DEL, then the namespace. Missing pieces are fine (DEL is idempotent). */
export async function deletePod(
  state: RunState,
  main: string,
  host: PodHost | undefined,
  pod: PodRecord,
): Promise<void> {
  if (host && namespaceExists(host.ns)) {
    const r = await callCni(main, host, "DEL", pod).catch((e: unknown) => ({
      code: -1,
      json: { msg: (e as Error).message },
      stderr: "",
    }));
    if (r.code !== 0) {
      throw new LabError(
        "LAB_COMMAND_FAILED",
        `pod ${pod.name}: CNI DEL failed: ${String(r.json?.msg ?? "") || `exit ${r.code}`}`,
      );
    }
  }
  await deleteNamespace(pod.ns);
  state.forgetNamespace(pod.ns);
}

/** The LoadBalancer stand-in for one pod: the address on the pod, the node's table 110. */
export async function serveLoadBalancer(
  host: PodHost,
  pod: PodRecord,
  address: string,
): Promise<PodRecord> {
  await runIn(pod.ns, "ip", ["addr", "replace", `${address}/32`, "dev", "eth0"]);
  const rules = await runIn(host.ns, "ip", ["rule", "show", "to", `${address}/32`]);
  if (!rules.stdout.includes(`lookup ${LB_TABLE}`)) {
    await runIn(host.ns, "ip", [
      "rule",
      "add",
      "to",
      `${address}/32`,
      "lookup",
      String(LB_TABLE),
      "pref",
      "100",
    ]);
  }
  await runIn(host.ns, "ip", [
    "route",
    "replace",
    `${address}/32`,
    "dev",
    pod.hostVeth,
    "scope",
    "link",
    "table",
    String(LB_TABLE),
  ]);
  return { ...pod, loadBalancer: address };
}

const NETNS_BUILD = fileURLToPath(new URL("../../src/common/native/build.mjs", import.meta.url));

/**
 * The CNI plugin enters pod namespaces through the netns addon, built by `npm install`; a
 * checkout updated without reinstalling lacks it. Builds it once (a few seconds) when missing;
 * if that fails the plugin still works through nsenter, only slower.
 */
export async function ensureNetnsAddon(log: (l: string) => void = () => {}): Promise<void> {
  if (netnsAddon() || !existsSync(NETNS_BUILD)) return;
  log(`building the netns addon for the CNI plugin (${netnsAddonError()})`);
  const r = await run(process.execPath, [NETNS_BUILD], { allowFailure: true, timeoutMs: 180_000 });
  if (r.code !== 0) log("  the addon did not build: the CNI plugin will use nsenter");
}
