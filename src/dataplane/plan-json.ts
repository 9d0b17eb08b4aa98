/**
 * JSON forms for running the agent standalone (`wren dataplane`): a `DesiredDataplane` (or a
 * whole node plan as `wren render --json` prints it, whose `dataplane` field is used), and BGP
 * route batches with prefixes as text. Errors name the file and the field.
 */
import { z } from "zod";
import type { BgpRouteBatch, DesiredDataplane } from "../common/contracts/dataplane.js";
import { WrenError } from "../common/errors.js";
import { type Prefix, parsePrefixDetailed } from "../common/ip/prefix.js";

export class DataplaneInputError extends WrenError {
  constructor(message: string) {
    super("WREN_DATAPLANE_INPUT", message);
    this.name = "DataplaneInputError";
  }
}

const family = z.enum(["ipv4", "ipv6"]);
const owner = z.enum(["bird", "felix"]);

const desiredSchema = z.object({
  nodeName: z.string().default(""),
  blackholes: z.array(z.object({ prefix: z.string(), owner })).default([]),
  workloads: z
    .array(
      z.object({
        name: z.string().min(1).max(15),
        addresses: z.array(z.string()),
        mac: z.string().nullable().default(null),
        endpoint: z.string().default(""),
      }),
    )
    .default([]),
  ipip: z
    .object({
      address: z.string().nullable().default(null),
      mtu: z.number().int().nullable().default(null),
    })
    .nullable()
    .default(null),
  vxlan: z
    .array(
      z.object({
        family,
        name: z.string(),
        vni: z.number().int().min(0).max(16777215),
        port: z.number().int().min(1).max(65535),
        address: z.string().nullable().default(null),
        localAddress: z.string(),
        mac: z.string(),
        mtu: z.number().int().nullable().default(null),
      }),
    )
    .default([]),
  vxlanPeers: z
    .array(
      z.object({
        node: z.string(),
        family,
        nodeAddress: z.string(),
        tunnelAddress: z.string(),
        mac: z.string(),
        blocks: z.array(z.string()).default([]),
      }),
    )
    .default([]),
  staticRoutes: z.array(z.object({ prefix: z.string(), via: z.string(), owner })).default([]),
  kernelPolicy: z
    .object({
      rejectCidrs: z.array(z.string()).default([]),
      pools: z
        .array(
          z.object({
            cidr: z.string(),
            encap: z.enum(["ipip", "vxlan", "none"]),
            crossSubnet: z.boolean().default(false),
          }),
        )
        .default([]),
      nodeSubnets: z.array(z.string()).default([]),
    })
    .default({ rejectCidrs: [], pools: [], nodeSubnets: [] }),
  sysctls: z
    .object({
      ipv4Forwarding: z.boolean().default(true),
      ipv6Forwarding: z.boolean().default(false),
    })
    .default({ ipv4Forwarding: true, ipv6Forwarding: false }),
  resyncInterval: z.number().positive().default(90),
  workloadGracePeriod: z.number().min(0).default(10),
});

function issues(err: z.ZodError): string {
  return err.issues
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(top)"}: ${i.message}`)
    .join("; ");
}

/** Parses a DesiredDataplane, or a node plan with a `dataplane` field. */
export function parseDesiredDataplane(value: unknown, source: string): DesiredDataplane {
  const obj =
    value !== null && typeof value === "object" && "dataplane" in value
      ? (value as { dataplane: unknown }).dataplane
      : value;
  const r = desiredSchema.safeParse(obj);
  if (!r.success)
    throw new DataplaneInputError(`${source}: invalid desired dataplane: ${issues(r.error)}`);
  return r.data;
}

const nexthopSchema = z.union([
  z.string(),
  z.object({ address: z.string(), peer: z.string().optional(), interface: z.string().optional() }),
]);

const batchSchema = z.object({
  upserts: z
    .array(z.object({ prefix: z.string(), nexthops: z.array(nexthopSchema).min(1) }))
    .default([]),
  withdrawals: z.array(z.string()).default([]),
});

function prefixOf(text: string, where: string): Prefix {
  const r = parsePrefixDetailed(text);
  if (!r.ok) throw new DataplaneInputError(`${where}: ${r.reason}`);
  return r.prefix;
}

/** Parses `{"upserts":[{"prefix","nexthops":[addr|{address,peer,interface}]}],"withdrawals":[]}`. */
export function parseBgpBatch(value: unknown, source: string): BgpRouteBatch {
  const r = batchSchema.safeParse(value);
  if (!r.success)
    throw new DataplaneInputError(`${source}: invalid route batch: ${issues(r.error)}`);
  return {
    upserts: r.data.upserts.map((u, i) => ({
      prefix: prefixOf(u.prefix, `${source}: upserts.${i}.prefix`),
      nexthops: u.nexthops.map((n) =>
        typeof n === "string"
          ? { address: n, peer: n }
          : { address: n.address, peer: n.peer ?? n.address, interface: n.interface },
      ),
    })),
    withdrawals: r.data.withdrawals.map((w, i) => prefixOf(w, `${source}: withdrawals.${i}`)),
  };
}
