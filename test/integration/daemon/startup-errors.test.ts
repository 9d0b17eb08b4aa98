// Start-up errors of the real daemon, in a namespace: each ends with one line on stderr saying
// what is wrong and how to fix it, and the documented exit status (docs/operations.md).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lab } from "../../harness/netns.js";
import { skipReason } from "../../harness/tools.js";
import { sleep } from "../../harness/wait.js";
import { runWrenOnce, wrenBuildMissing } from "./wren-process.js";

const NODE_YAML = `apiVersion: projectcalico.org/v3
kind: Node
metadata:
  name: n1
spec:
  bgp:
    asNumber: 64512
    ipv4Address: 10.0.0.11/24
`;

function datastore(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const why = skipReason() ?? wrenBuildMissing();

describe.skipIf(why !== undefined)(
  `wren run start-up errors${why ? ` (skipped: ${why})` : ""}`,
  () => {
    let lab: Lab;
    let dir: string;

    beforeAll(async () => {
      lab = await Lab.create();
      await lab.addNode("n1");
      dir = lab.dir("n1", "errs");
    });
    afterAll(() => lab?.cleanup());

    function lastLine(text: string): string {
      return text.trimEnd().split("\n").at(-1) ?? "";
    }

    it("a missing datastore directory: exit 3, one line naming it and --datastore", async () => {
      const r = await runWrenOnce(lab, "n1", [
        "--datastore",
        join(dir, "nope"),
        "--node",
        "n1",
        "--control",
        join(dir, "a.sock"),
      ]);
      expect(r.code).toBe(3);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(lastLine(r.stderr)).toMatch(
        /^wren: datastore directory .*\/nope does not exist \(ENOENT\); pass --datastore DIR/,
      );
    });

    it("not root: exit 4, one line naming the capabilities and how to get them", async () => {
      const ds = join(dir, "ds");
      mkdirSync(ds, { recursive: true });
      writeFileSync(join(ds, "empty.yaml"), "");
      const r = await runWrenOnce(
        lab,
        "n1",
        ["--datastore", ds, "--node", "n1", "--control", join(dir, "b.sock"), "--http", "none"],
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"],
      );
      expect(r.code).toBe(4);
      expect(lastLine(r.stderr)).toMatch(
        /^wren: wren needs CAP_NET_ADMIN to program kernel routes; run it as root/,
      );
    });

    it("a node that is not in the datastore: exit 3, naming the node and --node", async () => {
      const ds = datastore(join(dir, "ds-other"), {
        "node.yaml": NODE_YAML.replace("name: n1", "name: other"),
      });
      const r = await runWrenOnce(lab, "n1", [
        "--datastore",
        ds,
        "--node",
        "n1",
        "--control",
        join(dir, "c.sock"),
        "--http",
        "none",
      ]);
      expect(r.code).toBe(3);
      expect(lastLine(r.stderr)).toBe(
        `wren: node "n1" is not in the datastore ${ds} (no Node resource with that name); pass --node NAME or set NODENAME to one of its nodes, or add a Node resource for it`,
      );
    });

    it("an invalid datastore at start: exit 3, naming file, line, resource and field", async () => {
      const ds = datastore(join(dir, "ds-bad"), {
        "node.yaml": NODE_YAML,
        "peers.yaml":
          "apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: tor\nspec:\n  peerIP: 10.0.0.254\n  asNumber: 65536x\n",
      });
      const r = await runWrenOnce(lab, "n1", [
        "--datastore",
        ds,
        "--node",
        "n1",
        "--control",
        join(dir, "d.sock"),
        "--http",
        "none",
      ]);
      expect(r.code).toBe(3);
      expect(lastLine(r.stderr)).toMatch(
        /^wren: configuration in .*ds-bad is invalid: peers\.yaml:7 BGPPeer tor: spec\.asNumber: .*65536x/,
      );
    });

    it("port 179 taken by another process: exit 5, saying so and what to do", async () => {
      const ds = datastore(join(dir, "ds-ok"), { "node.yaml": NODE_YAML });
      const holder = await lab.spawn("n1", "holder", process.execPath, [
        "-e",
        "require('node:net').createServer().listen(179, '::'); setInterval(() => {}, 1e6)",
      ]);
      try {
        await sleep(300);
        const r = await runWrenOnce(lab, "n1", [
          "--datastore",
          ds,
          "--node",
          "n1",
          "--control",
          join(dir, "e.sock"),
          "--http",
          "none",
        ]);
        expect(r.code).toBe(5);
        expect(lastLine(r.stderr)).toMatch(
          /^wren: BGP port \[::\]:179 is already in use .*; stop it or set BGPConfiguration spec\.listenPort$/,
        );
      } finally {
        await lab.stop(holder, 1000);
      }
    });

    it("bad flags: exit 2 with the usage", async () => {
      const r = await runWrenOnce(lab, "n1", ["--http", "9099"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('--http "9099" is not ADDR:PORT');
      expect(r.stderr).toContain("usage: wren run");
    });
  },
);
