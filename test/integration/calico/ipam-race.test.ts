// Several wren processes sharing one datastore directory (as containerlab binds it into every
// node) race to claim IPAM blocks and allocate addresses. Each round starts all competitors,
// releases them at once, and checks that no block and no address was handed out twice — also
// when there are fewer free blocks than claimers, when they all ask for one handle's addresses
// (one pair results) or for one chosen address. Runs the compiled IPAM from dist/.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../../..");
const DIST = pathToFileURL(join(ROOT, "dist/calico/index.js")).href;
const WORKER = join(ROOT, "test/fixtures/calico/ipam-race-worker.mjs");

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function datastore(nodes: number, poolCidr: string, blockSize: number, v6 = false): string {
  const dir = mkdtempSync(join(tmpdir(), "wren-ipam-race-"));
  dirs.push(dir);
  const docs = Array.from(
    { length: nodes },
    (_, i) =>
      `apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: node-${i}}\nspec: {bgp: {ipv4Address: 10.0.${i >> 8}.${i & 255}/16}}\n`,
  );
  writeFileSync(join(dir, "nodes.yaml"), docs.join("---\n"));
  writeFileSync(
    join(dir, "pool.yaml"),
    `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: ${poolCidr}, blockSize: ${blockSize}}\n${
      v6
        ? "---\napiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p6}\nspec: {cidr: 'fd00:10:244::/64', blockSize: 122}\n"
        : ""
    }`,
  );
  return dir;
}

/** Runs one competitor per entry, released together; resolves with their parsed outputs. */
async function race(
  dir: string,
  jobs: {
    node: string;
    mode: "claim" | "allocate" | "same-handle" | "chosen";
    count?: number;
    address?: string;
  }[],
): Promise<string[][]> {
  const go = join(dir, ".go");
  const runs = jobs.map(
    (j) =>
      new Promise<string[]>((ok, fail) => {
        const child = spawn(
          process.execPath,
          [WORKER, DIST, dir, j.node, j.mode, String(j.count ?? 1), go, j.address ?? ""],
          {
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => {
          out += d;
        });
        child.stderr.on("data", (d) => {
          err += d;
        });
        child.on("error", fail);
        child.on("close", (code) =>
          code === 0
            ? ok(JSON.parse(out) as string[])
            : fail(new Error(`worker ${j.node} exited ${code}: ${err}`)),
        );
      }),
  );
  // Let every process load and block on the start file, then release them together.
  await new Promise((r) => setTimeout(r, 800));
  writeFileSync(go, "");
  return Promise.all(runs);
}

describe("IPAM shared by racing processes", () => {
  it.each([1, 2, 3, 4])("round %i: 10 nodes claim at once, every block exactly once", async () => {
    const dir = datastore(10, "10.244.0.0/16", 26);
    const results = await race(
      dir,
      Array.from({ length: 10 }, (_, i) => ({ node: `node-${i}`, mode: "claim" as const })),
    );
    const claimed = results.flat();
    expect(claimed).toHaveLength(10);
    expect(new Set(claimed).size).toBe(10);
    const files = readdirSync(join(dir, "ipam/blocks"));
    expect(files).toHaveLength(10);
  });

  it("with 3 free blocks and 10 claimers, exactly 3 win", async () => {
    const dir = datastore(10, "10.244.0.0/24", 26);
    writeFileSync(
      join(dir, "pinned.yaml"),
      "apiVersion: projectcalico.org/v3\nkind: BlockAffinity\nmetadata: {name: pinned}\nspec: {node: elsewhere, cidr: 10.244.0.64/26}\n",
    );
    const results = await race(
      dir,
      Array.from({ length: 10 }, (_, i) => ({ node: `node-${i}`, mode: "claim" as const })),
    );
    const claimed = results.flat().sort();
    expect(claimed).toEqual(["10.244.0.0/26", "10.244.0.128/26", "10.244.0.192/26"]);
    expect(results.filter((r) => r.length === 0)).toHaveLength(7);
  });

  it("8 processes allocating 5 addresses each on one node get 40 distinct addresses", async () => {
    const dir = datastore(1, "10.244.0.0/16", 26);
    const results = await race(
      dir,
      Array.from({ length: 8 }, () => ({ node: "node-0", mode: "allocate" as const, count: 5 })),
    );
    const ips = results.flat();
    expect(ips).toHaveLength(40);
    expect(new Set(ips).size).toBe(40);
    expect(readdirSync(join(dir, "ipam/allocations"))).toHaveLength(40);
  });

  it("6 processes asking for one handle's IPv4 and IPv6 addresses all get the same pair", async () => {
    const dir = datastore(1, "10.244.0.0/16", 26, true);
    const results = await race(
      dir,
      Array.from({ length: 6 }, () => ({ node: "node-0", mode: "same-handle" as const })),
    );
    expect(new Set(results.map((r) => r.join(" "))).size).toBe(1);
    const [v4, v6] = results[0];
    expect(v4).toMatch(/^10\.244\.0\./);
    expect(v6).toMatch(/^fd00:10:244::/);
    expect(readdirSync(join(dir, "ipam/allocations")).sort()).toEqual([`${v4}.json`, `${v6}.json`]);
  });

  it("8 processes on 4 nodes asking for one chosen address in an unclaimed block: one gets it", async () => {
    const dir = datastore(4, "10.244.0.0/16", 26);
    const results = await race(
      dir,
      Array.from({ length: 8 }, (_, i) => ({
        node: `node-${i % 4}`,
        mode: "chosen" as const,
        address: "10.244.9.9",
      })),
    );
    expect(results.flat()).toEqual(["10.244.9.9"]);
    expect(readdirSync(join(dir, "ipam/blocks"))).toEqual(["10.244.9.0-26.yaml"]);
    expect(readdirSync(join(dir, "ipam/allocations"))).toEqual(["10.244.9.9.json"]);
  });
});
