/**
 * BGPConfiguration (projectcalico.org/v3), named `default` (cluster-wide) or `node.<nodename>`
 * (per node: listenPort, logSeverityScreen, prefixAdvertisements). Field names and defaults as
 * Calico's api/pkg/apis/projectcalico/v3/bgpconfig.go.
 */
import { z } from "zod";
import { communityKind } from "../community.js";
import {
  asNumber,
  boolean,
  cidrText,
  converted,
  duration,
  ignored,
  integer,
  nonEmptyText,
  oneOf,
  show,
  stringList,
} from "../fields.js";
import { secretRef } from "./metadata.js";

const LOG_SEVERITIES = ["Trace", "Debug", "Info", "Warning", "Error", "Fatal"] as const;

/** Case-insensitive log severity, normalised to Calico's spelling. */
const logSeverity = converted<(typeof LOG_SEVERITIES)[number]>((v) => {
  const found =
    typeof v === "string"
      ? LOG_SEVERITIES.find((s) => s.toLowerCase() === v.toLowerCase())
      : undefined;
  return found
    ? { ok: true, value: found }
    : { ok: false, message: `${show(v)} is not one of ${LOG_SEVERITIES.join(", ")}` };
});

const communityValue = converted<string>((v) =>
  typeof v === "string" && communityKind(v) !== null
    ? { ok: true, value: v }
    : { ok: false, message: `${show(v)} is not a community (aa:nn or aa:nn:mm)` },
);

const cidrList = z.array(z.strictObject({ cidr: cidrText({ strict: true }) }));

export const bgpConfigurationSpec = z
  .strictObject({
    logSeverityScreen: logSeverity.optional(),
    nodeToNodeMeshEnabled: boolean.optional(),
    asNumber: asNumber.optional(),
    serviceLoadBalancerIPs: cidrList.optional(),
    serviceExternalIPs: cidrList.optional(),
    serviceClusterIPs: cidrList.optional(),
    serviceLoadBalancerAggregation: oneOf(["Enabled", "Disabled"] as const).optional(),
    communities: z.array(z.strictObject({ name: nonEmptyText, value: communityValue })).optional(),
    prefixAdvertisements: z
      .array(z.strictObject({ cidr: cidrText(), communities: stringList.default([]) }))
      .optional(),
    listenPort: integer(1, 65535).optional(),
    nodeMeshPassword: secretRef.optional(),
    nodeMeshMaxRestartTime: duration.optional(),
    bindMode: oneOf(["None", "NodeIP"] as const).optional(),
    ignoredInterfaces: stringList.optional(),
    programClusterRoutes: oneOf([
      "Enabled",
      "Disabled",
      "EnabledIPIPOnly",
      "EnabledNoEncapOnly",
    ] as const).optional(),
    localWorkloadPeeringIPV4: ignored.optional(),
    localWorkloadPeeringIPV6: ignored.optional(),
    ipv4NormalRoutePriority: ignored.optional(),
    ipv6NormalRoutePriority: ignored.optional(),
  })
  .superRefine((spec, ctx) => {
    const names = new Set((spec.communities ?? []).map((c) => c.name));
    spec.prefixAdvertisements?.forEach((adv, i) => {
      adv.communities.forEach((c, j) => {
        if (communityKind(c) === null && !names.has(c)) {
          ctx.addIssue({
            code: "custom",
            path: ["prefixAdvertisements", i, "communities", j],
            message: `${show(c)} is neither a community value (aa:nn or aa:nn:mm) nor a name defined in spec.communities`,
          });
        }
      });
    });
  });

export type BGPConfigurationSpec = z.output<typeof bgpConfigurationSpec>;
