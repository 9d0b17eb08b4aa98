// The four receivers of the speaker benchmark, each started in the run's receiver namespace with
// the same sessions: the feeders (import everything, export nothing to them), the downstream
// counting peer (export every BGP route), and the keepalive watcher (export nothing). All eBGP,
// receiver AS 65000. Each start returns what the benchmark needs to watch it: its PIDs (for RSS),
// how to reach its RIB (rib-clients.mjs), which kernel route protocols it installs, and stop().
//
// - wren: the real daemon, `node dist/cli/main.js run` with a Calico datastore directory:
//   BGPConfiguration (AS 65000, no mesh), Node with the feeder-side address, a BGPPeer per
//   session, and a BGPFilter that accepts every IPv4 route towards the downstream peer (Calico's
//   own export only lets pool and service routes out). No IPPool: the feed lies outside every
//   pool, so the dataplane installs it plainly (`proto bird`, next hop resolved on f0).
// - BIRD 2: `bird -f`, a kernel protocol exporting BGP routes (`proto bird`).
// - FRR 8.4: zebra + bgpd (zebra installs into the kernel, `proto bgp`); feeders and the watcher
//   get a deny-all route-map out.
// - GoBGP 3: gobgpd with its API on a unix socket; a global export policy rejects towards the
//   feeders and the watcher. No kernel installation (it has none without zebra).
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { ADDR, FrrInstance, isAlive, stopProcesses } from "./lab.mjs";

export const RECEIVERS = ["wren", "bird", "frr", "gobgp"];
export const LOCAL_AS = 65000;
export const DOWN_AS = 65200;
export const WATCH_AS = 65201;
const WREN_MAIN = new URL("../../../dist/cli/main.js", import.meta.url).pathname;
const PROTO_BIRD = 12;
const PROTO_BGP = 186;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The last lines of a log file, for error messages. */
function tail(file, lines = 8) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function waitFor(what, probe, timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ""}`);
    }
    await sleep(50);
  }
}

/**
 * Spawns a receiver daemon in the receiver namespace (output to logFile) and waits for `what`
 * until `ready()` says it answers; fails at once, with the log's tail, if it exits meanwhile.
 */
async function spawnReady(lab, name, cmd, args, logFile, what, ready) {
  const pid = await lab.spawnDaemon("recv", name, cmd, args, logFile);
  await waitFor(what, async () => {
    if (!isAlive(pid)) throw new Error(`${name} exited:\n${tail(logFile)}`);
    return ready();
  });
  return pid;
}

function connectable(path) {
  return new Promise((resolve) => {
    const s = net.connect(path);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** One request over the wren control socket. */
function wrenControl(path, cmd) {
  return new Promise((resolve, reject) => {
    const s = net.connect(path);
    let buf = "";
    s.once("error", reject);
    s.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0) {
        s.destroy();
        resolve(JSON.parse(buf.slice(0, nl)));
      }
    });
    s.once("connect", () => s.write(`${JSON.stringify({ id: 1, cmd })}\n`));
  });
}

/**
 * Node flags for wren's diagnostics: a CPU profile of the whole process (`--profile DIR`), and
 * heap snapshots on SIGUSR2 (`--heap-snapshot DIR`; the benchmark sends it after the load).
 */
function diagnosticArgs(opts) {
  const a = [];
  if (opts.profileDir)
    a.push("--cpu-prof", "--cpu-prof-dir", opts.profileDir, "--cpu-prof-interval", "500");
  if (opts.heapSnapshotDir)
    a.push("--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${opts.heapSnapshotDir}`);
  return a;
}

// ---------------------------------------------------------------------------------------------

