// How the speaker benchmark asks each receiver how many prefixes its RIB holds, without forking a
// CLI per poll: one connection per receiver, opened once, requests sent in a loop.
//
// - wren:  the daemon's control socket (newline-delimited JSON, docs/cli.md "The control
//          protocol"): `status`, sum of `prefixes.accepted` over the feeder sessions (accepted
//          paths enter the decision process in the same work unit, so this is the Loc-RIB);
//          metrics() scrapes /metrics (event-loop delay since the last scrape, heap, RSS).
// - wren-speaker (diagnostic: `wren speaker`, the speaker without Calico and kernel): its JSON
//          command stream on stdin/stdout, here two FIFOs: `status` → locRibPrefixes.ipv4;
//          metrics() = its `metrics` command with reset.
// - BIRD 2: the control socket birdc uses (`bird -s`): text commands, replies as lines
//          "CODE-text" / " text" ending with a line "CODE text"; `show protocols all`, sum of
//          "Routes: N imported" over the feeder protocols (imported routes are in the table).
// - FRR:   bgpd's vtysh socket (`bgpd.vty` in the instance directory): a command ends with a NUL
//          byte, the answer with three NUL bytes and a status byte, as vtysh itself speaks it;
//          `show bgp ipv4 unicast summary json`, sum of `pfxRcd` over the feeder peers (paths
//          accepted into bgpd's table; best-path selection runs from bgpd's work queue after).
//          Not `ribCount`: that counts the radix tree's nodes, intermediate ones included.
// - GoBGP: its gRPC API on a unix socket (`gobgpd --api-hosts unix://...`), spoken with Node's
//          http2: `apipb.GobgpApi/GetTable` for the global IPv4 unicast table, field
//          num_destination (protobuf encoded by hand: two fields). GetTable walks the table inside
//          gobgpd's management loop (hundreds of ms at 1M), so it is polled sparingly.
// Each client: { count(): Promise<number>, close() }.
import { createReadStream, createWriteStream } from "node:fs";
import http2 from "node:http2";
import net from "node:net";
import { createInterface } from "node:readline";

/** A persistent stream socket with a reply-framing function (bytes → [reply, rest] | null). */
function framedSocket(path, frame) {
  const sock = net.connect(path);
  let buf = Buffer.alloc(0);
  const waiting = [];
  let error = null;
  sock.on("data", (chunk) => {
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    for (;;) {
      const r = frame(buf);
      if (!r) break;
      buf = r[1];
      const w = waiting.shift();
      if (w) w.resolve(r[0]);
    }
  });
  const fail = (e) => {
    error = e ?? new Error(`${path}: closed`);
    for (const w of waiting.splice(0)) w.reject(error);
  };
  sock.on("error", fail);
  sock.on("close", () => fail());
  const ready = new Promise((resolve, reject) => {
    sock.once("connect", resolve);
    sock.once("error", reject);
  });
  return {
    ready,
    ask(bytes) {
      if (error) return Promise.reject(error);
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        sock.write(bytes);
      });
    },
    /** Registers a reply that arrives without a request (a greeting). */
    expect() {
      return new Promise((resolve, reject) => waiting.push({ resolve, reject }));
    },
    close: () => sock.destroy(),
  };
}

function metricValue(text, name) {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, "m").exec(text);
  return m ? Number(m[1]) : undefined;
}

export async function wrenClient({ control, feeders, metricsUrl }) {
  const s = framedSocket(control, (buf) => {
    const nl = buf.indexOf(10);
    return nl < 0 ? null : [buf.subarray(0, nl).toString("utf8"), buf.subarray(nl + 1)];
  });
  await s.ready;
  const want = new Set(feeders);
  let id = 0;
  return {
    async count() {
      const r = JSON.parse(await s.ask(`{"id":${++id},"cmd":"status"}\n`));
      if (!r.ok) throw new Error(`wren status: ${JSON.stringify(r.error)}`);
      let n = 0;
      for (const p of r.result.peers) if (want.has(p.address)) n += p.prefixes.accepted;
      return n;
    },
    // prom-client resets its event-loop histogram at each scrape: max over scrapes = max overall.
    async metrics() {
      const text = await (await fetch(metricsUrl)).text();
      return {
        loopMaxMs: (metricValue(text, "wren_nodejs_eventloop_lag_max_seconds") ?? 0) * 1000,
        loopP99Ms: (metricValue(text, "wren_nodejs_eventloop_lag_p99_seconds") ?? 0) * 1000,
        locRib: metricValue(text, "wren_bgp_loc_rib_prefixes"),
        heapUsed: metricValue(text, "wren_nodejs_heap_size_used_bytes"),
        heapTotal: metricValue(text, "wren_nodejs_heap_size_total_bytes"),
        external: metricValue(text, "wren_nodejs_external_memory_bytes"),
        rss: metricValue(text, "wren_process_resident_memory_bytes"),
      };
    },
    close: s.close,
  };
}

