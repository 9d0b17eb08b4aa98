/**
 * WorkloadEndpoint (projectcalico.org/v3, namespaced): a pod interface on a node — its /32 and
 * /128 addresses, host-side interface name and MAC. As libcalico-go lib/apis/v3/workloadendpoint.go.
 */
import { z } from "zod";
import { converted, ignored, nonEmptyText, show, text } from "../fields.js";
import { canonicalIp, hostCidr, parseCidr } from "../net.js";

/** ipNetworks entry: a host CIDR (/32, /128) or a bare address (taken as host CIDR). */
const hostNetwork = converted<string>((v) => {
  if (typeof v !== "string") return { ok: false, message: `${show(v)} is not an IP network` };
  const ip = canonicalIp(v);
  if (ip !== null) return { ok: true, value: hostCidr(ip) };
  const c = parseCidr(v);
  if (c === null) return { ok: false, message: `${show(v)} is not an IP network` };
  const host = c.prefix.family === "ipv4" ? 32 : 128;
  if (c.prefix.length !== host) {
    return {
      ok: false,
      message: `${show(v)} is not a /${host} (workload addresses are single IPs)`,
    };
  }
  return { ok: true, value: c.cidr };
});

const mac = converted<string>((v) =>
  typeof v === "string" && /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(v)
    ? { ok: true, value: v.toLowerCase().replaceAll("-", ":") }
    : { ok: false, message: `${show(v)} is not a MAC address` },
);

const interfaceName = converted<string>((v) =>
  typeof v === "string" && /^[^\s/]{1,15}$/.test(v)
    ? { ok: true, value: v }
    : {
        ok: false,
        message: `${show(v)} is not an interface name (1-15 characters, no spaces or "/")`,
      },
);

export const workloadEndpointSpec = z.strictObject({
  node: nonEmptyText,
  orchestrator: text.optional(),
  workload: text.optional(),
  pod: text.optional(),
  endpoint: text.optional(),
  containerID: text.optional(),
  serviceAccountName: ignored.optional(),
  ipNetworks: z.array(hostNetwork).default([]),
  ipv4Gateway: ignored.optional(),
  ipv6Gateway: ignored.optional(),
  interfaceName: interfaceName.optional(),
  mac: mac.optional(),
  profiles: ignored.optional(),
  ports: ignored.optional(),
  ipNATs: ignored.optional(),
  allowSpoofedSourcePrefixes: ignored.optional(),
  qosControls: ignored.optional(),
  awsElasticIPs: ignored.optional(),
});

export type WorkloadEndpointSpec = z.output<typeof workloadEndpointSpec>;
