// fast-check arbitraries for valid BGP messages of every type and for codec contexts, plus the
// value a message is expected to decode back to on a given session (RFC 6793 adds AS4_PATH /
// AS4_AGGREGATOR on 2-octet sessions).
import fc from "fast-check";
import {
  AS_TRANS,
  type AsPathSegment,
  type Capability,
  type CodecContext,
  makeContext,
  NlriBuilder,
  type NlriList,
  type NotificationMessage,
  type OpenMessage,
  type PathAttributes,
  type RouteRefreshMessage,
  type UpdateMessage,
} from "../../../../../src/bgp/wire/index.js";
import type { AfiSafiName, Family } from "../../../../../src/common/contracts/families.js";
import { formatIPv4, formatIPv6 } from "../../../../../src/common/ip/address.js";

export const contextArb: fc.Arbitrary<CodecContext> = fc
  .record({
    as4: fc.boolean(),
    addPath: fc.subarray<AfiSafiName>(["ipv4-unicast", "ipv6-unicast"]),
    extendedMessage: fc.boolean(),
  })
  .map((c) => makeContext(c));

const u32 = fc.integer({ min: 0, max: 0xffffffff });

export function nlriArb(
  family: Family,
  withPathIds: boolean,
  maxLength: number,
): fc.Arbitrary<NlriList> {
  const width = family === "ipv4" ? 4 : 16;
  return fc
    .array(
      fc.record({
        length: fc.integer({ min: 0, max: width * 8 }),
        bytes: fc.uint8Array({ minLength: width, maxLength: width }),
        pathId: u32,
      }),
      { maxLength },
    )
    .map((entries) => {
      const b = new NlriBuilder(family, withPathIds, entries.length);
      for (const e of entries) b.append(e.bytes, e.length, withPathIds ? e.pathId : undefined);
      return b.build();
    });
}

const ipv4Arb = u32.map(formatIPv4);
/** A host address usable as NEXT_HOP: not 0/8, 127/8 or 224/4 and above. */
const nextHopArb = fc
  .tuple(
    fc.integer({ min: 1, max: 223 }).filter((a) => a !== 127),
    fc.integer({ min: 0, max: 0xffffff }),
  )
  .map(([a, rest]) => formatIPv4(((a << 24) >>> 0) + rest));
const ipv6Arb = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIPv6(b));
const linkLocalArb = fc.uint8Array({ minLength: 8, maxLength: 8 }).map((tail) => {
  const b = new Uint8Array(16);
  b[0] = 0xfe;
  b[1] = 0x80;
  b.set(tail, 8);
  return formatIPv6(b);
});

const asn2 = fc.integer({ min: 1, max: 65535 }).filter((a) => a !== AS_TRANS);
const asn4 = fc.oneof(asn2, fc.integer({ min: 65536, max: 0xffffffff }));

function segmentArb(
  type: AsPathSegment["type"],
  asn: fc.Arbitrary<number>,
): fc.Arbitrary<AsPathSegment> {
  return fc.array(asn, { minLength: 1, maxLength: 10 }).map((asns) => ({ type, asns }));
}

/**
 * AS paths as real speakers build them: confederation segments in front, then sequences and
 * sets with no two sequences side by side (those would be one segment).
 */
function asPathArb(): fc.Arbitrary<AsPathSegment[]> {
  const confed = fc.array(
    fc.oneof(segmentArb("confedSequence", asn2), segmentArb("confedSet", asn2)),
    { maxLength: 2 },
  );
  const main = fc
    .array(fc.oneof(segmentArb("sequence", asn4), segmentArb("set", asn4)), { maxLength: 4 })
    .filter((segs) =>
      segs.every((s, i) => i === 0 || !(s.type === "sequence" && segs[i - 1].type === "sequence")),
    );
  return fc.tuple(confed, main).map(([c, m]) => [...c, ...m]);
}

const KNOWN_ATTRS = new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32]);

