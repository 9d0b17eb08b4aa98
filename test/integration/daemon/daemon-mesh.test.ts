// Two wren instances on one machine, one per network namespace, sharing one datastore (as a
// containerlab bind mount does): each with its own control socket, both on the default health
// port 127.0.0.1:9099 (per namespace), in Calico's node-to-node mesh with each other; each node
// claims its own IPAM block and installs the other's.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lab, skipReason, waitUntil } from "../../harness/index.js";
import { WrenProcess, wrenBuildMissing } from "./wren-process.js";

const skip = skipReason() ?? wrenBuildMissing();

const DATASTORE = `apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: n1
spec:
  bgp:
    ipv4Address: 10.0.0.1/24
---
apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: n2
spec:
  bgp:
    ipv4Address: 10.0.0.2/24
---
apiVersion: projectcalico.org/v3
kind: IPPool
metadata:
  name: pods
spec:
  cidr: 10.244.0.0/16
  blockSize: 26
  ipipMode: Never
  vxlanMode: Never
`;

describe.skipIf(skip)(
  `two wren nodes in a mesh on one machine${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    let lab: Lab;
    const nodes: WrenProcess[] = [];

    beforeAll(async () => {
      lab = await Lab.create();
      await lab.addNode("n1");
      await lab.addNode("n2");
      await lab.link("n1", "eth0", "n2", "eth0", { addrA: "10.0.0.1/24", addrB: "10.0.0.2/24" });
      const ds = lab.dir("shared", "ds");
      writeFileSync(join(ds, "cluster.yaml"), DATASTORE);
      for (const n of ["n1", "n2"])
        nodes.push(await WrenProcess.start(lab, { labNode: n, node: n, datastore: ds }));
    });

    afterAll(async () => {
      for (const n of nodes) await n.stop().catch(() => {});
      await lab?.cleanup();
    });

    it("each instance has its own control socket and its own 127.0.0.1:9099", async () => {
      expect(nodes[0].control).not.toBe(nodes[1].control);
      for (const n of nodes) {
        expect((await n.status()).node).toBe(n.opts.node);
        expect((await n.http("/livez")).status).toBe(200);
      }
    });

    it("the nodes mesh with each other and report it calicoctl-style", async () => {
      for (const [i, n] of nodes.entries()) {
        const other = i === 0 ? "10.0.0.2" : "10.0.0.1";
        const s = await waitUntil(
          `${n.opts.node} to establish the mesh session`,
          () => n.status(),
          (x) => x.peers.some((p) => p.address === other && p.bgpState === "Established"),
        );
        expect(s.peers).toHaveLength(1);
        expect(s.peers[0]).toMatchObject({
          type: "node-to-node mesh",
          asNumber: 64512,
          state: "up",
        });
        const text = await n.cli(["status"]);
        expect(text.stdout).toMatch(
          new RegExp(`\\| ${other.replace(/\./g, "\\.")} +\\| node-to-node mesh \\| up +\\|`),
        );
        expect((await n.http("/readyz")).status).toBe(200);
      }
    });

    it("each node claims its own block and installs the other's", async () => {
      const blocks = await Promise.all(
        nodes.map(async (n) => (await n.config()).plan!.blocks.map((b) => b.cidr)),
      );
      expect(blocks[0]).toHaveLength(1);
      expect(blocks[1]).toHaveLength(1);
      expect(blocks[0][0]).not.toBe(blocks[1][0]);
      for (const [i, n] of nodes.entries()) {
        const otherBlock = blocks[1 - i][0];
        const via = i === 0 ? "10.0.0.2" : "10.0.0.1";
        await waitUntil(
          `${n.opts.node} to install ${otherBlock}`,
          async () => (await lab.exec(n.opts.labNode, "ip", ["-4", "route"])).stdout,
          (out) => out.includes(`${otherBlock} via ${via} dev eth0 proto bird`),
        );
      }
    });
  },
);
