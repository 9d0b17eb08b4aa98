// Plan diffs for reloads: adding a node or a peer only adds sessions; session-relevant changes
// reset exactly the affected session; policy changes are soft.
import { describe, expect, it } from "vitest";
import { diffPlans, planDiffIsEmpty } from "../../../src/calico/render/plan-diff.js";
import { renderNode } from "../../../src/calico/render/render-node.js";
import { load, yaml } from "./helpers.js";

const node = (name: string, ip: string) =>
  yaml(`
    apiVersion: projectcalico.org/v3
    kind: Node
    metadata:
      name: ${name}
    spec:
      bgp:
        ipv4Address: ${ip}/24
  `);

const base: Record<string, string> = {
  "nodes.yaml": [node("a", "10.0.0.1"), node("b", "10.0.0.2"), node("c", "10.0.0.3")].join("---\n"),
  "pool.yaml":
    "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.244.0.0/16}\n",
  "tor.yaml":
    "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: tor}\nspec: {peerIP: 10.0.0.254, asNumber: 65000}\n",
};

function planOf(files: Record<string, string>, nodeName = "a") {
  const r = load(files);
  expect(r.errorLines).toEqual([]);
  return renderNode(r.snapshot, nodeName);
}

describe("diffPlans", () => {
  const before = planOf(base);

  it("reports nothing for the same input", () => {
    const d = diffPlans(before, planOf(base));
    expect(planDiffIsEmpty(d)).toBe(true);
  });

  it("adding a node only adds its mesh session", () => {
    const after = planOf({ ...base, "d.yaml": node("d", "10.0.0.4") });
    expect(diffPlans(before, after)).toEqual({
      peersAdded: ["Mesh_10_0_0_4"],
      peersRemoved: [],
      peersReset: [],
      peersSoft: [],
      globalChanged: [],
      originateChanged: false,
      policiesChanged: false,
      dataplaneChanged: false,
    });
  });

  it("removing a node only removes its session", () => {
    const after = planOf({
      ...base,
      "nodes.yaml": [node("a", "10.0.0.1"), node("b", "10.0.0.2")].join("---\n"),
    });
    const d = diffPlans(before, after);
    expect(d.peersRemoved).toEqual(["Mesh_10_0_0_3"]);
    expect([...d.peersAdded, ...d.peersReset, ...d.peersSoft]).toEqual([]);
  });

  it("a password change resets only that session", () => {
    const secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {k: pw}\n";
    const withPw =
      "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: tor}\nspec:\n  peerIP: 10.0.0.254\n  asNumber: 65000\n  password: {secretKeyRef: {name: s, key: k}}\n";
    const d = diffPlans(before, planOf({ ...base, "s.yaml": secret, "tor.yaml": withPw }));
    expect(d.peersReset).toEqual(["Global_10_0_0_254"]);
    expect([...d.peersAdded, ...d.peersRemoved, ...d.peersSoft]).toEqual([]);
  });

  it("an AS change of the external peer resets it", () => {
    const d = diffPlans(
      before,
      planOf({ ...base, "tor.yaml": base["tor.yaml"].replace("65000", "65001") }),
    );
    expect(d.peersReset).toEqual(["Global_10_0_0_254"]);
  });

  it("a next-hop mode or filter change is soft", () => {
    const filter =
      "apiVersion: projectcalico.org/v3\nkind: BGPFilter\nmetadata: {name: f}\nspec:\n  exportV4:\n  - {action: Reject, cidr: 10.244.9.0/24, matchOperator: Equal}\n";
    const tor =
      "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: tor}\nspec: {peerIP: 10.0.0.254, asNumber: 65000, nextHopMode: Self, filters: [f]}\n";
    const d = diffPlans(before, planOf({ ...base, "f.yaml": filter, "tor.yaml": tor }));
    expect(d.peersSoft).toEqual(["Global_10_0_0_254"]);
    expect(d.peersReset).toEqual([]);
    expect(d.policiesChanged).toBe(true);
  });

  it("a new block changes originate, policies and dataplane but no session", () => {
    const aff =
      "apiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata: {name: a-blk}\nspec: {node: a, cidr: 10.244.7.0/26, state: confirmed}\n";
    const d = diffPlans(before, planOf({ ...base, "aff.yaml": aff }));
    expect(d).toMatchObject({
      originateChanged: true,
      policiesChanged: true,
      dataplaneChanged: true,
      peersReset: [],
      peersSoft: [],
    });
  });

  it("a listen port change is a global change", () => {
    const cfg =
      "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata: {name: node.a}\nspec: {listenPort: 1790}\n";
    const d = diffPlans(before, planOf({ ...base, "cfg.yaml": cfg }));
    expect(d.globalChanged).toEqual(["listen"]);
  });
});
