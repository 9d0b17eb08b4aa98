// Bad input: every validation error names file, line, kind/name and field; unknown kinds and
// fields are warnings (the rest loads); invalid documents do not load.
import { describe, expect, it } from "vitest";
import { load, yaml } from "./helpers.js";

const peer = (spec: string, name = "worker1.peer-tor") =>
  yaml(`
    apiVersion: projectcalico.org/v3
    kind: BGPPeer
    metadata:
      name: ${name}
    spec:
  `) + spec.replace(/^\n/, "").replace(/^/gm, "  ");

describe("the issue's example message", () => {
  it("names file:line, kind/name, field and the value", () => {
    const text = [
      "# peers of rack 1",
      "apiVersion: projectcalico.org/v3",
      "kind: BGPPeer",
      "metadata:",
      "  name: master1.peer-tor",
      "spec:",
      "  node: master1.k8s.com",
      "  peerIP: 10.0.0.254",
      "  asNumber: 65001",
      "---",
      "apiVersion: projectcalico.org/v3",
      "kind: BGPPeer",
      "metadata:",
      "  name: worker1.peer-tor",
      "spec:",
      "  node: worker1.k8s.com",
      "  peerIP: 10.0.0.254",
      '  asNumber: "65536x"',
    ].join("\n");
    // Line 18 here; the example has it on line 14 of its file.
    const r = load({ "peers.yaml": text });
    expect(r.errorLines).toEqual([
      'config/peers.yaml:18 BGPPeer worker1.peer-tor: spec.asNumber: "65536x" is not an AS number',
    ]);
    expect(r.snapshot.bgpPeers.map((p) => p.name)).toEqual(["master1.peer-tor"]);
  });
});

