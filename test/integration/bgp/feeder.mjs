#!/usr/bin/env node
// A raw BGP feeder for load tests, speaking BGP with wren's own codec (dist/bgp/wire): connects,
// exchanges OPEN/KEEPALIVE, streams COUNT consecutive IPv4 /PLEN prefixes from BASE packed into
// full UPDATEs as fast as TCP takes them, sends End-of-RIB, then keeps the session up with
// keepalives. Progress goes to stdout as JSON lines. Run inside a namespace:
//   node feeder.mjs HOST PORT LOCAL_AS PEER_AS BGP_ID COUNT [BASE=10.128.0.0] [PLEN=24]
import net from "node:net";
import { resolve } from "node:path";

const wire = await import(resolve(import.meta.dirname, "../../../dist/bgp/wire/index.js"));
const [host, port, localAs, _peerAs, bgpId, count, base = "10.128.0.0", plen = "24"] =
  process.argv.slice(2);
const N = Number(count);
const len = Number(plen);
const ctx = { as4: true, addPath: [], extendedMessage: false, extendedNextHop: [] };
const out = (o) => process.stdout.write(`${JSON.stringify({ t: Date.now(), ...o })}\n`);

function prefixes() {
  const b = new wire.NlriBuilder("ipv4", false, N);
  const start = base.split(".").reduce((a, x) => a * 256 + Number(x), 0) >>> 0;
  const step = 2 ** (32 - len);
  const bytes = new Uint8Array(4);
  for (let i = 0; i < N; i++) {
    const v = (start + i * step) >>> 0;
    bytes[0] = v >>> 24;
    bytes[1] = (v >>> 16) & 255;
    bytes[2] = (v >>> 8) & 255;
    bytes[3] = v & 255;
    b.append(bytes, len);
  }
  return b.build();
}

const socket = net.connect({ host, port: Number(port) });
socket.setNoDelay(true);
const framer = new wire.Framer();
let phase = "open";
socket.on("connect", () => {
  const local = socket.localAddress;
  socket.write(
    wire.encodeMessage(
      {
        type: "OPEN",
        version: 4,
        myAs: Number(localAs) > 65535 ? 23456 : Number(localAs),
        holdTime: 90,
        bgpId,
        capabilities: [
          { type: "multiprotocol", afi: 1, safi: 1 },
          { type: "fourOctetAs", asn: Number(localAs) },
        ],
        otherParameters: [],
      },
      ctx,
    ),
  );
  out({ event: "connected", local });
});
socket.on("data", (chunk) => {
  framer.push(chunk);
  for (let m = framer.next(); m; m = framer.next()) {
    const type = m[18];
    if (type === 1) socket.write(wire.encodeMessage({ type: "KEEPALIVE" }, ctx));
    if (type === 3) out({ event: "notification", message: wire.decodeMessage(m, ctx) });
    if (type === 4 && phase === "open") {
      phase = "up";
      out({ event: "established" });
      void feed();
    }
  }
});
socket.on("close", () => {
  out({ event: "closed" });
  process.exit(0);
});
socket.on("error", (e) => out({ event: "error", message: e.message }));

async function feed() {
  const t0 = Date.now();
  const messages = wire.packUpdates(
    {
      family: "ipv4",
      attributes: {
        origin: "igp",
        asPath: [{ type: "sequence", asns: [Number(localAs)] }],
        nextHop: socket.localAddress,
      },
      announce: prefixes(),
    },
    ctx,
  );
  out({ event: "packed", messages: messages.length, ms: Date.now() - t0 });
  const t1 = Date.now();
  for (const m of messages) {
    if (!socket.write(m)) await new Promise((r) => socket.once("drain", r));
  }
  socket.write(wire.encodeEndOfRib("ipv4-unicast", ctx));
  out({ event: "sent", prefixes: N, messages: messages.length, ms: Date.now() - t1 });
  setInterval(() => socket.write(wire.encodeMessage({ type: "KEEPALIVE" }, ctx)), 3000);
}
