// The speaker composition with a recording stand-in RIB: messages cross asynchronously in both
// directions, configure() diffs peers, status() joins session and RIB views, stop modes.
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  createSpeaker,
  createSpeakerWith,
  type RibPort,
  speakerConfigFromJson,
} from "../../../../src/bgp/speaker/index.js";
import type { RibToSession, SessionToRib } from "../../../../src/common/contracts/bgp-engines.js";
import type { BgpRouteBatch } from "../../../../src/common/contracts/dataplane.js";
import type { Speaker, SpeakerEvent } from "../../../../src/common/contracts/speaker.js";
import type { SpeakerConfig } from "../../../../src/common/contracts/speaker-config.js";

class StubRib implements RibPort {
  readonly seen: SessionToRib[] = [];
  configs: SpeakerConfig[] = [];
  restartMode = false;
  private session: ((m: RibToSession) => void)[] = [];
  private handling = false;
  reentered = false;
  configure(c: SpeakerConfig) {
    this.configs.push(c);
  }
  handle(m: SessionToRib) {
    if (this.handling) this.reentered = true;
    this.handling = true;
    this.seen.push(m);
    if (m.type === "sessionUp") {
      // answer with an End-of-RIB (empty UPDATE) like a real RIB would
      const eor = new Uint8Array(23).fill(0xff);
      eor[16] = 0;
      eor[17] = 23;
      eor[18] = 2;
      eor.fill(0, 19);
      for (const l of this.session) l({ type: "updates", peerId: m.peerId, messages: [eor] });
    }
    this.handling = false;
  }
  onSessionMessage(l: (m: RibToSession) => void) {
    this.session.push(l);
  }
  onKernelRoutes(_l: (b: BgpRouteBatch) => void) {}
  startRestartMode() {
    this.restartMode = true;
  }
  onConverged(_l: () => void) {}
  readonly endOfRib = new Set<string>();
  endOfRibReceived(peerId: string) {
    return this.endOfRib.has(peerId);
  }
  peerCounters() {
    return { received: 3, accepted: 2, advertised: 1, stale: 0 };
  }
  routes() {
    return [];
  }
  locRibSize() {
    return { ipv4: 7, ipv6: 0 };
  }
  async idle() {}
}

function config(
  routerId: string,
  listen: string,
  port: number,
  peers: object[],
  extra: object = {},
): SpeakerConfig {
  return speakerConfigFromJson({
    routerId,
    asNumber: routerId === "10.0.0.1" ? 65001 : 65002,
    listen: { address: listen, port },
    peers,
    ...extra,
  });
}

const speakers: Speaker[] = [];
afterEach(async () => {
  await Promise.all(speakers.splice(0).map((s) => s.stop("withdraw")));
});

