// Session engine over real loopback TCP: two engines (127.0.0.1 and 127.0.0.2) peer with each
// other, and raw sockets play misbehaving peers. No root needed.
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import {
  type PeerStateEvent,
  SessionEngine,
  type SessionEngineOptions,
} from "../../../../src/bgp/session/index.js";
import { loadSockopt } from "../../../../src/bgp/session/sockopt.js";
import {
  DEFAULT_CONTEXT,
  decodeMessage,
  emptyNlri,
  encodeMessage,
  Framer,
  makeContext,
  nlriFromPrefixes,
} from "../../../../src/bgp/wire/index.js";
import type { BgpMessage } from "../../../../src/bgp/wire/types.js";
import { ManualClock } from "../../../../src/common/clock.js";
import type { SessionToRib } from "../../../../src/common/contracts/bgp-engines.js";
import type { PeerConfig, SpeakerConfig } from "../../../../src/common/contracts/speaker-config.js";
import { parsePrefix } from "../../../../src/common/ip/prefix.js";

/** The OPEN the raw peer (AS 65002, 10.0.0.5) sends. */
const OPEN_FROM_RAW: BgpMessage = {
  type: "OPEN",
  version: 4,
  myAs: 65002,
  holdTime: 9,
  bgpId: "10.0.0.5",
  capabilities: [{ type: "fourOctetAs", asn: 65002 }],
  otherParameters: [],
};

function peer(
  name: string,
  address: string,
  port: number,
  over: Partial<PeerConfig> = {},
): PeerConfig {
  return {
    name,
    type: "global",
    address,
    port,
    asNumber: 65002,
    localAsNumber: 65001,
    families: ["ipv4"],
    passive: false,
    rrClient: false,
    clusterId: null,
    nextHop: "auto",
    sourceAddress: null,
    multihop: 2,
    ttlSecurity: 0,
    gracefulRestartTime: 120,
    holdTime: 9,
    keepaliveTime: 3,
    connectRetryTime: 1,
    allowasIn: 0,
    password: null,
    addPaths: "off",
    importPolicy: [],
    exportPolicy: [],
    maxPrefix: null,
    shutdown: false,
    description: "",
    ...over,
  };
}

function speakerConfig(
  routerId: string,
  listen: string,
  port: number,
  peers: PeerConfig[],
): SpeakerConfig {
  return {
    routerId,
    asNumber: peers[0]?.localAsNumber ?? 65001,
    listen: { address: listen, port },
    clusterId: null,
    gracefulRestart: { enabled: true, restartTime: 120, convergenceTimeout: 300 },
    peers,
    policies: [],
    originate: [],
    maxPaths: 1,
    multipathRelax: false,
    alwaysCompareMed: false,
  };
}

class Side {
  readonly engine: SessionEngine;
  readonly rib: SessionToRib[] = [];
  readonly states: PeerStateEvent[] = [];
  constructor(options: SessionEngineOptions = {}) {
    this.engine = new SessionEngine({
      hostname: null,
      errorWaitInitial: 1,
      errorWaitMax: 2,
      ...options,
    });
    this.engine.onRibMessage((m) => this.rib.push(m));
    this.engine.onPeerState((e) => this.states.push(e));
  }
  port(): number {
    return this.engine.listening[0].port;
  }
  of<T extends SessionToRib["type"]>(type: T): Extract<SessionToRib, { type: T }>[] {
    return this.rib.filter((m) => m.type === type) as Extract<SessionToRib, { type: T }>[];
  }
}

async function until(cond: () => boolean, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const engines: SessionEngine[] = [];
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(engines.splice(0).map((e) => e.stop("withdraw")));
});

