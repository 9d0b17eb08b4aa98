/**
 * The rtnetlink operations the CNI plugin needs, on sockets of the `netlink` package (each socket
 * works in the namespace it was created in): links by name, a veth pair whose peer is created
 * directly inside another namespace (IFLA_NET_NS_FD in the peer's attributes), link up / MAC /
 * delete, addresses, routes (replace semantics, like `ip route replace`), and readable views of
 * links, addresses and routes for CHECK. Kernel errors become CniError CNI_NETWORKING_FAILED with
 * the operation and object named.
 */
import { AttrStream, FlagsNew, ifla, type RtNetlinkSocket, rt } from "netlink";
import { formatAddress, parseAddress } from "../common/ip/index.js";
import { CniError } from "./errors.js";

const AF_INET = 2;
const AF_INET6 = 10;
const RT_TABLE_MAIN = 254;
/** rtnetlink RTPROT_BOOT: what Calico's CNI plugin (and `ip route add`) writes. */
export const RTPROT_BOOT = 3;
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_LINK = 253;
const RTN_UNICAST = 1;

export interface LinkView {
  readonly index: number;
  readonly name: string;
  readonly up: boolean;
  readonly mac: string;
  readonly mtu: number;
  /** linkinfo kind (veth, bridge, ...), when the kernel reports one. */
  readonly kind?: string;
}

export interface AddressView {
  /** CIDR, canonical address text. */
  readonly cidr: string;
  readonly index: number;
}

export interface RouteView {
  /** CIDR; "0.0.0.0/0" / "::/0" for default routes. */
  readonly dst: string;
  readonly gateway?: string;
  readonly oif?: number;
  readonly scope: number;
  readonly protocol: number;
  readonly type: number;
}

function bytes(data: Parameters<AttrStream["emit"]>[0]): Buffer {
  const s = new AttrStream();
  s.emit(data);
  return Buffer.concat(s.bufs);
}

function fail(what: string, err: unknown): never {
  const e = err as { message?: string; errno?: number; code?: string };
  throw new CniError("CNI_NETWORKING_FAILED", `${what}: ${e.message ?? String(err)}`, {
    cause: err,
  });
}

/** The errno name of a rejected request: the netlink package only puts it in the message
 *  ("Request rejected: ENODEV"). */
function errnoOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code === "string" && /^E[A-Z]+$/.test(e.code)) return e.code;
  const m = typeof e.message === "string" ? /\b(E[A-Z0-9]+)$/.exec(e.message) : null;
  return m ? m[1] : undefined;
}

export function macText(b: Buffer | undefined): string {
  return b ? [...b].map((x) => x.toString(16).padStart(2, "0")).join(":") : "";
}

export function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(":").map((x) => Number.parseInt(x, 16)));
}

function ipBytes(ip: string): Buffer {
  const b = parseAddress(ip);
  if (!b) throw new CniError("CNI_NETWORKING_FAILED", `"${ip}" is not an IP address`);
  return Buffer.from(b);
}

function splitCidr(cidr: string): { ip: string; len: number; family: number } {
  const [ip, len] = cidr.split("/");
  const v6 = ip.includes(":");
  return {
    ip,
    len: len === undefined ? (v6 ? 128 : 32) : Number(len),
    family: v6 ? AF_INET6 : AF_INET,
  };
}

/** The netlink package hands known enum values out as names ("BOOT"): back to numbers. */
function enumNumber(mapping: Record<string, string | number>, v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && typeof mapping[v] === "number") return mapping[v] as number;
  return 0;
}

function linkView(m: rt.LinkMessage): LinkView {
  let kind: string | undefined;
  if (m.attrs.linkinfo) {
    try {
      kind = ifla.parseInfo(m.attrs.linkinfo).kind;
    } catch {
      kind = undefined;
    }
  }
  return {
    index: m.data.index ?? 0,
    name: m.attrs.ifname ?? "",
    up: m.data.flags?.up === true,
    mac: macText(m.attrs.address),
    mtu: m.attrs.mtu ?? 0,
    kind,
  };
}

/** The link called `name`, or undefined when there is none. */
export async function linkByName(
  sock: RtNetlinkSocket,
  name: string,
): Promise<LinkView | undefined> {
  try {
    const [m] = await sock.getLink({}, { ifname: name });
    return m ? linkView(m) : undefined;
  } catch (err) {
    if (errnoOf(err) === "ENODEV") return undefined;
    fail(`looking up interface ${name}`, err);
  }
}

export async function listLinks(sock: RtNetlinkSocket): Promise<LinkView[]> {
  try {
    return (await sock.getLinks()).map(linkView);
  } catch (err) {
    fail("listing interfaces", err);
  }
}

export interface VethSpec {
  /** Host-side name, in the socket's namespace. */
  readonly hostName: string;
  readonly hostMac: string;
  /** Container-side name, created directly in the namespace `peerNetnsFd` refers to. */
  readonly peerName: string;
  readonly peerNetnsFd: number;
  readonly mtu: number;
}

