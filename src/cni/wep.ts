/**
 * The WorkloadEndpoint the plugin keeps in the datastore directory for each container interface
 * (calico-spec §4.6): `<datastore>/workloadendpoints/<namespace>/<name>.yaml`, a plain
 * projectcalico.org/v3 resource the daemon's datastore watcher loads like any other. Written
 * atomically (a hidden temporary file in the same directory, which the loader skips, renamed
 * into place), so the watcher never sees half a file; removed by DEL.
 */
import { mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseYaml, stringify } from "yaml";
import { CniError } from "./errors.js";
import type { WorkloadIdentity } from "./workload.js";

export const WEP_DIR = "workloadendpoints";

export interface WepContent {
  readonly identity: WorkloadIdentity;
  /** /32 and /128 CIDRs. */
  readonly ipNetworks: readonly string[];
  /** Container-side MAC. */
  readonly mac: string;
}

/** What DEL and CHECK read back. */
export interface StoredWep {
  readonly file: string;
  readonly containerId?: string;
  readonly node?: string;
  readonly ipNetworks: readonly string[];
  readonly interfaceName?: string;
  readonly mac?: string;
}

function safePart(what: string, s: string): string {
  if (s === "" || s.includes("/") || s.startsWith(".") || s.includes("\0")) {
    throw new CniError("CNI_DATASTORE_FAILED", `${what} "${s}" cannot be used as a file name`);
  }
  return s;
}

export function wepFile(datastore: string, namespace: string, name: string): string {
  return join(
    datastore,
    WEP_DIR,
    safePart("namespace", namespace),
    `${safePart("WorkloadEndpoint name", name)}.yaml`,
  );
}

export function wepYaml(w: WepContent): string {
  const id = w.identity;
  const doc = {
    apiVersion: "projectcalico.org/v3",
    kind: "WorkloadEndpoint",
    metadata: {
      name: id.wepName,
      namespace: id.namespace,
      labels: {
        "projectcalico.org/namespace": id.namespace,
        "projectcalico.org/orchestrator": id.orchestrator,
      },
    },
    spec: {
      orchestrator: id.orchestrator,
      node: id.node,
      ...(id.orchestrator === "k8s" ? { pod: id.workload } : { workload: id.workload }),
      endpoint: id.endpoint,
      containerID: id.containerId,
      ipNetworks: [...w.ipNetworks],
      interfaceName: id.hostVeth,
      mac: w.mac,
      profiles: [`kns.${id.namespace}`],
    },
  };
  return `# Written by wren's CNI plugin (ADD of container ${id.containerId}); DEL removes it.\n${stringify(doc)}`;
}

export async function writeWep(datastore: string, w: WepContent): Promise<string> {
  const file = wepFile(datastore, w.identity.namespace, w.identity.wepName);
  const dir = join(datastore, WEP_DIR, w.identity.namespace);
  const tmp = join(dir, `.${w.identity.wepName}.${process.pid}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, wepYaml(w));
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw new CniError(
      "CNI_DATASTORE_FAILED",
      `writing WorkloadEndpoint ${file}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return file;
}

export async function readWep(
  datastore: string,
  namespace: string,
  name: string,
): Promise<StoredWep | undefined> {
  const file = wepFile(datastore, namespace, name);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new CniError("CNI_DATASTORE_FAILED", `reading ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new CniError("CNI_DATASTORE_FAILED", `${file} is not YAML: ${(err as Error).message}`);
  }
  const spec = ((doc as { spec?: Record<string, unknown> } | null)?.spec ?? {}) as Record<
    string,
    unknown
  >;
  const str = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    file,
    containerId: str(spec.containerID),
    node: str(spec.node),
    ipNetworks: Array.isArray(spec.ipNetworks) ? spec.ipNetworks.map(String) : [],
    interfaceName: str(spec.interfaceName),
    mac: str(spec.mac),
  };
}

/** Removes the file; false when it was not there. */
export async function removeWep(
  datastore: string,
  namespace: string,
  name: string,
): Promise<boolean> {
  const file = wepFile(datastore, namespace, name);
  try {
    await unlink(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new CniError("CNI_DATASTORE_FAILED", `removing ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
