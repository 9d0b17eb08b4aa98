/**
 * Graceful restart and NOTIFICATIONs (RFC 4724 §4.2 as updated by RFC 8538), in one place: what a
 * NOTIFICATION we send becomes on the wire, and whether the session's routes are kept as stale
 * after a session ends (by TCP loss, hold timer expiry, or a NOTIFICATION sent or received).
 *
 * - Without the N bit negotiated (RFC 4724), only a TCP loss keeps the routes; any NOTIFICATION
 *   and hold timer expiry end the session for good on both sides.
 * - With the N bit (RFC 8538 §3), hold timer expiry and every NOTIFICATION other than Cease / Hard
 *   Reset (subcode 9) — sent or received — keep the routes on both sides (graceful restart);
 *   Hard Reset makes both sides flush them.
 * - Which Cease subcodes we send as a Hard Reset (RFC 8538 §5's table): 1 Maximum Number of
 *   Prefixes Reached, 2 Administrative Shutdown, 3 Peer De-configured — the peer must drop our
 *   routes, and we drop its — and 4 Administrative Reset, for which the RFC leaves the choice to
 *   the operator (we follow FRR's default, `bgp hard-administrative-reset`). 5 Connection
 *   Rejected, 6 Other Configuration Change, 7 Connection Collision Resolution, 8 Out of
 *   Resources, 10 BFD Down and every non-Cease NOTIFICATION keep graceful restart. The Hard Reset
 *   carries the original code, subcode and data (RFC 8538 §4).
 */
import type { NegotiatedSession, NotificationData } from "../../common/contracts/bgp-engines.js";
import { CeaseSubcode, NotifyCode } from "../wire/constants.js";

/** Cease subcodes sent inside a Hard Reset when the N bit is negotiated (RFC 8538 §5). */
export const HARD_RESET_CEASE_SUBCODES: ReadonlySet<number> = new Set([
  CeaseSubcode.MAXIMUM_PREFIXES_REACHED,
  CeaseSubcode.ADMINISTRATIVE_SHUTDOWN,
  CeaseSubcode.PEER_DE_CONFIGURED,
  CeaseSubcode.ADMINISTRATIVE_RESET,
]);

export function isHardReset(n: NotificationData): boolean {
  return n.code === NotifyCode.CEASE && n.subcode === CeaseSubcode.HARD_RESET;
}

/** How a session ended. */
export type EndCause =
  | { readonly kind: "tcp" }
  | { readonly kind: "hold" }
  /** A NOTIFICATION sent (as it went on the wire) or received. */
  | { readonly kind: "notification"; readonly notification: NotificationData };

/** RFC 4724 §4.2 / RFC 8538 §3: should the RIB keep this session's routes as stale? */
export function retainRoutes(negotiated: NegotiatedSession | null, cause: EndCause): boolean {
  const gr = negotiated?.gracefulRestart;
  if (!gr || gr.families.length === 0) return false;
  switch (cause.kind) {
    case "tcp":
      return true;
    case "hold":
      return gr.notification;
    case "notification":
      return gr.notification && !isHardReset(cause.notification);
  }
}

/**
 * The NOTIFICATION as we send it on an Established session: wrapped in a Hard Reset when the N
 * bit is negotiated and the subcode calls for it (RFC 8538 §4 and §5), else unchanged.
 */
export function notificationOnWire(
  negotiated: NegotiatedSession | null,
  n: NotificationData,
): NotificationData {
  if (
    negotiated?.gracefulRestart?.notification !== true ||
    n.code !== NotifyCode.CEASE ||
    !HARD_RESET_CEASE_SUBCODES.has(n.subcode)
  ) {
    return n;
  }
  const data = new Uint8Array(2 + n.data.length);
  data[0] = n.code;
  data[1] = n.subcode;
  data.set(n.data, 2);
  return { code: NotifyCode.CEASE, subcode: CeaseSubcode.HARD_RESET, data };
}

/** Sending `n` on an Established session: are the session's routes kept (as it goes on the wire)? */
export function retainsAfterSending(
  negotiated: NegotiatedSession | null,
  n: NotificationData,
): boolean {
  return retainRoutes(negotiated, {
    kind: "notification",
    notification: notificationOnWire(negotiated, n),
  });
}
