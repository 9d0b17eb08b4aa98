// RFC 7606 (revised UPDATE error handling), case by case: each malformed input with the action
// the receiver must take and the NOTIFICATION code/subcode that goes with it (sent for session
// reset, logged otherwise). §3 general rules, §4 attribute lengths, §5.3 NLRI, §7 per attribute,
// RFC 6793 §6 for AS4_*, RFC 8092 §6 for LARGE_COMMUNITY.
import { describe, expect, it } from "vitest";
import {
  BgpError,
  type CodecContext,
  type DecodedUpdate,
  decodeUpdate,
  type ErrorAction,
  makeContext,
  type PathAttributes,
} from "../../../../src/bgp/wire/index.js";
import {
  AS_PATH_2,
  AS_PATH_4,
  attr,
  MANDATORY_2,
  MANDATORY_4,
  NEXT_HOP,
  NLRI_24,
  ORIGIN_IGP,
  updateBody,
} from "./helpers/build.js";

const TWO = makeContext();
const FOUR = makeContext({ as4: true });
const EBGP = makeContext({ ebgp: true });
const MP_V6_OK = attr(0x90, 14, "0002 01 10 20010db8000000000000000000000001 00 30 20010db80001");

interface Case {
  name: string;
  ctx?: CodecContext;
  body: Uint8Array;
  /** Session reset: decodeUpdate throws this NOTIFICATION. */
  reset?: [number, number];
  /** Non-fatal: strongest action, and the code/subcode of the error with that action. */
  action?: ErrorAction;
  notification?: [number, number];
  /** Attribute field that must be absent (discarded) or present afterwards. */
  absent?: keyof PathAttributes;
  present?: keyof PathAttributes;
}

