/**
 * JIT warm-up: runs a synthetic table load through a throwaway engine, so the hot paths
 * (decode, import, decision, export, UPDATE packing, kernel batches) are compiled by V8 before
 * the first real session's table arrives. Measured on the 100k-prefix benchmark, a cold engine
 * needs several times longer for its first load than a warm one (docs/benchmarks.md); the daemon
 * calls this once at start-up, while sessions are still being established. The synthetic table
 * looks like a real one (4-octet ASes, communities above 2^31, large and extended communities,
 * prefix lengths /19–/24 scattered over the address space, shared attribute sets, tables large
 * enough to split the hash tables into shards): V8 optimises for the shapes it has seen, and a
 * first real load with other shapes would run deoptimised code while it recompiles.
 */
import type { NegotiatedSession } from "../../common/contracts/bgp-engines.js";
import type { PeerConfig } from "../../common/contracts/speaker-config.js";
import { makeContext } from "../wire/context.js";
import { NlriBuilder } from "../wire/nlri.js";
import { packUpdates } from "../wire/pack.js";
import type { PathAttributes } from "../wire/types.js";
import type { RibEngine } from "./engine.js";
import {
  SYNTHETIC_ACCEPT_ALL,
  syntheticPeer,
  syntheticSession,
  syntheticSpeakerConfig,
} from "./synthetic-peer.js";

/** A synthetic peer of the warm-up, exporting through `exportPolicy`. */
function peer(name: string, address: string, asNumber: number, exportPolicy: string[]): PeerConfig {
  return syntheticPeer(name, address, asNumber, { exportPolicy, description: "warm-up" });
}

