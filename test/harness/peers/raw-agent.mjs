#!/usr/bin/env node
// Byte pipe for the harness's raw BGP peer, run inside a network namespace (`ip netns exec NS
// node raw-agent.mjs`): the test process cannot open a socket in another namespace, so it drives
// this agent with JSON lines on stdin and reads JSON lines of events on stdout.
//   commands: {"op":"connect","host":H,"port":P,"localAddress":A?}  {"op":"listen","host":H,"port":P}
//             {"op":"send","hex":"..."}  {"op":"end"} (half-close)  {"op":"destroy"}  {"op":"exit"}
//   events:   {"ev":"ready"} {"ev":"listening"} {"ev":"connected","local":..,"remote":..}
//             {"ev":"data","hex":".."} {"ev":"sent","bytes":n} {"ev":"closed","hadError":b}
//             {"ev":"error","message":..}
// One connection at a time (a later inbound connection replaces nothing: it is refused).
import { createConnection, createServer } from "node:net";
import { createInterface } from "node:readline";

let sock;
let server;
const emit = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

function adopt(s) {
  sock = s;
  s.setNoDelay(true);
  emit({
    ev: "connected",
    local: `${s.localAddress}:${s.localPort}`,
    remote: `${s.remoteAddress}:${s.remotePort}`,
  });
  s.on("data", (d) => emit({ ev: "data", hex: d.toString("hex") }));
  s.on("error", (e) => emit({ ev: "error", message: e.message }));
  s.on("close", (hadError) => {
    emit({ ev: "closed", hadError });
    if (sock === s) sock = undefined;
  });
}

const rl = createInterface({ input: process.stdin });
rl.on("line", (line) => {
  let c;
  try {
    c = JSON.parse(line);
  } catch {
    return emit({ ev: "error", message: `bad command: ${line}` });
  }
  switch (c.op) {
    case "connect": {
      const s = createConnection({
        host: c.host,
        port: c.port ?? 179,
        localAddress: c.localAddress,
      });
      s.once("connect", () => adopt(s));
      s.once("error", (e) => {
        if (sock !== s) emit({ ev: "error", message: e.message });
      });
      break;
    }
    case "listen":
      server = createServer((s) => {
        if (sock) return s.destroy();
        adopt(s);
      });
      server.on("error", (e) => emit({ ev: "error", message: e.message }));
      server.listen(c.port ?? 179, c.host, () => emit({ ev: "listening" }));
      break;
    case "send":
      if (!sock) return emit({ ev: "error", message: "send: not connected" });
      sock.write(Buffer.from(c.hex, "hex"), () => emit({ ev: "sent", bytes: c.hex.length / 2 }));
      break;
    case "end":
      sock?.end();
      break;
    case "destroy":
      sock?.destroy();
      break;
    case "exit":
      process.exit(0);
  }
});
rl.on("close", () => process.exit(0));
emit({ ev: "ready" });
