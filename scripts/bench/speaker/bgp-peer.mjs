// A minimal active BGP-4 peer for the speaker benchmark's own processes (feeder, downstream
// counter, keepalive watcher): connects from a chosen local address, sends an OPEN (IPv4 unicast,
// 4-octet AS; RFC 4271 §4.2, RFC 4760, RFC 6793), answers the peer's OPEN with a KEEPALIVE, is
// Established once the peer's KEEPALIVE arrives (§8.2.2 OpenConfirm → Established), then sends
// keepalives every negotiated hold time / 3 and hands every other message to the caller.
// Connection failures before Established are retried (receivers may still be starting).
// Encoding and framing come from wren's codec in dist/ (the benchmark's peers are not the
// subject: the receivers are).
import net from "node:net";
import { now } from "./clock.mjs";

const wire = await import(new URL("../../../dist/bgp/wire/index.js", import.meta.url).href);

export const CTX = wire.makeContext({ as4: true });
export const KEEPALIVE = wire.encodeMessage({ type: "KEEPALIVE" }, CTX);
export const END_OF_RIB = wire.encodeEndOfRib("ipv4-unicast", CTX);
export { wire };

const AS_TRANS = 23456;

/**
 * Starts a session. Options: host, port, localAddress, asn, bgpId, holdTime (s, we offer),
 * retryUntil (epoch ms), and callbacks onEstablished(t, negotiatedHold), onUpdate(message, t),
 * onKeepalive(t), onNotification(text), onClose(wasEstablished), onFail(text).
 * Returns { stop(), socket(), established() }.
 */
export function startPeer(o) {
  let sock = null;
  let framer = null;
  let state = "idle";
  let stopped = false;
  let keepaliveTimer = null;
  let retryTimer = null;
  const hold = o.holdTime ?? 90;

  const open = wire.encodeMessage(
    {
      type: "OPEN",
      version: 4,
      myAs: o.asn > 65535 ? AS_TRANS : o.asn,
      holdTime: hold,
      bgpId: o.bgpId,
      capabilities: [
        { type: "multiprotocol", afi: 1, safi: 1 },
        { type: "fourOctetAs", asn: o.asn },
      ],
      otherParameters: [],
    },
    CTX,
  );

  function retry(why) {
    if (stopped) return;
    if (Date.now() > (o.retryUntil ?? 0)) {
      o.onFail?.(`could not establish to ${o.host}: ${why}`);
      return;
    }
    retryTimer = setTimeout(connect, 200);
  }

  function connect() {
    if (stopped) return;
    state = "connect";
    framer = new wire.Framer();
    sock = net.connect({ host: o.host, port: o.port ?? 179, localAddress: o.localAddress });
    sock.setNoDelay(true);
    sock.on("connect", () => {
      state = "openSent";
      sock.write(open);
    });
    sock.on("data", onData);
    sock.on("error", () => {});
    sock.on("close", () => {
      clearInterval(keepaliveTimer);
      const was = state === "established";
      state = "idle";
      if (stopped) return;
      if (was) o.onClose?.(true);
      else retry("connection closed before Established");
    });
  }

  function onData(chunk) {
    framer.push(chunk);
    for (let m = framer.next(); m !== undefined && m !== null; m = framer.next()) {
      const type = m[18];
      if (type === 2) {
        o.onUpdate?.(m, now());
      } else if (type === 4) {
        const t = now();
        if (state === "openConfirm") {
          state = "established";
          const negotiated = Math.min(hold, peerHold);
          if (negotiated > 0) {
            keepaliveTimer = setInterval(() => sock.write(KEEPALIVE), (negotiated * 1000) / 3);
          }
          o.onEstablished?.(t, negotiated);
        } else {
          o.onKeepalive?.(t);
        }
      } else if (type === 1) {
        peerHold = (m[22] << 8) | m[23];
        sock.write(KEEPALIVE);
        state = "openConfirm";
      } else if (type === 3) {
        let text = `NOTIFICATION ${m[19]}/${m[20]}`;
        try {
          const n = wire.decodeMessage(m, CTX);
          if (n.shutdownCommunication) text += ` "${n.shutdownCommunication}"`;
        } catch {
          // the code/subcode is enough
        }
        o.onNotification?.(text);
      }
    }
  }
  let peerHold = 0;

  connect();
  return {
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      clearInterval(keepaliveTimer);
      sock?.destroy();
    },
    socket: () => sock,
    established: () => state === "established",
  };
}