function wrenDatastore(feeders) {
  const docs = [
    `apiVersion: projectcalico.org/v3
kind: BGPConfiguration
metadata:
  name: default
spec:
  nodeToNodeMeshEnabled: false
  asNumber: ${LOCAL_AS}`,
    `apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: recv
spec:
  bgp:
    ipv4Address: ${ADDR.recvFeed}/24`,
    `apiVersion: projectcalico.org/v3
kind: BGPFilter
metadata:
  name: export-all
spec:
  exportV4:
  - action: Accept
    matchOperator: In
    cidr: 0.0.0.0/0`,
    `apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: down
spec:
  peerIP: ${ADDR.down}
  asNumber: ${DOWN_AS}
  sourceAddress: None
  filters: [export-all]`,
    `apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: watch
spec:
  peerIP: ${ADDR.watch}
  asNumber: ${WATCH_AS}
  sourceAddress: None`,
    ...feeders.map(
      (f) => `apiVersion: projectcalico.org/v3
kind: BGPPeer
metadata:
  name: ${f.name}
spec:
  peerIP: ${f.address}
  asNumber: ${f.asn}`,
    ),
  ];
  return `${docs.join("\n---\n")}\n`;
}

async function startWren(lab, feeders, opts) {
  const dir = lab.dir("wren");
  const ds = lab.dir("wren/ds");
  writeFileSync(join(ds, "bench.yaml"), wrenDatastore(feeders));
  const control = join(dir, "w.sock");
  const nodeArgs = diagnosticArgs(opts);
  const pid = await spawnReady(
    lab,
    "wren",
    process.execPath,
    [
      ...nodeArgs,
      WREN_MAIN,
      "run",
      "--datastore",
      ds,
      "--node",
      "recv",
      "--control",
      control,
      "--http",
      "127.0.0.1:9099",
      "--state-file",
      join(dir, "state.json"),
    ],
    join(dir, "wren.log"),
    "wren to report phase running",
    async () => {
      const r = await wrenControl(control, "hello");
      return r.ok && r.result.phase === "running";
    },
  );
  return {
    kind: "wren",
    pids: () => ({ wren: pid }),
    rib: {
      kind: "wren",
      client: {
        control,
        feeders: feeders.map((f) => f.address),
        metricsUrl: "http://127.0.0.1:9099/metrics",
      },
      metricsIntervalMs: 500,
    },
    kernelProtos: [PROTO_BIRD],
    log: join(dir, "wren.log"),
    // SIGTERM = graceful stop: sessions closed, kernel routes left (the namespace goes next).
    // With --cpu-prof the profile is written on this normal exit.
    stop: () => stopProcesses([pid], { ns: lab.ns.recv, graceMs: 20_000 }),
  };
}

// ---------------------------------------------------------------------------------------------

/** `wren speaker` configuration (SpeakerConfig JSON, docs/speaker.md) with the same sessions. */
function speakerConfig(feeders) {
  const peer = (name, address, asNumber, extra = {}) => ({ name, address, asNumber, ...extra });
  return {
    routerId: ADDR.recvFeed,
    asNumber: LOCAL_AS,
    policies: [{ name: "export-all", statements: [{ result: "accept" }] }],
    peers: [
      ...feeders.map((f) => peer(f.name, f.address, f.asn, { passive: true })),
      peer("down", ADDR.down, DOWN_AS, { passive: true, exportPolicy: ["export-all"] }),
      peer("watch", ADDR.watch, WATCH_AS, { passive: true }),
    ],
  };
}

/**
 * Diagnostic receiver (not in the default list): `wren speaker`, i.e. wren's session and RIB
 * engines without the daemon's Calico layer and without kernel programming. Its JSON command
 * stream is attached to two FIFOs opened read-write by the shell (so nothing blocks while the
 * RIB poller is not attached yet). Compared with `wren` in the same run it separates what the
 * RIB costs from what the dataplane costs.
 */
