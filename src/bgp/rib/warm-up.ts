/**
 * JIT warm-up: runs a synthetic table load through a throwaway engine, so the hot paths
 * (decode, import, decision, export, UPDATE packing, kernel batches) are compiled by V8 before
 * the first real session's table arrives. Measured on the 100k-prefix benchmark, a cold engine
 * needs several times longer for its first load than a warm one (docs/benchmarks.md); the daemon
 * calls this once at start-up, while sessions are still being established.
 */
import type { NegotiatedSession } from "../../common/contracts/bgp-engines.js";
import type { PeerConfig, SpeakerConfig } from "../../common/contracts/speaker-config.js";
import { makeContext } from "../wire/context.js";
import { NlriBuilder } from "../wire/nlri.js";
import { packUpdates } from "../wire/pack.js";
import type { PathAttributes } from "../wire/types.js";
import type { RibEngine } from "./engine.js";

function peer(name: string, address: string, asNumber: number, exportPolicy: string[]): PeerConfig {
  return {
    name,
    type: "global",
    address,
    port: 179,
    asNumber,
    localAsNumber: 64512,
    families: ["ipv4"],
    passive: false,
    rrClient: false,
    clusterId: null,
    nextHop: "auto",
    sourceAddress: null,
    multihop: null,
    ttlSecurity: 0,
    gracefulRestartTime: 120,
    holdTime: 240,
    keepaliveTime: 80,
    connectRetryTime: 5,
    allowasIn: 0,
    password: null,
    addPaths: "off",
    importPolicy: [],
    exportPolicy,
    maxPrefix: null,
    shutdown: false,
    description: "warm-up",
  };
}

function session(p: PeerConfig): NegotiatedSession {
  return {
    peerId: p.name,
    localAs: 64512,
    remoteAs: p.asNumber,
    localRouterId: "192.0.2.1",
    remoteRouterId: p.address,
    ibgp: p.asNumber === 64512,
    holdTime: 90,
    keepaliveTime: 30,
    as4: true,
    families: ["ipv4-unicast"],
    addPathReceive: [],
    addPathSend: [],
    extendedMessage: false,
    extendedNextHop: [],
    routeRefresh: true,
    enhancedRouteRefresh: false,
    gracefulRestart: null,
    localAddress: "192.0.2.1",
    remoteAddress: p.address,
    remoteHostname: null,
  };
}

/** Runs `rounds` synthetic loads of `prefixes` prefixes through engines made by `make`. */
export async function warmUpEngine(
  make: () => RibEngine,
  prefixes = 20_000,
  rounds = 2,
): Promise<void> {
  const ctx = makeContext({ as4: true });
  const feeders = [peer("f1", "192.0.2.11", 65001, []), peer("f2", "192.0.2.12", 65002, [])];
  const sinks = [
    peer("ibgp", "192.0.2.21", 64512, ["all"]),
    peer("ebgp", "192.0.2.22", 65003, ["pool", "all"]),
  ];
  const config: SpeakerConfig = {
    routerId: "192.0.2.1",
    asNumber: 64512,
    listen: { address: null, port: 179 },
    clusterId: null,
    gracefulRestart: { enabled: true, restartTime: 120, convergenceTimeout: 300 },
    peers: [...feeders, ...sinks],
    policies: [
      { name: "all", statements: [{ result: "accept" }] },
      {
        name: "pool",
        statements: [
          {
            match: { prefix: { cidr: "10.0.0.0/8", op: "in" } },
            set: [{ type: "addCommunity", value: "64512:1" }],
          },
        ],
      },
    ],
    originate: [],
    maxPaths: 2,
    multipathRelax: true,
    alwaysCompareMed: false,
  };
  for (let round = 0; round < rounds; round++) {
    const engine = make();
    engine.configure(config);
    engine.onSessionMessage((m) => {
      if (m.type === "updates")
        queueMicrotask(() => engine.handle({ type: "writable", peerId: m.peerId }));
    });
    for (const p of config.peers)
      engine.handle({ type: "sessionUp", peerId: p.name, negotiated: session(p) });
    for (const [f, p] of feeders.entries()) {
      let i = 0;
      let set = 0;
      while (i < prefixes) {
        const run = 1 + ((i * 7 + f) % 37);
        const attrs: PathAttributes = {
          origin: set % 5 === 0 ? "incomplete" : "igp",
          asPath: [{ type: "sequence", asns: [p.asNumber, 100 + (set % 50), 200 + (set % 7)] }],
          nextHop: p.address,
          ...(set % 3 === 0 ? { med: set % 11 } : {}),
          ...(set % 4 === 0 ? { communities: [p.asNumber * 65536 + (set % 9)] } : {}),
        };
        const b = new NlriBuilder("ipv4", false, run);
        for (let k = 0; k < run && i < prefixes; k++, i++)
          b.appendIPv4(((10 << 24) + i * 256) >>> 0, 24);
        for (const m of packUpdates(
          { family: "ipv4", attributes: attrs, announce: b.build() },
          ctx,
        )) {
          engine.handle({ type: "update", peerId: p.name, body: m.subarray(19) });
        }
        set++;
      }
    }
    // Withdraw part of one feeder's table: best paths move to the other feeder.
    const w = new NlriBuilder("ipv4", false, prefixes / 2);
    for (let i = 0; i < prefixes / 2; i++) w.appendIPv4(((10 << 24) + i * 256) >>> 0, 24);
    for (const m of packUpdates({ family: "ipv4", attributes: null, withdraw: w.build() }, ctx)) {
      engine.handle({ type: "update", peerId: feeders[0].name, body: m.subarray(19) });
    }
    await engine.idle();
  }
}
