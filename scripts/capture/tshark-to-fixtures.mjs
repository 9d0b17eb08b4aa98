#!/usr/bin/env node
// Turns a pcap of BGP sessions into wire-codec fixtures, using Wireshark's BGP dissector (tshark)
// as the independent oracle: every fixture's `expected` is built from tshark's field values,
// never from wren's decoder. Used by scripts/capture-wire-fixtures.sh.
//
//   node scripts/capture/tshark-to-fixtures.mjs --pcap FILE --out DIR --peers IP=name,... [--versions JSON]
//
// One fixture per distinct kind of message per sender (OPEN per session, KEEPALIVE, each
// NOTIFICATION code/subcode, ROUTE-REFRESH subtype, End-of-RIB per family, withdrawals, and
// UPDATEs per family / session context / set of attribute types). File name:
// <sender>-<what>.json = { source, context, hex, expected }. The context (4-octet AS, ADD-PATH,
// extended message, extended next hop) is derived from the two OPENs of the TCP connection.
// `expected` has the shape of `wren decode` JSON (docs/decode.md); fields tshark does not
// dissect are left out, so tests compare with toMatchObject.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const { values: opts } = parseArgs({
  options: {
    pcap: { type: "string" },
    out: { type: "string" },
    peers: { type: "string", default: "" },
    versions: { type: "string", default: "{}" },
  },
});
if (!opts.pcap || !opts.out) {
  console.error("usage: tshark-to-fixtures.mjs --pcap FILE --out DIR --peers IP=name,...");
  process.exit(2);
}
const peerNames = new Map(
  opts.peers
    .split(",")
    .filter(Boolean)
    .map((kv) => kv.split("=")),
);
const versions = JSON.parse(opts.versions);
const IMPLEMENTATION = { frr: "FRR", bird: "BIRD", gobgp: "GoBGP" };

const arr = (x) => (Array.isArray(x) ? x : x === undefined || x === null || x === "" ? [] : [x]);
const num = (x) => Number(x);

function family(afi, safi) {
  if (safi !== 1) return null;
  return afi === 1 ? "ipv4-unicast" : afi === 2 ? "ipv6-unicast" : null;
}

// ---------------------------------------------------------------------------------------------
// Read tshark's dissection.

const raw = execFileSync(
  "tshark",
  ["-n", "-r", opts.pcap, "-2", "-Y", "bgp", "-T", "json", "-x", "--no-duplicate-keys"],
  { maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "ignore"] },
).toString("utf8");
const frames = JSON.parse(raw);

/** Every BGP message: {frame, stream, src, dst, tree, hex, malformed}. */
const messages = [];
for (const fr of frames) {
  const l = fr._source.layers;
  const ip = l.ip ?? l.ipv6;
  const src = ip["ip.src"] ?? ip["ipv6.src"];
  const dst = ip["ip.dst"] ?? ip["ipv6.dst"];
  const stream = l.tcp["tcp.stream"];
  const trees = arr(l.bgp);
  let raws = l.bgp_raw;
  raws = Array.isArray(raws?.[0]) ? raws : [raws];
  if (trees.length !== raws.length)
    throw new Error(
      `frame ${l.frame["frame.number"]}: ${trees.length} BGP trees, ${raws.length} raw`,
    );
  const malformed = l._ws?.malformed !== undefined || JSON.stringify(l).includes('"_ws.malformed"');
  trees.forEach((tree, i) => {
    const hex = raws[i][0];
    const len = Number.parseInt(hex.slice(32, 36), 16);
    if (hex.length !== 2 * len || !hex.startsWith("f".repeat(32))) {
      throw new Error(
        `frame ${l.frame["frame.number"]}: message bytes do not frame (${hex.length / 2} vs ${len})`,
      );
    }
    messages.push({
      frame: Number(l.frame["frame.number"]),
      stream,
      src,
      dst,
      tree,
      hex,
      malformed,
    });
  });
}