async function startWrenSpeaker(lab, feeders, opts) {
  const dir = lab.dir("wsp");
  const conf = join(dir, "speaker.json");
  const fifoIn = join(dir, "in");
  const fifoOut = join(dir, "out");
  writeFileSync(conf, JSON.stringify(speakerConfig(feeders)));
  execFileSync("mkfifo", [fifoIn, fifoOut]);
  const nodeArgs = diagnosticArgs(opts);
  const pid = await lab.spawnDaemon(
    "recv",
    "wren-speaker",
    "/bin/sh",
    [
      "-c",
      'exec "$0" "$@" 0<>"$FIFO_IN" 1<>"$FIFO_OUT"',
      process.execPath,
      ...nodeArgs,
      WREN_MAIN,
      "speaker",
      "--config",
      conf,
    ],
    join(dir, "speaker.log"),
    { FIFO_IN: fifoIn, FIFO_OUT: fifoOut },
  );
  await sleep(300);
  if (!isAlive(pid)) throw new Error(`wren speaker exited:\n${tail(join(dir, "speaker.log"))}`);
  return {
    kind: "wren-speaker",
    pids: () => ({ "wren-speaker": pid }),
    rib: { kind: "wren-speaker", client: { fifoIn, fifoOut }, metricsIntervalMs: 500 },
    kernelProtos: null,
    log: join(dir, "speaker.log"),
    stop: () => stopProcesses([pid], { ns: lab.ns.recv, graceMs: 20_000 }),
  };
}

// ---------------------------------------------------------------------------------------------

function birdConf(feeders, dir) {
  return `log "${join(dir, "bird.log")}" { info, warning, error, fatal };
router id ${ADDR.recvFeed};
protocol device { scan time 60; }
protocol kernel {
  ipv4 { import none; export where source = RTS_BGP; };
  learn off;
  scan time 60;
}
template bgp feeders {
  local ${ADDR.recvFeed} as ${LOCAL_AS};
  passive on;
  ipv4 { import all; export none; };
}
${feeders.map((f) => `protocol bgp ${f.name} from feeders { neighbor ${f.address} as ${f.asn}; }`).join("\n")}
protocol bgp downstream {
  local ${ADDR.recvDown} as ${LOCAL_AS};
  neighbor ${ADDR.down} as ${DOWN_AS};
  passive on;
  ipv4 { import none; export where source = RTS_BGP; };
}
protocol bgp watcher {
  local ${ADDR.recvDown} as ${LOCAL_AS};
  neighbor ${ADDR.watch} as ${WATCH_AS};
  passive on;
  ipv4 { import none; export none; };
}
`;
}

async function startBird(lab, feeders) {
  const dir = lab.dir("bird");
  const conf = join(dir, "bird.conf");
  const ctl = join(dir, "bird.ctl");
  writeFileSync(conf, birdConf(feeders, dir));
  const pid = await spawnReady(
    lab,
    "bird",
    "/usr/sbin/bird",
    ["-f", "-c", conf, "-s", ctl],
    join(dir, "stderr.log"),
    "BIRD's control socket",
    () => connectable(ctl),
  );
  return {
    kind: "bird",
    pids: () => ({ bird: pid }),
    rib: { kind: "bird", client: { socket: ctl, protocols: feeders.map((f) => f.name) } },
    kernelProtos: [PROTO_BIRD],
    log: join(dir, "bird.log"),
    stop: () => stopProcesses([pid], { ns: lab.ns.recv, graceMs: 10_000 }),
  };
}

// ---------------------------------------------------------------------------------------------

function frrConf(feeders, dir) {
  return `frr defaults traditional
hostname recv
log file ${join(dir, "frr.log")} warnings
!
route-map DENY-ALL deny 10
!
router bgp ${LOCAL_AS}
 bgp router-id ${ADDR.recvFeed}
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor FEED peer-group
 neighbor FEED passive
${feeders.map((f) => ` neighbor ${f.address} remote-as ${f.asn}\n neighbor ${f.address} peer-group FEED`).join("\n")}
 neighbor ${ADDR.down} remote-as ${DOWN_AS}
 neighbor ${ADDR.down} passive
 neighbor ${ADDR.watch} remote-as ${WATCH_AS}
 neighbor ${ADDR.watch} passive
 address-family ipv4 unicast
  neighbor FEED route-map DENY-ALL out
  neighbor ${ADDR.watch} route-map DENY-ALL out
 exit-address-family
!
`;
}

