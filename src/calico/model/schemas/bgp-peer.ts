/**
 * BGPPeer (projectcalico.org/v3): who peers with whom. Local side: `node`, `nodeSelector` or
 * neither (global). Remote side: `peerIP` (+ `asNumber`) or `peerSelector` (Calico nodes).
 * As api/pkg/apis/projectcalico/v3/bgppeer.go, with Calico's validation rules.
 */
import { z } from "zod";
import {
  asNumber,
  boolean,
  duration,
  ignored,
  integer,
  ipAddress,
  oneOf,
  peerAddress,
  selectorText,
  stringList,
  text,
} from "../fields.js";
import { ipFamily } from "../net.js";
import { secretRef } from "./metadata.js";

export const bgpPeerSpec = z
  .strictObject({
    node: text.optional(),
    nodeSelector: selectorText.optional(),
    peerIP: peerAddress.optional(),
    peerSelector: selectorText.optional(),
    asNumber: asNumber.optional(),
    localASNumber: asNumber.optional(),
    keepOriginalNextHop: boolean.optional(),
    nextHopMode: oneOf(["Auto", "Self", "Keep"] as const).optional(),
    password: secretRef.optional(),
    sourceAddress: oneOf(["UseNodeIP", "None"] as const).optional(),
    maxRestartTime: duration.optional(),
    keepaliveTime: duration.optional(),
    numAllowedLocalASNumbers: integer(0, 255).optional(),
    ttlSecurity: integer(0, 255).optional(),
    reachableBy: ipAddress().optional(),
    filters: stringList.optional(),
    reversePeering: oneOf(["Auto", "Manual"] as const).optional(),
    localWorkloadSelector: ignored.optional(),
  })
  .superRefine((spec, ctx) => {
    const issue = (path: string, message: string) =>
      ctx.addIssue({ code: "custom", path: [path], message });
    if (spec.node && spec.nodeSelector) {
      issue("nodeSelector", "cannot be set together with spec.node");
    }
    if (spec.peerIP && spec.peerSelector) {
      issue("peerSelector", "cannot be set together with spec.peerIP");
    }
    if (!spec.peerIP && !spec.peerSelector && spec.localWorkloadSelector === undefined) {
      issue("peerIP", "one of spec.peerIP or spec.peerSelector is required");
    }
    if (spec.peerSelector && spec.asNumber) {
      issue(
        "asNumber",
        "must be empty with spec.peerSelector (the peer nodes' AS numbers are used)",
      );
    }
    if (spec.peerIP && !spec.asNumber) {
      issue("asNumber", "is required with spec.peerIP");
    }
    if (spec.keepOriginalNextHop && spec.nextHopMode) {
      issue("keepOriginalNextHop", "cannot be set together with spec.nextHopMode");
    }
    if (spec.reachableBy) {
      if (!spec.peerIP) issue("reachableBy", "requires spec.peerIP");
      else if (ipFamily(spec.reachableBy) !== ipFamily(spec.peerIP.address)) {
        issue(
          "reachableBy",
          `${spec.reachableBy} is not of the same address family as spec.peerIP`,
        );
      }
    }
  });

export type BGPPeerSpec = z.output<typeof bgpPeerSpec>;
