/**
 * IPPool (projectcalico.org/v3): a pod address range, its IPAM block size, encapsulation
 * (ipipMode / vxlanMode: Never, Always, CrossSubnet), BGP export and node selection. Defaults
 * and validation as api/pkg/apis/projectcalico/v3/ippool.go and Calico's validator.
 */
import { z } from "zod";
import { prefixContains } from "../../../common/ip/index.js";
import {
  boolean,
  cidr,
  converted,
  ignored,
  integer,
  oneOf,
  selectorText,
  show,
} from "../fields.js";
import { cidrPrefix } from "../net.js";

const ENCAP_MODES = ["Never", "Always", "CrossSubnet"] as const;
export type EncapMode = (typeof ENCAP_MODES)[number];

/** Encapsulation mode; "" is Calico's "unset" and means Never. */
const encapMode = converted<EncapMode>((v) =>
  v === ""
    ? { ok: true, value: "Never" }
    : typeof v === "string" && (ENCAP_MODES as readonly string[]).includes(v)
      ? { ok: true, value: v as EncapMode }
      : { ok: false, message: `${show(v)} is not one of ${ENCAP_MODES.join(", ")}` },
);

const LINK_LOCAL = ["169.254.0.0/16", "fe80::/10"];

export const ipPoolSpec = z
  .strictObject({
    cidr: cidr({ strict: true }),
    ipipMode: encapMode.default("Never"),
    vxlanMode: encapMode.default("Never"),
    natOutgoing: boolean.default(false),
    disabled: boolean.default(false),
    disableBGPExport: boolean.default(false),
    blockSize: integer(0, 128).optional(),
    nodeSelector: selectorText.default("all()"),
    allowedUses: z
      .array(oneOf(["Workload", "Tunnel", "LoadBalancer"] as const))
      .default(["Workload", "Tunnel"]),
    assignmentMode: oneOf(["Automatic", "Manual"] as const).default("Automatic"),
    namespaceSelector: ignored.optional(),
    ipip: ignored.optional(),
    nat_outgoing: ignored.optional(),
  })
  .superRefine((spec, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: "custom", path: [path], message });
    const family = spec.cidr.prefix.family;
    if (spec.ipipMode !== "Never" && family === "ipv6") {
      issue("ipipMode", "IPIP is not supported on IPv6 pools");
    }
    if (spec.ipipMode !== "Never" && spec.vxlanMode !== "Never") {
      issue("vxlanMode", "cannot be enabled together with spec.ipipMode");
    }
    const [min, max] = family === "ipv4" ? [20, 32] : [116, 128];
    if (spec.blockSize !== undefined) {
      if (spec.blockSize < min || spec.blockSize > max) {
        issue(
          "blockSize",
          `${spec.blockSize} is out of range for an ${family === "ipv4" ? "IPv4" : "IPv6"} pool (${min}..${max})`,
        );
      } else if (spec.blockSize < spec.cidr.prefix.length) {
        issue("blockSize", `/${spec.blockSize} blocks do not fit in ${spec.cidr.cidr}`);
      }
    }
    for (const ll of LINK_LOCAL) {
      const p = cidrPrefix(ll);
      const c = spec.cidr.prefix;
      if (prefixContains(p, c) || prefixContains(c, p)) {
        issue("cidr", `${spec.cidr.cidr} overlaps the link-local range ${ll}`);
      }
    }
    if (spec.allowedUses.includes("LoadBalancer")) {
      if (spec.ipipMode !== "Never" || spec.vxlanMode !== "Never") {
        issue("allowedUses", "a LoadBalancer pool cannot use IPIP or VXLAN");
      }
      if (spec.disableBGPExport)
        issue("allowedUses", "a LoadBalancer pool cannot disable BGP export");
    }
  })
  .transform((spec) => ({
    ...spec,
    cidr: spec.cidr.cidr,
    family: spec.cidr.prefix.family,
    blockSize: spec.blockSize ?? (spec.cidr.prefix.family === "ipv4" ? 26 : 122),
  }));

export type IPPoolSpec = z.output<typeof ipPoolSpec>;
