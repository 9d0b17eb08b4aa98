#!/usr/bin/env node
// The speaker benchmark's feeder: one process holding every feeder session of a case (1 or 10),
// run inside the feeder namespace. It builds each session's UPDATE stream first (feed.mjs; not
// timed), says `ready`, and on the line `go` on stdin connects every session at once. The moment
// a session is Established it writes its whole prepared stream (Node pushes it out as fast as the
// receiver's TCP window allows) followed by End-of-RIB — the same bytes for every receiver.
// UPDATEs the receiver sends back are counted, not decoded (it should send none: the feeders'
// export policy is empty). `report` prints those counts; stays up (keepalives) until stdin
// closes or says `stop`.
//
//   node feeder.mjs CONFIG.json
//   CONFIG: { host, port, count, retryMs, sessions: [{ index, localAddress, asn, bgpId }] }
//
// stdout, one JSON object per line, times in epoch ms (clock.mjs):
//   {"event":"ready","messages":M,"bytes":B,"sets":S,"buildMs":ms}
//   {"event":"established","session":i,"t":...}
//   {"event":"sent","session":i,"t":...}          the stream and End-of-RIB left the socket buffer
//   {"event":"closed"|"notification"|"failed","session":i,"text":...}
//   {"event":"received","session":i,"updates":n,"bytes":b}   on `report` and on stop
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { END_OF_RIB, startPeer } from "./bgp-peer.mjs";
import { now } from "./clock.mjs";
import { buildStream } from "./feed.mjs";

const cfg = JSON.parse(readFileSync(process.argv[2], "utf8"));
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

const t0 = now();
const streams = cfg.sessions.map((s) =>
  buildStream({ index: s.index, count: cfg.count, asn: s.asn, nextHop: s.localAddress }),
);
out({
  event: "ready",
  messages: streams.reduce((n, s) => n + s.messages, 0),
  bytes: streams.reduce((n, s) => n + s.stream.length, 0),
  sets: streams.reduce((n, s) => n + s.sets, 0),
  buildMs: Math.round(now() - t0),
});

const peers = [];
const received = cfg.sessions.map(() => ({ updates: 0, bytes: 0 }));

function go() {
  cfg.sessions.forEach((s, i) => {
    const peer = startPeer({
      host: cfg.host,
      port: cfg.port ?? 179,
      localAddress: s.localAddress,
      asn: s.asn,
      bgpId: s.bgpId,
      holdTime: 240,
      retryUntil: Date.now() + (cfg.retryMs ?? 30_000),
      onEstablished(t) {
        out({ event: "established", session: i, t });
        const sock = peer.socket();
        sock.write(streams[i].stream);
        sock.write(END_OF_RIB, () => out({ event: "sent", session: i, t: now() }));
        streams[i] = null; // the socket holds the bytes now
      },
      onUpdate(m) {
        // End-of-RIB (23 octets) does not count: only UPDATEs carrying routes.
        if (m.length <= 23) return;
        received[i].updates++;
        received[i].bytes += m.length;
      },
      onNotification: (text) => out({ event: "notification", session: i, text }),
      onClose: () => out({ event: "closed", session: i }),
      onFail: (text) => out({ event: "failed", session: i, text }),
    });
    peers.push(peer);
  });
}

function report() {
  for (const [i, r] of received.entries()) out({ event: "received", session: i, ...r });
}

function stop() {
  for (const p of peers) p.stop();
  report();
  process.exit(0);
}

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  if (line.trim() === "go") go();
  else if (line.trim() === "report") report();
  else if (line.trim() === "stop") stop();
});
rl.on("close", stop);
