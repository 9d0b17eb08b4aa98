// Renderer behaviour not covered by the golden scenarios: unknown nodes, environment overrides,
// and the embedded default datastore (config/) rendering cleanly for every node of the lab.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDirectory } from "../../../src/calico/datastore/load.js";
import { formatPlanText } from "../../../src/calico/render/plan-text.js";
import { renderNode } from "../../../src/calico/render/render-node.js";
import { load } from "./helpers.js";

const CONFIG = resolve(import.meta.dirname, "../../../config");

describe("the default datastore config/", () => {
  it("loads without errors or warnings", async () => {
    const r = await loadDirectory(CONFIG);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.snapshot.nodes.map((n) => n.name)).toEqual([
      "master1.k8s.com",
      "worker1.k8s.com",
      "worker2.k8s.com",
      "worker3.k8s.com",
    ]);
  });

  it.each([
    ["master1.k8s.com", "10.0.0.254", 65001, "10.244.65.0/24"],
    ["worker1.k8s.com", "10.0.0.254", 65001, "10.244.204.0/24"],
    ["worker2.k8s.com", "10.0.0.254", 65001, "10.244.42.0/24"],
    ["worker3.k8s.com", "30.0.0.254", 65002, "10.244.73.0/24"],
  ])("%s peers with its rack's leaf %s (AS %i) and owns %s", async (name, leaf, asn, block) => {
    const r = await loadDirectory(CONFIG);
    const plan = renderNode(r.snapshot, name);
    expect(plan.errors).toEqual([]);
    expect(plan.peers.map((p) => [p.address, p.asNumber, p.type])).toEqual([
      [leaf, asn, "node specific"],
    ]);
    expect(plan.blocks.map((b) => [b.cidr, b.state])).toEqual([[block, "claimed"]]);
    expect(plan.dataplane.blackholes).toEqual([{ prefix: block, owner: "bird" }]);
  });
});

describe("render errors and options", () => {
  const files = {
    "n.yaml":
      "apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: n1}\nspec: {bgp: {ipv4Address: 10.0.0.1/24}}\n",
    "c.yaml":
      "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: default}\nspec:\n  serviceClusterIPs: [{cidr: 10.96.0.0/12}]\n",
  };

  it("reports an unknown node, listing the known ones", () => {
    const plan = renderNode(load(files).snapshot, "nope");
    expect(plan.errors).toEqual([
      { resource: "Node nope", message: 'no Node named "nope" in the datastore (known: n1)' },
    ]);
    expect(plan.peers).toEqual([]);
  });

  it("uses CALICO_ROUTER_ID verbatim, or as a hash, and rejects other values", () => {
    const s = load(files).snapshot;
    expect(renderNode(s, "n1", { routerId: "192.0.2.9" }).routerId).toBe("192.0.2.9");
    expect(renderNode(s, "n1", { routerId: "hash" }).routerId).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const bad = renderNode(s, "n1", { routerId: "router-1" });
    expect(bad.errors[0].message).toMatch(
      /CALICO_ROUTER_ID="router-1" is neither "hash" nor an IPv4 address/,
    );
  });

  it("lets CALICO_ADVERTISE_CLUSTER_IPS override serviceClusterIPs", () => {
    const plan = renderNode(load(files).snapshot, "n1", { advertiseClusterIps: "10.100.0.0/16" });
    expect(plan.originate).toEqual([{ prefix: "10.100.0.0/16", kind: "service" }]);
    expect(plan.dataplane.kernelPolicy.rejectCidrs).toEqual(["10.100.0.0/16"]);
  });

  it("includes load errors in the plan and the text output", () => {
    const r = load({
      ...files,
      "bad.yaml":
        "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: x}\nspec: {peerIP: 10.0.0.9, asNumber: 70000000000}\n",
    });
    const plan = renderNode(r.snapshot, "n1", { loadErrors: r.errors });
    expect(plan.errors).toHaveLength(1);
    expect(formatPlanText(plan, "config")).toContain(
      "config/bad.yaml:4 BGPPeer x: spec.asNumber: 70000000000 is not an AS number",
    );
  });
});

describe("the seed YAML is kept verbatim", () => {
  // The golden fixture seed-as-per-rack holds seed 000's AS-per-rack documents byte for byte
  // (below a one-line comment); config/ must carry the same text, so the default lab runs the
  // seed's YAML unchanged.
  it("config/as-per-rack.yaml contains seed 000's AS-per-rack YAML byte for byte", () => {
    const fixture = readFileSync(
      resolve(
        import.meta.dirname,
        "../../fixtures/calico/golden/seed-as-per-rack/input/as-per-rack.yaml",
      ),
      "utf8",
    );
    const seedText = fixture.slice(fixture.indexOf("\n") + 1);
    expect(seedText).toMatch(/^apiVersion: projectcalico\.org\/v3\nkind: BGPConfiguration/);
    expect(readFileSync(resolve(CONFIG, "as-per-rack.yaml"), "utf8")).toContain(seedText);
  });
});
