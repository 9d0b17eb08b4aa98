/**
 * Cross-checks between a topology and the wren datastores it binds: each datastore must load
 * without errors (the Calico loader's messages, with file and line, become problems), each wren
 * node's Calico Node (named by the NODENAME / CALICO_NODENAME env of the topology node, else the
 * node's name) must exist, and its `bgp.ipv4Address` / `ipv6Address` must be an address the
 * topology gives that node (an exec `ip addr add` line or a link address), on an interface the
 * node has a link for. A lab whose YAML and wiring disagree fails here, not as a mysterious
 * session that never comes up.
 */
import { relative } from "node:path";
import { formatMessage, type LoadResult, loadDirectory } from "../calico/index.js";
import {
  bindFor,
  type ClabNode,
  execAddresses,
  type Problem,
  type Topology,
  WREN_DATASTORE_PATH,
} from "./topology.js";

/** The Calico node name a topology node runs as. */
export function calicoNodeName(n: ClabNode): string {
  return n.env.NODENAME || n.env.CALICO_NODENAME || n.name;
}

function sameAddress(a: string, b: string): boolean {
  const norm = (s: string) => {
    const [addr, len] = s.trim().split("/");
    const host = addr.includes(":") ? new URL(`http://[${addr}]/`).hostname.slice(1, -1) : addr;
    return `${host}/${len ?? (addr.includes(":") ? "128" : "32")}`;
  };
  try {
    return norm(a) === norm(b);
  } catch {
    return false;
  }
}

/** Addresses the topology gives node `n`: [interface, cidr] from exec lines and link fields. */
export function topologyAddresses(
  t: Topology,
  n: ClabNode,
): { iface: string; cidr: string; from: string }[] {
  const out = execAddresses(n).map((a) => ({ ...a, from: "exec" }));
  for (const l of t.links) {
    if (l.a.node === n.name)
      for (const c of l.addrA)
        out.push({ iface: l.a.iface, cidr: c, from: `link #${l.index + 1}` });
    if (l.b.node === n.name)
      for (const c of l.addrB)
        out.push({ iface: l.b.iface, cidr: c, from: `link #${l.index + 1}` });
  }
  return out;
}

export async function checkDatastores(t: Topology): Promise<Problem[]> {
  const problems: Problem[] = [];
  const loads = new Map<string, Promise<LoadResult | Error>>();
  for (const n of t.nodes.values()) {
    if (n.role !== "wren") continue;
    const bind = bindFor(n, WREN_DATASTORE_PATH);
    if (!bind) continue; // reported by checkTopology
    if (!loads.has(bind.host))
      loads.set(
        bind.host,
        loadDirectory(bind.host).catch((e: unknown) => e as Error),
      );
    const res = await loads.get(bind.host)!;
    const where = relative(t.dir, bind.host) || bind.host;
    if (res instanceof Error) {
      problems.push({ file: t.file, node: n.name, message: `datastore ${where}: ${res.message}` });
      continue;
    }
    if (res.errors.length > 0) {
      problems.push({
        file: t.file,
        node: n.name,
        message: `datastore ${where} does not load:\n${res.errors.map((m) => `    ${formatMessage(m, where)}`).join("\n")}`,
      });
      continue;
    }
    const name = calicoNodeName(n);
    const cn = res.snapshot.nodes.find((x) => x.name === name);
    if (!cn) {
      problems.push({
        file: t.file,
        node: n.name,
        message: `datastore ${where} has no Node "${name}" (the node's NODENAME; Nodes there: ${res.snapshot.nodes.map((x) => x.name).join(", ") || "none"})`,
      });
      continue;
    }
    const given = topologyAddresses(t, n);
    const ifaces = new Set(
      t.links
        .flatMap((l) => [l.a, l.b])
        .filter((e) => e.node === n.name)
        .map((e) => e.iface),
    );
    for (const g of given) {
      if (g.iface !== "lo" && !ifaces.has(g.iface)) {
        problems.push({
          file: t.file,
          node: n.name,
          message: `${g.from} puts ${g.cidr} on ${g.iface}, but no link gives ${n.name} an interface ${g.iface}`,
        });
      }
    }
    for (const [fam, want] of [
      ["ipv4", cn.spec.bgp?.ipv4Address],
      ["ipv6", cn.spec.bgp?.ipv6Address],
    ] as const) {
      if (!want) continue;
      const cidr = `${want.address}/${want.network.split("/")[1]}`;
      if (!given.some((g) => sameAddress(g.cidr, cidr))) {
        const have = given.filter((g) => g.cidr.includes(":") === (fam === "ipv6"));
        problems.push({
          file: t.file,
          node: n.name,
          message:
            `Node "${name}" (${where}/${cn.source.file}:${cn.source.line}) has bgp.${fam}Address ${cidr}, but the topology gives ${n.name} ` +
            (have.length
              ? have.map((h) => `${h.cidr} on ${h.iface} (${h.from})`).join(", ")
              : `no ${fam} address`),
        });
      }
    }
  }
  return problems;
}