/** A: AS 65001 on 127.0.0.1, B: AS 65002 on 127.0.0.2, peering with each other. */
async function pair(
  aPeer: Partial<PeerConfig> = {},
  bPeer: Partial<PeerConfig> = {},
  aOptions: SessionEngineOptions = {},
): Promise<{ a: Side; b: Side; aConfig: SpeakerConfig; bConfig: SpeakerConfig }> {
  const a = new Side(aOptions);
  const b = new Side();
  engines.push(a.engine, b.engine);
  await a.engine.configure(speakerConfig("10.0.0.1", "127.0.0.1", 0, []));
  await b.engine.configure(speakerConfig("10.0.0.2", "127.0.0.2", 0, []));
  const aConfig = speakerConfig("10.0.0.1", "127.0.0.1", a.port(), [
    peer("B", "127.0.0.2", b.port(), { sourceAddress: "127.0.0.1", ...aPeer }),
  ]);
  const bConfig = speakerConfig("10.0.0.2", "127.0.0.2", b.port(), [
    peer("A", "127.0.0.1", a.port(), {
      asNumber: 65001,
      localAsNumber: 65002,
      sourceAddress: "127.0.0.2",
      ...bPeer,
    }),
  ]);
  await a.engine.configure(aConfig);
  await b.engine.configure(bConfig);
  return { a, b, aConfig, bConfig };
}

const established = (s: Side, name: string) => () =>
  s.engine.status(name)?.bgpState === "Established";

/** A raw TCP peer speaking BGP with our codec. */
async function rawPeer(to: { host: string; port: number }, from: string) {
  const socket = net.connect({ host: to.host, port: to.port, localAddress: from });
  sockets.push(socket);
  const framer = new Framer();
  const received: BgpMessage[] = [];
  let closed = false;
  socket.on("data", (d) => {
    framer.push(d);
    for (let m = framer.next(); m; m = framer.next())
      received.push(decodeMessage(m, DEFAULT_CONTEXT));
  });
  socket.on("close", () => {
    closed = true;
  });
  socket.on("error", () => {});
  await new Promise((r) => socket.once("connect", r));
  return {
    received,
    closed: () => closed,
    send: (m: BgpMessage) => socket.write(encodeMessage(m, DEFAULT_CONTEXT)),
    sendRaw: (b: Uint8Array) => socket.write(b),
  };
}

