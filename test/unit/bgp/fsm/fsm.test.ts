import { describe, expect, it } from "vitest";
import { bgpState, type FsmAction, stateInfo } from "../../../../src/bgp/fsm/index.js";
import { config, find, grCap, peerOpen, Runner } from "./helpers.js";

const addrs = { localAddress: "10.0.0.1", remoteAddress: "10.0.0.2" };

describe("FSM: start, connect, handshake", () => {
  it("ManualStart on an active peer dials and enters Connect with a jittered ConnectRetry timer", () => {
    const r = new Runner();
    r.fire({ type: "ManualStart" });
    expect(bgpState(r.state)).toBe("Connect");
    expect(r.types()).toEqual(["connect", "startTimer", "stateChange"]);
    expect(find(r.last, "startTimer")[0]).toMatchObject({
      timer: "connectRetry",
      seconds: 5,
      jitter: true,
    });
  });

  it("a passive peer never dials: Active, no connect action, no ConnectRetry", () => {
    const r = new Runner(config({ passive: true }));
    r.fire({ type: "ManualStart" });
    expect(bgpState(r.state)).toBe("Active");
    expect(find(r.last, "connect")).toHaveLength(0);
    r.fire({ type: "TimerExpired", timer: "connectRetry", connId: null });
    expect(find(r.last, "connect")).toHaveLength(0);
  });

  it("a refused connect goes to Active with BIRD's error text and redials when ConnectRetry expires", () => {
    const r = new Runner();
    r.fire({ type: "ManualStart" });
    r.fire({ type: "TcpConnectionFails", connId: 1, error: "Connection refused" });
    expect(bgpState(r.state)).toBe("Active");
    expect(stateInfo(r.state)).toBe("Active Socket: Connection refused");
    expect(find(r.last, "startTimer")[0]).toMatchObject({ timer: "connectRetry" });
    r.fire({ type: "TimerExpired", timer: "connectRetry", connId: null });
    expect(find(r.last, "connect")).toEqual([{ type: "connect", connId: 2 }]);
    expect(bgpState(r.state)).toBe("Connect");
  });

  it("a connect that hangs is dropped and retried when ConnectRetry expires", () => {
    const r = new Runner();
    r.fire({ type: "ManualStart" });
    r.fire({ type: "TimerExpired", timer: "connectRetry", connId: null });
    expect(r.types().slice(0, 2)).toEqual(["close", "connect"]);
    expect(find(r.last, "close")[0].connId).toBe(1);
    expect(stateInfo(r.state)).toBe("Connect Socket: Connection timed out");
  });

  it("goes OpenSent → OpenConfirm → Established with the RFC 4271 timers", () => {
    const r = new Runner();
    r.fire({ type: "ManualStart" });
    r.fire({ type: "TcpCrAcked", connId: 1, ...addrs });
    expect(bgpState(r.state)).toBe("OpenSent");
    expect(r.types()).toEqual(["sendOpen", "startTimer", "stateChange"]);
    expect(find(r.last, "startTimer")[0]).toMatchObject({ timer: "hold", connId: 1, seconds: 240 });
    r.fire({ type: "BGPOpen", connId: 1, open: peerOpen() });
    expect(bgpState(r.state)).toBe("OpenConfirm");
    expect(r.types()).toEqual([
      "stopTimer",
      "sendKeepalive",
      "startTimer",
      "startTimer",
      "stateChange",
    ]);
    expect(find(r.last, "startTimer")).toEqual([
      { type: "startTimer", timer: "hold", connId: 1, seconds: 90, jitter: false },
      { type: "startTimer", timer: "keepalive", connId: 1, seconds: 30, jitter: true },
    ]);
    r.fire({ type: "KeepAliveMsg", connId: 1 });
    expect(bgpState(r.state)).toBe("Established");
    const up = find(r.last, "sessionUp")[0];
    expect(up.negotiated).toMatchObject({
      holdTime: 90,
      keepaliveTime: 30,
      families: ["ipv4-unicast"],
    });
    expect(find(r.last, "stateChange")[0]).toMatchObject({
      from: "OpenConfirm",
      to: "Established",
    });
  });

  it("hold time 0 on either side means no hold or keepalive timers", () => {
    const r = new Runner();
    r.fire({ type: "ManualStart" }, { type: "TcpCrAcked", connId: 1, ...addrs });
    r.fire({ type: "BGPOpen", connId: 1, open: peerOpen({ holdTime: 0 }) });
    expect(find(r.last, "startTimer")).toEqual([]);
    expect(find(r.last, "stopTimer").map((a) => a.timer)).toContain("hold");
    expect(find(r.last, "sendKeepalive")).toHaveLength(1);
  });

  it("keepalive expiry sends a KEEPALIVE and re-arms the timer", () => {
    const r = new Runner();
    r.establish();
    r.fire({ type: "TimerExpired", timer: "keepalive", connId: 1 });
    expect(r.types()).toEqual(["sendKeepalive", "startTimer"]);
  });

  it("UPDATE and ROUTE-REFRESH in Established restart the hold timer and go to the RIB", () => {
    const r = new Runner();
    r.establish();
    r.fire({ type: "UpdateMsg", connId: 1 });
    expect(r.last).toEqual([
      { type: "startTimer", timer: "hold", connId: 1, seconds: 90, jitter: false },
      { type: "deliverUpdate", connId: 1 },
    ]);
    r.fire({ type: "RouteRefreshMsg", connId: 1 });
    expect(r.types()).toEqual(["startTimer", "deliverRouteRefresh"]);
  });
});

