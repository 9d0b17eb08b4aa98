/**
 * Conformance cases replayed into a fresh RibEngine (holo style): each directory of
 * test/fixtures/rib/ holds `config.json`, `input.jsonl` (messages from the session engine,
 * UPDATEs as hex, clock advances, reconfigurations, queries) and `expected-output.jsonl` (what
 * the engine said after each input line: UPDATEs decoded to summaries, resets, route refresh,
 * kernel batches, convergence, route views). The format is described in docs/rib.md.
 *
 * UPDATE_GOLDEN=1 re-encodes the readable `update` of each input line into its `hex` and rewrites
 * the expected output; review the diff by hand before committing.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../../../src/common/bytes/hex.js";
import type { RibToSession } from "../../../../src/common/contracts/bgp-engines.js";
import type { RouteQuery } from "../../../../src/common/contracts/speaker.js";
import type { PeerConfig, SpeakerConfig } from "../../../../src/common/contracts/speaker-config.js";
import { formatPrefix } from "../../../../src/common/ip/prefix.js";
import {
  encodeSpec,
  peerConfig,
  RibHarness,
  type SessionOptions,
  speakerConfig,
  summarise,
  type UpdateSpec,
} from "./harness.js";

const ROOT = resolve(import.meta.dirname, "../../../fixtures/rib");
const GOLDEN = process.env.UPDATE_GOLDEN === "1";

interface CaseConfig {
  description?: string;
  restart?: boolean;
  speaker?: Partial<SpeakerConfig>;
  peers: (Partial<PeerConfig> & { name: string; address: string; asNumber: number })[];
}

type Input =
  | { type: "sessionUp"; peerId: string; session?: SessionOptions }
  | { type: "sessionDown"; peerId: string; retainRoutes?: boolean; reason?: string }
  | { type: "update"; peerId: string; update?: UpdateSpec; hex?: string; note?: string }
  | { type: "routeRefresh"; peerId: string; afi: number; safi: number; subtype: number }
  | { type: "writable"; peerId: string }
  | { type: "advance"; seconds: number }
  | { type: "configure"; config: CaseConfig }
  | { type: "routes"; query: RouteQuery }
  | { type: "counters"; peerId: string }
  | { type: "comment"; text: string };

function buildConfig(c: CaseConfig): SpeakerConfig {
  return speakerConfig(
    c.peers.map(({ name, address, asNumber, ...rest }) =>
      peerConfig(name, address, asNumber, rest),
    ),
    c.speaker ?? {},
  );
}

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);
}

function sessionOutput(h: RibHarness, m: RibToSession): unknown {
  switch (m.type) {
    case "updates": {
      const n = h.sessions.get(m.peerId)!;
      return {
        type: "updates",
        peerId: m.peerId,
        messages: m.messages.map((x) => summarise(x, n)),
      };
    }
    case "reset":
      return {
        type: "reset",
        peerId: m.peerId,
        notification: {
          code: m.notification.code,
          subcode: m.notification.subcode,
          data: bytesToHex(m.notification.data),
        },
        holdDownSeconds: m.holdDownSeconds,
      };
    default:
      return m;
  }
}

async function replay(dir: string): Promise<{ inputs: Input[]; outputs: unknown[] }> {
  const config = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as CaseConfig;
  const inputs = readJsonl<Input>(join(dir, "input.jsonl"));
  const h = new RibHarness(buildConfig(config), { restart: config.restart === true });
  h.autoWritable = true;
  const outputs: unknown[] = [];
  let converged = 0;
  let kernelSeen = 0;
  const collect = async (line: number) => {
    await h.settle();
    for (const m of h.out) outputs.push({ after: line, ...(sessionOutput(h, m) as object) });
    h.out.length = 0;
    for (const b of h.kernelBatches.slice(kernelSeen)) {
      outputs.push({
        after: line,
        type: "kernel",
        upserts: b.upserts.map((u) => ({
          prefix: formatPrefix(u.prefix),
          nexthops: u.nexthops.map((x) => x.address),
        })),
        withdrawals: b.withdrawals.map(formatPrefix),
      });
    }
    kernelSeen = h.kernelBatches.length;
    for (; converged < h.converged; converged++) outputs.push({ after: line, type: "converged" });
  };
  await collect(0);
  for (let i = 0; i < inputs.length; i++) {
    const line = i + 1;
    const input = inputs[i];
    switch (input.type) {
      case "sessionUp":
        h.up(input.peerId, input.session ?? {});
        break;
      case "sessionDown":
        h.down(input.peerId, input.retainRoutes ?? false, input.reason ?? "test");
        break;
      case "update": {
        if (GOLDEN && input.update !== undefined) {
          const n = h.sessions.get(input.peerId);
          input.hex = bytesToHex(encodeSpec(input.update, n?.addPathReceive ?? [], n?.as4 ?? true));
        }
        if (input.hex === undefined)
          throw new Error(`${dir}: input line ${line} has no hex (run with UPDATE_GOLDEN=1)`);
        h.sendRaw(input.peerId, hexToBytes(input.hex));
        break;
      }
      case "routeRefresh":
        h.engine.handle({
          type: "routeRefresh",
          peerId: input.peerId,
          afi: input.afi,
          safi: input.safi,
          subtype: input.subtype,
        });
        break;
      case "writable":
        h.engine.handle({ type: "writable", peerId: input.peerId });
        break;
      case "advance":
        h.clock.advance(input.seconds * 1000);
        break;
      case "configure":
        h.reconfigure(buildConfig(input.config));
        break;
      case "routes":
        await h.settle();
        outputs.push({
          after: line,
          type: "routes",
          routes: h.engine.routes(input.query).map((r) => ({
            prefix: r.prefix,
            paths: r.paths.map((p) => ({
              peer: p.peer,
              nexthop: p.nexthop,
              asPath: p.asPath,
              best: p.best,
              multipath: p.multipath,
              stale: p.stale,
              reason: p.reason,
            })),
          })),
        });
        break;
      case "counters":
        await h.settle();
        outputs.push({
          after: line,
          type: "counters",
          peerId: input.peerId,
          ...h.engine.peerCounters(input.peerId),
        });
        break;
      case "comment":
        break;
    }
    await collect(line);
  }
  return { inputs, outputs };
}

const cases = existsSync(ROOT)
  ? readdirSync(ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort()
  : [];

describe("RIB conformance fixtures (test/fixtures/rib)", () => {
  it("has cases", () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const name of cases) {
    it(name, async () => {
      const dir = join(ROOT, name);
      const { inputs, outputs } = await replay(dir);
      const expectedFile = join(dir, "expected-output.jsonl");
      if (GOLDEN) {
        writeFileSync(
          join(dir, "input.jsonl"),
          `${inputs.map((x) => JSON.stringify(x)).join("\n")}\n`,
        );
        writeFileSync(expectedFile, `${outputs.map((x) => JSON.stringify(x)).join("\n")}\n`);
        return;
      }
      const expected = readJsonl<unknown>(expectedFile);
      expect(outputs).toEqual(expected);
    });
  }
});
