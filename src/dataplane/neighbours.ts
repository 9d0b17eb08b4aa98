/**
 * Permanent neighbour and bridge FDB entries, desired vs actual (pure), calico-spec §6.1, §6.3:
 *   - a permanent ARP entry `<pod ip> lladdr <pod mac> dev caliX` per IPv4 workload address
 *     whose MAC is known, only while caliX is oper-up (Felix WithStaticARPEntries);
 *   - per remote VTEP: `<tunnel ip> lladdr <vtep mac> dev vxlan.calico` (ARP or NDP) and the
 *     FDB entry `<vtep mac> dst <node ip> dev vxlan.calico self permanent`.
 * Only entries on our interfaces (cali*, the VXLAN devices) are considered; there, permanent
 * entries nobody wants are removed. Dynamic entries the kernel learnt are left alone unless we
 * want that address, in which case ours replaces them.
 */
import type { DesiredDataplane } from "../common/contracts/dataplane.js";
import { canonicalAddress, parseAddress } from "../common/ip/address.js";
import type { KernelOp } from "./kernel.js";
import type { KernelLink, KernelNeighbour } from "./model.js";
import { canonicalMac, parseMac } from "./model.js";
import { NTF_SELF, NUD_PERMANENT } from "./netlink/constants.js";
import { isWorkloadInterface, type OwnershipRules } from "./ownership.js";
import { isOperUp } from "./route-plan.js";

interface WantNeighbour {
  readonly ifindex: number;
  readonly ip: string;
  readonly mac: string;
}

interface WantFdb {
  readonly ifindex: number;
  readonly mac: string;
  readonly dst: string;
}

export function planNeighbours(
  plan: DesiredDataplane,
  links: readonly KernelLink[],
  kernel: readonly KernelNeighbour[],
  rules: OwnershipRules,
): KernelOp[] {
  const byName = new Map(links.map((l) => [l.name, l]));
  const wantNeigh = new Map<string, WantNeighbour>();
  const wantFdb = new Map<string, WantFdb>();

  for (const w of plan.workloads) {
    const link = byName.get(w.name);
    const mac = w.mac === null ? null : canonicalMac(w.mac);
    if (link === undefined || mac === null || !isOperUp(link)) continue;
    for (const a of w.addresses) {
      const ip = canonicalAddress(a.split("/")[0]);
      if (ip === null || ip.includes(":")) continue; // IPv4 only, as Felix
      wantNeigh.set(`${link.index}|${ip}`, { ifindex: link.index, ip, mac });
    }
  }
  for (const peer of plan.vxlanPeers) {
    const dev = plan.vxlan.find((d) => d.family === peer.family);
    const link = dev ? byName.get(dev.name) : undefined;
    const mac = canonicalMac(peer.mac);
    const ip = canonicalAddress(peer.tunnelAddress);
    const dst = canonicalAddress(peer.nodeAddress);
    if (link === undefined || mac === null || ip === null || dst === null) continue;
    wantNeigh.set(`${link.index}|${ip}`, { ifindex: link.index, ip, mac });
    wantFdb.set(`${link.index}|${mac}`, { ifindex: link.index, mac, dst });
  }

  const ours = new Set<number>();
  for (const l of links) {
    if (isWorkloadInterface(l.name, rules) || rules.tunnelDevices.includes(l.name))
      ours.add(l.index);
  }

  const ops: KernelOp[] = [];
  const seenNeigh = new Set<string>();
  const seenFdb = new Set<string>();
  for (const n of kernel) {
    if (!ours.has(n.ifindex)) continue;
    const permanent = (n.state & NUD_PERMANENT) !== 0;
    if (n.family === "bridge") {
      if ((n.flags & NTF_SELF) === 0 || n.lladdr === null || !permanent) continue;
      const key = `${n.ifindex}|${n.lladdr}`;
      const want = wantFdb.get(key);
      if (want !== undefined && want.dst === n.dst) {
        seenFdb.add(key);
        continue;
      }
      ops.push({
        kind: "fdb-del",
        ifindex: n.ifindex,
        mac: parseMac(n.lladdr)!,
        dst: n.dst === null ? null : parseAddress(n.dst),
      });
      continue;
    }
    if (n.dst === null) continue;
    const key = `${n.ifindex}|${n.dst}`;
    const want = wantNeigh.get(key);
    if (want !== undefined) {
      if (permanent && n.lladdr === want.mac) seenNeigh.add(key);
      continue; // replaced below when not already right
    }
    if (permanent) ops.push({ kind: "neigh-del", ifindex: n.ifindex, ip: parseAddress(n.dst)! });
  }
  for (const [key, w] of wantNeigh) {
    if (seenNeigh.has(key)) continue;
    ops.push({
      kind: "neigh-set",
      ifindex: w.ifindex,
      ip: parseAddress(w.ip)!,
      mac: parseMac(w.mac)!,
    });
  }
  for (const [key, f] of wantFdb) {
    if (seenFdb.has(key)) continue;
    ops.push({
      kind: "fdb-set",
      ifindex: f.ifindex,
      mac: parseMac(f.mac)!,
      dst: parseAddress(f.dst)!,
    });
  }
  return ops;
}
