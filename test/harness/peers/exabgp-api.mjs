#!/usr/bin/env node
// ExaBGP 4.2 API helper of the test harness (one per ExaBGP instance), started by ExaBGP as
// `process wrenapi { run node exabgp-api.mjs DIR; encoder json; }`.
//  * Requests: a unix socket DIR/api.sock; a client sends one line and gets one JSON line back.
//      "query"                                   -> {"ok":true,"state":{peer:state},"rib":{peer:{prefix:{...}}}}
//      "bulk-announce COUNT BASE PLEN NH [ATTRS]" -> "announce attributes next-hop NH ATTRS nlri P1 P2 ..." in
//                                                   chunks of 400 NLRI (many prefixes per UPDATE)
//      "bulk-withdraw COUNT BASE PLEN [NH]"       -> "withdraw attributes next-hop NH nlri ..." chunks
//      anything else                             -> passed to ExaBGP unchanged (announce route ..., ...)
//    The reply comes once ExaBGP acknowledged every line of the request: {"ok":true} or
//    {"ok":false,"error":"<n> of <m> lines answered error"}.
//  * Events: ExaBGP's JSON messages on stdin keep DIR/state.json ({peer: "up"|"down"|"connected"}),
//    DIR/rib-in.json ({peer: {prefix: {family, "next-hop", attribute}}}) and DIR/events.jsonl (every
//    message, capped at 64 MiB). ExaBGP's acks arrive on stdin as bare "done" / "error" lines.
import { appendFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { createInterface } from "node:readline";

const DIR = process.argv[2];
if (!DIR) {
  process.stderr.write("usage: exabgp-api.mjs DIR\n");
  process.exit(2);
}
const CHUNK = 400;
const EVENTS_CAP = 64 << 20;
const state = {};
const rib = {};
/** One entry per line sent to ExaBGP, in order: the request it belongs to. */
const pending = [];
let dirty = true;

function ipToBig(addr) {
  if (!addr.includes(":"))
    return { v: addr.split(".").reduce((a, o) => (a << 8n) | BigInt(o), 0n), bits: 32 };
  const [h, t] = addr.split("::");
  const hp = h ? h.split(":") : [];
  const tp = t ? t.split(":") : [];
  const groups = addr.includes("::")
    ? [...hp, ...Array(8 - hp.length - tp.length).fill("0"), ...tp]
    : hp;
  return {
    v: groups.reduce((a, g) => (a << 16n) | BigInt(Number.parseInt(g || "0", 16)), 0n),
    bits: 128,
  };
}

function bigToIp(v, bits) {
  if (bits === 32) return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 255n)).join(".");
  const g = [];
  for (let i = 7; i >= 0; i--) g.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  return new URL(`http://[${g.join(":")}]/`).hostname.slice(1, -1);
}

function* prefixes(count, base, plen) {
  const { v, bits } = ipToBig(base);
  const step = 1n << BigInt(bits - plen);
  for (let i = 0; i < count; i++) yield `${bigToIp(v + BigInt(i) * step, bits)}/${plen}`;
}

function expand(line) {
  const w = line.trim().split(/\s+/);
  if (w[0] !== "bulk-announce" && w[0] !== "bulk-withdraw") return [line];
  const count = Number(w[1]);
  const base = w[2];
  const plen = Number(w[3]);
  const nh = w[4] ?? "self";
  const attrs = w.slice(5).join(" ");
  const verb = w[0] === "bulk-announce" ? "announce" : "withdraw";
  const out = [];
  let chunk = [];
  for (const p of prefixes(count, base, plen)) {
    chunk.push(p);
    if (chunk.length === CHUNK) {
      out.push(`${verb} attributes next-hop ${nh} ${attrs} nlri ${chunk.join(" ")}`);
      chunk = [];
    }
  }
  if (chunk.length) out.push(`${verb} attributes next-hop ${nh} ${attrs} nlri ${chunk.join(" ")}`);
  return out;
}

function send(lines, reply) {
  if (lines.length === 0) {
    reply({ ok: true });
    return;
  }
  const req = { left: lines.length, errors: 0, total: lines.length, reply };
  for (const l of lines) {
    pending.push(req);
    process.stdout.write(`${l}\n`);
  }
}

function onAck(word) {
  const req = pending.shift();
  if (!req) return;
  if (word !== "done") req.errors++;
  if (--req.left === 0) {
    req.reply(
      req.errors
        ? { ok: false, error: `${req.errors} of ${req.total} lines answered error` }
        : { ok: true },
    );
  }
}

function nlriList(v) {
  return (Array.isArray(v) ? v : []).map((e) =>
    e && typeof e === "object" ? (e.nlri ?? e.prefix ?? JSON.stringify(e)) : String(e),
  );
}

function onMessage(msg) {
  const nb = msg.neighbor ?? {};
  const peer = nb.address?.peer ?? nb.ip ?? "?";
  if (msg.type === "state") {
    state[peer] = nb.state;
    if (nb.state === "down") delete rib[peer];
    dirty = true;
  } else if (msg.type === "update") {
    const upd = nb.message?.update ?? {};
    if (!rib[peer]) rib[peer] = {};
    const r = rib[peer];
    const attribute = upd.attribute ?? {};
    for (const [family, byHop] of Object.entries(upd.announce ?? {})) {
      for (const [nh, lst] of Object.entries(byHop)) {
        for (const p of nlriList(lst)) r[p] = { family, "next-hop": nh, attribute };
      }
    }
    for (const lst of Object.values(upd.withdraw ?? {})) for (const p of nlriList(lst)) delete r[p];
    dirty = true;
  }
  const ev = join(DIR, "events.jsonl");
  let size = 0;
  try {
    size = statSync(ev).size;
  } catch {}
  if (size < EVENTS_CAP) appendFileSync(ev, `${JSON.stringify(msg)}\n`);
}

function dump(name, obj) {
  const tmp = join(DIR, `.${name}.tmp`);
  writeFileSync(tmp, JSON.stringify(obj));
  renameSync(tmp, join(DIR, name));
}

function flush() {
  if (!dirty) return;
  dirty = false;
  dump("state.json", state);
  dump("rib-in.json", rib);
}

const sock = join(DIR, "api.sock");
rmSync(sock, { force: true });
const server = createServer((conn) => {
  let buf = "";
  conn.setEncoding("utf8");
  conn.on("error", () => {});
  conn.on("data", (d) => {
    buf += d;
    const nl = buf.indexOf("\n");
    if (nl < 0) return;
    const line = buf.slice(0, nl).trim();
    buf = "";
    const reply = (obj) => conn.end(`${JSON.stringify(obj)}\n`);
    if (line === "query") reply({ ok: true, state, rib });
    else send(expand(line), reply);
  });
});
server.listen(sock, () => {
  flush();
  writeFileSync(join(DIR, "api.ready"), `${process.pid}\n`);
});
setInterval(flush, 100).unref();

const rl = createInterface({ input: process.stdin });
rl.on("line", (raw) => {
  const line = raw.trim();
  if (!line) return;
  if (line === "done" || line === "error") return onAck(line);
  if (line === "shutdown") return rl.close();
  try {
    onMessage(JSON.parse(line));
  } catch {}
});
rl.on("close", () => {
  for (const p of Object.keys(state)) state[p] = "down";
  dirty = true;
  flush();
  server.close();
  rmSync(sock, { force: true });
  process.exit(0);
});