describe("BGPPeer", () => {
  const cases: [string, string, string][] = [
    [
      "AS number out of range",
      "peerIP: 10.0.0.1\nasNumber: 4294967296",
      "spec.asNumber: 4294967296 is not an AS number",
    ],
    [
      "asdot part over 65535",
      'peerIP: 10.0.0.1\nasNumber: "1.65536"',
      'spec.asNumber: "1.65536" is not an AS number',
    ],
    ["negative AS", "peerIP: 10.0.0.1\nasNumber: -1", "spec.asNumber: -1 is not an AS number"],
    [
      "bad peer IP",
      "peerIP: 10.0.0.256\nasNumber: 65001",
      'spec.peerIP: "10.0.0.256" is not a peer address (an IP, "ip:port" or "[ipv6]:port")',
    ],
    [
      "bad port",
      'peerIP: "10.0.0.1:70000"\nasNumber: 65001',
      'spec.peerIP: "10.0.0.1:70000" is not a peer address (an IP, "ip:port" or "[ipv6]:port")',
    ],
    [
      "node and nodeSelector",
      "node: a\nnodeSelector: all()\npeerIP: 10.0.0.1\nasNumber: 1",
      "spec.nodeSelector: cannot be set together with spec.node",
    ],
    [
      "peerIP and peerSelector",
      "peerIP: 10.0.0.1\npeerSelector: all()",
      "spec.peerSelector: cannot be set together with spec.peerIP",
    ],
    [
      "no remote side",
      "node: a",
      "spec.peerIP: one of spec.peerIP or spec.peerSelector is required",
    ],
    [
      "asNumber with peerSelector",
      "peerSelector: all()\nasNumber: 65000",
      "spec.asNumber: must be empty with spec.peerSelector (the peer nodes' AS numbers are used)",
    ],
    ["peerIP without asNumber", "peerIP: 10.0.0.1", "spec.asNumber: is required with spec.peerIP"],
    [
      "keepOriginalNextHop with nextHopMode",
      "peerIP: 10.0.0.1\nasNumber: 1\nkeepOriginalNextHop: true\nnextHopMode: Self",
      "spec.keepOriginalNextHop: cannot be set together with spec.nextHopMode",
    ],
    [
      "reachableBy without peerIP",
      "peerSelector: all()\nreachableBy: 10.0.0.1",
      "spec.reachableBy: requires spec.peerIP",
    ],
    [
      "reachableBy family",
      "peerIP: 10.0.0.1\nasNumber: 1\nreachableBy: fd00::1",
      "spec.reachableBy: fd00::1 is not of the same address family as spec.peerIP",
    ],
    [
      "ttlSecurity range",
      "peerIP: 10.0.0.1\nasNumber: 1\nttlSecurity: 300",
      "spec.ttlSecurity: 300 is not an integer in 0..255",
    ],
    [
      "nextHopMode value",
      "peerIP: 10.0.0.1\nasNumber: 1\nnextHopMode: self",
      'spec.nextHopMode: "self" is not one of Auto, Self, Keep',
    ],
    [
      "sourceAddress value",
      "peerIP: 10.0.0.1\nasNumber: 1\nsourceAddress: NodeIP",
      'spec.sourceAddress: "NodeIP" is not one of UseNodeIP, None',
    ],
    [
      "duration",
      'peerIP: 10.0.0.1\nasNumber: 1\nmaxRestartTime: "2 minutes"',
      'spec.maxRestartTime: "2 minutes" is not a duration (write it like "120s" or "2m")',
    ],
    [
      "duration as a number",
      "peerIP: 10.0.0.1\nasNumber: 1\nkeepaliveTime: 30",
      'spec.keepaliveTime: 30 is not a duration (write it like "120s" or "2m")',
    ],
    [
      "selector",
      "nodeSelector: \"rack = 'a'\"\npeerIP: 10.0.0.1\nasNumber: 1",
      `spec.nodeSelector: unexpected "=" (did you mean "=="?) at position 6 of selector "rack = 'a'"`,
    ],
    [
      "filters not a list",
      "peerIP: 10.0.0.1\nasNumber: 1\nfilters: f1",
      'spec.filters: expected a list, got "f1"',
    ],
    [
      "password without secretKeyRef",
      "peerIP: 10.0.0.1\nasNumber: 1\npassword:\n  secretKeyRef:\n    name: s",
      "spec.password.secretKeyRef.key: is required",
    ],
    [
      "numAllowedLocalASNumbers",
      "peerIP: 10.0.0.1\nasNumber: 1\nnumAllowedLocalASNumbers: -2",
      "spec.numAllowedLocalASNumbers: -2 is not an integer in 0..255",
    ],
    [
      "reversePeering",
      "peerSelector: all()\nreversePeering: manual",
      'spec.reversePeering: "manual" is not one of Auto, Manual',
    ],
  ];
  it.each(cases)("%s", (_title, spec, expected) => {
    const r = load({ "p.yaml": peer(spec) });
    expect(
      r.errorLines.map((l) => l.replace(/^config\/p\.yaml:\d+ BGPPeer worker1\.peer-tor: /, "")),
    ).toContain(expected);
    expect(r.snapshot.bgpPeers).toEqual([]);
  });

  it("accepts asdot, ports and IPv6 with port", () => {
    const r = load({
      "p.yaml": [
        peer('peerIP: "10.0.0.1:1179"\nasNumber: "1.10"', "a"),
        peer('peerIP: "[fd00::1]:179"\nasNumber: 65001', "b"),
      ].join("\n---\n"),
    });
    expect(r.errorLines).toEqual([]);
    expect(r.snapshot.bgpPeers.map((p) => [p.spec.peerIP, p.spec.asNumber])).toEqual([
      [{ address: "10.0.0.1", port: 1179 }, 65546],
      [{ address: "fd00::1", port: 179 }, 65001],
    ]);
  });

  it("points at the line of the offending field", () => {
    const text = peer("node: worker1\npeerIP: 10.0.0.254\nasNumber: 65001\nttlSecurity: 999");
    const r = load({ "p.yaml": text });
    const line = text.split("\n").findIndex((l) => l.includes("ttlSecurity")) + 1;
    expect(r.errors[0]).toMatchObject({
      file: "p.yaml",
      line,
      resource: "BGPPeer worker1.peer-tor",
      field: "spec.ttlSecurity",
    });
  });
});