describe("FSM: errors and back-off", () => {
  it("hold timer expiry sends NOTIFICATION 4/0, goes Idle and waits 5, 10, 20, 30, 30 s", () => {
    const r = new Runner();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      if (i === 0) r.establish();
      else {
        r.fire({ type: "TimerExpired", timer: "idleHold", connId: null });
        const id = find(r.last, "connect")[0].connId;
        r.fire(
          { type: "TcpCrAcked", connId: id, ...addrs },
          { type: "BGPOpen", connId: id, open: peerOpen() },
          { type: "KeepAliveMsg", connId: id },
        );
      }
      const id = r.state.conns[0].id;
      r.fire({ type: "TimerExpired", timer: "hold", connId: id });
      expect(find(r.last, "sendNotification")[0].notification).toMatchObject({
        code: 4,
        subcode: 0,
      });
      expect(find(r.last, "sessionDown")[0]).toMatchObject({
        reason: "BGP Error: Hold timer expired",
      });
      expect(bgpState(r.state)).toBe("Idle");
      waits.push(find(r.last, "startTimer").find((t) => t.timer === "idleHold")!.seconds);
    }
    expect(waits).toEqual([5, 10, 20, 30, 30]);
    r.fire({ type: "TimerExpired", timer: "errorForget", connId: null });
    expect(r.state.errorCount).toBe(0);
  });

  it("refuses incoming connections with Cease/Connection Rejected during idle hold, then dials", () => {
    const r = new Runner();
    r.establish();
    r.fire({
      type: "NotifMsg",
      connId: 1,
      notification: { code: 6, subcode: 2, data: new Uint8Array(0) },
    });
    expect(stateInfo(r.state)).toBe("Idle Received: Administrative shutdown");
    r.fire({ type: "TcpConnectionConfirmed", ...addrs });
    expect(find(r.last, "refuse")[0].notification).toMatchObject({ code: 6, subcode: 5 });
    r.fire({ type: "TimerExpired", timer: "idleHold", connId: null });
    expect(find(r.last, "connect")).toHaveLength(1);
  });

  it("Cease/Other Configuration Change from the peer reconnects without back-off", () => {
    const r = new Runner();
    r.establish();
    r.fire({
      type: "NotifMsg",
      connId: 1,
      notification: { code: 6, subcode: 6, data: new Uint8Array(0) },
    });
    expect(bgpState(r.state)).toBe("Active");
    expect(find(r.last, "startTimer")[0].timer).toBe("connectRetry");
  });

  it("shows the RFC 9003 shutdown communication of a received Cease", () => {
    const r = new Runner();
    r.establish();
    const text = new TextEncoder().encode("maintenance");
    r.fire({
      type: "NotifMsg",
      connId: 1,
      notification: { code: 6, subcode: 2, data: new Uint8Array([text.length, ...text]) },
    });
    expect(stateInfo(r.state)).toBe('Idle Received: Administrative shutdown "maintenance"');
  });

  it("unexpected messages get the RFC 6608 FSM error subcodes", () => {
    const r = new Runner();
    r.fire({ type: "ManualStart" }, { type: "TcpCrAcked", connId: 1, ...addrs });
    r.fire({ type: "UpdateMsg", connId: 1 });
    expect(find(r.last, "sendNotification")[0].notification).toMatchObject({ code: 5, subcode: 1 });
    const r2 = new Runner();
    r2.fire(
      { type: "ManualStart" },
      { type: "TcpCrAcked", connId: 1, ...addrs },
      { type: "BGPOpen", connId: 1, open: peerOpen() },
    );
    r2.fire({ type: "UpdateMsg", connId: 1 });
    expect(find(r2.last, "sendNotification")[0].notification).toMatchObject({
      code: 5,
      subcode: 2,
    });
    const r3 = new Runner();
    r3.establish();
    r3.fire({ type: "BGPOpen", connId: 1, open: peerOpen() });
    expect(find(r3.last, "sendNotification")[0].notification).toMatchObject({
      code: 5,
      subcode: 3,
    });
  });

  it("a bad OPEN is answered with its NOTIFICATION and leads to idle hold", () => {
    const r = new Runner();
    r.fire({ type: "ManualStart" }, { type: "TcpCrAcked", connId: 1, ...addrs });
    r.fire({
      type: "BGPOpen",
      connId: 1,
      open: peerOpen({ myAs: 65099 }, [{ type: "multiprotocol", afi: 1, safi: 1 }]),
    });
    expect(find(r.last, "sendNotification")[0].notification).toMatchObject({ code: 2, subcode: 2 });
    expect(r.types()).toContain("close");
    expect(stateInfo(r.state)).toBe("Idle BGP Error: Bad peer AS");
  });

  it("a RIB reset with a hold-down (max-prefix) waits exactly that long and keeps the error count", () => {
    const r = new Runner();
    r.establish();
    r.fire({
      type: "Reset",
      kind: "error",
      holdDownSeconds: 60,
      reason: "max prefix",
      notification: { code: 6, subcode: 1, data: new Uint8Array(0) },
    });
    expect(find(r.last, "sendNotification")[0].notification.subcode).toBe(1);
    expect(find(r.last, "startTimer").find((t) => t.timer === "idleHold")!.seconds).toBe(60);
    expect(r.state.errorCount).toBe(0);
    expect(bgpState(r.state)).toBe("Idle");
  });

  it("ignores a RIB reset that arrives after the session already went down", () => {
    const r = new Runner();
    r.establish();
    r.fire({ type: "TcpConnectionFails", connId: 1, error: "Connection closed" });
    r.fire({
      type: "Reset",
      kind: "error",
      holdDownSeconds: 60,
      reason: "late",
      notification: { code: 6, subcode: 1, data: new Uint8Array(0) },
    });
    expect(r.last).toEqual([]);
    expect(bgpState(r.state)).toBe("Active");
  });

  it("an admin reset (configuration change) redials at once", () => {
    const r = new Runner();
    r.establish();
    r.fire({
      type: "Reset",
      kind: "admin",
      holdDownSeconds: null,
      reason: "config",
      notification: { code: 6, subcode: 6, data: new Uint8Array(0) },
    });
    expect(r.types()).toEqual([
      "sendNotification",
      "close",
      "sessionDown",
      "stopTimer",
      "stopTimer",
      "connect",
      "startTimer",
      "stateChange",
    ]);
    expect(bgpState(r.state)).toBe("Connect");
  });
});