export async function wrenSpeakerClient({ fifoIn, fifoOut }) {
  const input = createWriteStream(fifoIn, { flags: "r+" });
  const output = createReadStream(fifoOut, { flags: "r+" });
  const waiting = new Map();
  createInterface({ input: output }).on("line", (line) => {
    if (!line.startsWith('{"id"')) return; // events (peerState, routes, ...)
    const r = JSON.parse(line);
    waiting.get(r.id)?.(r);
    waiting.delete(r.id);
  });
  let id = 0;
  const ask = (cmd) =>
    new Promise((resolve, reject) => {
      const n = ++id;
      waiting.set(n, (r) => (r.ok ? resolve(r.result) : reject(new Error(r.error))));
      input.write(`${JSON.stringify({ id: n, ...cmd })}\n`);
    });
  await ask({ cmd: "status" });
  return {
    count: async () => (await ask({ cmd: "status" })).locRibPrefixes.ipv4,
    async metrics() {
      const m = await ask({ cmd: "metrics", reset: true });
      return {
        loopMaxMs: m.eventLoopDelayMs.max,
        loopP99Ms: m.eventLoopDelayMs.p99,
        locRib: m.locRibPrefixes.ipv4,
        heapUsed: m.heapUsedBytes,
        rss: m.rssBytes,
      };
    },
    close() {
      input.destroy();
      output.destroy();
    },
  };
}

/** BIRD reply: complete when a line "NNNN text" (code then a space) has arrived. */
function birdFrame(buf) {
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(10, start);
    if (nl < 0) return null;
    if (nl - start >= 5 && buf[start + 4] === 32 && buf[start] >= 48 && buf[start] <= 57) {
      return [buf.subarray(0, nl + 1).toString("utf8"), buf.subarray(nl + 1)];
    }
    start = nl + 1;
  }
}

export async function birdClient({ socket, protocols }) {
  const s = framedSocket(socket, birdFrame);
  const hello = s.expect();
  await s.ready;
  await hello; // "0001 BIRD 2.0.12 ready."
  const want = new Set(protocols);
  return {
    async count() {
      const text = await s.ask("show protocols all\n");
      let n = 0;
      let current = null;
      for (const raw of text.split("\n")) {
        // Protocol header lines: "1002-name  BGP  ..." (first) or " name BGP ..." / "name ..."
        const line = raw.replace(/^\d{4}[- ]/, "");
        const head = /^(\S+)\s+BGP\s/.exec(line);
        if (head) {
          current = head[1];
          continue;
        }
        const routes = /^\s+Routes:\s+(\d+) imported/.exec(line);
        if (routes && current !== null && want.has(current)) n += Number(routes[1]);
      }
      return n;
    },
    close: s.close,
  };
}

/** vtysh protocol: the answer ends with 0 0 0 STATUS. */
function vtyFrame(buf) {
  for (let i = 0; i + 3 < buf.length; i++) {
    if (buf[i] === 0 && buf[i + 1] === 0 && buf[i + 2] === 0) {
      return [buf.subarray(0, i).toString("utf8"), buf.subarray(i + 4)];
    }
  }
  return null;
}

export async function frrClient({ vty, feeders }) {
  const s = framedSocket(vty, vtyFrame);
  await s.ready;
  return {
    async count() {
      const text = await s.ask(Buffer.from("show bgp ipv4 unicast summary json\0"));
      const peers = JSON.parse(text).peers ?? {};
      let n = 0;
      for (const a of feeders) n += peers[a]?.pfxRcd ?? 0;
      return n;
    },
    close: s.close,
  };
}

/** Reads protobuf varint field `field` from a message (0 when absent). */
function protoVarint(buf, field) {
  let i = 0;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++];
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
  };
  while (i < buf.length) {
    const key = varint();
    const wt = key & 7;
    const f = key >>> 3;
    if (wt === 0) {
      const v = varint();
      if (f === field) return v;
    } else if (wt === 2) {
      const len = varint();
      i += len;
    } else if (wt === 1) i += 8;
    else if (wt === 5) i += 4;
    else throw new Error(`protobuf: wire type ${wt}`);
  }
  return 0;
}

// GetTableRequest { table_type = GLOBAL (0, omitted); family = { afi: AFI_IP 1, safi: SAFI_UNICAST 1 } }
const GET_TABLE_IPV4 = Buffer.from([0, 0, 0, 0, 6, 0x12, 0x04, 0x08, 0x01, 0x10, 0x01]);

export async function gobgpClient({ socket }) {
  const session = http2.connect("http://localhost", {
    createConnection: () => net.connect(socket),
  });
  session.on("error", () => {});
  await new Promise((resolve, reject) => {
    session.once("connect", resolve);
    session.once("error", reject);
  });
  function call(path, body) {
    return new Promise((resolve, reject) => {
      const req = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc",
        te: "trailers",
      });
      const parts = [];
      let status = null;
      let message = "";
      req.on("response", (h) => {
        if (h["grpc-status"] !== undefined) status = h["grpc-status"];
      });
      req.on("trailers", (h) => {
        status = h["grpc-status"];
        message = h["grpc-message"] ?? "";
      });
      req.on("data", (d) => parts.push(d));
      req.on("error", reject);
      req.on("end", () => {
        if (status !== "0" && status !== null) {
          reject(new Error(`gRPC ${path}: status ${status} ${decodeURIComponent(message)}`));
          return;
        }
        const all = Buffer.concat(parts);
        resolve(all.length >= 5 ? all.subarray(5, 5 + all.readUInt32BE(1)) : Buffer.alloc(0));
      });
      req.end(body);
    });
  }
  return {
    costly: true,
    async count() {
      return protoVarint(await call("/apipb.GobgpApi/GetTable", GET_TABLE_IPV4), 1);
    },
    close: () => session.destroy(),
  };
}

export function ribClient(kind, opts) {
  switch (kind) {
    case "wren":
      return wrenClient(opts);
    case "wren-speaker":
      return wrenSpeakerClient(opts);
    case "bird":
      return birdClient(opts);
    case "frr":
      return frrClient(opts);
    case "gobgp":
      return gobgpClient(opts);
    default:
      throw new Error(`unknown receiver kind ${kind}`);
  }
}