describe("BGPConfiguration", () => {
  const cfg = (name: string, spec: string) =>
    yaml(`
      apiVersion: projectcalico.org/v3
      kind: BGPConfiguration
      metadata:
        name: ${name}
      spec:
    `) + spec.replace(/^/gm, "  ");
  const cases: [string, string, string][] = [
    [
      "listenPort range",
      "listenPort: 70000",
      "spec.listenPort: 70000 is not an integer in 1..65535",
    ],
    ["bindMode", "bindMode: nodeip", 'spec.bindMode: "nodeip" is not one of None, NodeIP'],
    [
      "log severity",
      "logSeverityScreen: verbose",
      'spec.logSeverityScreen: "verbose" is not one of Trace, Debug, Info, Warning, Error, Fatal',
    ],
    [
      "mesh flag as a string",
      'nodeToNodeMeshEnabled: "no"',
      'spec.nodeToNodeMeshEnabled: "no" is not true or false',
    ],
    ["AS number", "asNumber: 65536.5", "spec.asNumber: 65536.5 is not an AS number"],
    [
      "service CIDR host bits",
      "serviceClusterIPs:\n- cidr: 10.96.0.1/12",
      'spec.serviceClusterIPs[0].cidr: "10.96.0.1/12" has host bits set (did you mean 10.96.0.0/12?)',
    ],
    [
      "community value",
      "communities:\n- name: x\n  value: 65536:1",
      'spec.communities[0].value: "65536:1" is not a community (aa:nn or aa:nn:mm)',
    ],
    [
      "undefined community name",
      "prefixAdvertisements:\n- cidr: 10.244.0.0/16\n  communities: [nope]",
      'spec.prefixAdvertisements[0].communities[0]: "nope" is neither a community value (aa:nn or aa:nn:mm) nor a name defined in spec.communities',
    ],
    [
      "restart time",
      "nodeMeshMaxRestartTime: 2m30",
      'spec.nodeMeshMaxRestartTime: "2m30" is not a duration (write it like "120s" or "2m")',
    ],
    [
      "programClusterRoutes",
      "programClusterRoutes: yes",
      'spec.programClusterRoutes: "yes" is not one of Enabled, Disabled, EnabledIPIPOnly, EnabledNoEncapOnly',
    ],
  ];
  it.each(cases)("%s", (_t, spec, expected) => {
    const r = load({ "bgp.yaml": cfg("default", spec) });
    expect(
      r.errorLines.map((l) => l.replace(/^config\/bgp\.yaml:\d+ BGPConfiguration default: /, "")),
    ).toEqual([expected]);
  });

  it("rejects nodeMeshPassword on a node-specific configuration", () => {
    const r = load({
      "bgp.yaml": cfg("node.worker1", "nodeMeshPassword:\n  secretKeyRef: {name: s, key: k}"),
    });
    expect(r.errorLines).toEqual([
      'config/bgp.yaml:1 BGPConfiguration node.worker1: spec.nodeMeshPassword: is only allowed on the BGPConfiguration named "default"',
    ]);
  });

  it("warns about names other than default / node.<name> and about default-only fields", () => {
    const r = load({
      "bgp.yaml": [
        cfg("global", "asNumber: 65000"),
        cfg("node.worker1", "asNumber: 65001\nlistenPort: 1790"),
      ].join("\n---\n"),
    });
    expect(r.errorLines).toEqual([]);
    expect(r.warningLines).toEqual([
      'config/bgp.yaml:1 BGPConfiguration global: metadata.name: must be "default" or "node.<nodename>": ignored',
      'config/bgp.yaml:8 BGPConfiguration node.worker1: spec.asNumber: only applies on the BGPConfiguration named "default": ignored here',
    ]);
    expect(r.snapshot.bgpConfigurations.map((c) => c.name)).toEqual(["node.worker1"]);
  });
});

