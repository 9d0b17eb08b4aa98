// One busy peer never starves the others: a raw feeder pushes a large table (200k prefixes by
// default, WREN_LOAD_PREFIXES to change) into wren speaker while FRR peers with wren using a 3 s
// hold time. The FRR session must stay Established on both sides throughout, and keepalives must
// keep flowing. The event-loop delay wren measured and the time until its Loc-RIB held the whole
// table are printed for the record (no timing assertions).
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lab, skipReason, startFrr, waitUntil } from "../../harness/index.js";
import { ribMissing, SpeakerProcess, speakerJson, wrenBuildMissing } from "./speaker-process.js";

const skip = skipReason("frr") ?? wrenBuildMissing() ?? ribMissing();
const COUNT = Number(process.env.WREN_LOAD_PREFIXES ?? 200_000);
const FEEDER = resolve(import.meta.dirname, "feeder.mjs");

describe.skipIf(skip)(
  `a ${COUNT}-prefix load on one session${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let lab: Lab;
    beforeAll(async () => {
      lab = await Lab.create();
      for (const n of ["wren", "feeder", "frr"]) await lab.addNode(n);
      await lab.link("wren", "eth0", "feeder", "eth0", {
        addrA: "10.0.20.1/30",
        addrB: "10.0.20.2/30",
      });
      await lab.link("wren", "eth1", "frr", "eth0", {
        addrA: "10.0.21.1/30",
        addrB: "10.0.21.2/30",
      });
    });
    afterAll(() => lab?.cleanup());

    it("keeps the other session's keepalives on time", { timeout: 600_000 }, async () => {
      const frr = await startFrr(
        lab,
        "frr",
        `frr defaults datacenter
hostname frr
log file /dev/null
!
router bgp 65021
 bgp router-id 10.0.21.2
 no bgp ebgp-requires-policy
 neighbor 10.0.21.1 remote-as 65001
 neighbor 10.0.21.1 timers 1 3
 neighbor 10.0.21.1 timers connect 1
`,
      );
      const wren = await SpeakerProcess.start(
        lab,
        "wren",
        speakerJson({
          routerId: "10.0.20.1",
          asNumber: 65001,
          peers: [
            { name: "feeder", address: "10.0.20.2", asNumber: 65050, passive: true, holdTime: 90 },
            {
              name: "frr",
              address: "10.0.21.2",
              asNumber: 65021,
              holdTime: 3,
              keepaliveTime: 1,
              connectRetryTime: 1,
            },
          ],
        }),
      );
      try {
        await wren.waitEstablished("frr");
        await frr.waitEstablished("10.0.21.1");
        await wren.command({ cmd: "metrics", reset: true });
        const keepalives = async () =>
          (
            (await frr.json("show bgp neighbors 10.0.21.1 json")) as Record<
              string,
              { messageStats: { keepalivesRecv: number } }
            >
          )["10.0.21.1"].messageStats.keepalivesRecv;
        const kaBefore = await keepalives();
        const feeder = await lab.spawn("feeder", "feeder", process.execPath, [
          FEEDER,
          "10.0.20.1",
          "179",
          "65050",
          "65001",
          "10.0.20.2",
          String(COUNT),
        ]);
        const t0 = Date.now();
        const seen = new Set<string>();
        await waitUntil(
          `wren's Loc-RIB to hold ${COUNT} prefixes`,
          async () => {
            const st = await wren.status();
            for (const p of st.peers) if (p.name === "frr") seen.add(p.bgpState);
            seen.add(`frr:${await frr.neighborState("10.0.21.1")}`);
            return st.locRibPrefixes.ipv4;
          },
          (n) => n >= COUNT,
          { timeoutMs: 480_000, intervalMs: 250 },
        );
        const loadMs = Date.now() - t0;
        const kaAfter = await keepalives();
        const m = (await wren.command({ cmd: "metrics" })).result as {
          eventLoopDelayMs: { max: number; p99: number };
          rssBytes: number;
        };
        const feederLog = readFileSync(feeder.logFile, "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l));
        const est = feederLog.find((e) => e.event === "established")?.t;
        console.log(
          `[load] ${COUNT} prefixes: Loc-RIB complete ${est ? Date.now() - est : loadMs} ms after the feeder's Established ` +
            `(poll 250 ms); event-loop delay max ${m.eventLoopDelayMs.max} ms, p99 ${m.eventLoopDelayMs.p99} ms; ` +
            `RSS ${(m.rssBytes / 1048576).toFixed(0)} MiB; FRR keepalives received during the load: ${kaAfter - kaBefore}`,
        );
        expect([...seen].sort()).toEqual(["Established", "frr:Established"]);
        if (loadMs > 3000)
          expect(kaAfter - kaBefore).toBeGreaterThanOrEqual(Math.floor(loadMs / 1000 / 2));
        expect((await wren.peer("feeder")).prefixes.received).toBe(COUNT);
      } finally {
        await wren.stop("withdraw");
        await frr.stop();
      }
    });
  },
);
