/**
 * The CNI commands (spec 1.0), behaving like Calico's plugin with calico-ipam:
 *
 * ADD    addresses from the node's IPAM block (handle `<network>.<container>`), or the ones the
 *        runtime asked for (runtimeConfig.ips, args.cni.ips, CNI_ARGS IP), the veth pair
 *        (host `cali…`, container CNI_IFNAME), container and host configuration, host routes,
 *        then the WorkloadEndpoint in the datastore; prints the result. A failure undoes what
 *        this ADD made (veth, fresh addresses). ADD repeated for the same container and
 *        interface (its WorkloadEndpoint names this container and the interfaces exist) makes
 *        sure everything is in place and returns the same result.
 * DEL    idempotent: releases the container's addresses, removes CNI_IFNAME from the container
 *        when the namespace still exists (the host end goes with it) and the WorkloadEndpoint
 *        when it names this container (a newer sandbox of the same pod keeps its own).
 * CHECK  compares the container, host, IPAM and datastore with prevResult; all problems in the
 *        error's details.
 */
import type { RtNetlinkSocket } from "netlink";
import { createRtNetlink } from "netlink";
import { allocateAddresses, allocationsOf, releaseAddresses } from "./addresses.js";
import { type NetworkConfig, resolveNodename } from "./config.js";
import { IPV4_GATEWAY, IPV6_GATEWAY } from "./container-side.js";
import { CniError } from "./errors.js";
import {
  addHostRoutes,
  configureHostVeth,
  createHostVeth,
  HOST_VETH_MAC,
  hostProblems,
  removeHostVeth,
} from "./host-side.js";
import type { CniInvocation } from "./invocation.js";
import type { CniLogger } from "./log.js";
import { linkByName } from "./netlink-ops.js";
import {
  type ContainerAccess,
  closeFd,
  netnsExists,
  openContainer,
  openNetnsFd,
} from "./netns-access.js";
import { requestedIpsOfArgs } from "./requested-ips.js";
import { type CniResult, parseResult } from "./result.js";
import { readWep, removeWep, writeWep } from "./wep.js";
import { type WorkloadIdentity, workloadIdentity } from "./workload.js";

export interface CommandContext {
  readonly inv: CniInvocation;
  readonly cfg: NetworkConfig;
  readonly log: CniLogger;
}

function hostCidr(ip: string): string {
  return `${ip}/${ip.includes(":") ? 128 : 32}`;
}

export function buildResult(
  id: WorkloadIdentity,
  netns: string,
  containerMac: string,
  addresses: readonly string[],
  cfg: NetworkConfig,
): CniResult {
  const v4 = addresses.some((a) => !a.includes(":"));
  const v6 = addresses.some((a) => a.includes(":"));
  return {
    interfaces: [
      { name: id.hostVeth, mac: HOST_VETH_MAC },
      { name: id.endpoint, mac: containerMac, sandbox: netns },
    ],
    ips: addresses.map((a) => ({ address: a, interface: 1 })),
    routes: [
      ...(v4 ? [{ dst: "0.0.0.0/0", gw: IPV4_GATEWAY }] : []),
      ...(v6 ? [{ dst: "::/0", gw: IPV6_GATEWAY }] : []),
    ],
    dns: cfg.dns,
  };
}

function identityOf(ctx: CommandContext): WorkloadIdentity {
  return workloadIdentity(ctx.inv, ctx.cfg.name, resolveNodename(ctx.cfg));
}

export async function cmdAdd(ctx: CommandContext): Promise<CniResult> {
  const { inv, cfg, log } = ctx;
  const id = identityOf(ctx);
  const container = openContainer(inv.netns);
  const host = createRtNetlink();
  const existing = await readWep(cfg.datastore, id.namespace, id.wepName);
  const repeat = existing?.containerId === inv.containerId;
  let createdVeth = false;
  try {
    const requested = cfg.requestedIps ?? requestedIpsOfArgs(inv.args);
    const allocations = await allocateAddresses(
      cfg.datastore,
      id.node,
      id.handle,
      cfg.ipam,
      requested,
    ).catch(async (err) => {
      // one family allocated, the other refused: give the first back too
      if (!repeat) await releaseAddresses(cfg.datastore, id.handle).catch(() => {});
      throw err;
    });
    const addresses = allocations.map((a) => hostCidr(a.ip));
    log.info("addresses allocated", { handle: id.handle, addresses, node: id.node });
    try {
      const inside = await container.run({ op: "inspect", ifname: inv.ifname });
      const hostLink = await linkByName(host, id.hostVeth);
      let link = hostLink;
      if (inside.op === "inspect" && inside.iface.exists) {
        if (!(repeat && hostLink)) {
          throw new CniError(
            "CNI_NETWORKING_FAILED",
            `interface ${inv.ifname} already exists in ${inv.netns}`,
          );
        }
        log.info("repeated ADD: interfaces exist, re-applying their configuration", {
          hostVeth: id.hostVeth,
        });
      } else {
        const fd = openNetnsFd(inv.netns);
        try {
          link = await createHostVeth(host, {
            hostVeth: id.hostVeth,
            containerIfname: inv.ifname,
            netnsFd: fd,
            mtu: cfg.mtu,
            addresses,
          });
          createdVeth = true;
        } finally {
          closeFd(fd);
        }
      }
      await configureHostVeth(host, link!, addresses);
      const configured = await container.run({
        op: "configure",
        ifname: inv.ifname,
        addresses,
        allowIpForwarding: cfg.allowIpForwarding,
      });
      const mac = configured.op === "configure" ? configured.mac : "";
      await addHostRoutes(host, link!, addresses);
      const file = await writeWep(cfg.datastore, { identity: id, ipNetworks: addresses, mac });
      log.info("workload endpoint written", {
        file,
        hostVeth: id.hostVeth,
        mode: container.mode,
      });
      return buildResult(id, inv.netns, mac, addresses, cfg);
    } catch (err) {
      if (createdVeth) await removeHostVeth(host, id.hostVeth).catch(() => {});
      if (!repeat) await releaseAddresses(cfg.datastore, id.handle).catch(() => {});
      throw err;
    }
  } finally {
    container.close();
    host.socket.close();
  }
}