/** A port the kernel just handed out on `host` (the speaker's listen port must be known to its peer). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function until(cond: () => boolean, what: string, seen?: () => string): Promise<void> {
  const end = Date.now() + 8000;
  while (!cond()) {
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}${seen ? `; last seen: ${seen()}` : ""}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function make(restarting = false) {
  const rib = new StubRib();
  const events: SpeakerEvent[] = [];
  const speaker = createSpeakerWith({ restarting, session: { hostname: null } }, () => rib);
  speaker.onEvent((e) => events.push(e));
  speakers.push(speaker);
  return { rib, speaker, events };
}

async function pair() {
  const a = make();
  const b = make();
  await a.speaker.configure(config("10.0.0.1", "127.0.0.1", 0, []));
  await b.speaker.configure(config("10.0.0.2", "127.0.0.2", 0, []));
  return { a, b };
}

describe("speaker composition", () => {
  it("composes session and RIB: sessionUp reaches the RIB, the RIB's UPDATE reaches the peer", async () => {
    const { a, b } = await pair();
    const pa = await freePort("127.0.0.1");
    const pb = await freePort("127.0.0.2");
    const peerB = {
      name: "B",
      address: "127.0.0.2",
      port: pb,
      asNumber: 65002,
      sourceAddress: "127.0.0.1",
      holdTime: 9,
      connectRetryTime: 1,
    };
    const peerA = {
      name: "A",
      address: "127.0.0.1",
      port: pa,
      asNumber: 65001,
      sourceAddress: "127.0.0.2",
      holdTime: 9,
      connectRetryTime: 1,
    };
    expect(await a.speaker.configure(config("10.0.0.1", "127.0.0.1", pa, [peerB]))).toEqual({
      added: ["B"],
      removed: [],
      reset: [],
      softChanged: [],
    });
    await b.speaker.configure(config("10.0.0.2", "127.0.0.2", pb, [peerA]));
    await until(() => a.speaker.status().peers[0]?.bgpState === "Established", "A Established");
    await until(() => b.rib.seen.some((m) => m.type === "update"), "EoR at B's RIB");
    expect(a.rib.seen[0]).toMatchObject({ type: "sessionUp", peerId: "B" });
    expect(a.rib.reentered).toBe(false);
    const st = a.speaker.status();
    expect(st).toMatchObject({
      routerId: "10.0.0.1",
      asNumber: 65001,
      locRibPrefixes: { ipv4: 7, ipv6: 0 },
    });
    expect(st.peers[0]).toMatchObject({
      name: "B",
      state: "up",
      bgpState: "Established",
      info: "Established",
      prefixes: { received: 3, accepted: 2, advertised: 1 },
      family: "ipv4",
      negotiated: { holdTime: 9, remoteRouterId: "10.0.0.2" },
    });
    expect(a.events).toContainEqual({
      type: "peerState",
      peer: "B",
      from: "OpenConfirm",
      to: "Established",
      reason: null,
    });
    // End-of-RIB as the RIB reports it, only while the session is Established
    expect(st.peers[0].endOfRibReceived).toBe(false);
    a.rib.endOfRib.add("B");
    expect(a.speaker.status().peers[0].endOfRibReceived).toBe(true);

    // soft change: description only; the session stays up
    const soft = await a.speaker.configure(
      config("10.0.0.1", "127.0.0.1", pa, [{ ...peerB, description: "leaf" }]),
    );
    expect(soft).toEqual({ added: [], removed: [], reset: [], softChanged: ["B"] });
    expect(a.rib.configs).toHaveLength(3);
    expect(a.speaker.status().peers[0].bgpState).toBe("Established");

    // graceful stop: B's RIB sees a retained sessionDown, A's RIB sees nothing more
    const before = a.rib.seen.length;
    await a.speaker.stop("graceful");
    await until(() => b.rib.seen.some((m) => m.type === "sessionDown"), "B sessionDown");
    expect(b.rib.seen.find((m) => m.type === "sessionDown")).toMatchObject({ retainRoutes: true });
    expect(a.rib.seen.slice(before).filter((m) => m.type === "sessionDown")).toEqual([]);
  });

  it("a RIB that throws on a peer's UPDATE resets only that session (Cease / Out of Resources)", async () => {
    class ThrowingRib extends StubRib {
      override handle(m: SessionToRib) {
        if (m.type === "update") throw new Error("boom");
        super.handle(m);
      }
    }
    const a = make();
    const rib = new ThrowingRib();
    const events: SpeakerEvent[] = [];
    const b = createSpeakerWith({ session: { hostname: null } }, () => rib);
    b.onEvent((e) => events.push(e));
    speakers.push(b);
    const pa = await freePort("127.0.0.1");
    const pb = await freePort("127.0.0.2");
    await a.speaker.configure(
      config("10.0.0.1", "127.0.0.1", pa, [
        {
          name: "B",
          address: "127.0.0.2",
          port: pb,
          asNumber: 65002,
          sourceAddress: "127.0.0.1",
          holdTime: 9,
          connectRetryTime: 1,
        },
      ]),
    );
    await b.configure(
      config("10.0.0.2", "127.0.0.2", pb, [
        {
          name: "A",
          address: "127.0.0.1",
          port: pa,
          asNumber: 65001,
          sourceAddress: "127.0.0.2",
          holdTime: 9,
          connectRetryTime: 1,
        },
      ]),
    );
    // A's stub RIB answers sessionUp with an End-of-RIB UPDATE, which B's RIB chokes on
    await until(() => events.some((e) => e.type === "error"), "error event at B");
    expect(events.find((e) => e.type === "error")).toMatchObject({
      message: expect.stringContaining("RIB failed on update for peer A: boom"),
    });
    await until(
      () => a.speaker.status().peers[0].lastError === "Received: Out of resources",
      "A to see the Cease",
    );
  });

  it("endOfRibReceived: true once the peer's End-of-RIB reached the real RIB, false after the session drops", async () => {
    const mk = () => {
      const s = createSpeaker({ warmUp: false, session: { hostname: null } });
      speakers.push(s);
      return s;
    };
    const a = mk();
    const b = mk();
    const pa = await freePort("127.0.0.1");
    const pb = await freePort("127.0.0.2");
    const common = { holdTime: 9, connectRetryTime: 1, exportPolicy: ["all"] };
    const policies = [{ name: "all", statements: [{ result: "accept" }] }];
    const toB = { name: "B", address: "127.0.0.2", port: pb, asNumber: 65002, ...common };
    const toA = { name: "A", address: "127.0.0.1", port: pa, asNumber: 65001, ...common };
    const extra = { policies };
    await a.configure(
      config("10.0.0.1", "127.0.0.1", pa, [{ ...toB, sourceAddress: "127.0.0.1" }], extra),
    );
    await b.configure(
      config("10.0.0.2", "127.0.0.2", pb, [{ ...toA, sourceAddress: "127.0.0.2" }], extra),
    );
    await until(
      () => a.status().peers[0]?.endOfRibReceived === true,
      "B's End-of-RIB at A",
      () => JSON.stringify(a.status().peers[0]),
    );
    await until(() => b.status().peers[0]?.endOfRibReceived === true, "A's End-of-RIB at B");
    await a.stop("graceful");
    await until(() => b.status().peers[0]?.bgpState !== "Established", "B to lose the session");
    expect(b.status().peers[0].endOfRibReceived).toBe(false);
  });

  it("starts the RIB in restart mode and sets the R bit after our own restart", () => {
    const { rib } = make(true);
    expect(rib.restartMode).toBe(true);
  });

  it("reports a peer that needs the missing addon as an error event, not silently", async () => {
    const { speaker, events } = make();
    await speaker.configure(
      config("10.0.0.1", "127.0.0.1", 0, [
        { name: "P", address: "127.0.0.9", asNumber: 65009, password: "x", passive: true },
      ]),
    );
    // with the addon built the peer simply waits (Active); without it, an error event names it
    const peer = speaker.status().peers[0];
    if (events.some((e) => e.type === "error")) {
      expect(peer.state).toBe("down");
      expect(peer.info).toMatch(/socket-option addon/);
    } else {
      expect(peer.bgpState).toBe("Active");
    }
  });
});

describe("speaker JSON configuration", () => {
  it("fills BIRD/Calico defaults and derives families and local AS", () => {
    const c = speakerConfigFromJson({
      routerId: "10.0.0.1",
      asNumber: 65001,
      peers: [{ name: "p", address: "fd00::0002", asNumber: 65002 }],
    });
    expect(c.listen).toEqual({ address: null, port: 179 });
    expect(c.gracefulRestart).toEqual({ enabled: true, restartTime: 120, convergenceTimeout: 300 });
    expect(c.peers[0]).toMatchObject({
      address: "fd00::2",
      families: ["ipv6"],
      localAsNumber: 65001,
      holdTime: 240,
      keepaliveTime: 80,
      connectRetryTime: 5,
      port: 179,
    });
  });

  it("passes delayOpenTime through per peer and leaves it absent (off) when not given", () => {
    const c = speakerConfigFromJson({
      routerId: "10.0.0.1",
      asNumber: 65001,
      peers: [
        { name: "delayed", address: "10.0.0.2", asNumber: 65002, delayOpenTime: 10 },
        { name: "off", address: "10.0.0.3", asNumber: 65003, delayOpenTime: 0 },
        { name: "plain", address: "10.0.0.4", asNumber: 65004 },
      ],
    });
    expect(c.peers.map((p) => p.delayOpenTime)).toEqual([10, 0, undefined]);
    expect("delayOpenTime" in c.peers[2]).toBe(false);
  });

  it.each([
    ["a negative value", -1],
    ["a fraction", 1.5],
    ["more than 240 s", 241],
    ["a string", "5"],
    ["null", null],
  ])("refuses delayOpenTime as %s, naming the field", (_what, value) => {
    expect(() =>
      speakerConfigFromJson(
        {
          routerId: "10.0.0.1",
          asNumber: 65001,
          peers: [
            { name: "ok", address: "10.0.0.3", asNumber: 65003 },
            { name: "p", address: "10.0.0.2", asNumber: 65002, delayOpenTime: value },
          ],
        },
        "s.json",
      ),
    ).toThrow(/^s\.json: peers\[1\]\.delayOpenTime: /);
  });

  it("names the file and the field of a bad value", () => {
    expect(() =>
      speakerConfigFromJson(
        {
          routerId: "10.0.0.1",
          asNumber: 65001,
          peers: [{ name: "p", address: "10.0.0.2", asNumber: "x" }],
        },
        "s.json",
      ),
    ).toThrow(/s\.json: peers\[0\]\.asNumber/);
    expect(() =>
      speakerConfigFromJson(
        {
          routerId: "10.0.0.1",
          asNumber: 65001,
          peers: [{ name: "p", address: "10.0.0.2", asNumber: 1, holdTime: 2 }],
        },
        "s.json",
      ),
    ).toThrow(/holdTime: 0 or at least 3/);
    expect(() =>
      speakerConfigFromJson({ routerId: "10.0.0.1", asNumber: 65001, bogus: 1 }, "s.json"),
    ).toThrow(/s\.json/);
  });
});
