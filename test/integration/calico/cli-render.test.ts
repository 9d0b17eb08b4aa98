// `wren render` as a user runs it (compiled CLI from dist/): the documented JSON fields, the
// table, the BIRD format, exit statuses, errors with file:line, and that it never writes.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "dist/cli/main.js");
const work = mkdtempSync(join(tmpdir(), "wren-cli-render-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function wren(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, "render", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      NODENAME: "",
      CALICO_NODENAME: "",
      CALICO_ROUTER_ID: "",
      WREN_DATASTORE: "",
      ...env,
    },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("wren render", () => {
  it("prints the documented JSON for the default datastore", () => {
    const r = wren(["--node", "worker3.k8s.com", "--json"]);
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({
      node: "worker3.k8s.com",
      routerId: "30.0.0.23",
      asNumber: 65002,
      listen: { address: null, port: 179 },
      blocks: [{ cidr: "10.244.73.0/24", state: "claimed" }],
      errors: [],
    });
    expect(plan.peers).toEqual([
      expect.objectContaining({
        name: "Node_30_0_0_254",
        address: "30.0.0.254",
        port: 179,
        asNumber: 65002,
        type: "node specific",
        passive: false,
        rrClient: false,
        clusterId: null,
        nextHop: "auto",
        sourceAddress: "30.0.0.23",
        ttlSecurity: 0,
        gracefulRestartTime: 120,
      }),
    ]);
    expect(plan.originate).toEqual([
      { prefix: "10.96.0.0/12", kind: "service" },
      { prefix: "10.244.73.0/24", kind: "block" },
    ]);
  });

  it("prints a table by default and takes the node from NODENAME", () => {
    const r = wren([], { NODENAME: "worker1.k8s.com" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^node\s+worker1\.k8s\.com$/m);
    expect(r.stdout).toMatch(/Node_10_0_0_254\s+10\.0\.0\.254\s+179\s+65001\s+node specific/);
  });

  it("prints Calico's bird.cfg with --format bird", () => {
    const r = wren(["--node", "master1.k8s.com", "--format", "bird"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("router id 10.0.0.11;");
    expect(r.stdout).toContain("protocol bgp Node_10_0_0_254 from bgp_template {");
    expect(r.stdout).toContain("route 10.244.65.0/24 blackhole;");
  });

  it("redacts passwords unless asked", () => {
    const ds = join(ROOT, "test/fixtures/calico/golden/passwords/input");
    const hidden = JSON.parse(wren(["--datastore", ds, "--node", "p1", "--json"]).stdout);
    expect(hidden.peers.map((p: { password: string | null }) => p.password)).toEqual([
      "<redacted>",
      "<redacted>",
      null,
    ]);
    const shown = JSON.parse(
      wren(["--datastore", ds, "--node", "p1", "--json", "--show-passwords"]).stdout,
    );
    expect(shown.peers.map((p: { password: string | null }) => p.password)).toEqual([
      "s3cret-tor",
      "mesh-pass",
      null,
    ]);
  });

  it("shows errors with file:line and exits 1, still printing the plan", () => {
    const ds = join(work, "broken");
    cpSync(join(ROOT, "config"), ds, { recursive: true });
    writeFileSync(
      join(ds, "peers.yaml"),
      'apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: worker1.peer-tor2\nspec:\n  node: worker1.k8s.com\n  peerIP: 10.0.0.253\n  asNumber: "65536x"\n',
    );
    const r = wren(["--datastore", ds, "--node", "worker1.k8s.com"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      `${ds}/peers.yaml:8 BGPPeer worker1.peer-tor2: spec.asNumber: "65536x" is not an AS number`,
    );
    expect(r.stdout).toContain("Node_10_0_0_254");
  });

  it("never writes to the datastore, even when blocks are still to be claimed", () => {
    const ds = join(work, "fresh");
    cpSync(join(ROOT, "test/fixtures/calico/golden/seed-as-per-node/input"), ds, {
      recursive: true,
    });
    const before = readdirSync(ds, { recursive: true }).sort();
    const r = wren(["--datastore", ds, "--node", "worker3.k8s.com"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/10\.244\.0\.0\/24\s+default-ipv4-ippool\s+to be claimed/);
    expect(readdirSync(ds, { recursive: true }).sort()).toEqual(before);
  });

  it("exits 1 for an unknown node and 2 for bad usage", () => {
    const unknown = wren(["--node", "nope", "--json"]);
    expect(unknown.status).toBe(1);
    expect(JSON.parse(unknown.stdout).errors[0].message).toMatch(/no Node named "nope"/);
    expect(wren(["--format", "yaml"]).status).toBe(2);
    expect(wren(["--bogus"]).status).toBe(2);
  });

  it("reports a missing datastore directory", () => {
    const r = wren(["--datastore", join(work, "does-not-exist"), "--node", "x"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot read datastore directory/);
  });
});
