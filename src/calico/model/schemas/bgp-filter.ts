/**
 * BGPFilter (projectcalico.org/v3): ordered import/export rules per family, referenced by name
 * from BGPPeer `filters`. Rule fields as api/pkg/apis/projectcalico/v3/bgpfilter.go (v3.26 base
 * plus HEAD's peerType, communities, asPathPrefix and operations).
 */
import { z } from "zod";
import type { Family } from "../../../common/contracts/families.js";
import { communityKind } from "../community.js";
import { asNumber, cidr, converted, ignored, integer, oneOf, show } from "../fields.js";

const community = converted<string>((v) =>
  typeof v === "string" && communityKind(v) !== null
    ? { ok: true, value: v }
    : { ok: false, message: `${show(v)} is not a community (aa:nn or aa:nn:mm)` },
);

const ifaceGlob = converted<string>((v) =>
  typeof v === "string" && v.length > 0 && v.length <= 15 && !/\s/.test(v)
    ? { ok: true, value: v }
    : { ok: false, message: `${show(v)} is not an interface name pattern (1-15 characters)` },
);

function rule(family: Family) {
  const max = family === "ipv4" ? 32 : 128;
  return z
    .strictObject({
      action: oneOf(["Accept", "Reject"] as const),
      cidr: cidr({ strict: true, family }).optional(),
      matchOperator: oneOf(["Equal", "NotEqual", "In", "NotIn"] as const).optional(),
      prefixLength: z
        .strictObject({ min: integer(0, max).optional(), max: integer(0, max).optional() })
        .optional(),
      source: oneOf(["RemotePeers"] as const).optional(),
      interface: ifaceGlob.optional(),
      peerType: oneOf(["eBGP", "iBGP"] as const).optional(),
      communities: z.strictObject({ values: z.array(community).length(1) }).optional(),
      asPathPrefix: z.array(asNumber).optional(),
      priority: ignored.optional(),
      operations: z
        .array(
          z.strictObject({
            addCommunity: z.strictObject({ value: community }).optional(),
            prependASPath: z.strictObject({ prefix: z.array(asNumber).min(1) }).optional(),
            setPriority: ignored.optional(),
          }),
        )
        .optional(),
    })
    .superRefine((r, ctx) => {
      const issue = (path: (string | number)[], message: string) =>
        ctx.addIssue({ code: "custom", path, message });
      if (r.cidr && !r.matchOperator) issue(["matchOperator"], "is required with cidr");
      if (!r.cidr && r.matchOperator) issue(["cidr"], "is required with matchOperator");
      if (r.prefixLength && !r.cidr) issue(["prefixLength"], "requires cidr");
      if (r.prefixLength && r.cidr) {
        const lo = r.prefixLength.min ?? r.cidr.prefix.length;
        const hi = r.prefixLength.max ?? max;
        if (lo < r.cidr.prefix.length) {
          issue(
            ["prefixLength", "min"],
            `${lo} is shorter than the CIDR's own length /${r.cidr.prefix.length}`,
          );
        }
        if (lo > hi) issue(["prefixLength", "max"], `${hi} is smaller than min ${lo}`);
      }
      if (r.operations && r.action !== "Accept") {
        issue(["operations"], "operations are only allowed with action Accept");
      }
      r.operations?.forEach((op, i) => {
        const n = [op.addCommunity, op.prependASPath, op.setPriority].filter(
          (x) => x !== undefined,
        ).length;
        if (n !== 1)
          issue(
            ["operations", i],
            "each operation must set exactly one of addCommunity, prependASPath, setPriority",
          );
      });
    })
    .transform((r) => ({ ...r, cidr: r.cidr?.cidr }));
}

export const bgpFilterSpec = z.strictObject({
  exportV4: z.array(rule("ipv4")).default([]),
  importV4: z.array(rule("ipv4")).default([]),
  exportV6: z.array(rule("ipv6")).default([]),
  importV6: z.array(rule("ipv6")).default([]),
});

export type BGPFilterSpec = z.output<typeof bgpFilterSpec>;
export type BGPFilterRule = BGPFilterSpec["exportV4"][number];
