/**
 * Calico's tunnel devices, desired vs actual (pure), calico-spec §6.3:
 *   - tunl0: ipip, MTU host−20 unless set, up, the tunnel address as /32 and no other IPv4
 *     address; removed when no pool needs it (the ipip module's fallback tunl0 cannot be
 *     deleted: then it is emptied and set down);
 *   - vxlan.calico / vxlan-v6.calico: VNI, UDP port, local = node IP, parent = the interface
 *     holding the node IP, learning off — recreated when any of these differ; MAC and MTU
 *     (host−50 / host−70 unless set) corrected in place; up; tunnel address /32 (/128) and no
 *     other address of the family (IPv6 link-local kept); deleted when not desired.
 * `planDevices` returns structural changes (create/delete) first: when there are any, the
 * caller applies them, re-reads the links and plans again for attributes and addresses.
 */
import type { DesiredDataplane, VxlanDevice } from "../common/contracts/dataplane.js";
import { canonicalAddress, parseAddress } from "../common/ip/address.js";
import type { KernelOp } from "./kernel.js";
import type { KernelAddress, KernelLink } from "./model.js";
import { canonicalMac, parseMac } from "./model.js";
import { IFF_UP } from "./netlink/constants.js";

export const IPIP_DEVICE = "tunl0";
export const VXLAN_DEVICES = ["vxlan.calico", "vxlan-v6.calico"];
/** Felix MTUIfacePattern: host interfaces whose MTU sets the default tunnel MTUs. */
export const HOST_MTU_PATTERN = /^((en|wl|ww|sl|ib)[Pcopsvx].*|(eth|wlan|wwan).*)/;

export function hostMtu(links: readonly KernelLink[]): number {
  let smallest = 0;
  for (const l of links) {
    if (!HOST_MTU_PATTERN.test(l.name) || l.mtu <= 0) continue;
    if (smallest === 0 || l.mtu < smallest) smallest = l.mtu;
  }
  return smallest === 0 ? 1500 : smallest;
}

export interface DeviceState {
  readonly links: readonly KernelLink[];
  readonly addresses: readonly KernelAddress[];
  /** The fallback tunl0 refused deletion before: only empty it. */
  readonly tunl0Undeletable: boolean;
}

export interface DevicePlan {
  readonly ops: KernelOp[];
  /** True when ops create or delete links (re-read links, then plan again). */
  readonly structural: boolean;
  /** Why a device could not be planned (e.g. node address on no interface). */
  readonly problems: string[];
}

function isLinkLocal6(addr: string): boolean {
  return /^fe[89ab]/i.test(addr);
}

/** Address ops making `family` addresses on `link` exactly `want` (/32 or /128). */
function addressOps(
  link: KernelLink,
  want: string | null,
  family: "ipv4" | "ipv6",
  addresses: readonly KernelAddress[],
  ops: KernelOp[],
  problems: string[],
): void {
  const max = family === "ipv4" ? 32 : 128;
  const wantText = want === null ? null : canonicalAddress(want.split("/")[0]);
  if (want !== null && wantText === null) problems.push(`${link.name}: bad tunnel address ${want}`);
  let present = false;
  for (const a of addresses) {
    if (a.index !== link.index || a.family !== family) continue;
    if (family === "ipv6" && isLinkLocal6(a.address)) continue;
    if (a.address === wantText && a.prefixLen === max) {
      present = true;
      continue;
    }
    ops.push({
      kind: "addr-del",
      index: link.index,
      address: parseAddress(a.address)!,
      prefixLen: a.prefixLen,
    });
  }
  if (!present && wantText !== null) {
    ops.push({
      kind: "addr-add",
      index: link.index,
      address: parseAddress(wantText)!,
      prefixLen: max,
    });
  }
}

function vxlanParent(
  d: VxlanDevice,
  state: DeviceState,
): { index: number; local: Uint8Array } | null {
  const local = canonicalAddress(d.localAddress);
  if (local === null) return null;
  const a = state.addresses.find((x) => x.address === local);
  if (a === undefined) return null;
  return { index: a.index, local: parseAddress(local)! };
}

export function planDevices(plan: DesiredDataplane, state: DeviceState): DevicePlan {
  const structural: KernelOp[] = [];
  const attrs: KernelOp[] = [];
  const problems: string[] = [];
  const byName = new Map(state.links.map((l) => [l.name, l]));
  const mtuBase = hostMtu(state.links);

  // tunl0
  const tunl = byName.get(IPIP_DEVICE);
  if (plan.ipip !== null) {
    if (tunl === undefined) structural.push({ kind: "ipip-add", name: IPIP_DEVICE });
    else if (tunl.kind !== null && tunl.kind !== "ipip") {
      problems.push(`${IPIP_DEVICE} exists but is a ${tunl.kind} device; not touching it`);
    } else {
      const mtu = plan.ipip.mtu ?? mtuBase - 20;
      if (tunl.mtu !== mtu) attrs.push({ kind: "link-set", index: tunl.index, change: { mtu } });
      if ((tunl.flags & IFF_UP) === 0)
        attrs.push({ kind: "link-set", index: tunl.index, change: { up: true } });
      addressOps(tunl, plan.ipip.address, "ipv4", state.addresses, attrs, problems);
    }
  } else if (tunl !== undefined && tunl.kind === "ipip") {
    if (!state.tunl0Undeletable) structural.push({ kind: "link-del", index: tunl.index });
    else {
      addressOps(tunl, null, "ipv4", state.addresses, attrs, problems);
      if (tunl.flags & IFF_UP)
        attrs.push({ kind: "link-set", index: tunl.index, change: { up: false } });
    }
  }

  // vxlan.calico, vxlan-v6.calico
  for (const name of VXLAN_DEVICES) {
    const link = byName.get(name);
    const d = plan.vxlan.find((x) => x.name === name);
    if (d === undefined) {
      if (link !== undefined) structural.push({ kind: "link-del", index: link.index });
      continue;
    }
    const parent = vxlanParent(d, state);
    const mac = parseMac(d.mac);
    if (mac === null) problems.push(`${name}: bad MAC ${d.mac}`);
    const mtu = d.mtu ?? mtuBase - (d.family === "ipv4" ? 50 : 70);
    const spec = parent && {
      name,
      vni: d.vni,
      port: d.port,
      local: parent.local,
      parentIndex: parent.index,
      mac,
      mtu,
    };
    if (link === undefined) {
      if (spec) structural.push({ kind: "vxlan-add", spec });
      else problems.push(`${name}: node address ${d.localAddress} is on no interface`);
      continue;
    }
    const vx = link.vxlan;
    const sameShape =
      link.kind === "vxlan" &&
      vx !== null &&
      vx.vni === d.vni &&
      vx.port === d.port &&
      !vx.learning &&
      (parent === null ||
        (vx.link === parent.index && vx.local === canonicalAddress(d.localAddress)));
    if (!sameShape) {
      structural.push({ kind: "link-del", index: link.index });
      if (spec) structural.push({ kind: "vxlan-add", spec });
      continue;
    }
    if (mac !== null && link.mac !== canonicalMac(d.mac)) {
      attrs.push({ kind: "link-set", index: link.index, change: { mac } });
    }
    if (link.mtu !== mtu) attrs.push({ kind: "link-set", index: link.index, change: { mtu } });
    if ((link.flags & IFF_UP) === 0)
      attrs.push({ kind: "link-set", index: link.index, change: { up: true } });
    addressOps(link, d.address, d.family, state.addresses, attrs, problems);
  }

  if (structural.length > 0) return { ops: structural, structural: true, problems };
  return { ops: attrs, structural: false, problems };
}