describe("FSM: collisions (RFC 4271 §6.8)", () => {
  function twoConns(localId: string, remoteId: string) {
    const r = new Runner(config({}, { localRouterId: localId }));
    r.fire({ type: "ManualStart" }, { type: "TcpCrAcked", connId: 1, ...addrs });
    r.fire({ type: "TcpConnectionConfirmed", ...addrs });
    expect(find(r.last, "accept")[0].connId).toBe(2);
    r.fire({ type: "BGPOpen", connId: 1, open: peerOpen({ bgpId: remoteId }) });
    expect(r.state.conns.map((c) => c.phase)).toEqual(["OpenConfirm", "OpenSent"]);
    r.fire({ type: "BGPOpen", connId: 2, open: peerOpen({ bgpId: remoteId }) });
    return r;
  }

  it("the speaker with the lower BGP identifier gives up the connection it initiated", () => {
    const r = twoConns("10.0.0.1", "10.0.0.2");
    expect(find(r.last, "sendNotification")[0]).toMatchObject({
      connId: 1,
      notification: { code: 6, subcode: 7 },
    });
    expect(r.state.conns.map((c) => [c.id, c.phase])).toEqual([[2, "OpenConfirm"]]);
  });

  it("the speaker with the higher BGP identifier keeps its own connection", () => {
    const r = twoConns("10.0.0.9", "10.0.0.2");
    expect(find(r.last, "sendNotification")[0]).toMatchObject({
      connId: 2,
      notification: { code: 6, subcode: 7 },
    });
    expect(r.state.conns.map((c) => [c.id, c.phase])).toEqual([[1, "OpenConfirm"]]);
  });

  it("a connection reaching Established closes the other one", () => {
    const r = new Runner();
    r.fire({ type: "ManualStart" }, { type: "TcpCrAcked", connId: 1, ...addrs });
    r.fire(
      { type: "BGPOpen", connId: 1, open: peerOpen() },
      { type: "TcpConnectionConfirmed", ...addrs },
    );
    r.fire({ type: "KeepAliveMsg", connId: 1 });
    expect(find(r.last, "sendNotification")[0]).toMatchObject({
      connId: 2,
      notification: { subcode: 7 },
    });
    expect(r.state.conns).toHaveLength(1);
  });

  it("an OPEN on a new connection while Established without GR is a collision: the new one goes", () => {
    const r = new Runner();
    r.establish();
    r.fire({ type: "TcpConnectionConfirmed", ...addrs });
    r.fire({ type: "BGPOpen", connId: 2, open: peerOpen() });
    expect(find(r.last, "sendNotification")[0]).toMatchObject({
      connId: 2,
      notification: { subcode: 7 },
    });
    expect(bgpState(r.state)).toBe("Established");
  });

  it("an OPEN on a new connection while a GR session is Established means the peer restarted", () => {
    const caps = [...peerOpen().capabilities, grCap(false, true)];
    const r = new Runner();
    r.establish(peerOpen({}, caps));
    r.fire({ type: "TcpConnectionConfirmed", ...addrs });
    r.fire({ type: "BGPOpen", connId: 2, open: peerOpen({}, caps) });
    expect(find(r.last, "sessionDown")[0]).toMatchObject({ retainRoutes: true });
    expect(r.state.conns.map((c) => [c.id, c.phase])).toEqual([[2, "OpenConfirm"]]);
  });

  it("an OPEN closes our connection attempt still in progress", () => {
    const r = new Runner();
    r.fire({ type: "ManualStart" }, { type: "TcpConnectionConfirmed", ...addrs });
    r.fire({ type: "BGPOpen", connId: 2, open: peerOpen() });
    expect(find(r.last, "close")[0].connId).toBe(1);
    expect(find(r.last, "stopTimer")[0].timer).toBe("connectRetry");
  });
});

