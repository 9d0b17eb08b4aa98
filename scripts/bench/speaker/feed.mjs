// The speaker benchmark's table: deterministic IPv4 prefixes and attribute sets, encoded once into
// the UPDATE stream a feeder replays (RFC 4271 §4.3 UPDATEs, packed: every prefix of one
// attribute set in as few 4096-octet messages as fit, as BIRD, FRR and wren send a table).
//
// - Prefixes: a global non-overlapping sequence from 20.0.0.0 up, 85 % /24, 8 % /23, 5 % /22,
//   2 % /21, each aligned to its length. Feeder k of a case takes prefixes [k·count, (k+1)·count),
//   so ten feeders send ten distinct slices (bgperf2's prefix_num × neighbor_num).
// - Attribute sets: count/25 of them, at least 100 and at most 4,000 per feeder, with a skewed
//   size distribution (a few sets carry thousands of prefixes, most a handful); prefixes are
//   spread over the sets at random, so a set's prefixes are scattered over the address space as
//   in a real table. AS path = the feeder's AS + 1–5 hops from 300 ASes (a fifth 4-octet), ORIGIN
//   mostly IGP, MED on 30 %, 0–4 communities on half, a large community on 10 %; NEXT_HOP = the
//   feeder's address.
import { CTX, wire } from "./bgp-peer.mjs";

const FIRST = (20 << 24) >>> 0;

function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Prefix i of the global sequence for i in [from, to): { addrs: Uint32Array, lengths }. */
export function prefixSlice(from, to) {
  const rand = mulberry32(0x5eed5);
  const addrs = new Uint32Array(to - from);
  const lengths = new Uint8Array(to - from);
  let cursor = FIRST;
  for (let i = 0; i < to; i++) {
    const r = rand();
    const len = r < 0.85 ? 24 : r < 0.93 ? 23 : r < 0.98 ? 22 : 21;
    const size = 2 ** (32 - len);
    cursor = Math.ceil(cursor / size) * size;
    if (i >= from) {
      addrs[i - from] = cursor;
      lengths[i - from] = len;
    }
    cursor += size;
  }
  return { addrs, lengths };
}

/** Number of attribute sets for a feeder sending `count` prefixes. */
export const setsFor = (count) => Math.min(4000, Math.max(100, Math.round(count / 25)));

const ASNS = Array.from({ length: 300 }, (_, i) => (i % 5 === 0 ? 4200000000 + i : 2000 + i * 41));

function attributeSet(rand, feederAs, nextHop) {
  const hops = 1 + Math.floor(rand() * 5);
  const asns = [feederAs];
  for (let h = 0; h < hops; h++) asns.push(ASNS[Math.floor(rand() * ASNS.length)]);
  const attrs = {
    origin: rand() < 0.9 ? "igp" : "incomplete",
    asPath: [{ type: "sequence", asns }],
    nextHop,
  };
  if (rand() < 0.3) attrs.med = Math.floor(rand() * 1000);
  if (rand() < 0.5) {
    const n = 1 + Math.floor(rand() * 4);
    attrs.communities = Array.from(
      { length: n },
      () => (asns[1] % 65536) * 65536 + Math.floor(rand() * 1000),
    );
  }
  if (rand() < 0.1) attrs.largeCommunities = [[asns[asns.length - 1], 1, Math.floor(rand() * 100)]];
  return attrs;
}

/** Cumulative weights of a Zipf-like distribution over `n` sets (s = 0.9). */
function zipfCumulative(n) {
  const cum = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** 0.9;
    cum[i] = sum;
  }
  for (let i = 0; i < n; i++) cum[i] /= sum;
  return cum;
}

function pickSet(cum, r) {
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] < r) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The UPDATE stream of feeder `index` (0-based) sending `count` prefixes as AS `asn` with next
 * hop `nextHop`: { stream: Buffer of concatenated messages (End-of-RIB not included), messages,
 * sets, prefixes }.
 */
export function buildStream({ index, count, asn, nextHop }) {
  const { addrs, lengths } = prefixSlice(index * count, (index + 1) * count);
  const rand = mulberry32(0xfeed0000 + index);
  const nSets = setsFor(count);
  const cum = zipfCumulative(nSets);
  const members = Array.from({ length: nSets }, () => []);
  for (let i = 0; i < count; i++) members[pickSet(cum, rand())].push(i);
  const order = Array.from({ length: nSets }, (_, s) => s);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const messages = [];
  let used = 0;
  for (const s of order) {
    const attrs = attributeSet(rand, asn, nextHop);
    const list = members[s];
    if (list.length === 0) continue;
    used++;
    const b = new wire.NlriBuilder("ipv4", false, list.length);
    for (const i of list) b.appendIPv4(addrs[i], lengths[i]);
    for (const m of wire.packUpdates(
      { family: "ipv4", attributes: attrs, announce: b.build() },
      CTX,
    ))
      messages.push(m);
  }
  return {
    stream: Buffer.concat(messages),
    messages: messages.length,
    sets: used,
    prefixes: count,
  };
}
