// The namespace runner's reading of containerlab topology files: environment expansion,
// inheritance, link forms, and the project's checks on broken topologies (each problem names
// the file and the node or link).
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: containerlab ${VAR} syntax under test, not JS templates
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDatastores } from "../../../src/lab/datastore-check.js";
import {
  checkTopology,
  execAddresses,
  expandEnv,
  formatProblem,
  parseTopology,
  splitCommand,
} from "../../../src/lab/topology.js";

let dir: string;
const file = () => join(dir, "t.clab.yml");

function problems(yaml: string, opts = { forRunner: true }): string[] {
  return checkTopology(parseTopology(yaml, file()), opts).map(formatProblem);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "wren-topo-"));
  writeFileSync(join(dir, "frr.conf"), "router bgp 65000\n");
  mkdirSync(join(dir, "ds"));
  writeFileSync(
    join(dir, "ds", "nodes.yaml"),
    `apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: n1.example
spec:
  bgp:
    ipv4Address: 10.0.0.11/24
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ok = `
name: t
topology:
  nodes:
    r1:
      kind: linux
      image: quay.io/frrouting/frr:8.4.4
      binds: [frr.conf:/etc/frr/frr.conf]
    n1:
      kind: linux
      image: wren:latest
      env: { NODENAME: n1.example }
      binds: ["ds:/etc/wren/datastore"]
      exec:
        - ip addr add 10.0.0.11/24 dev eth1
        - ip route replace default via 10.0.0.254 dev eth1
    sw:
      kind: bridge
  links:
    - endpoints: ["r1:eth1", "sw:sw-r1"]
    - endpoints: ["n1:eth1", "sw:sw-n1"]
`;

describe("expandEnv", () => {
  it("expands containerlab's forms and keeps $$ as a literal $", () => {
    const env = { A: "x", EMPTY: "" };
    expect(expandEnv("${A}-${B}", env)).toBe("x-");
    expect(expandEnv("${B:=def} ${A:=def} ${EMPTY:-d2} ${EMPTY-d3}", env)).toBe("def x d2 ");
    expect(expandEnv("${A:+alt}|${B:+alt}", env)).toBe("alt|");
    expect(expandEnv("echo $$HOME", env)).toBe("echo $HOME");
  });
});

describe("parseTopology", () => {
  it("reads nodes, roles, binds relative to the file, and both link forms", () => {
    const t = parseTopology(
      `${ok}    - type: veth
      endpoints:
        - { node: r1, interface: eth9, ipv4: [192.168.9.1/30] }
        - { node: n1, interface: eth9 }
`,
      file(),
    );
    expect(t.name).toBe("t");
    expect([...t.nodes.values()].map((n) => [n.name, n.role])).toEqual([
      ["r1", "frr"],
      ["n1", "wren"],
      ["sw", "bridge"],
    ]);
    expect(t.nodes.get("r1")!.binds[0]).toMatchObject({
      host: join(dir, "frr.conf"),
      container: "/etc/frr/frr.conf",
    });
    expect(t.links[2]).toMatchObject({
      a: { node: "r1", iface: "eth9" },
      addrA: ["192.168.9.1/30"],
      addrB: [],
    });
    expect(checkTopology(t, { forRunner: true })).toEqual([]);
  });

  it("inherits kind, image, env and labels from defaults, kinds and groups (node wins)", () => {
    const t = parseTopology(
      `name: t
topology:
  defaults: { kind: linux, env: { A: "1", B: "1" } }
  kinds: { linux: { image: quay.io/frrouting/frr:8.4.4, labels: { x: k } } }
  groups: { servers: { image: wren:latest, env: { B: "2" } } }
  nodes:
    r1: {}
    n1: { group: servers, env: { C: "3" } }
`,
      file(),
    );
    expect(t.nodes.get("r1")).toMatchObject({
      kind: "linux",
      role: "frr",
      env: { A: "1", B: "1" },
      labels: { x: "k" },
    });
    expect(t.nodes.get("n1")).toMatchObject({
      role: "wren",
      image: "wren:latest",
      env: { A: "1", B: "2", C: "3" },
    });
  });

  it("takes the role from the wren.role label over the image", () => {
    const t = parseTopology(
      `name: t\ntopology:\n  nodes:\n    h: { kind: linux, image: quay.io/frrouting/frr:8.4.4, labels: { wren.role: host } }\n`,
      file(),
    );
    expect(t.nodes.get("h")!.role).toBe("host");
  });

  it("expands the mode variable in bind paths", () => {
    const t = parseTopology(
      "name: t\ntopology:\n  nodes:\n    r: { kind: linux, binds: ['frr-${M:=a}.conf:/etc/frr/frr.conf'] }\n",
      file(),
      { M: "b" },
    );
    expect(t.nodes.get("r")!.binds[0].host).toBe(join(dir, "frr-b.conf"));
  });

  it("rejects text that is not a topology, naming the file", () => {
    expect(() => parseTopology("name: [", file())).toThrow(/t\.clab\.yml: not valid YAML/);
    expect(() => parseTopology("topology: {nodes: {}}", file())).toThrow(/"name" is missing/);
    expect(() => parseTopology("name: x", file())).toThrow(/topology\.nodes/);
  });
});

describe("checkTopology on broken topologies", () => {
  it("a link naming a missing node", () => {
    expect(problems(`${ok}    - endpoints: ["r1:eth2", "ghost:eth1"]\n`)).toEqual([
      `${file()} link #3: endpoint "ghost:eth1" names node "ghost", which is not in topology.nodes`,
    ]);
  });

  it("an endpoint used twice", () => {
    expect(problems(`${ok}    - endpoints: ["r1:eth1", "n1:eth2"]\n`)).toEqual([
      `${file()} link #3: endpoint "r1:eth1" is already used by link #1`,
    ]);
  });

  it("a link with one or three endpoints, or a bad endpoint string", () => {
    const p = problems(
      `${ok}    - endpoints: ["r1:eth2"]\n    - endpoints: ["r1:eth3", "n1:eth3", "sw:x"]\n    - endpoints: ["r1", "n1:eth4"]\n`,
    );
    expect(p).toEqual([
      `${file()} link #3: a link needs exactly 2 endpoints, found 1`,
      `${file()} link #4: a link needs exactly 2 endpoints, found 3`,
      `${file()} link #5: endpoints must be "node:interface" (got ["r1","n1:eth4"])`,
    ]);
  });

  it("an interface name longer than 15 characters", () => {
    expect(problems(`${ok}    - endpoints: ["r1:a-very-long-ifname", "n1:eth2"]\n`)).toEqual([
      `${file()} link #3: interface name "a-very-long-ifname" of "r1:a-very-long-ifname" is longer than 15 characters`,
    ]);
  });

  it("a missing bind file", () => {
    const p = problems(ok.replace("frr.conf:/etc/frr/frr.conf", "missing.conf:/etc/frr/frr.conf"));
    expect(p).toEqual([
      `${file()} node r1: bind source ${join(dir, "missing.conf")} (from "missing.conf:/etc/frr/frr.conf") does not exist`,
    ]);
  });

  it("kinds the runner cannot run (and only for the runner)", () => {
    const yaml = ok.replace(
      "  links:\n",
      "    spine:\n      kind: vyosnetworks_vyos\n      startup-config: frr.conf\n  links:\n",
    );
    expect(problems(yaml)).toEqual([
      `${file()} node spine: kind "vyosnetworks_vyos" cannot be run by the namespace runner (it runs linux and bridge nodes: FRR, wren nodes, plain hosts, bridges); use containerlab for this file`,
    ]);
    expect(problems(yaml, { forRunner: false })).toEqual([]);
  });

  it("network-mode container: naming something that is not a node", () => {
    const p = problems(
      ok.replace(
        "  links:\n",
        "    side:\n      kind: linux\n      network-mode: container:clab-bgp-worker\n  links:\n",
      ),
    );
    expect(p).toEqual([
      `${file()} node side: network-mode container:clab-bgp-worker names a container that is not a node of this file (the runner has no kind cluster)`,
    ]);
  });

  it("an FRR node without frr.conf and a wren node without a datastore", () => {
    const p = problems(
      ok
        .replace("      binds: [frr.conf:/etc/frr/frr.conf]\n", "")
        .replace('      binds: ["ds:/etc/wren/datastore"]\n', ""),
    );
    expect(p).toEqual([
      `${file()} node r1: an FRR node needs a bind onto /etc/frr/frr.conf`,
      `${file()} node n1: a wren node needs its datastore bound onto /etc/wren/datastore`,
    ]);
  });
});