// ---------------------------------------------------------------------------------------------
// OPEN → expected JSON, and session contexts per TCP connection and direction.

function capabilities(tree) {
  const caps = [];
  const opt = tree["bgp.open.opt"];
  for (const param of arr(opt?.["bgp.open.opt.param"])) {
    const capRaws = arr(param["bgp.cap_raw"]);
    const capRawList = Array.isArray(capRaws[0]) ? capRaws : capRaws.length ? [capRaws] : [];
    arr(param["bgp.cap"]).forEach((c, idx) => {
      const type = num(c["bgp.cap.type"]);
      const rawHex = capRawList[idx]?.[0] ?? "";
      switch (type) {
        case 1:
          caps.push({
            type: "multiprotocol",
            afi: num(c["bgp.cap.mp.afi"]),
            safi: num(c["bgp.cap.mp.safi"]),
            family: family(num(c["bgp.cap.mp.afi"]), num(c["bgp.cap.mp.safi"])),
          });
          break;
        case 2:
          caps.push({ type: "routeRefresh" });
          break;
        case 128:
          caps.push({ type: "routeRefreshCisco" });
          break;
        case 70:
          caps.push({ type: "enhancedRouteRefresh" });
          break;
        case 6:
          caps.push({ type: "extendedMessage" });
          break;
        case 65:
          caps.push({ type: "fourOctetAs", asn: num(c["bgp.cap.4as"]) });
          break;
        case 64: {
          const t = c["bgp.cap.gr.timers_tree"];
          const afis = arr(c["bgp.cap.gr.afi"]).map(num);
          const safis = arr(c["bgp.cap.gr.safi"]).map(num);
          const flags = arr(c["bgp.cap.gr.flag_tree"]);
          caps.push({
            type: "gracefulRestart",
            restarting: t["bgp.cap.gr.timers.restart_flag"] === "1",
            notification: t["bgp.cap.gr.timers.notification_flag"] === "1",
            restartTime: num(t["bgp.cap.gr.timers.restart_time"]),
            families: afis.map((afi, i) => ({
              afi,
              safi: safis[i],
              family: family(afi, safis[i]),
              forwarding: flags[i]?.["bgp.cap.gr.flag.pfs"] === "1",
            })),
          });
          break;
        }
        case 69: {
          const afis = arr(c["bgp.cap.ap.afi"]).map(num);
          const safis = arr(c["bgp.cap.ap.safi"]).map(num);
          const dirs = arr(c["bgp.cap.ap.sendreceive"]).map(num);
          caps.push({
            type: "addPath",
            families: afis.map((afi, i) => ({
              afi,
              safi: safis[i],
              family: family(afi, safis[i]),
              direction: { 1: "receive", 2: "send", 3: "both" }[dirs[i]],
            })),
          });
          break;
        }
        case 5: {
          const afis = arr(c["bgp.cap.enh.afi"]).map(num);
          const safis = arr(c["bgp.cap.enh.safi"]).map(num);
          const nh = arr(c["bgp.cap.enh.nhafi"]).map(num);
          caps.push({
            type: "extendedNextHop",
            entries: afis.map((afi, i) => ({ afi, safi: safis[i], nextHopAfi: nh[i] })),
          });
          break;
        }
        case 73:
          caps.push({
            type: "fqdn",
            hostname: c["bgp.cap.orf.fqdn.hostname"] ?? "",
            domain: c["bgp.cap.orf.fqdn.domain_name"] ?? "",
          });
          break;
        default:
          caps.push({ type: "unknown", code: type, value: rawHex.slice(4) });
      }
    });
  }
  return caps;
}

function openExpected(tree) {
  return {
    type: "OPEN",
    version: num(tree["bgp.open.version"]),
    myAs: num(tree["bgp.open.myas"]),
    holdTime: num(tree["bgp.open.holdtime"]),
    bgpId: tree["bgp.open.identifier"],
    capabilities: capabilities(tree),
    otherParameters: [],
  };
}