export async function cmdDel(ctx: CommandContext): Promise<void> {
  const { inv, cfg, log } = ctx;
  const id = identityOf(ctx);
  const freed = await releaseAddresses(cfg.datastore, id.handle);
  if (freed.length) log.info("addresses released", { handle: id.handle, freed });
  const wep = await readWep(cfg.datastore, id.namespace, id.wepName);
  const ours =
    wep !== undefined && (wep.containerId === undefined || wep.containerId === inv.containerId);
  let inside = false;
  if (inv.netns !== "" && netnsExists(inv.netns)) {
    try {
      const container = openContainer(inv.netns);
      try {
        const r = await container.run({ op: "remove", ifname: inv.ifname });
        if (r.op === "remove" && r.removed)
          log.info("container interface removed", { ifname: inv.ifname });
        inside = true;
      } finally {
        container.close();
      }
    } catch (err) {
      // DEL cleans up what it can: a namespace that cannot be entered any more is no reason
      // to keep the address and the endpoint
      if (!(err instanceof CniError) || err.code !== "CNI_UNKNOWN_CONTAINER") throw err;
      log.warn("container namespace not usable, cleaning up from the host side", {
        netns: inv.netns,
        error: err.message,
      });
    }
  }
  if (!inside && ours) {
    // the namespace is gone (its veth went with it), unless a runtime kept a stale host end
    const host: RtNetlinkSocket = createRtNetlink();
    try {
      if (await removeHostVeth(host, id.hostVeth))
        log.info("host interface removed", { hostVeth: id.hostVeth });
    } finally {
      host.socket.close();
    }
  }
  if (ours && (await removeWep(cfg.datastore, id.namespace, id.wepName)))
    log.info("workload endpoint removed", { file: wep!.file });
  else if (wep && !ours)
    log.info("workload endpoint belongs to another container: kept", {
      file: wep.file,
      containerId: wep.containerId,
    });
}

export async function cmdCheck(ctx: CommandContext): Promise<void> {
  const { inv, cfg } = ctx;
  if (cfg.prevResult === undefined) {
    throw new CniError(
      "CNI_INVALID_CONFIG",
      `network config "${cfg.name}": CHECK needs prevResult (the result of the ADD)`,
    );
  }
  const prev = parseResult(cfg.prevResult);
  if (typeof prev === "string")
    throw new CniError("CNI_INVALID_CONFIG", `network config "${cfg.name}": ${prev}`);
  const id = identityOf(ctx);
  const want = prev.ips.map((ip) => ip.address);
  const problems: string[] = [];

  const wep = await readWep(cfg.datastore, id.namespace, id.wepName);
  if (!wep) problems.push(`WorkloadEndpoint ${id.namespace}/${id.wepName} is missing`);
  else {
    if (wep.containerId !== inv.containerId)
      problems.push(`WorkloadEndpoint ${wep.file} names container ${wep.containerId ?? "none"}`);
    if ([...wep.ipNetworks].sort().join(",") !== [...want].sort().join(","))
      problems.push(
        `WorkloadEndpoint ${wep.file} has ${wep.ipNetworks.join(", ") || "no addresses"}, prevResult ${want.join(", ")}`,
      );
  }
  const allocated = new Set(
    (await allocationsOf(cfg.datastore, id.handle)).map((a) => hostCidr(a.ip)),
  );
  for (const a of want)
    if (!allocated.has(a)) problems.push(`${a} is not allocated to ${id.handle}`);

  const host = createRtNetlink();
  let container: ContainerAccess | undefined;
  try {
    problems.push(...(await hostProblems(host, id.hostVeth, want)));
    container = openContainer(inv.netns);
    const r = await container.run({ op: "inspect", ifname: inv.ifname });
    if (r.op === "inspect") {
      const c = r.iface;
      if (!c.exists) problems.push(`${inv.ifname} does not exist in ${inv.netns}`);
      else {
        if (!c.up) problems.push(`${inv.ifname} is down in the container`);
        const prevIface = prev.interfaces.find((i) => i.name === inv.ifname && i.sandbox);
        if (prevIface?.mac && c.mac !== prevIface.mac)
          problems.push(`${inv.ifname} has MAC ${c.mac}, prevResult ${prevIface.mac}`);
        for (const a of want)
          if (!c.addresses.includes(a)) problems.push(`${inv.ifname} lacks address ${a}`);
        const gw = (g: string) => c.routes.some((x) => x.gateway === g && /\/0$/.test(x.dst));
        if (want.some((a) => !a.includes(":")) && !gw(IPV4_GATEWAY))
          problems.push(`the container has no default route via ${IPV4_GATEWAY} dev ${inv.ifname}`);
        if (want.some((a) => a.includes(":")) && !gw(IPV6_GATEWAY))
          problems.push(`the container has no default route via ${IPV6_GATEWAY} dev ${inv.ifname}`);
      }
    }
  } finally {
    container?.close();
    host.socket.close();
  }
  if (problems.length > 0) {
    throw new CniError("CNI_CHECK_FAILED", problems[0], { details: problems.join("; ") });
  }
}
