/**
 * Our OPEN message (RFC 4271 §4.2) and the capabilities we advertise (RFC 5492): multiprotocol
 * per configured family (RFC 4760), route refresh (RFC 2918) and enhanced route refresh
 * (RFC 7313), 4-octet AS (RFC 6793, with AS_TRANS in My AS above 65535), graceful restart
 * (RFC 4724 with the RFC 8538 N bit; R bit after our own restart; F bit: wren keeps its kernel
 * routes across a graceful stop), ADD-PATH (RFC 7911), extended next hop (RFC 8950), extended
 * message (RFC 8654) and the hostname capability.
 */
import { AFI_IPV4, AFI_IPV6, afiSafiOfName } from "../../common/contracts/families.js";
import { AS_TRANS, BGP_VERSION } from "../wire/constants.js";
import type { AddPathDirection, Capability, OpenMessage } from "../wire/types.js";
import type { LocalSessionParams } from "./types.js";

function addPathDirection(mode: LocalSessionParams["addPaths"]): AddPathDirection | null {
  switch (mode) {
    case "receive":
      return "receive";
    case "send":
      return "send";
    case "both":
      return "both";
    default:
      return null;
  }
}

/** The capabilities we advertise, in a stable order. */
export function localCapabilities(local: LocalSessionParams, restarting: boolean): Capability[] {
  const caps: Capability[] = [];
  for (const name of local.families) {
    const { afi, safi } = afiSafiOfName(name);
    caps.push({ type: "multiprotocol", afi, safi });
  }
  caps.push({ type: "routeRefresh" });
  caps.push({ type: "enhancedRouteRefresh" });
  caps.push({ type: "fourOctetAs", asn: local.localAs });
  if (local.gracefulRestart) {
    caps.push({
      type: "gracefulRestart",
      restarting,
      notification: true,
      restartTime: Math.min(4095, local.gracefulRestart.restartTime),
      families: local.families.map((name) => ({ ...afiSafiOfName(name), forwarding: true })),
    });
  }
  const direction = addPathDirection(local.addPaths);
  if (direction) {
    caps.push({
      type: "addPath",
      families: local.families.map((name) => ({ ...afiSafiOfName(name), direction })),
    });
  }
  if (local.extendedNextHop && local.families.includes("ipv4-unicast")) {
    caps.push({
      type: "extendedNextHop",
      entries: [{ afi: AFI_IPV4, safi: 1, nextHopAfi: AFI_IPV6 }],
    });
  }
  if (local.extendedMessage) caps.push({ type: "extendedMessage" });
  if (local.hostname) caps.push({ type: "fqdn", hostname: local.hostname, domain: "" });
  return caps;
}

export function buildLocalOpen(local: LocalSessionParams, restarting: boolean): OpenMessage {
  return {
    type: "OPEN",
    version: BGP_VERSION,
    myAs: local.localAs > 0xffff ? AS_TRANS : local.localAs,
    holdTime: local.holdTime,
    bgpId: local.localRouterId,
    capabilities: localCapabilities(local, restarting),
    otherParameters: [],
  };
}