function attributesArb(ctx: CodecContext): fc.Arbitrary<PathAttributes> {
  const v6AddPath = ctx.addPath.includes("ipv6-unicast");
  return fc
    .record(
      {
        origin: fc.constantFrom("igp", "egp", "incomplete"),
        asPath: asPathArb(),
        nextHop: nextHopArb,
        med: u32,
        localPref: u32,
        atomicAggregate: fc.constant(true),
        aggregator: fc.record({ asn: asn4, address: ipv4Arb }),
        communities: fc.array(u32, { minLength: 1, maxLength: 10 }),
        originatorId: ipv4Arb,
        clusterList: fc.array(ipv4Arb, { minLength: 1, maxLength: 5 }),
        mpReach: fc.record({
          afi: fc.constant(2),
          safi: fc.constant(1),
          nextHops: fc.oneof(fc.tuple(ipv6Arb), fc.tuple(ipv6Arb, linkLocalArb)),
          nlri: nlriArb("ipv6", v6AddPath, 20),
        }),
        mpUnreach: fc.record({
          afi: fc.constant(2),
          safi: fc.constant(1),
          withdrawn: nlriArb("ipv6", v6AddPath, 20),
        }),
        extendedCommunities: fc.array(
          fc.record({
            type: fc.integer({ min: 0, max: 255 }),
            subtype: fc.integer({ min: 0, max: 255 }),
            value: fc.uint8Array({ minLength: 6, maxLength: 6 }),
          }),
          { minLength: 1, maxLength: 10 },
        ),
        largeCommunities: fc.array(fc.tuple(u32, u32, u32), { minLength: 1, maxLength: 10 }),
        unknown: fc.uniqueArray(
          fc.record({
            flags: fc.constant(0xe0),
            code: fc.integer({ min: 11, max: 255 }).filter((c) => !KNOWN_ATTRS.has(c)),
            value: fc.uint8Array({ maxLength: 20 }),
          }),
          { selector: (u) => u.code, minLength: 1, maxLength: 5 },
        ),
      },
      { requiredKeys: [] },
    )
    .map((a) => {
      const out = { ...a } as PathAttributes & { unknown?: PathAttributes["unknown"] };
      if (out.unknown)
        (out as { unknown: unknown[] }).unknown = [...out.unknown].sort((x, y) => x.code - y.code);
      return out as PathAttributes;
    })
    .filter((a) => {
      // RFC 6793 §4.2.3: a 2-octet AGGREGATOR makes the receiver ignore AS4_PATH.
      if (ctx.as4 || a.aggregator === undefined || a.aggregator.asn > 0xffff) return true;
      return !(a.asPath ?? []).some((s) => s.asns.some((x) => x > 0xffff));
    });
}

export const updateArb: fc.Arbitrary<{ ctx: CodecContext; update: UpdateMessage }> =
  contextArb.chain((ctx) => {
    const v4AddPath = ctx.addPath.includes("ipv4-unicast");
    return fc
      .record({
        withdrawn: nlriArb("ipv4", v4AddPath, 30),
        nlri: nlriArb("ipv4", v4AddPath, 30),
        attributes: attributesArb(ctx),
      })
      .map((u) => ({ ctx, update: { type: "UPDATE" as const, ...u } }));
  });

/** What `update` decodes back to on the session `ctx` (2-octet sessions gain AS4_*). */
export function expectedAfterRoundTrip(update: UpdateMessage, ctx: CodecContext): UpdateMessage {
  if (ctx.as4) return update;
  const a = { ...update.attributes } as {
    -readonly [K in keyof PathAttributes]: PathAttributes[K];
  };
  if (a.asPath?.some((s) => s.asns.some((x) => x > 0xffff))) {
    a.as4Path = a.asPath.filter((s) => s.type === "sequence" || s.type === "set");
  }
  if (a.aggregator !== undefined && a.aggregator.asn > 0xffff)
    a.as4Aggregator = { ...a.aggregator };
  return { ...update, attributes: a };
}