const opensByStream = new Map(); // stream → Map(src → capabilities)
for (const m of messages) {
  if (m.tree["bgp.type"] !== "1") continue;
  if (!opensByStream.has(m.stream)) opensByStream.set(m.stream, new Map());
  opensByStream.get(m.stream).set(m.src, capabilities(m.tree));
}

function contextFor(m) {
  const opens = opensByStream.get(m.stream);
  const mine = opens?.get(m.src) ?? [];
  const theirs = opens?.get(m.dst) ?? [];
  const has = (caps, type) => caps.some((c) => c.type === type);
  const addPath = [];
  for (const fam of ["ipv4-unicast", "ipv6-unicast"]) {
    const dir = (caps) =>
      caps.find((c) => c.type === "addPath")?.families.find((f) => f.family === fam)?.direction;
    const s = dir(mine);
    const r = dir(theirs);
    if ((s === "send" || s === "both") && (r === "receive" || r === "both")) addPath.push(fam);
  }
  const enh = (caps) => caps.filter((c) => c.type === "extendedNextHop").flatMap((c) => c.entries);
  const extendedNextHop = [];
  for (const e of enh(mine)) {
    const fam = family(e.afi, e.safi);
    if (
      fam !== null &&
      enh(theirs).some((o) => o.afi === e.afi && o.safi === e.safi && o.nextHopAfi === e.nextHopAfi)
    ) {
      if (!extendedNextHop.includes(fam)) extendedNextHop.push(fam);
    }
  }
  return {
    as4: has(mine, "fourOctetAs") && has(theirs, "fourOctetAs"),
    addPath,
    extendedMessage: has(mine, "extendedMessage") && has(theirs, "extendedMessage"),
    extendedNextHop,
  };
}

// ---------------------------------------------------------------------------------------------
// UPDATE → expected JSON.

const SEGMENT = { 1: "set", 2: "sequence", 3: "confedSequence", 4: "confedSet" };
// IANA "BGP Well-known Communities" names, as docs/decode.md spells them.
const WELL_KNOWN = {
  4294901760: "GRACEFUL_SHUTDOWN",
  4294901761: "ACCEPT_OWN",
  4294901762: "ROUTE_FILTER_TRANSLATED_v4",
  4294901763: "ROUTE_FILTER_v4",
  4294901764: "ROUTE_FILTER_TRANSLATED_v6",
  4294901765: "ROUTE_FILTER_v6",
  4294901766: "LLGR_STALE",
  4294901767: "NO_LLGR",
  4294901768: "accept-own-nexthop",
  4294902426: "BLACKHOLE",
  4294967041: "NO_EXPORT",
  4294967042: "NO_ADVERTISE",
  4294967043: "NO_EXPORT_SUBCONFED",
  4294967044: "NOPEER",
};

function segments(attr) {
  return arr(attr["bgp.update.path_attribute.as_path_segment"]).map((s) => ({
    type: SEGMENT[num(s["bgp.update.path_attribute.as_path_segment.type"])],
    asns: arr(
      s["bgp.update.path_attribute.as_path_segment.as4"] ??
        s["bgp.update.path_attribute.as_path_segment.as2"],
    ).map(num),
  }));
}

function prefixes(obj, addrKey) {
  if (!obj || typeof obj !== "object") return [];
  const out = [];
  for (const v of Object.values(obj)) {
    for (const p of arr(v)) {
      const prefix = `${p[addrKey]}/${p["bgp.prefix_length"]}`;
      out.push(
        p["bgp.nlri_path_id"] === undefined
          ? prefix
          : { prefix, pathId: num(p["bgp.nlri_path_id"]) },
      );
    }
  }
  return out;
}