describe("session engine over loopback", () => {
  it("establishes a session both ways and reports the negotiated view to the RIB", async () => {
    const { a, b } = await pair();
    await until(established(a, "B"), "A Established");
    await until(established(b, "A"), "B Established");
    const up = a.of("sessionUp")[0].negotiated;
    expect(up).toMatchObject({
      peerId: "B",
      remoteAs: 65002,
      holdTime: 9,
      keepaliveTime: 3,
      families: ["ipv4-unicast"],
      localAddress: "127.0.0.1",
      remoteAddress: "127.0.0.2",
    });
    expect(up.gracefulRestart).toMatchObject({ notification: true, restartTime: 120 });
    expect(a.engine.status("B")).toMatchObject({
      info: "Established",
      negotiated: { remoteRouterId: "10.0.0.2", as4: true },
    });
    expect(a.states.map((s) => s.to)).toContain("Established");
  });

  it("forwards UPDATE bodies verbatim to the RIB and writes the RIB's messages", async () => {
    const { a, b } = await pair();
    await until(established(a, "B"), "A Established");
    await until(established(b, "A"), "B Established");
    const update = encodeMessage(
      {
        type: "UPDATE",
        withdrawn: {
          family: "ipv4",
          count: 0,
          lengths: new Uint8Array(0),
          addrs: new Uint8Array(0),
          pathIds: null,
        },
        attributes: {},
        nlri: {
          family: "ipv4",
          count: 0,
          lengths: new Uint8Array(0),
          addrs: new Uint8Array(0),
          pathIds: null,
        },
      },
      DEFAULT_CONTEXT,
    );
    a.engine.handle({ type: "updates", peerId: "B", messages: [update] });
    await until(() => b.of("update").length > 0, "update at B");
    expect([...b.of("update")[0].body]).toEqual([...update.subarray(19)]);
    await until(() => a.of("writable").length > 0, "writable at A");
    expect(a.engine.status("B")!.messages.updatesOut).toBe(1);
    expect(b.engine.status("A")!.messages.updatesIn).toBe(1);
  });

  it("writes a batch of the RIB's UPDATEs (one write) that arrives intact and in order", async () => {
    const { a, b } = await pair();
    await until(established(a, "B"), "A Established");
    await until(established(b, "A"), "B Established");
    const batch = [1, 2, 3, 4000].map((med) =>
      encodeMessage(
        {
          type: "UPDATE",
          withdrawn: emptyNlri("ipv4"),
          attributes: { origin: "igp", asPath: [], nextHop: "10.0.0.1", med },
          nlri: nlriFromPrefixes("ipv4", [parsePrefix(`10.${med % 256}.0.0/16`)]),
        },
        DEFAULT_CONTEXT,
      ),
    );
    a.engine.handle({ type: "updates", peerId: "B", messages: batch });
    await until(() => b.of("update").length === 4, "4 updates at B");
    expect(b.of("update").map((u) => [...u.body])).toEqual(batch.map((m) => [...m.subarray(19)]));
    expect(a.engine.status("B")!.messages.updatesOut).toBe(4);
    expect(b.engine.status("A")!.messages.updatesIn).toBe(4);
  });

  it("at debug level traces every message sent and received; with debug off builds no trace", async () => {
    const lines: { obj: Record<string, unknown>; msg: string }[] = [];
    let debug = true;
    let checks = 0;
    const logger = {
      debug: (obj: object, msg = "") => lines.push({ obj: obj as Record<string, unknown>, msg }),
      info: () => {},
      warn: (obj: object, msg = "") => lines.push({ obj: obj as Record<string, unknown>, msg }),
      error: () => {},
      isLevelEnabled: (level: string) => {
        checks++;
        return level === "debug" ? debug : true;
      },
    };
    const { a, b } = await pair({}, {}, { logger });
    await until(established(a, "B"), "A Established");
    await until(established(b, "A"), "B Established");
    const update = encodeMessage(
      {
        type: "UPDATE",
        withdrawn: emptyNlri("ipv4"),
        attributes: {
          origin: "igp",
          asPath: [{ type: "sequence", asns: [65001] }],
          nextHop: "10.0.0.1",
        },
        nlri: nlriFromPrefixes("ipv4", [parsePrefix("192.0.2.0/24")]),
      },
      makeContext({ as4: true }),
    );
    a.engine.handle({ type: "updates", peerId: "B", messages: [update] });
    await until(() => b.of("update").length > 0, "update at B");
    const texts = lines.map((l) => l.msg);
    expect(texts).toContainEqual(
      expect.stringMatching(/^sent OPEN as 65001, hold 9, id 10\.0\.0\.1, capabilities: /),
    );
    expect(texts).toContainEqual(
      expect.stringMatching(/^received OPEN as 65002, hold 9, id 10\.0\.0\.2/),
    );
    expect(texts).toContain("sent KEEPALIVE");
    expect(texts).toContain("received KEEPALIVE");
    expect(texts).toContain(
      "sent UPDATE ipv4 1 NLRI, 0 withdrawn: origin igp, as-path 65001, next-hop 10.0.0.1",
    );
    expect(lines.find((l) => l.msg.startsWith("sent UPDATE"))?.obj).toMatchObject({
      peer: "B",
      dir: "out",
      type: "UPDATE",
      nlri: 1,
      withdrawn: 0,
    });
    // debug off: the level is checked, nothing is traced
    debug = false;
    lines.length = 0;
    const before = checks;
    a.engine.handle({ type: "updates", peerId: "B", messages: [update] });
    await until(() => b.of("update").length > 1, "second update at B");
    expect(checks).toBeGreaterThan(before);
    expect(lines.filter((l) => /^(sent|received) /.test(l.msg))).toEqual([]);
    // NOTIFICATIONs are logged (warn) with code and subcode names and the data
    debug = true;
    await a.engine.stop("withdraw");
    const n = lines.find((l) => l.msg.startsWith("sent NOTIFICATION"));
    expect(n?.obj).toMatchObject({ peer: "B", dir: "out", codeName: "Cease", subcode: 9 });
    expect(n?.msg).toBe(
      'sent NOTIFICATION: Hard reset (Administrative shutdown "wren is shutting down")',
    );
  });

  it("refuses connections from unknown addresses with Cease / Connection Rejected", async () => {
    const a = new Side();
    engines.push(a.engine);
    await a.engine.configure(speakerConfig("10.0.0.1", "127.0.0.1", 0, []));
    const raw = await rawPeer({ host: "127.0.0.1", port: a.port() }, "127.0.0.9");
    await until(raw.closed, "refused connection closed");
    expect(raw.received).toEqual([
      { type: "NOTIFICATION", code: 6, subcode: 5, data: new Uint8Array(0) },
    ]);
  });

  it("accepts a peer added later without restarting the listener", async () => {
    const a = new Side();
    engines.push(a.engine);
    await a.engine.configure(speakerConfig("10.0.0.1", "127.0.0.1", 0, []));
    const port = a.port();
    await a.engine.configure(
      speakerConfig("10.0.0.1", "127.0.0.1", port, [peer("R", "127.0.0.5", 1, { passive: true })]),
    );
    expect(a.port()).toBe(port);
    const raw = await rawPeer({ host: "127.0.0.1", port }, "127.0.0.5");
    raw.send(OPEN_FROM_RAW);
    raw.send({ type: "KEEPALIVE" });
    await until(established(a, "R"), "Established with the late peer");
    expect(raw.received[0].type).toBe("OPEN");
  });

  it("answers a bad peer AS with OPEN Message Error / Bad Peer AS", async () => {
    const a = new Side();
    engines.push(a.engine);
    await a.engine.configure(speakerConfig("10.0.0.1", "127.0.0.1", 0, []));
    await a.engine.configure(
      speakerConfig("10.0.0.1", "127.0.0.1", a.port(), [
        peer("R", "127.0.0.5", 1, { passive: true }),
      ]),
    );
    const raw = await rawPeer({ host: "127.0.0.1", port: a.port() }, "127.0.0.5");
    raw.send({
      type: "OPEN",
      version: 4,
      myAs: 65099,
      holdTime: 9,
      bgpId: "10.0.0.5",
      capabilities: [],
      otherParameters: [],
    });
    await until(raw.closed, "connection closed");
    expect(raw.received.map((m) => m.type)).toEqual(["OPEN", "NOTIFICATION"]);
    expect(raw.received[1]).toMatchObject({ code: 2, subcode: 2 });
    expect(a.engine.status("R")!.info).toBe("Idle BGP Error: Bad peer AS");
  });

  it("answers a bad marker with Message Header Error / Connection Not Synchronized", async () => {
    const a = new Side();
    engines.push(a.engine);
    await a.engine.configure(speakerConfig("10.0.0.1", "127.0.0.1", 0, []));
    await a.engine.configure(
      speakerConfig("10.0.0.1", "127.0.0.1", a.port(), [
        peer("R", "127.0.0.5", 1, { passive: true }),
      ]),
    );
    const raw = await rawPeer({ host: "127.0.0.1", port: a.port() }, "127.0.0.5");
    const bad = new Uint8Array(19).fill(0xff);
    bad[0] = 0;
    bad[17] = 19;
    bad[18] = 4;
    raw.sendRaw(bad);
    await until(raw.closed, "connection closed");
    expect(raw.received.at(-1)).toMatchObject({ type: "NOTIFICATION", code: 1, subcode: 1 });
  });

  it("sends Hold Timer Expired when the peer goes silent (manual clock)", async () => {
    const clock = new ManualClock();
    const { a, b } = await pair({}, {}, { clock });
    await until(established(a, "B"), "A Established");
    await until(established(b, "A"), "B Established");
    clock.advance(9_500);
    await until(() => b.engine.status("A")!.bgpState !== "Established", "B down");
    expect(b.engine.status("A")!.lastError).toBe("Received: Hold timer expired");
    expect(a.engine.status("B")!.info).toBe("Idle BGP Error: Hold timer expired");
    // N bit negotiated: both sides keep the routes (RFC 8538)
    expect(a.of("sessionDown")[0].retainRoutes).toBe(true);
    await until(() => b.of("sessionDown").length > 0, "B sessionDown");
    expect(b.of("sessionDown")[0].retainRoutes).toBe(true);
  });

  it("de-configuring a peer sends Cease / Peer De-configured and leaves other peers alone", async () => {
    const { a, b, aConfig } = await pair();
    await until(established(b, "A"), "B Established");
    await until(established(a, "B"), "A Established");
    const other = peer("C", "127.0.0.7", 1, { passive: true });
    await a.engine.configure({ ...aConfig, peers: [...aConfig.peers, other] });
    const result = await a.engine.configure({ ...aConfig, peers: [other] });
    expect(result).toEqual({ added: [], removed: ["B"], reset: [], softChanged: [] });
    await until(() => b.engine.status("A")!.bgpState !== "Established", "B down");
    // With the N bit negotiated, Cease subcode 3 travels inside a Hard Reset (RFC 8538 §5).
    expect(b.engine.status("A")!.lastError).toBe("Received: Hard reset (Peer de-configured)");
    expect(b.of("sessionDown")[0].retainRoutes).toBe(false);
  });

  it("an administrative shutdown carries the RFC 9003 shutdown communication", async () => {
    const { a, b, aConfig } = await pair({}, {});
    await until(established(b, "A"), "B Established");
    const result = await a.engine.configure({
      ...aConfig,
      peers: [{ ...aConfig.peers[0], shutdown: true }],
    });
    expect(result.reset).toEqual(["B"]);
    await until(() => b.engine.status("A")!.bgpState !== "Established", "B down");
    expect(b.engine.status("A")!.lastError).toBe(
      'Received: Hard reset (Administrative shutdown "shut down by wren configuration")',
    );
    expect(a.engine.status("B")!.info).toBe("Idle Administrative shutdown");
  });

  it("a reset-needing change bounces the session with Cease / Other Configuration Change", async () => {
    const { a, b, aConfig } = await pair();
    await until(established(b, "A"), "B Established");
    const r = await a.engine.configure({
      ...aConfig,
      peers: [{ ...aConfig.peers[0], holdTime: 30 }],
    });
    expect(r.reset).toEqual(["B"]);
    await until(() => b.of("sessionDown").length > 0, "B sessionDown");
    expect(b.of("sessionDown")[0]).toMatchObject({
      reason: "Received: Other configuration change",
      retainRoutes: true,
    });
    await until(() => a.of("sessionUp").length >= 2 && established(a, "B")(), "re-established");
    expect(a.of("sessionUp").at(-1)!.negotiated.holdTime).toBe(9);
  });

  it("a graceful stop closes without NOTIFICATION so the peer keeps the routes", async () => {
    const { a, b } = await pair();
    await until(established(b, "A"), "B Established");
    await until(established(a, "B"), "A Established");
    await a.engine.stop("graceful");
    await until(() => b.of("sessionDown").length > 0, "B sessionDown");
    expect(b.of("sessionDown")[0]).toMatchObject({
      retainRoutes: true,
      reason: "Socket: Connection closed",
    });
    expect(b.engine.status("A")!.messages.notificationsIn).toBe(0);
  });

  it("passes a RIB reset (max-prefix) on as a NOTIFICATION and holds the peer down", async () => {
    const { a, b } = await pair({}, {});
    await until(established(a, "B"), "A Established");
    a.engine.handle({
      type: "reset",
      peerId: "B",
      notification: { code: 6, subcode: 1, data: new Uint8Array(0) },
      holdDownSeconds: 60,
    });
    await until(() => b.engine.status("A")!.bgpState !== "Established", "B down");
    expect(b.engine.status("A")!.lastError).toBe(
      "Received: Hard reset (Maximum number of prefixes reached)",
    );
    expect(a.engine.status("B")!.bgpState).toBe("Idle");
  });

  describe("DelayOpen (RFC 4271 §8.1.1) from PeerConfig.delayOpenTime", () => {
    /** A manual clock that remembers the delays of the timers set on it. */
    class RecordingClock extends ManualClock {
      readonly delays: number[] = [];
      override setTimer(ms: number, fn: () => void) {
        this.delays.push(ms);
        return super.setTimer(ms, fn);
      }
    }

    async function passivePeer(clock: RecordingClock, over: Partial<PeerConfig>) {
      const a = new Side({ clock });
      engines.push(a.engine);
      await a.engine.configure(speakerConfig("10.0.0.1", "127.0.0.1", 0, []));
      const config = speakerConfig("10.0.0.1", "127.0.0.1", a.port(), [
        peer("R", "127.0.0.5", 1, { passive: true, ...over }),
      ]);
      const result = await a.engine.configure(config);
      return { a, config, result };
    }

    it("without delayOpenTime our OPEN goes out as soon as the connection is accepted", async () => {
      const clock = new RecordingClock();
      const { a } = await passivePeer(clock, {});
      const raw = await rawPeer({ host: "127.0.0.1", port: a.port() }, "127.0.0.5");
      await until(() => a.engine.status("R")!.bgpState === "OpenSent", "OpenSent");
      await until(() => raw.received.length > 0, "our OPEN");
      expect(raw.received[0].type).toBe("OPEN");
    });

    it("holds our OPEN back for delayOpenTime seconds, then sends it", async () => {
      const clock = new RecordingClock();
      const { a } = await passivePeer(clock, { delayOpenTime: 7 });
      const raw = await rawPeer({ host: "127.0.0.1", port: a.port() }, "127.0.0.5");
      await until(() => clock.delays.includes(7000), "the DelayOpen timer");
      // The accept and the FSM step that chose DelayOpen over sending the OPEN are synchronous.
      expect(a.engine.status("R")!.bgpState).toBe("Active");
      clock.advance(6_900);
      expect(a.engine.status("R")!.bgpState).toBe("Active");
      clock.advance(100);
      expect(a.engine.status("R")!.bgpState).toBe("OpenSent");
      await until(() => raw.received.length > 0, "our OPEN after DelayOpen");
      expect(raw.received.map((m) => m.type)).toEqual(["OPEN"]);
    });

    it("answers the peer's OPEN at once while DelayOpen runs (OPEN, KEEPALIVE)", async () => {
      const clock = new RecordingClock();
      const { a } = await passivePeer(clock, { delayOpenTime: 7 });
      const raw = await rawPeer({ host: "127.0.0.1", port: a.port() }, "127.0.0.5");
      await until(() => clock.delays.includes(7000), "the DelayOpen timer");
      raw.send(OPEN_FROM_RAW);
      await until(() => raw.received.length >= 2, "OPEN and KEEPALIVE");
      expect(raw.received.map((m) => m.type)).toEqual(["OPEN", "KEEPALIVE"]);
      raw.send({ type: "KEEPALIVE" });
      await until(established(a, "R"), "Established without the DelayOpen timer firing");
    });

    it("a delayOpenTime change is soft (no reset) and applies to the next connection", async () => {
      const clock = new RecordingClock();
      const { a, config } = await passivePeer(clock, {});
      const result = await a.engine.configure({
        ...config,
        peers: [{ ...config.peers[0], delayOpenTime: 7 }],
      });
      expect(result).toEqual({ added: [], removed: [], reset: [], softChanged: ["R"] });
      await rawPeer({ host: "127.0.0.1", port: a.port() }, "127.0.0.5");
      await until(() => clock.delays.includes(7000), "the DelayOpen timer");
      expect(a.engine.status("R")!.bgpState).toBe("Active");
    });

    it("a peer's delayOpenTime 0 overrides the engine-wide default", async () => {
      const clock = new RecordingClock();
      const a = new Side({ clock, delayOpenTime: 7 });
      engines.push(a.engine);
      await a.engine.configure(speakerConfig("10.0.0.1", "127.0.0.1", 0, []));
      await a.engine.configure(
        speakerConfig("10.0.0.1", "127.0.0.1", a.port(), [
          peer("R", "127.0.0.5", 1, { passive: true, delayOpenTime: 0 }),
        ]),
      );
      const raw = await rawPeer({ host: "127.0.0.1", port: a.port() }, "127.0.0.5");
      await until(() => raw.received.length > 0, "our OPEN");
      expect(raw.received[0].type).toBe("OPEN");
      expect(clock.delays).not.toContain(7000);
    });
  });

  it.skipIf(!loadSockopt())(
    `TCP-MD5: equal keys establish, a wrong key never does${loadSockopt() ? "" : " (skipped: the socket-option addon is not built)"}`,
    async () => {
      const { a, b } = await pair({ password: "s3cret" }, { password: "s3cret" });
      await until(established(a, "B"), "A Established with MD5");
      await until(established(b, "A"), "B Established with MD5");
      const bad = await pair({ password: "one" }, { password: "two" });
      await new Promise((r) => setTimeout(r, 1500));
      expect(bad.a.engine.status("B")!.bgpState).not.toBe("Established");
      expect(bad.a.of("sessionUp")).toHaveLength(0);
    },
  );
});