async function startFrr(lab, feeders) {
  const dir = lab.dir("frr");
  const frr = new FrrInstance({
    ns: lab.ns.recv,
    dir,
    config: frrConf(feeders, dir),
    daemons: ["bgpd"],
    onProcess: (pid, name) => lab.record(pid, lab.ns.recv, name),
    onProcessGone: (pid) => lab.forget(pid),
  });
  await frr.start();
  return {
    kind: "frr",
    pids: () => frr.pids(),
    rib: {
      kind: "frr",
      client: { vty: join(dir, "bgpd.vty"), feeders: feeders.map((f) => f.address) },
    },
    kernelProtos: [PROTO_BGP],
    log: join(dir, "bgpd.log"),
    stop: () => frr.stop(10_000),
  };
}

// ---------------------------------------------------------------------------------------------

function gobgpConf(feeders) {
  const neighbor = (address, asn, hold) => `[[neighbors]]
  [neighbors.config]
    neighbor-address = "${address}"
    peer-as = ${asn}
  [neighbors.transport.config]
    passive-mode = true
${hold ? `  [neighbors.timers.config]\n    hold-time = ${hold}\n    keepalive-interval = ${Math.max(1, Math.floor(hold / 3))}\n` : ""}  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
`;
  return `[global.config]
  as = ${LOCAL_AS}
  router-id = "${ADDR.recvFeed}"
[global.apply-policy.config]
  export-policy-list = ["only-downstream"]
  default-export-policy = "accept-route"

[[defined-sets.neighbor-sets]]
  neighbor-set-name = "no-export"
  neighbor-info-list = [${[...feeders.map((f) => f.address), ADDR.watch].map((a) => `"${a}"`).join(", ")}]

[[policy-definitions]]
  name = "only-downstream"
  [[policy-definitions.statements]]
    name = "reject-no-export"
    [policy-definitions.statements.conditions.match-neighbor-set]
      neighbor-set = "no-export"
    [policy-definitions.statements.actions]
      route-disposition = "reject-route"

${feeders.map((f) => neighbor(f.address, f.asn)).join("\n")}
${neighbor(ADDR.down, DOWN_AS)}
${neighbor(ADDR.watch, WATCH_AS)}`;
}

async function startGobgp(lab, feeders) {
  const dir = lab.dir("gobgp");
  const conf = join(dir, "gobgpd.toml");
  const sock = join(dir, "api.sock");
  writeFileSync(conf, gobgpConf(feeders));
  const pid = await spawnReady(
    lab,
    "gobgpd",
    "/usr/bin/gobgpd",
    ["-t", "toml", "-f", conf, "--api-hosts", `unix://${sock}`, "--pprof-disable", "-p"],
    join(dir, "gobgpd.log"),
    "gobgpd's API socket",
    () => connectable(sock),
  );
  return {
    kind: "gobgp",
    pids: () => ({ gobgpd: pid }),
    rib: { kind: "gobgp", client: { socket: sock } },
    kernelProtos: null,
    log: join(dir, "gobgpd.log"),
    stop: () => stopProcesses([pid], { ns: lab.ns.recv, graceMs: 10_000 }),
  };
}

/** Starts receiver `kind`; feeders = [{ name, address, asn }]. */
export function startReceiver(kind, lab, feeders, opts = {}) {
  switch (kind) {
    case "wren":
      return startWren(lab, feeders, opts);
    case "wren-speaker":
      return startWrenSpeaker(lab, feeders, opts);
    case "bird":
      return startBird(lab, feeders);
    case "frr":
      return startFrr(lab, feeders);
    case "gobgp":
      return startGobgp(lab, feeders);
    default:
      throw new Error(`unknown receiver ${kind} (have ${RECEIVERS.join(", ")})`);
  }
}

/** Resident set size of a process in bytes (0 when gone). */
export function rssBytes(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