describe("FSM: DelayOpen", () => {
  it("waits for the peer's OPEN, then sends OPEN and KEEPALIVE together", () => {
    const r = new Runner(config({ delayOpenTime: 10 }));
    r.fire({ type: "ManualStart" });
    r.fire({ type: "TcpCrAcked", connId: 1, ...addrs });
    expect(find(r.last, "startTimer")[0]).toMatchObject({ timer: "delayOpen", seconds: 10 });
    expect(bgpState(r.state)).toBe("Connect");
    r.fire({ type: "BGPOpen", connId: 1, open: peerOpen() });
    expect(r.types().filter((t) => t.startsWith("send"))).toEqual(["sendOpen", "sendKeepalive"]);
    expect(bgpState(r.state)).toBe("OpenConfirm");
  });

  it("sends its OPEN when the DelayOpen timer expires", () => {
    const r = new Runner(config({ delayOpenTime: 10 }));
    r.fire({ type: "ManualStart" }, { type: "TcpCrAcked", connId: 1, ...addrs });
    r.fire({ type: "TimerExpired", timer: "delayOpen", connId: 1 });
    expect(r.types()).toContain("sendOpen");
    expect(bgpState(r.state)).toBe("OpenSent");
  });
});

describe("FSM: graceful restart", () => {
  const grOpen = (n: boolean) => peerOpen({}, [...peerOpen().capabilities, grCap(n)]);

  it("TCP loss of a GR session retains the routes", () => {
    const r = new Runner();
    r.establish(grOpen(false));
    r.fire({ type: "TcpConnectionFails", connId: 1, error: "Connection closed" });
    expect(find(r.last, "sessionDown")[0]).toEqual({
      type: "sessionDown",
      reason: "Socket: Connection closed",
      retainRoutes: true,
    });
    expect(bgpState(r.state)).toBe("Active");
  });

  it("a NOTIFICATION keeps the routes only with the N bit, and never for Hard Reset", () => {
    const notif = (subcode: number) => ({ code: 6, subcode, data: new Uint8Array(0) });
    const withN = new Runner();
    withN.establish(grOpen(true));
    withN.fire({ type: "NotifMsg", connId: 1, notification: notif(2) });
    expect(find(withN.last, "sessionDown")[0].retainRoutes).toBe(true);
    const hard = new Runner();
    hard.establish(grOpen(true));
    hard.fire({ type: "NotifMsg", connId: 1, notification: notif(9) });
    expect(find(hard.last, "sessionDown")[0].retainRoutes).toBe(false);
    const withoutN = new Runner();
    withoutN.establish(grOpen(false));
    withoutN.fire({ type: "NotifMsg", connId: 1, notification: notif(2) });
    expect(find(withoutN.last, "sessionDown")[0].retainRoutes).toBe(false);
  });

  it("hold timer expiry keeps the routes with the N bit (RFC 8538)", () => {
    const r = new Runner();
    r.establish(grOpen(true));
    r.fire({ type: "TimerExpired", timer: "hold", connId: 1 });
    expect(find(r.last, "sessionDown")[0].retainRoutes).toBe(true);
  });

  it("with the N bit, an administrative shutdown is sent as a Hard Reset wrapping Cease/2", () => {
    const r = new Runner();
    r.establish(grOpen(true));
    r.fire({
      type: "ManualStop",
      notification: { code: 6, subcode: 2, data: new Uint8Array([2, 104, 105]) },
      reason: "shutdown",
      retainRoutes: false,
    });
    const sent = find(r.last, "sendNotification")[0].notification;
    expect(sent.code).toBe(6);
    expect(sent.subcode).toBe(9);
    expect([...sent.data]).toEqual([6, 2, 2, 104, 105]);
    expect(bgpState(r.state)).toBe("Idle");
  });

  it("RFC 8538 §5, per Cease subcode we send: Hard Reset (both sides flush) or graceful restart (both keep)", () => {
    // subcode → sent as Hard Reset with the N bit
    const table: [number, boolean][] = [
      [1, true], // Maximum Number of Prefixes Reached
      [2, true], // Administrative Shutdown
      [3, true], // Peer De-configured
      [4, true], // Administrative Reset ("provide user control": FRR's default, hard)
      [5, false], // Connection Rejected
      [6, false], // Other Configuration Change
      [7, false], // Connection Collision Resolution
      [8, false], // Out of Resources
      [10, false], // BFD Down
    ];
    for (const [subcode, hard] of table) {
      const data = new Uint8Array([1, 2, 3]);
      // as the RIB asks (max-prefix, RFC 7606, Out of Resources) and as the configuration stops
      for (const how of ["Reset", "ManualStop"] as const) {
        const r = new Runner();
        r.establish(grOpen(true));
        const notification = { code: 6, subcode, data };
        if (how === "Reset")
          r.fire({ type: "Reset", notification, kind: "error", holdDownSeconds: 30, reason: "x" });
        else r.fire({ type: "ManualStop", notification, reason: "x", retainRoutes: false });
        const sent = find(r.last, "sendNotification")[0].notification;
        const what = `${how} Cease/${subcode}`;
        expect([sent.code, sent.subcode, ...sent.data], what).toEqual(
          hard ? [6, 9, 6, subcode, 1, 2, 3] : [6, subcode, 1, 2, 3],
        );
        expect(find(r.last, "sessionDown")[0].retainRoutes, what).toBe(!hard);
      }
      // without the N bit: sent as it is, and a NOTIFICATION always ends graceful restart
      const plain = new Runner();
      plain.establish(grOpen(false));
      plain.fire({
        type: "Reset",
        notification: { code: 6, subcode, data },
        kind: "error",
        holdDownSeconds: null,
        reason: "x",
      });
      expect(find(plain.last, "sendNotification")[0].notification.subcode).toBe(subcode);
      expect(find(plain.last, "sessionDown")[0].retainRoutes).toBe(false);
    }
  });

  it("max-prefix with the N bit: Hard Reset carrying Cease/1 and its AFI/SAFI/limit data, routes flushed", () => {
    const r = new Runner();
    r.establish(grOpen(true));
    const data = new Uint8Array([0, 1, 1, 0, 0, 0, 2]);
    r.fire({
      type: "Reset",
      notification: { code: 6, subcode: 1, data },
      kind: "error",
      holdDownSeconds: 30,
      reason: "maximum prefix count 2 exceeded",
    });
    const sent = find(r.last, "sendNotification")[0].notification;
    expect([sent.code, sent.subcode, ...sent.data]).toEqual([6, 9, 6, 1, ...data]);
    expect(find(r.last, "sessionDown")[0].retainRoutes).toBe(false);
    expect(find(r.last, "startTimer").find((t) => t.timer === "idleHold")?.seconds).toBe(30);
  });

  it("an UPDATE error we send keeps the routes with the N bit (not a Hard Reset)", () => {
    const r = new Runner();
    r.establish(grOpen(true));
    r.fire({
      type: "MessageError",
      connId: 1,
      notification: { code: 3, subcode: 1, data: new Uint8Array(0) },
      reason: "bad attribute list",
    });
    expect(find(r.last, "sendNotification")[0].notification.code).toBe(3);
    expect(find(r.last, "sessionDown")[0].retainRoutes).toBe(true);
  });

  it("a graceful stop closes without NOTIFICATION", () => {
    const r = new Runner();
    r.establish(grOpen(true));
    r.fire({
      type: "ManualStop",
      notification: null,
      reason: "graceful restart",
      retainRoutes: true,
    });
    expect(r.types()).toEqual([
      "close",
      "sessionDown",
      "stopTimer",
      "stopTimer",
      "stopTimer",
      "stateChange",
    ]);
  });

  it("sets the R bit in OPENs after our restart until RestartDone, also after a session flapped", () => {
    const rBit = (actions: readonly FsmAction[]) =>
      find(actions, "sendOpen")[0].open.capabilities.find((c) => c.type === "gracefulRestart");
    const r = new Runner(config(), true);
    r.fire({ type: "ManualStart" }, { type: "TcpCrAcked", connId: 1, ...addrs });
    expect(rBit(r.last)).toMatchObject({ restarting: true, notification: true });
    r.fire({ type: "BGPOpen", connId: 1, open: peerOpen() }, { type: "KeepAliveMsg", connId: 1 });
    expect(bgpState(r.state)).toBe("Established");
    // the session drops before our routing converged: the next OPEN still says we restarted
    r.fire({ type: "TcpConnectionFails", connId: 1, error: "Connection reset by peer" });
    r.fire({ type: "TimerExpired", timer: "connectRetry", connId: null });
    r.fire({ type: "TcpCrAcked", connId: 2, ...addrs });
    expect(rBit(r.last)).toMatchObject({ restarting: true });
    r.fire({ type: "RestartDone" });
    expect(r.last).toEqual([]);
    r.fire({ type: "TcpConnectionFails", connId: 2, error: "Connection reset by peer" });
    r.fire({ type: "TimerExpired", timer: "connectRetry", connId: null });
    r.fire({ type: "TcpCrAcked", connId: 3, ...addrs });
    expect(rBit(r.last)).toMatchObject({ restarting: false });
  });
});