describe("IPPool", () => {
  const pool = (spec: string, name = "p") =>
    yaml(`
      apiVersion: projectcalico.org/v3
      kind: IPPool
      metadata:
        name: ${name}
      spec:
    `) + spec.replace(/^/gm, "  ");
  const cases: [string, string, string][] = [
    ["missing cidr", "ipipMode: Always", "spec.cidr: is required"],
    [
      "host bits",
      "cidr: 10.244.1.0/16",
      'spec.cidr: "10.244.1.0/16" has host bits set (did you mean 10.244.0.0/16?)',
    ],
    [
      "not a CIDR",
      "cidr: 10.244.0.0",
      'spec.cidr: "10.244.0.0" is not a CIDR (e.g. 10.244.0.0/16)',
    ],
    [
      "lower-case mode",
      "cidr: 10.244.0.0/16\nipipMode: always",
      'spec.ipipMode: "always" is not one of Never, Always, CrossSubnet',
    ],
    [
      "IPIP on IPv6",
      "cidr: fd00::/48\nipipMode: Always",
      "spec.ipipMode: IPIP is not supported on IPv6 pools",
    ],
    [
      "IPIP and VXLAN",
      "cidr: 10.244.0.0/16\nipipMode: Always\nvxlanMode: CrossSubnet",
      "spec.vxlanMode: cannot be enabled together with spec.ipipMode",
    ],
    [
      "block size range",
      "cidr: 10.244.0.0/16\nblockSize: 19",
      "spec.blockSize: 19 is out of range for an IPv4 pool (20..32)",
    ],
    [
      "block bigger than pool",
      "cidr: 10.244.0.0/24\nblockSize: 22",
      "spec.blockSize: /22 blocks do not fit in 10.244.0.0/24",
    ],
    [
      "IPv6 block size",
      "cidr: fd00::/48\nblockSize: 64",
      "spec.blockSize: 64 is out of range for an IPv6 pool (116..128)",
    ],
    [
      "link-local",
      "cidr: 169.254.0.0/16",
      "spec.cidr: 169.254.0.0/16 overlaps the link-local range 169.254.0.0/16",
    ],
    [
      "LoadBalancer with encapsulation",
      "cidr: 10.50.0.0/24\nipipMode: Always\nallowedUses: [LoadBalancer]",
      "spec.allowedUses: a LoadBalancer pool cannot use IPIP or VXLAN",
    ],
    [
      "nodeSelector",
      "cidr: 10.244.0.0/16\nnodeSelector: has(",
      'spec.nodeSelector: expected a label inside has() at position 5 of selector "has("',
    ],
    [
      "disabled as a string",
      'cidr: 10.244.0.0/16\ndisabled: "true"',
      'spec.disabled: "true" is not true or false',
    ],
  ];
  it.each(cases)("%s", (_t, spec, expected) => {
    const r = load({ "pool.yaml": pool(spec) });
    expect(r.errorLines.map((l) => l.replace(/^config\/pool\.yaml:\d+ IPPool p: /, ""))).toContain(
      expected,
    );
  });

  it("rejects overlapping pools, naming the other one", () => {
    const r = load({
      "a.yaml": pool("cidr: 10.244.0.0/16", "a"),
      "b.yaml": pool("cidr: 10.244.128.0/17", "b"),
    });
    expect(r.errorLines).toEqual([
      "config/b.yaml:1 IPPool b: spec.cidr: 10.244.128.0/17 overlaps IPPool a (10.244.0.0/16) at a.yaml:1",
    ]);
  });

  it("applies Calico's defaults", () => {
    const r = load({
      "a.yaml": pool("cidr: 10.244.0.0/16", "a"),
      "b.yaml": pool("cidr: fd00:10::/48", "b"),
    });
    expect(r.errorLines).toEqual([]);
    expect(r.snapshot.ipPools.map((p) => p.spec)).toEqual([
      expect.objectContaining({
        cidr: "10.244.0.0/16",
        blockSize: 26,
        ipipMode: "Never",
        vxlanMode: "Never",
        natOutgoing: false,
        nodeSelector: "all()",
        allowedUses: ["Workload", "Tunnel"],
        assignmentMode: "Automatic",
      }),
      expect.objectContaining({ cidr: "fd00:10::/48", blockSize: 122, family: "ipv6" }),
    ]);
  });
});