/** RFC 6793 §4.2.3 reconstruction (oracle side, written independently of src/bgp/wire). */
function pathLength(segs) {
  return segs.reduce(
    (n, s) => n + (s.type === "sequence" ? s.asns.length : s.type === "set" ? 1 : 0),
    0,
  );
}
function mergeAs4(asPath, as4Path) {
  const tail = as4Path.filter((s) => s.type === "sequence" || s.type === "set");
  let keep = pathLength(asPath) - pathLength(tail);
  if (keep < 0) return asPath;
  const out = [];
  for (const s of asPath) {
    if (s.type === "confedSequence" || s.type === "confedSet") {
      out.push(s);
      continue;
    }
    if (keep === 0) break;
    if (s.type === "set") {
      out.push(s);
      keep--;
    } else {
      const take = Math.min(keep, s.asns.length);
      out.push({ type: "sequence", asns: s.asns.slice(0, take) });
      keep -= take;
      if (take < s.asns.length) break;
    }
  }
  for (const s of tail) {
    const last = out[out.length - 1];
    if (last && last.type === "sequence" && s.type === "sequence")
      out[out.length - 1] = { type: "sequence", asns: [...last.asns, ...s.asns] };
    else out.push(s);
  }
  return out;
}

function extCommunity(c, rawHex) {
  const type = Number.parseInt(c["bgp.ext_com.type"], 16);
  const subKey = Object.keys(c).find((k) => k.startsWith("bgp.ext_com.stype_"));
  const subtype = subKey ? Number.parseInt(c[subKey], 16) : Number.parseInt(rawHex.slice(2, 4), 16);
  const out = { type, subtype, value: rawHex.slice(4) };
  const kind = subtype === 2 ? "RT" : subtype === 3 ? "SoO" : null;
  if (kind && (type & 0xbf) === 0x00)
    out.text = `${kind}:${c["bgp.ext_com.value_as2"]}:${c["bgp.ext_com.value_an4"]}`;
  if (kind && (type & 0xbf) === 0x01)
    out.text = `${kind}:${c["bgp.ext_com.value_IP4"]}:${c["bgp.ext_com.value_an2"]}`;
  if (kind && (type & 0xbf) === 0x02)
    out.text = `${kind}:${c["bgp.ext_com.value_as4"]}:${c["bgp.ext_com.value_an2"]}`;
  return out;
}

function rawList(x) {
  const a = arr(x);
  return Array.isArray(a[0]) ? a : a.length ? [a] : [];
}