describe("FSM: stale events and edge cases", () => {
  it("ignores timer and socket events of connections that are gone", () => {
    const r = new Runner();
    r.establish();
    const before = r.state;
    for (const e of [
      { type: "TimerExpired", timer: "hold", connId: 99 },
      { type: "TimerExpired", timer: "keepalive", connId: 99 },
      { type: "TcpConnectionFails", connId: 99, error: "x" },
      { type: "KeepAliveMsg", connId: 99 },
      { type: "UpdateMsg", connId: 99 },
    ] as const) {
      r.fire(e);
      expect(r.last).toEqual([]);
    }
    expect(r.state).toEqual(before);
  });

  it("ManualStop while dialling drops the attempt without a NOTIFICATION", () => {
    const r = new Runner();
    r.fire({ type: "ManualStart" });
    r.fire({
      type: "ManualStop",
      notification: { code: 6, subcode: 2, data: new Uint8Array(0) },
      reason: "shutdown",
      retainRoutes: false,
    });
    expect(find(r.last, "sendNotification")).toEqual([]);
    expect(find(r.last, "close")[0].connId).toBe(1);
    expect(bgpState(r.state)).toBe("Idle");
    r.fire({ type: "TcpConnectionConfirmed", ...addrs });
    expect(find(r.last, "refuse")).toHaveLength(1);
  });

  it("a passive peer leaves idle hold back to Active without dialling", () => {
    const r = new Runner(config({ passive: true }));
    r.fire({ type: "ManualStart" }, { type: "TcpConnectionConfirmed", ...addrs });
    r.fire({ type: "BGPOpen", connId: 1, open: peerOpen({ holdTime: 1 }) });
    expect(bgpState(r.state)).toBe("Idle");
    r.fire({ type: "TimerExpired", timer: "idleHold", connId: null });
    expect(bgpState(r.state)).toBe("Active");
    expect(find(r.last, "connect")).toEqual([]);
  });

  it("a new incoming connection replaces an older one that has not reached Established", () => {
    const r = new Runner(config({ passive: true }));
    r.fire({ type: "ManualStart" }, { type: "TcpConnectionConfirmed", ...addrs });
    r.fire({ type: "TcpConnectionConfirmed", ...addrs });
    expect(find(r.last, "close")[0].connId).toBe(1);
    expect(r.state.conns.map((c) => c.id)).toEqual([2]);
  });

  it("losing a connection in OpenSent goes back to Active and keeps dialling", () => {
    const r = new Runner();
    r.fire({ type: "ManualStart" }, { type: "TcpCrAcked", connId: 1, ...addrs });
    r.fire({ type: "TcpConnectionFails", connId: 1, error: "Connection reset by peer" });
    expect(stateInfo(r.state)).toBe("Active Socket: Connection reset by peer");
    expect(find(r.last, "startTimer")[0].timer).toBe("connectRetry");
  });
});