describe("Node, BlockAffinity, WorkloadEndpoint, BGPFilter, Secret", () => {
  const doc = (kind: string, name: string, body: string, apiVersion = "projectcalico.org/v3") =>
    `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\n${body}`;
  const cases: [string, string, string][] = [
    [
      "Node address",
      doc("Node", "n1", "spec:\n  bgp:\n    ipv4Address: 10.0.0.300/24"),
      'Node n1: spec.bgp.ipv4Address: "10.0.0.300/24" is not an IPv4 address with prefix length (e.g. 10.0.0.11/24)',
    ],
    [
      "Node IPv6 in ipv4Address",
      doc("Node", "n1", "spec:\n  bgp:\n    ipv4Address: fd00::1/64"),
      'Node n1: spec.bgp.ipv4Address: "fd00::1/64" is not an IPv4 address with prefix length (e.g. 10.0.0.11/24)',
    ],
    [
      "Node cluster ID",
      doc("Node", "n1", "spec:\n  bgp:\n    routeReflectorClusterID: rr1"),
      'Node n1: spec.bgp.routeReflectorClusterID: "rr1" is not an IPv4-formatted cluster ID',
    ],
    [
      "Node MAC",
      doc("Node", "n1", "spec:\n  vxlanTunnelMACAddr: 66:00"),
      'Node n1: spec.vxlanTunnelMACAddr: "66:00" is not a MAC address',
    ],
    [
      "affinity state",
      doc("BlockAffinity", "b", "spec:\n  node: n1\n  cidr: 10.244.1.0/26\n  state: done"),
      'BlockAffinity b: spec.state: "done" is not one of , confirmed, pending, pendingDeletion',
    ],
    [
      "affinity without node",
      doc("BlockAffinity", "b", "spec:\n  cidr: 10.244.1.0/26"),
      "BlockAffinity b: spec.node: is required",
    ],
    [
      "WEP network",
      doc(
        "WorkloadEndpoint",
        "w",
        "  namespace: default\nspec:\n  node: n1\n  ipNetworks: [10.244.1.0/24]",
      ),
      'WorkloadEndpoint default/w: spec.ipNetworks[0]: "10.244.1.0/24" is not a /32 (workload addresses are single IPs)',
    ],
    [
      "WEP interface",
      doc("WorkloadEndpoint", "w", "spec:\n  node: n1\n  interfaceName: cali0123456789abcdef"),
      'WorkloadEndpoint default/w: spec.interfaceName: "cali0123456789abcdef" is not an interface name (1-15 characters, no spaces or "/")',
    ],
    [
      "filter action",
      doc("BGPFilter", "f", "spec:\n  exportV4:\n  - cidr: 10.0.0.0/8\n    matchOperator: In"),
      "BGPFilter f: spec.exportV4[0].action: is required",
    ],
    [
      "filter family",
      doc(
        "BGPFilter",
        "f",
        "spec:\n  exportV4:\n  - action: Accept\n    cidr: fd00::/8\n    matchOperator: In",
      ),
      'BGPFilter f: spec.exportV4[0].cidr: "fd00::/8" is not an IPv4 CIDR',
    ],
    [
      "filter operator without cidr",
      doc("BGPFilter", "f", "spec:\n  importV4:\n  - action: Reject\n    matchOperator: In"),
      "BGPFilter f: spec.importV4[0].cidr: is required with matchOperator",
    ],
    [
      "filter cidr without operator",
      doc("BGPFilter", "f", "spec:\n  importV4:\n  - action: Reject\n    cidr: 10.0.0.0/8"),
      "BGPFilter f: spec.importV4[0].matchOperator: is required with cidr",
    ],
    [
      "filter prefix length",
      doc(
        "BGPFilter",
        "f",
        "spec:\n  importV4:\n  - action: Reject\n    cidr: 10.0.0.0/8\n    matchOperator: In\n    prefixLength: {min: 4}",
      ),
      "BGPFilter f: spec.importV4[0].prefixLength.min: 4 is shorter than the CIDR's own length /8",
    ],
    [
      "filter operations on reject",
      doc(
        "BGPFilter",
        "f",
        "spec:\n  exportV4:\n  - action: Reject\n    operations:\n    - addCommunity: {value: '65000:1'}",
      ),
      "BGPFilter f: spec.exportV4[0].operations: operations are only allowed with action Accept",
    ],
    [
      "secret base64",
      doc("Secret", "s", "data:\n  password: '%%%'", "v1"),
      'Secret default/s: data: key password: "%%%" is not base64',
    ],
    [
      "secret apiVersion",
      doc("Secret", "s", "stringData:\n  password: x"),
      'Secret default/s: apiVersion: "projectcalico.org/v3" is not v1',
    ],
    [
      "Calico kind apiVersion",
      doc("Node", "n1", "spec: {}", "v1"),
      'Node n1: apiVersion: "v1" is not projectcalico.org/v3 or crd.projectcalico.org/v1',
    ],
    [
      "missing name",
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {}\n",
      "Node: metadata.name: is required",
    ],
  ];
  it.each(cases)("%s", (_t, text, expected) => {
    const r = load({ "x.yaml": text });
    expect(r.errorLines.map((l) => l.replace(/^config\/x\.yaml:\d+ /, ""))).toContain(expected);
  });

  it("rejects a block affine to two nodes", () => {
    const a = doc("BlockAffinity", "a", "spec:\n  node: n1\n  cidr: 10.244.1.0/26");
    const b = doc("BlockAffinity", "b", "spec:\n  node: n2\n  cidr: 10.244.1.0/26");
    const r = load({ "x.yaml": `${a}\n---\n${b}` });
    expect(r.errorLines).toEqual([
      "config/x.yaml:9 BlockAffinity b: spec.cidr: block 10.244.1.0/26 is already affine to node n1 (BlockAffinity a at x.yaml:1)",
    ]);
  });

  it("decodes Secret data and stringData (stringData wins)", () => {
    const text = doc(
      "Secret",
      "bgp",
      "  namespace: kube-system\ndata:\n  a: c2VjcmV0\n  b: b2xk\nstringData:\n  b: new",
      "v1",
    );
    const r = load({ "s.yaml": text });
    expect(r.errorLines).toEqual([]);
    expect(r.snapshot.secrets[0]).toMatchObject({
      name: "bgp",
      namespace: "kube-system",
      data: { a: "secret", b: "new" },
    });
  });
});