/** Creates a veth pair; the peer end appears only inside the other namespace. */
export async function createVeth(sock: RtNetlinkSocket, v: VethSpec): Promise<void> {
  const peer = Buffer.concat([
    rt.formatLink({}),
    bytes(ifla.formatLinkAttrs({ ifname: v.peerName, netNsFd: v.peerNetnsFd, mtu: v.mtu })),
  ]);
  const linkinfo = bytes(
    ifla.formatInfo({ kind: "veth", data: bytes(ifla.formatVethInfo({ peer })) }),
  );
  try {
    await sock.newLink(
      {},
      { ifname: v.hostName, mtu: v.mtu, address: macBytes(v.hostMac), linkinfo },
      { flags: FlagsNew.CREATE | FlagsNew.EXCL },
    );
  } catch (err) {
    fail(`creating veth ${v.hostName} (peer ${v.peerName} in the container)`, err);
  }
}

export async function setLinkUp(sock: RtNetlinkSocket, index: number, name: string): Promise<void> {
  try {
    await sock.setLink({ index, flags: { up: true }, change: { up: true } });
  } catch (err) {
    fail(`setting ${name} up`, err);
  }
}

export async function setLinkMac(
  sock: RtNetlinkSocket,
  index: number,
  name: string,
  mac: string,
): Promise<void> {
  try {
    await sock.setLink({ index }, { address: macBytes(mac) });
  } catch (err) {
    fail(`setting the MAC of ${name} to ${mac}`, err);
  }
}

/** Deletes a link; false when it was already gone. */
export async function deleteLink(
  sock: RtNetlinkSocket,
  index: number,
  name: string,
): Promise<boolean> {
  try {
    await sock.delLink({ index });
    return true;
  } catch (err) {
    if (errnoOf(err) === "ENODEV") return false;
    fail(`deleting ${name}`, err);
  }
}

/** Adds (or refreshes) an address on a link; IPv6 addresses skip duplicate address detection. */
export async function replaceAddress(
  sock: RtNetlinkSocket,
  index: number,
  name: string,
  cidr: string,
): Promise<void> {
  const { ip, len, family } = splitCidr(cidr);
  const addr = ipBytes(ip);
  try {
    await sock.newAddress(
      {
        family,
        prefixlen: len,
        index,
        scope: RT_SCOPE_UNIVERSE,
        flags: family === AF_INET6 ? { nodad: true } : {},
      },
      { local: addr, address: addr, ...(family === AF_INET6 ? { flags: { nodad: true } } : {}) },
      { flags: FlagsNew.CREATE | FlagsNew.REPLACE },
    );
  } catch (err) {
    fail(`adding ${cidr} to ${name}`, err);
  }
}

export async function listAddresses(sock: RtNetlinkSocket, index?: number): Promise<AddressView[]> {
  try {
    return (await sock.getAddresses())
      .filter((m) => index === undefined || m.data.index === index)
      .map((m) => {
        const raw = m.attrs.local ?? m.attrs.address;
        return {
          cidr: `${raw ? formatAddress(raw) : "?"}/${m.data.prefixlen ?? 0}`,
          index: m.data.index ?? 0,
        };
      });
  } catch (err) {
    fail("listing addresses", err);
  }
}

export interface RouteSpec {
  /** CIDR, or "default" / "default6". */
  readonly dst: string;
  readonly gateway?: string;
  readonly oif: number;
  readonly scope: "link" | "universe";
  readonly protocol?: number;
}

function routeDst(dst: string): { family: number; len: number; addr?: Buffer } {
  if (dst === "default") return { family: AF_INET, len: 0 };
  if (dst === "default6") return { family: AF_INET6, len: 0 };
  const { ip, len, family } = splitCidr(dst);
  return { family, len, addr: len === 0 ? undefined : ipBytes(ip) };
}

/** `ip route replace`: creates the route or replaces the one with the same destination. */
export async function replaceRoute(
  sock: RtNetlinkSocket,
  r: RouteSpec,
  devName: string,
): Promise<void> {
  const d = routeDst(r.dst);
  try {
    await sock.newRoute(
      {
        family: d.family,
        dstLen: d.len,
        table: RT_TABLE_MAIN,
        protocol: r.protocol ?? RTPROT_BOOT,
        scope: r.scope === "link" ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE,
        type: RTN_UNICAST,
      },
      {
        ...(d.addr ? { dst: d.addr } : {}),
        ...(r.gateway ? { gateway: ipBytes(r.gateway) } : {}),
        oif: r.oif,
      },
      { flags: FlagsNew.CREATE | FlagsNew.REPLACE },
    );
  } catch (err) {
    fail(`adding route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ""} dev ${devName}`, err);
  }
}

/** Routes of the main table, both families. */
export async function listRoutes(sock: RtNetlinkSocket): Promise<RouteView[]> {
  try {
    const out: RouteView[] = [];
    for (const m of await sock.getRoutes()) {
      if ((m.attrs.table ?? m.data.table) !== RT_TABLE_MAIN) continue;
      const v6 = m.data.family === AF_INET6;
      const dst = m.attrs.dst ? formatAddress(m.attrs.dst) : v6 ? "::" : "0.0.0.0";
      out.push({
        dst: `${dst}/${m.data.dstLen ?? 0}`,
        gateway: m.attrs.gateway ? formatAddress(m.attrs.gateway) : undefined,
        oif: m.attrs.oif,
        scope: enumNumber(rt.RouteScope, m.data.scope),
        protocol: enumNumber(rt.RouteProtocol, m.data.protocol),
        type: enumNumber(rt.RouteType, m.data.type),
      });
    }
    return out;
  } catch (err) {
    fail("listing routes", err);
  }
}

export { RT_SCOPE_LINK };