const nameArb = fc.string({
  unit: fc.constantFrom("a", "z", "0", "-", ".", "é", "✓", "日", "🙂"),
  maxLength: 20,
});

export const capabilityArb: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({
    type: fc.constant("multiprotocol" as const),
    afi: fc.integer({ min: 0, max: 0xffff }),
    safi: fc.integer({ min: 0, max: 255 }),
  }),
  fc.constantFrom<Capability>(
    { type: "routeRefresh" },
    { type: "routeRefreshCisco" },
    { type: "enhancedRouteRefresh" },
    { type: "extendedMessage" },
  ),
  fc.record({
    type: fc.constant("fourOctetAs" as const),
    asn: fc.integer({ min: 1, max: 0xffffffff }),
  }),
  fc.record({
    type: fc.constant("gracefulRestart" as const),
    restarting: fc.boolean(),
    notification: fc.boolean(),
    restartTime: fc.integer({ min: 0, max: 4095 }),
    families: fc.array(
      fc.record({
        afi: fc.integer({ min: 0, max: 0xffff }),
        safi: fc.integer({ min: 0, max: 255 }),
        forwarding: fc.boolean(),
      }),
      { maxLength: 4 },
    ),
  }),
  fc.record({
    type: fc.constant("addPath" as const),
    families: fc.array(
      fc.record({
        afi: fc.integer({ min: 0, max: 0xffff }),
        safi: fc.integer({ min: 0, max: 255 }),
        direction: fc.constantFrom("receive" as const, "send" as const, "both" as const),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  }),
  fc.record({
    type: fc.constant("extendedNextHop" as const),
    entries: fc.array(
      fc.record({
        afi: fc.integer({ min: 0, max: 0xffff }),
        safi: fc.integer({ min: 0, max: 0xffff }),
        nextHopAfi: fc.integer({ min: 0, max: 0xffff }),
      }),
      { minLength: 1, maxLength: 4 },
    ),
  }),
  fc.record({ type: fc.constant("fqdn" as const), hostname: nameArb, domain: nameArb }),
  fc.record({
    type: fc.constant("unknown" as const),
    code: fc
      .integer({ min: 0, max: 255 })
      .filter((c) => ![1, 2, 5, 6, 64, 65, 69, 70, 73, 128].includes(c)),
    value: fc.uint8Array({ maxLength: 20 }),
  }),
);

export const openArb: fc.Arbitrary<OpenMessage> = fc.record({
  type: fc.constant("OPEN" as const),
  version: fc.constant(4),
  myAs: fc.integer({ min: 1, max: 0xffff }),
  holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 0xffff })),
  bgpId: fc.integer({ min: 1, max: 0xffffffff }).map(formatIPv4),
  capabilities: fc.array(capabilityArb, { maxLength: 12 }),
  otherParameters: fc.constant([]),
});

export const notificationArb: fc.Arbitrary<NotificationMessage> = fc.record({
  type: fc.constant("NOTIFICATION" as const),
  code: fc.integer({ min: 0, max: 255 }),
  subcode: fc.integer({ min: 0, max: 255 }),
  data: fc.uint8Array({ maxLength: 64 }),
});

export const routeRefreshArb: fc.Arbitrary<RouteRefreshMessage> = fc.oneof(
  fc.record({
    type: fc.constant("ROUTE-REFRESH" as const),
    afi: fc.integer({ min: 0, max: 0xffff }),
    safi: fc.integer({ min: 0, max: 255 }),
    subtype: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({
    type: fc.constant("ROUTE-REFRESH" as const),
    afi: fc.integer({ min: 0, max: 0xffff }),
    safi: fc.integer({ min: 0, max: 255 }),
    subtype: fc.constant(0),
    orfEntries: fc.uint8Array({ minLength: 1, maxLength: 30 }),
  }),
);
