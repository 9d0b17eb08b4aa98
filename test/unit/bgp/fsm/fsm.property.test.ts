// Property tests: any sequence of events keeps the FSM's invariants and never throws.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type FsmEvent,
  type FsmState,
  initialState,
  step,
  type TimerName,
} from "../../../../src/bgp/fsm/index.js";
import { config, grCap, peerOpen } from "./helpers.js";

const addrs = { localAddress: "10.0.0.1", remoteAddress: "10.0.0.2" };
const timers: TimerName[] = [
  "connectRetry",
  "idleHold",
  "errorForget",
  "delayOpen",
  "hold",
  "keepalive",
];
const notif = (code: number, subcode: number) => ({ code, subcode, data: new Uint8Array(0) });

const connId = fc.integer({ min: 1, max: 6 });
const event: fc.Arbitrary<FsmEvent> = fc.oneof(
  fc.constant<FsmEvent>({ type: "ManualStart" }),
  fc.record({
    type: fc.constant("ManualStop" as const),
    notification: fc.option(fc.constant(notif(6, 2)), { nil: null }),
    reason: fc.constant("stop"),
    retainRoutes: fc.boolean(),
  }),
  fc.record({
    type: fc.constant("Reset" as const),
    notification: fc.constant(notif(6, 1)),
    kind: fc.constantFrom("error" as const, "admin" as const),
    holdDownSeconds: fc.option(fc.integer({ min: 1, max: 60 }), { nil: null }),
    reason: fc.constant("reset"),
  }),
  fc.constant<FsmEvent>({ type: "TcpConnectionConfirmed", ...addrs }),
  connId.map((id): FsmEvent => ({ type: "TcpCrAcked", connId: id, ...addrs })),
  connId.map(
    (id): FsmEvent => ({
      type: "TcpConnectionFails",
      connId: id,
      error: "Connection reset by peer",
    }),
  ),
  fc.record({
    type: fc.constant("TimerExpired" as const),
    timer: fc.constantFrom(...timers),
    connId: fc.option(connId, { nil: null }),
  }),
  fc
    .tuple(
      connId,
      fc.constantFrom("10.0.0.2", "10.0.0.0", "0.0.0.0"),
      fc.constantFrom(0, 1, 3, 90),
      fc.boolean(),
      fc.constantFrom(65002, 65009),
    )
    .map(
      ([id, bgpId, holdTime, gr, as]): FsmEvent => ({
        type: "BGPOpen",
        connId: id,
        open: peerOpen({ bgpId, holdTime, myAs: as }, [
          { type: "multiprotocol", afi: 1, safi: 1 },
          { type: "fourOctetAs", asn: as },
          ...(gr ? [grCap(true)] : []),
        ]),
      }),
    ),
  connId.map(
    (id): FsmEvent => ({
      type: "MessageError",
      connId: id,
      notification: notif(3, 1),
      reason: "bad",
    }),
  ),
  fc
    .tuple(connId, fc.constantFrom(2, 6, 7, 9))
    .map(([id, sub]): FsmEvent => ({ type: "NotifMsg", connId: id, notification: notif(6, sub) })),
  connId.map((id): FsmEvent => ({ type: "KeepAliveMsg", connId: id })),
  connId.map((id): FsmEvent => ({ type: "UpdateMsg", connId: id })),
  connId.map((id): FsmEvent => ({ type: "RouteRefreshMsg", connId: id })),
);

function checkInvariants(s: FsmState): void {
  expect(s.conns.filter((c) => c.phase === "Established").length).toBeLessThanOrEqual(1);
  expect(s.conns.filter((c) => c.direction === "outbound").length).toBeLessThanOrEqual(1);
  expect(s.conns.filter((c) => c.direction === "inbound").length).toBeLessThanOrEqual(2);
  expect(new Set(s.conns.map((c) => c.id)).size).toBe(s.conns.length);
  if (!s.running) expect(s.conns).toEqual([]);
  if (s.idleHold) expect(s.conns).toEqual([]);
  for (const c of s.conns) {
    if (c.phase === "OpenConfirm" || c.phase === "Established") expect(c.negotiated).not.toBeNull();
  }
}

describe("FSM properties", () => {
  for (const passive of [false, true]) {
    it(`keeps its invariants under arbitrary event sequences (passive ${passive})`, () => {
      fc.assert(
        fc.property(fc.array(event, { maxLength: 60 }), (events) => {
          let s = initialState(config({ passive }));
          let ups = 0;
          let downs = 0;
          for (const e of events) {
            const r = step(s, e);
            s = r.state;
            checkInvariants(s);
            for (const a of r.actions) {
              if (a.type === "sessionUp") ups++;
              if (a.type === "sessionDown") downs++;
              if (a.type === "connect") expect(passive).toBe(false);
            }
            // every session that came up went down exactly once, or is still up
            const up = s.conns.some((c) => c.phase === "Established") ? 1 : 0;
            expect(ups - downs).toBe(up);
          }
        }),
        { numRuns: 400 },
      );
    });
  }
});