describe("checkDatastores", () => {
  it("accepts a node whose exec address matches its Calico Node", async () => {
    expect(await checkDatastores(parseTopology(ok, file()))).toEqual([]);
  });

  it("an address that disagrees with the datastore, naming the Node, its file and line", async () => {
    const t = parseTopology(
      ok.replace("ip addr add 10.0.0.11/24", "ip addr add 10.0.0.12/24"),
      file(),
    );
    const p = (await checkDatastores(t)).map(formatProblem);
    expect(p).toEqual([
      `${file()} node n1: Node "n1.example" (ds/nodes.yaml:1) has bgp.ipv4Address 10.0.0.11/24, but the topology gives n1 10.0.0.12/24 on eth1 (exec)`,
    ]);
  });

  it("a prefix length that disagrees counts too", async () => {
    const t = parseTopology(
      ok.replace("ip addr add 10.0.0.11/24", "ip addr add 10.0.0.11/16"),
      file(),
    );
    expect((await checkDatastores(t)).length).toBe(1);
  });

  it("a NODENAME the datastore does not know", async () => {
    const t = parseTopology(ok.replace("NODENAME: n1.example", "NODENAME: n9.example"), file());
    expect((await checkDatastores(t)).map(formatProblem)).toEqual([
      `${file()} node n1: datastore ds has no Node "n9.example" (the node's NODENAME; Nodes there: n1.example)`,
    ]);
  });

  it("an address on an interface the node has no link for", async () => {
    const t = parseTopology(
      ok.replace("dev eth1\n        - ip route", "dev eth7\n        - ip route"),
      file(),
    );
    const p = (await checkDatastores(t)).map(formatProblem);
    expect(p).toContain(
      `${file()} node n1: exec puts 10.0.0.11/24 on eth7, but no link gives n1 an interface eth7`,
    );
  });
});