function updateExpected(tree, ctx) {
  const attrs = {};
  const types = [];
  const pa = tree["bgp.update.path_attributes"];
  const attrRaws = rawList(pa?.["bgp.update.path_attribute_raw"]);
  arr(pa?.["bgp.update.path_attribute"]).forEach((a, idx) => {
    const code = num(a["bgp.update.path_attribute.type_code"]);
    const flags = Number.parseInt(a["bgp.update.path_attribute.flags"], 16);
    types.push(code);
    const attrHex = attrRaws[idx]?.[0] ?? "";
    switch (code) {
      case 1:
        attrs.origin = ["igp", "egp", "incomplete"][num(a["bgp.update.path_attribute.origin"])];
        break;
      case 2:
        attrs.asPath = segments(a);
        break;
      case 3:
        attrs.nextHop = a["bgp.update.path_attribute.next_hop"];
        break;
      case 4:
        attrs.multiExitDisc = num(a["bgp.update.path_attribute.multi_exit_disc"]);
        break;
      case 5:
        attrs.localPref = num(a["bgp.update.path_attribute.local_pref"]);
        break;
      case 6:
        attrs.atomicAggregate = true;
        break;
      case 7:
        attrs.aggregator = {
          asn: num(a["bgp.update.path_attribute.aggregator_as"]),
          address: a["bgp.update.path_attribute.aggregator_origin"],
        };
        break;
      case 8: {
        // Regular and well-known communities sit under different keys; the raw offsets give
        // the wire order back.
        const cs = a["bgp.update.path_attribute.communities"] ?? {};
        const entries = [];
        const regular = arr(cs["bgp.update.path_attribute.community"]);
        const regularRaw = rawList(cs["bgp.update.path_attribute.community_raw"]);
        regular.forEach((c, i) => {
          const text = `${c["bgp.update.path_attribute.community_as"]}:${c["bgp.update.path_attribute.community_value"]}`;
          entries.push([regularRaw[i]?.[1] ?? i, text]);
        });
        const wk = arr(cs["bgp.update.path_attribute.community_wellknown"]);
        const wkRaw = rawList(cs["bgp.update.path_attribute.community_wellknown_raw"]);
        wk.forEach((w, i) => {
          const v = Number(w) >>> 0;
          entries.push([wkRaw[i]?.[1] ?? 1e9 + i, WELL_KNOWN[v] ?? `${v >>> 16}:${v & 0xffff}`]);
        });
        attrs.communities = entries.sort((x, y) => x[0] - y[0]).map((e) => e[1]);
        break;
      }
      case 9:
        attrs.originatorId = a["bgp.update.path_attribute.originator_id"];
        break;
      case 10:
        attrs.clusterList = arr(
          a["bgp.path_attribute.cluster_list"]?.["bgp.path_attribute.cluster_id"],
        );
        break;
      case 14: {
        const afi = num(a["bgp.update.path_attribute.mp_reach_nlri.afi"]);
        const safi = num(a["bgp.update.path_attribute.mp_reach_nlri.safi"]);
        const nh = a["bgp.update.path_attribute.mp_reach_nlri.next_hop_tree"] ?? {};
        const nextHops = [
          nh["bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6"] ??
            nh["bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv4"],
          nh["bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6.link_local"],
        ].filter((x) => x !== undefined);
        const addrKey =
          afi === 2 ? "bgp.mp_reach_nlri_ipv6_prefix" : "bgp.mp_reach_nlri_ipv4_prefix";
        attrs.mpReachNlri = {
          afi,
          safi,
          family: family(afi, safi),
          nextHops,
          nlri: prefixes(a["bgp.update.path_attribute.mp_reach_nlri"], addrKey),
        };
        break;
      }
      case 15: {
        const afi = num(a["bgp.update.path_attribute.mp_unreach_nlri.afi"]);
        const safi = num(a["bgp.update.path_attribute.mp_unreach_nlri.safi"]);
        const addrKey =
          afi === 2 ? "bgp.mp_unreach_nlri_ipv6_prefix" : "bgp.mp_unreach_nlri_ipv4_prefix";
        attrs.mpUnreachNlri = {
          afi,
          safi,
          family: family(afi, safi),
          withdrawn: prefixes(a["bgp.update.path_attribute.mp_unreach_nlri"], addrKey),
        };
        break;
      }
      case 16: {
        const list = arr(a["bgp.ext_communities"]?.["bgp.ext_community"]);
        const raws = rawList(a["bgp.ext_communities"]?.["bgp.ext_community_raw"]);
        attrs.extendedCommunities = list.map((c, i) => extCommunity(c, raws[i]?.[0] ?? ""));
        break;
      }
      case 17:
        attrs.as4Path = segments(a);
        break;
      case 18:
        attrs.as4Aggregator = {
          asn: num(a["bgp.update.path_attribute.aggregator_as"]),
          address: a["bgp.update.path_attribute.aggregator_origin"],
        };
        break;
      case 32:
        attrs.largeCommunity = arr(a["bgp.large_communities_tree"]).map(
          (c) =>
            `${c["bgp.large_communities.ga"]}:${c["bgp.large_communities.ldp1"]}:${c["bgp.large_communities.ldp2"]}`,
        );
        break;
      default: {
        const hdr = flags & 0x10 ? 8 : 6;
        attrs.unknown = [
          ...(attrs.unknown ?? []),
          { code, flags: flags & 0xe0, value: attrHex.slice(hdr) },
        ];
      }
    }
  });
  if (!ctx.as4) {
    // On a 2-octet session the decoder reports the reconstructed path and aggregator.
    if (attrs.aggregator && attrs.aggregator.asn !== 23456) {
      // AS4_* are ignored (RFC 6793 §4.2.3).
    } else {
      if (attrs.aggregator && attrs.as4Aggregator) attrs.aggregator = { ...attrs.as4Aggregator };
      if (attrs.asPath && attrs.as4Path) attrs.asPath = mergeAs4(attrs.asPath, attrs.as4Path);
    }
  } else {
    delete attrs.as4Path;
    delete attrs.as4Aggregator;
  }
  const expected = {
    type: "UPDATE",
    withdrawn: prefixes(tree["bgp.update.withdrawn_routes"], "bgp.withdrawn_prefix"),
    attributes: attrs,
    nlri: prefixes(tree["bgp.update.nlri"], "bgp.nlri_prefix"),
  };
  const len = num(tree["bgp.length"]);
  const onlyEmptyUnreach =
    types.length === 1 &&
    types[0] === 15 &&
    attrs.mpUnreachNlri.withdrawn.length === 0 &&
    expected.withdrawn.length === 0 &&
    expected.nlri.length === 0;
  if (len === 23) {
    expected.endOfRib = true;
    expected.family = "ipv4-unicast";
  } else if (onlyEmptyUnreach) {
    expected.endOfRib = true;
    expected.family = attrs.mpUnreachNlri.family;
  }
  return { expected, types };
}