describe("documents, kinds, fields", () => {
  it("reports YAML syntax errors with their line", () => {
    const r = load({
      "bad.yaml": "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  name: [n1\n",
    });
    expect(r.errorLines.length).toBeGreaterThan(0);
    expect(r.errorLines[0]).toMatch(/^config\/bad\.yaml:\d+: YAML syntax error: /);
  });

  it("reports duplicate keys as syntax errors", () => {
    const r = load({
      "dup.yaml": "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  name: a\n  name: b\n",
    });
    expect(r.errorLines[0]).toMatch(/^config\/dup\.yaml:5: YAML syntax error: .*unique/i);
  });

  it("requires documents to be maps with a kind", () => {
    const r = load({ "x.yaml": "- a\n- b\n---\nmetadata: {name: a}\n" });
    expect(r.errorLines).toEqual([
      "config/x.yaml:1: a resource must be a map, got a list",
      "config/x.yaml:4 resource a: kind: kind is missing",
    ]);
  });

  it("warns about unknown kinds and kinds wren does not use, and loads the rest", () => {
    const r = load({
      "x.yaml": [
        "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {}",
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}",
        "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1}\nspec: {}",
      ].join("\n---\n"),
    });
    expect(r.errorLines).toEqual([]);
    expect(r.warningLines).toEqual([
      "config/x.yaml:1 FelixConfiguration default: kind FelixConfiguration is not used by wren: ignored",
      'config/x.yaml:6 Widget w: unknown kind "Widget": ignored',
    ]);
    expect(r.snapshot.nodes.map((n) => n.name)).toEqual(["n1"]);
  });

  it("warns about unknown fields at their line and still loads the resource", () => {
    const text =
      "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: p\nspec:\n  peerIP: 10.0.0.1\n  asNumber: 65001\n  peerASN: 65001\n";
    const r = load({ "p.yaml": text });
    expect(r.errorLines).toEqual([]);
    expect(r.warningLines).toEqual([
      "config/p.yaml:8 BGPPeer p: spec.peerASN: unknown field: ignored",
    ]);
    expect(r.snapshot.bgpPeers).toHaveLength(1);
  });

  it("warns about fields Calico honours but wren ignores", () => {
    const text =
      "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata:\n  name: p\nspec:\n  cidr: 10.244.0.0/16\n  natOutgoing: true\n---\n" +
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  name: n\nspec:\n  wireguard:\n    interfaceIPv4Address: 10.9.0.1\n";
    const r = load({ "x.yaml": text });
    expect(r.errorLines).toEqual([]);
    expect(r.warningLines).toEqual([
      "config/x.yaml:7 IPPool p: spec.natOutgoing: accepted but ignored: wren programs no NAT (Felix's MASQUERADE rule); pods reach other networks only by routes",
      "config/x.yaml:14 Node n: spec.wireguard: accepted but ignored: wren does not implement WireGuard",
    ]);
  });

  it("accepts calicoctl's exported metadata silently and coerces scalar labels", () => {
    const text = yaml(`
      apiVersion: projectcalico.org/v3
      kind: Node
      metadata:
        creationTimestamp: 2023-08-04T06:39:45Z
        name: kube-master
        resourceVersion: "92505999"
        uid: 2436d7f2-249d-492e-b1df-30cc438181e0
        labels:
          routeReflector: true
          rack: 1
      spec:
        bgp:
          ipv4Address: 10.192.0.2/16
      status: {podCIDRs: []}
    `);
    const r = load({ "n.yaml": text });
    expect(r.errorLines).toEqual([]);
    expect(r.warningLines).toEqual([]);
    expect(r.snapshot.nodes[0].labels).toEqual({ routeReflector: "true", rack: "1" });
  });

  it("expands calicoctl's List export with line numbers inside it", () => {
    const text = yaml(`
      apiVersion: projectcalico.org/v3
      kind: BGPPeerList
      items:
      - apiVersion: projectcalico.org/v3
        kind: BGPPeer
        metadata:
          name: good
        spec:
          peerIP: 10.0.0.1
          asNumber: 65001
      - apiVersion: projectcalico.org/v3
        kind: BGPPeer
        metadata:
          name: bad
        spec:
          peerIP: 10.0.0.2
          asNumber: 65001x
    `);
    const r = load({ "list.yaml": text });
    expect(r.errorLines).toEqual([
      'config/list.yaml:17 BGPPeer bad: spec.asNumber: "65001x" is not an AS number',
    ]);
    expect(r.snapshot.bgpPeers.map((p) => p.name)).toEqual(["good"]);
  });

  it("rejects duplicates across files, naming the first definition", () => {
    const n = "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1}\nspec: {}\n";
    const r = load({ "a.yaml": n, "b.yaml": `# again\n${n}` });
    expect(r.errorLines).toEqual([
      "config/b.yaml:2 Node n1: duplicate Node n1 (first defined at a.yaml:1)",
    ]);
  });

  it("treats null fields as unset", () => {
    const r = load({
      "n.yaml":
        "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1}\nspec:\n  bgp:\n    asNumber:\n    ipv4Address: 10.0.0.1/24\n",
    });
    expect(r.errorLines).toEqual([]);
    expect(r.snapshot.nodes[0].spec.bgp).toEqual({
      ipv4Address: { address: "10.0.0.1", family: "ipv4", network: "10.0.0.0/24" },
    });
  });
});

describe("docs/configuration.md", () => {
  it("lists every accepted-but-ignored field with its warning text", async () => {
    const { readFileSync } = await import("node:fs");
    const { resolve } = await import("node:path");
    const { IGNORED_FIELDS } = await import("../../../src/calico/model/ignored-fields.js");
    const doc = readFileSync(
      resolve(import.meta.dirname, "../../../docs/configuration.md"),
      "utf8",
    ).replace(/\s+/g, " ");
    for (const f of IGNORED_FIELDS) expect(doc).toContain(f.reason);
  });
});