describe("exec lines", () => {
  it("splits like a shell and finds the addresses they add", () => {
    expect(splitCommand(`bash -c 'ip a add 10.1.1.1/24 dev net0 && echo "x y"'`)).toEqual([
      "bash",
      "-c",
      'ip a add 10.1.1.1/24 dev net0 && echo "x y"',
    ]);
    const n = parseTopology(
      `name: t\ntopology:\n  nodes:\n    h:\n      kind: linux\n      exec:\n        - ip -4 address add 10.0.0.1/24 dev eth1\n        - bash -c 'ip addr add fd00::1/64 dev eth2; true'\n        - ip route add default via 10.0.0.254\n`,
      file(),
    ).nodes.get("h")!;
    expect(execAddresses(n)).toEqual([
      { iface: "eth1", cidr: "10.0.0.1/24" },
      { iface: "eth2", cidr: "fd00::1/64" },
    ]);
  });
});

describe("startup-config", () => {
  it("a startup-config file that does not exist", () => {
    const yaml = ok.replace(
      "  links:\n",
      "    v:\n      kind: vyosnetworks_vyos\n      startup-config: vyos/none.boot\n  links:\n",
    );
    expect(problems(yaml, { forRunner: false })).toEqual([
      `${file()} node v: startup-config ${join(dir, "vyos/none.boot")} does not exist`,
    ]);
  });
});