// ---------------------------------------------------------------------------------------------
// NOTIFICATION, KEEPALIVE, ROUTE-REFRESH.

const CODE_WORD = {
  1: "header",
  2: "open",
  3: "update",
  4: "hold-timer",
  5: "fsm",
  6: "cease",
  7: "route-refresh",
};
const SUBCODE_WORD = {
  "2/2": "bad-peer-as",
  "2/6": "unacceptable-hold-time",
  "2/7": "unsupported-capability",
  "6/2": "admin-shutdown",
  "6/3": "peer-deconfigured",
  "6/4": "admin-reset",
  "6/5": "connection-rejected",
  "6/6": "config-change",
  "6/7": "collision",
};

function notificationExpected(tree, hex) {
  const code = num(tree["bgp.notify.major_error"]);
  const subKey = Object.keys(tree).find(
    (k) => k.startsWith("bgp.notify.minor_error") && !k.endsWith("_raw"),
  );
  const subcode = num(tree[subKey]);
  const e = { type: "NOTIFICATION", code, subcode, data: hex.slice(42) };
  if (tree["bgp.notify.communication"] !== undefined)
    e.shutdownCommunication = tree["bgp.notify.communication"];
  return e;
}

function routeRefreshExpected(tree) {
  const afi = num(tree["bgp.route_refresh.afi"]);
  const safi = num(tree["bgp.route_refresh.safi"]);
  return {
    type: "ROUTE-REFRESH",
    afi,
    safi,
    family: family(afi, safi),
    subtype: num(tree["bgp.route_refresh.subtype"]),
  };
}

// ---------------------------------------------------------------------------------------------
// Pick fixtures.

const ATTR_WORD = {
  4: "med",
  5: "localpref",
  6: "atomic",
  7: "aggregator",
  8: "communities",
  9: "originator",
  10: "clusterlist",
  16: "extcommunities",
  17: "as4path",
  18: "as4aggregator",
  32: "largecommunities",
};
const picked = new Map();