const cases: Case[] = [
  // §7.1 ORIGIN
  {
    name: "ORIGIN length 2",
    body: updateBody({ attrs: [attr(0x40, 1, "0000"), AS_PATH_2, NEXT_HOP], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 5],
  },
  {
    name: "ORIGIN value 3",
    body: updateBody({ attrs: [attr(0x40, 1, "03"), AS_PATH_2, NEXT_HOP], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 6],
  },
  {
    name: "ORIGIN flagged optional",
    body: updateBody({ attrs: [attr(0xc0, 1, "00"), AS_PATH_2, NEXT_HOP], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 4],
  },
  // §7.2 AS_PATH
  {
    name: "AS_PATH segment overruns",
    body: updateBody({
      attrs: [ORIGIN_IGP, attr(0x40, 2, "0203 fde8 fde9"), NEXT_HOP],
      nlri: NLRI_24,
    }),
    action: "treat-as-withdraw",
    notification: [3, 11],
  },
  {
    name: "AS_PATH segment of zero ASes",
    body: updateBody({ attrs: [ORIGIN_IGP, attr(0x40, 2, "0200"), NEXT_HOP], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 11],
  },
  {
    name: "AS_PATH unknown segment type",
    body: updateBody({ attrs: [ORIGIN_IGP, attr(0x40, 2, "0501 fde8"), NEXT_HOP], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 11],
  },
  {
    name: "AS_PATH 4-octet on a 2-octet session",
    body: updateBody({ attrs: [ORIGIN_IGP, AS_PATH_4, NEXT_HOP], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 11],
  },
  {
    name: "AS_PATH 2-octet on a 4-octet session",
    ctx: FOUR,
    body: updateBody({
      attrs: [ORIGIN_IGP, attr(0x40, 2, "0202 fde8 fde9"), NEXT_HOP],
      nlri: NLRI_24,
    }),
    action: "treat-as-withdraw",
    notification: [3, 11],
  },
  // §7.3 NEXT_HOP
  {
    name: "NEXT_HOP length 5",
    body: updateBody({
      attrs: [ORIGIN_IGP, AS_PATH_2, attr(0x40, 3, "c000020101")],
      nlri: NLRI_24,
    }),
    action: "treat-as-withdraw",
    notification: [3, 5],
  },
  {
    name: "NEXT_HOP 0.0.0.0",
    body: updateBody({ attrs: [ORIGIN_IGP, AS_PATH_2, attr(0x40, 3, "00000000")], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 8],
  },
  {
    name: "NEXT_HOP multicast",
    body: updateBody({ attrs: [ORIGIN_IGP, AS_PATH_2, attr(0x40, 3, "e0000001")], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 8],
  },
  // §7.4 MULTI_EXIT_DISC
  {
    name: "MULTI_EXIT_DISC length 3",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0x80, 4, "000001")], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 5],
  },
  {
    name: "MULTI_EXIT_DISC flagged well-known",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0x40, 4, "00000001")], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 4],
  },
  // §7.5 LOCAL_PREF
  {
    name: "LOCAL_PREF from an external peer",
    ctx: EBGP,
    body: updateBody({ attrs: [...MANDATORY_2, attr(0x40, 5, "00000064")], nlri: NLRI_24 }),
    action: "attribute-discard",
    notification: [3, 0],
    absent: "localPref",
    present: "nextHop",
  },
  {
    name: "LOCAL_PREF length 2 from an internal peer",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0x40, 5, "0064")], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 5],
  },
  // §7.6 ATOMIC_AGGREGATE
  {
    name: "ATOMIC_AGGREGATE length 1",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0x40, 6, "00")], nlri: NLRI_24 }),
    action: "attribute-discard",
    notification: [3, 5],
    absent: "atomicAggregate",
    present: "origin",
  },
  {
    name: "ATOMIC_AGGREGATE flagged optional",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0xc0, 6, "")], nlri: NLRI_24 }),
    action: "attribute-discard",
    notification: [3, 4],
    absent: "atomicAggregate",
  },
  // §7.7 AGGREGATOR
  {
    name: "AGGREGATOR length 8 on a 2-octet session",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0xc0, 7, "0000fde8c0000201")], nlri: NLRI_24 }),
    action: "attribute-discard",
    notification: [3, 5],
    absent: "aggregator",
  },
  {
    name: "AGGREGATOR length 6 on a 4-octet session",
    ctx: FOUR,
    body: updateBody({ attrs: [...MANDATORY_4, attr(0xc0, 7, "fde8c0000201")], nlri: NLRI_24 }),
    action: "attribute-discard",
    notification: [3, 5],
    absent: "aggregator",
  },
  {
    name: "AGGREGATOR AS 0 (RFC 7607)",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0xc0, 7, "0000c0000201")], nlri: NLRI_24 }),
    action: "attribute-discard",
    notification: [3, 9],
    absent: "aggregator",
  },
  // §7.8 COMMUNITIES
  {
    name: "COMMUNITIES length 0",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0xc0, 8, "")], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 5],
  },
  {
    name: "COMMUNITIES length 5",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0xc0, 8, "fde8000101")], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 5],
  },
  // §7.9 ORIGINATOR_ID, §7.10 CLUSTER_LIST
  {
    name: "ORIGINATOR_ID length 5",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0x80, 9, "0a00000101")], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 5],
  },
  {
    name: "CLUSTER_LIST length 6",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0x80, 10, "0a0000010a00")], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 5],
  },
  {
    name: "CLUSTER_LIST length 0",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0x80, 10, "")], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 5],
  },
  // §7.11 MP_REACH_NLRI, §7.12 MP_UNREACH_NLRI, §5.3
  {
    name: "MP_REACH_NLRI too short for AFI/SAFI",
    body: updateBody({ attrs: [ORIGIN_IGP, AS_PATH_2, attr(0x80, 14, "0002")] }),
    reset: [3, 5],
  },
  {
    name: "MP_REACH_NLRI next hop length 4 for IPv6",
    body: updateBody({
      attrs: [attr(0x80, 14, "0002 01 04 c0000201 00 30 20010db80001"), ORIGIN_IGP, AS_PATH_2],
    }),
    action: "afi-safi-disable",
    notification: [3, 9],
  },
  {
    name: "MP_REACH_NLRI next hop runs past the attribute",
    body: updateBody({ attrs: [attr(0x80, 14, "0002 01 20 20010db8")] }),
    action: "afi-safi-disable",
    notification: [3, 9],
  },
  {
    name: "MP_REACH_NLRI prefix length 129",
    body: updateBody({
      attrs: [
        attr(
          0x90,
          14,
          "0002 01 10 20010db8000000000000000000000001 00 81 20010db8000100000000000000000000ff",
        ),
        ORIGIN_IGP,
        AS_PATH_2,
      ],
    }),
    action: "afi-safi-disable",
    notification: [3, 9],
  },
  {
    name: "MP_REACH_NLRI flagged transitive",
    body: updateBody({
      attrs: [
        attr(0xd0, 14, "0002 01 10 20010db8000000000000000000000001 00 30 20010db80001"),
        ORIGIN_IGP,
        AS_PATH_2,
      ],
    }),
    action: "afi-safi-disable",
    notification: [3, 4],
  },
  {
    name: "MP_REACH_NLRI twice",
    body: updateBody({ attrs: [MP_V6_OK, MP_V6_OK, ORIGIN_IGP, AS_PATH_2] }),
    reset: [3, 1],
  },
  {
    name: "MP_UNREACH_NLRI twice",
    body: updateBody({ attrs: [attr(0x80, 15, "000201"), attr(0x80, 15, "000201")] }),
    reset: [3, 1],
  },
  {
    name: "MP_UNREACH_NLRI prefix runs past the attribute",
    body: updateBody({ attrs: [attr(0x80, 15, "000201 40 20010db8")] }),
    action: "afi-safi-disable",
    notification: [3, 9],
  },
  {
    name: "MP_UNREACH_NLRI too short for AFI/SAFI",
    body: updateBody({ attrs: [attr(0x80, 15, "0002")] }),
    reset: [3, 5],
  },
  // §7.14 EXTENDED_COMMUNITIES, RFC 8092 §6 LARGE_COMMUNITY
  {
    name: "EXTENDED_COMMUNITIES length 7",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0xc0, 16, "0002fde8000000")], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 5],
  },
  {
    name: "LARGE_COMMUNITY length 13",
    body: updateBody({
      attrs: [...MANDATORY_2, attr(0xc0, 32, "0000fde8000000010000000200")],
      nlri: NLRI_24,
    }),
    action: "treat-as-withdraw",
    notification: [3, 5],
  },
  {
    name: "LARGE_COMMUNITY length 0",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0xc0, 32, "")], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 5],
  },
  // RFC 6793 §6 AS4_PATH / AS4_AGGREGATOR
  {
    name: "AS4_PATH with a zero-length segment",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0xc0, 17, "0200")], nlri: NLRI_24 }),
    action: "attribute-discard",
    notification: [3, 9],
    absent: "as4Path",
    present: "asPath",
  },
  {
    name: "AS4_AGGREGATOR length 6",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0xc0, 18, "fde8c0000201")], nlri: NLRI_24 }),
    action: "attribute-discard",
    notification: [3, 5],
    absent: "as4Aggregator",
  },
  // §3 general rules
  {
    name: "ORIGIN twice: later copy discarded",
    body: updateBody({
      attrs: [ORIGIN_IGP, attr(0x40, 1, "02"), AS_PATH_2, NEXT_HOP],
      nlri: NLRI_24,
    }),
    action: "attribute-discard",
    notification: [3, 1],
    present: "origin",
  },
  {
    name: "ORIGIN missing while NLRI present",
    body: updateBody({ attrs: [AS_PATH_2, NEXT_HOP], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 3],
  },
  {
    name: "AS_PATH missing while MP_REACH_NLRI carries NLRI",
    body: updateBody({ attrs: [MP_V6_OK, ORIGIN_IGP] }),
    action: "treat-as-withdraw",
    notification: [3, 3],
  },
  {
    name: "NEXT_HOP missing with IPv4 NLRI",
    body: updateBody({ attrs: [ORIGIN_IGP, AS_PATH_2], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 3],
  },
  {
    name: "unrecognized well-known attribute",
    body: updateBody({ attrs: [...MANDATORY_2, attr(0x40, 99, "00")], nlri: NLRI_24 }),
    reset: [3, 2],
  },
  // §4 attribute lengths against the Total Path Attribute Length
  {
    name: "attribute length runs past the path attributes",
    body: updateBody({
      attrs: [ORIGIN_IGP, AS_PATH_2, attr(0x40, 3, "c0000201", 9)],
      nlri: NLRI_24,
    }),
    action: "treat-as-withdraw",
    notification: [3, 5],
  },
  {
    name: "too few octets left for an attribute header",
    body: updateBody({ attrs: [...MANDATORY_2, "4001"], nlri: NLRI_24 }),
    action: "treat-as-withdraw",
    notification: [3, 1],
  },
  {
    name: "Total Path Attribute Length runs past the message",
    body: Uint8Array.of(0, 0, 0, 40, 0x40, 1, 1, 0),
    reset: [3, 1],
  },
  {
    name: "Withdrawn Routes Length runs past the message",
    body: Uint8Array.of(0, 9, 24, 10, 0, 0),
    reset: [3, 1],
  },
  // §5.3 NLRI and Withdrawn Routes fields
  {
    name: "NLRI prefix length 33",
    body: updateBody({ attrs: MANDATORY_2, nlri: "21 0a000000ff" }),
    reset: [3, 10],
  },
  {
    name: "NLRI prefix runs past the message",
    body: updateBody({ attrs: MANDATORY_2, nlri: "18 0a00" }),
    reset: [3, 10],
  },
  {
    name: "Withdrawn Routes prefix runs past the field",
    body: updateBody({ withdrawn: "20 0a0000" }),
    reset: [3, 10],
  },
  // §3: the strongest action wins
  {
    name: "attribute discard and treat-as-withdraw together",
    body: updateBody({
      attrs: [...MANDATORY_2, attr(0x40, 6, "00"), attr(0xc0, 8, "00")],
      nlri: NLRI_24,
    }),
    action: "treat-as-withdraw",
    notification: [3, 5],
    absent: "atomicAggregate",
  },
];

describe("RFC 7606 error handling, attribute by attribute", () => {
  for (const c of cases) {
    it(`${c.name} → ${c.reset ? `session reset ${c.reset.join("/")}` : `${c.action} ${c.notification?.join("/")}`}`, () => {
      const ctx = c.ctx ?? TWO;
      if (c.reset) {
        let thrown: unknown;
        try {
          decodeUpdate(c.body, ctx);
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toBeInstanceOf(BgpError);
        const e = thrown as BgpError;
        expect(e.action).toBe("session-reset");
        expect([e.notification.code, e.notification.subcode]).toEqual(c.reset);
        return;
      }
      const d: DecodedUpdate = decodeUpdate(c.body, ctx);
      expect(d.action).toBe(c.action);
      const strongest = d.errors.filter((e) => e.action === c.action);
      expect(strongest.map((e) => [e.notification.code, e.notification.subcode])).toContainEqual(
        c.notification,
      );
      if (c.absent) expect(d.update.attributes[c.absent]).toBeUndefined();
      if (c.present) expect(d.update.attributes[c.present]).toBeDefined();
    });
  }

  it("treat-as-withdraw keeps the NLRI so the receiver can withdraw it", () => {
    const d = decodeUpdate(
      updateBody({ attrs: [attr(0x40, 1, "07"), AS_PATH_2, NEXT_HOP], nlri: NLRI_24 }),
      TWO,
    );
    expect(d.action).toBe("treat-as-withdraw");
    expect(d.update.nlri.count).toBe(1);
  });

  it("AFI/SAFI disable names the family and leaves the IPv4 part of the message usable", () => {
    const d = decodeUpdate(
      updateBody({
        attrs: [attr(0x80, 14, "0002 01 04 c0000201 00"), ...MANDATORY_2],
        nlri: NLRI_24,
      }),
      TWO,
    );
    expect(d.action).toBe("afi-safi-disable");
    expect(d.errors[0].afiSafi).toBe("ipv6-unicast");
    expect(d.update.nlri.count).toBe(1);
    expect(d.update.attributes.nextHop).toBe("192.0.2.1");
  });

  it("a well-formed UPDATE has no errors, and an UPDATE without NLRI needs no mandatory attributes", () => {
    expect(decodeUpdate(updateBody({ attrs: MANDATORY_2, nlri: NLRI_24 }), TWO).errors).toEqual([]);
    expect(decodeUpdate(updateBody({ withdrawn: NLRI_24 }), TWO).errors).toEqual([]);
    expect(
      decodeUpdate(updateBody({ attrs: [attr(0x80, 15, "000201 30 20010db80001")] }), TWO).errors,
    ).toEqual([]);
  });

  it("the session-reset NOTIFICATION for an unrecognized well-known attribute carries the attribute", () => {
    try {
      decodeUpdate(
        updateBody({ attrs: [...MANDATORY_2, attr(0x40, 99, "0102")], nlri: NLRI_24 }),
        TWO,
      );
      expect.unreachable();
    } catch (err) {
      expect((err as BgpError).notification.data).toEqual(Uint8Array.of(0x40, 99, 2, 1, 2));
      expect((err as BgpError).code).toBe("ERR_BGP_UPDATE_UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE");
    }
  });

  it("missing well-known attribute errors carry the missing type code", () => {
    const d = decodeUpdate(updateBody({ attrs: [AS_PATH_2, NEXT_HOP], nlri: NLRI_24 }), TWO);
    expect(d.errors[0].notification.data).toEqual(Uint8Array.of(1));
  });
});