/** The session a warm-up peer negotiated (our router ID and address 192.0.2.1). */
function session(p: PeerConfig): NegotiatedSession {
  return syntheticSession(p, { localRouterId: "192.0.2.1", localAddress: "192.0.2.1" });
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so every warm-up is the same. */
function random(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x6d2b79f5) | 0;
    let t = Math.imul(x ^ (x >>> 15), x | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Transit ASes of the synthetic paths: 2-octet ones and 4-octet ones above 2^31. */
const HOPS = [174, 1299, 2914, 3356, 6939, 9002, 13335, 20940, 396982, 4200000001, 4259840100];

/**
 * Attribute set `n` of `feeder` with the shapes of a real table (so V8 compiles the hot paths
 * for them and does not deoptimise at the first real load): AS paths of 1–6 hops with 4-octet
 * ASes, now and then an AS_SET; ORIGIN mostly IGP; MED on 30 %; communities (small and ≥ 2^31
 * values) on half; large communities on 10 %; a route target on 5 %; an aggregator on 2 %.
 */
function attributes(feeder: PeerConfig, ibgp: boolean, n: number): PathAttributes {
  const r = random(n * 7919 + feeder.asNumber);
  // An iBGP peer's paths do not start with its (our) AS.
  const asns = ibgp ? [] : [feeder.asNumber];
  for (let k = Math.floor(r() * 5); k >= 0; k--) asns.push(HOPS[Math.floor(r() * HOPS.length)]);
  const asPath: PathAttributes["asPath"] =
    r() < 0.03
      ? [
          { type: "sequence", asns },
          { type: "set", asns: [64600 + (n % 7), 4200000000 + (n % 5)] },
        ]
      : [{ type: "sequence", asns }];
  const u = r();
  const communities =
    u < 0.5
      ? Array.from({ length: 1 + (n % 4) }, (_, k) =>
          k % 2 === 0 ? 174 * 65536 + ((n + k) % 300) : ((feeder.asNumber * 65536) >>> 0) + k,
        )
      : undefined;
  return {
    origin: u < 0.9 ? "igp" : u < 0.98 ? "incomplete" : "egp",
    asPath,
    nextHop: feeder.address,
    ...(r() < 0.3 ? { med: Math.floor(r() * 1000) } : {}),
    ...(ibgp ? { localPref: r() < 0.8 ? 100 : 200 } : {}),
    ...(communities !== undefined ? { communities } : {}),
    ...(r() < 0.1 ? { largeCommunities: [[4200000000 + (n % 3), 1, n % 1000] as const] } : {}),
    ...(r() < 0.05
      ? {
          extendedCommunities: [
            { type: 0x00, subtype: 0x02, value: Uint8Array.of(0xfd, 0xe8, 0, 0, 0, n % 256) },
          ],
        }
      : {}),
    ...(r() < 0.02
      ? { atomicAggregate: true, aggregator: { asn: 4200000001, address: "192.0.2.250" } }
      : {}),
  };
}

/** Prefix `i` of the synthetic table: scattered over the address space, 60 % /24, down to /19. */
function prefixOf(i: number): { address: number; length: number } {
  const k = i % 20;
  const length = k < 12 ? 24 : k < 15 ? 23 : k < 17 ? 22 : k < 18 ? 21 : k < 19 ? 20 : 19;
  const mixed = Math.imul(i + 1, 0x9e3779b1) >>> 0;
  return { address: (mixed & (0xffffffff << (32 - length))) >>> 0, length };
}

/** Lets the event loop run (timers, sockets) between chunks of synthetic UPDATEs. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Prefixes encoded and handed over per event-loop turn (a few milliseconds of work). */
const PREFIXES_PER_TURN = 2000;

/**
 * Sends prefixes [from, to) of the synthetic table from `feeder`: runs of 1–60 prefixes per
 * attribute set (many sets carry a handful, a few many), one set in ten reused from earlier
 * (the decoder's attribute cache is hit), packed into UPDATEs as a real speaker sends them.
 * Encoding the table is itself work: it is done a few thousand prefixes per event-loop turn, so
 * the warm-up never holds the loop (sessions coming up meanwhile keep their timers).
 */
async function announce(
  engine: RibEngine,
  ctx: ReturnType<typeof makeContext>,
  feeder: PeerConfig,
  ibgp: boolean,
  from: number,
  to: number,
  salt: number,
): Promise<void> {
  const r = random(salt);
  let set = salt * 100_000;
  let turn = 0;
  for (let i = from; i < to; ) {
    const run = 1 + Math.floor(r() * r() * 60);
    const n = r() < 0.1 ? salt * 100_000 + Math.floor(r() * (set - salt * 100_000 + 1)) : set++;
    const b = new NlriBuilder("ipv4", false, run);
    for (let k = 0; k < run && i < to; k++, i++) {
      const p = prefixOf(i);
      b.appendIPv4(p.address, p.length);
    }
    const attrs = attributes(feeder, ibgp, n);
    for (const m of packUpdates({ family: "ipv4", attributes: attrs, announce: b.build() }, ctx))
      engine.handle({ type: "update", peerId: feeder.name, body: m.subarray(19) });
    turn += run;
    if (turn >= PREFIXES_PER_TURN) {
      turn = 0;
      await nextTurn();
    }
  }
}

function withdraw(
  engine: RibEngine,
  ctx: ReturnType<typeof makeContext>,
  feeder: PeerConfig,
  from: number,
  to: number,
): void {
  const w = new NlriBuilder("ipv4", false, to - from);
  for (let i = from; i < to; i++) {
    const p = prefixOf(i);
    w.appendIPv4(p.address, p.length);
  }
  for (const m of packUpdates({ family: "ipv4", attributes: null, withdraw: w.build() }, ctx))
    engine.handle({ type: "update", peerId: feeder.name, body: m.subarray(19) });
}

/**
 * Runs `rounds` synthetic loads through engines made by `make`. Each load: an eBGP feeder sends
 * `prefixes` prefixes (enough for the RIB's hash tables to split into shards, as a real table's
 * do), an iBGP feeder 60 % of the same ones; then a quarter of the first feeder's are withdrawn
 * (best paths move) and a tenth of the second's replaced with other attributes. Two peers
 * receive the result (iBGP and eBGP with a policy). The first round runs ECMP (maxPaths 2), the
 * second the single-path default.
 */
export async function warmUpEngine(
  make: () => RibEngine,
  prefixes = 40_000,
  rounds = 2,
): Promise<void> {
  const ctx = makeContext({ as4: true });
  const ebgpFeeder = peer("f1", "192.0.2.11", 65001, []);
  const ibgpFeeder = peer("f2", "192.0.2.12", 64512, []);
  const sinks = [
    peer("ibgp", "192.0.2.21", 64512, ["all"]),
    peer("ebgp", "192.0.2.22", 4200000002, ["pool", "all"]),
  ];
  for (let round = 0; round < rounds; round++) {
    const config = syntheticSpeakerConfig([ebgpFeeder, ibgpFeeder, ...sinks], {
      routerId: "192.0.2.1",
      policies: [
        SYNTHETIC_ACCEPT_ALL,
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
      maxPaths: round === 0 ? 2 : 1,
      multipathRelax: true,
    });
    const engine = make();
    engine.configure(config);
    engine.onSessionMessage((m) => {
      if (m.type === "updates")
        queueMicrotask(() => engine.handle({ type: "writable", peerId: m.peerId }));
    });
    for (const p of config.peers)
      engine.handle({ type: "sessionUp", peerId: p.name, negotiated: session(p) });
    const n = Math.max(1000, Math.floor(prefixes / (round + 1)));
    await announce(engine, ctx, ebgpFeeder, false, 0, n, 1 + round);
    await announce(engine, ctx, ibgpFeeder, true, 0, Math.floor(n * 0.6), 11 + round);
    withdraw(engine, ctx, ebgpFeeder, 0, Math.floor(n / 4));
    await announce(engine, ctx, ibgpFeeder, true, 0, Math.floor(n / 10), 21 + round);
    await engine.idle();
    // Its convergence timer would otherwise keep the whole engine alive for minutes.
    engine.dispose();
    // A slice already scheduled (a late `writable`) holds the engine until it ran: let it run
    // (it does nothing now), so the engine is garbage when the warm-up returns.
    await nextTurn();
  }
}