for (const m of messages) {
  const sender = peerNames.get(m.src);
  const receiver = peerNames.get(m.dst);
  if (!sender || !receiver) continue;
  if (m.malformed) throw new Error(`frame ${m.frame}: tshark marks the message malformed`);
  const type = num(m.tree["bgp.type"]);
  const ctx = contextFor(m);
  let name;
  let expected;
  let description;
  switch (type) {
    case 1:
      expected = openExpected(m.tree);
      name = `${sender}-open-to-${receiver}${m.src.endsWith(".11") || m.src.endsWith(".13") ? "-wrong-as" : ""}`;
      description = `OPEN from ${sender} to ${receiver}`;
      break;
    case 2: {
      const u = updateExpected(m.tree, ctx);
      expected = u.expected;
      const fam =
        expected.attributes.mpReachNlri?.family ??
        expected.attributes.mpUnreachNlri?.family ??
        "ipv4-unicast";
      const short = fam === "ipv6-unicast" ? "ipv6" : "ipv4";
      if (expected.endOfRib) {
        name = `${sender}-eor-${short}`;
        description = `End-of-RIB for ${fam} from ${sender}`;
      } else {
        const announces =
          expected.nlri.length + (expected.attributes.mpReachNlri?.nlri.length ?? 0);
        const words = [];
        if (announces === 0) words.push("withdraw");
        for (const t of [...new Set(u.types)].sort((a, b) => a - b))
          if (ATTR_WORD[t]) words.push(ATTR_WORD[t]);
        const segs = [
          ...(expected.attributes.asPath ?? []),
          ...(expected.attributes.as4Path ?? []),
        ];
        if (segs.some((s) => s.type === "set")) words.push("asset");
        if (ctx.addPath.length > 0) words.push("addpath");
        if (!ctx.as4) words.push("2octet");
        name = `${sender}-update-${short}-${words.length ? words.join("-") : "basic"}`;
        description = `UPDATE (${fam}${announces === 0 ? ", withdrawals" : ""}) from ${sender} to ${receiver}`;
      }
      break;
    }
    case 3: {
      expected = notificationExpected(m.tree, m.hex);
      const key = `${expected.code}/${expected.subcode}`;
      name = `${sender}-notification-${CODE_WORD[expected.code] ?? expected.code}-${SUBCODE_WORD[key] ?? expected.subcode}`;
      description = `NOTIFICATION ${key} from ${sender} to ${receiver}`;
      break;
    }
    case 4:
      expected = { type: "KEEPALIVE" };
      name = `${sender}-keepalive`;
      description = `KEEPALIVE from ${sender}`;
      break;
    case 5: {
      expected = routeRefreshExpected(m.tree);
      const st = ["request", "borr", "eorr"][expected.subtype] ?? `subtype${expected.subtype}`;
      name = `${sender}-route-refresh-${st}-${expected.family === "ipv6-unicast" ? "ipv6" : "ipv4"}`;
      description = `ROUTE-REFRESH (${st}) from ${sender} to ${receiver}`;
      break;
    }
    default:
      continue;
  }
  if (picked.has(name)) continue;
  picked.set(name, {
    source: {
      description,
      sender,
      receiver,
      implementation: `${IMPLEMENTATION[sender]} ${versions[sender] ?? ""}`.trim(),
      frame: m.frame,
      capture:
        "scripts/capture-wire-fixtures.sh (tcpdump), dissected by tshark " +
        (versions.tshark ?? ""),
    },
    context: ctx,
    hex: m.hex,
    expected,
  });
}

mkdirSync(opts.out, { recursive: true });
// Replace the fixtures of earlier runs (only the files this tool writes: <peer>-*.json).
const ours = new Set(Object.values(IMPLEMENTATION).map((v) => v.toLowerCase()));
for (const f of readdirSync(opts.out)) {
  const peer = f.split("-")[0];
  if (f.endsWith(".json") && ours.has(peer)) unlinkSync(join(opts.out, f));
}
for (const [name, fixture] of [...picked].sort()) {
  writeFileSync(join(opts.out, `${name}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
}
console.error(
  `[tshark-to-fixtures] ${messages.length} BGP messages, ${picked.size} fixtures written to ${opts.out}`,
);
for (const name of [...picked.keys()].sort()) console.error(`  ${name}`);
