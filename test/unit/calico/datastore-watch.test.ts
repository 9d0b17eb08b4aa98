// The watched directory datastore: changes become new snapshots; a change that fails validation
// is reported and the last good snapshot stays current; fixing it brings a new snapshot.
// (Waits are for events, with generous limits; nothing asserts how fast they come.)
import { afterEach, describe, expect, it } from "vitest";
import { CalicoConfigSource } from "../../../src/calico/config-source.js";
import type { DatastoreEvent } from "../../../src/calico/datastore/datastore.js";
import { DirectoryDatastore } from "../../../src/calico/datastore/directory-datastore.js";
import { makeDatastore } from "./tmpdir.js";

const node = (name: string, ip: string) =>
  `apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: ${name}}\nspec: {bgp: {ipv4Address: ${ip}/24}}\n`;
const peer = (asn: string) =>
  `apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: worker1.peer-tor\nspec:\n  node: a\n  peerIP: 10.0.0.254\n  asNumber: ${asn}\n`;

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

function nextEvent(ds: DirectoryDatastore, type: DatastoreEvent["type"]): Promise<DatastoreEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${type} event within 10 s`)), 10_000);
    const off = ds.onChange((e) => {
      if (e.type !== type) return;
      clearTimeout(timer);
      off();
      resolve(e);
    });
  });
}

async function started(files: Record<string, string>) {
  const s = makeDatastore(files);
  closers.push(s.cleanup);
  const ds = new DirectoryDatastore({ root: s.dir, debounceMs: 20, rescanMs: 500 });
  closers.push(() => ds.close());
  await ds.start();
  return { s, ds };
}

describe("DirectoryDatastore", () => {
  it("publishes a new snapshot when a file changes", async () => {
    const { s, ds } = await started({ "n.yaml": node("a", "10.0.0.1") });
    expect(ds.current()?.nodes.map((n) => n.name)).toEqual(["a"]);
    const event = nextEvent(ds, "snapshot");
    s.write("more/b.yaml", node("b", "10.0.0.2"));
    const e = await event;
    expect(e.type === "snapshot" && e.snapshot.nodes.map((n) => n.name)).toEqual(["a", "b"]);
    expect(ds.current()?.nodes).toHaveLength(2);
  });

  it("keeps the last good snapshot when a change is invalid, and recovers when it is fixed", async () => {
    const { s, ds } = await started({
      "n.yaml": node("a", "10.0.0.1"),
      "peers.yaml": peer("65001"),
    });
    const good = ds.current()!;
    const invalid = nextEvent(ds, "invalid");
    s.write("peers.yaml", peer('"65536x"'));
    const e = await invalid;
    expect(
      e.type === "invalid" &&
        e.errors.map((m) => `${m.file}:${m.line} ${m.resource}: ${m.field}: ${m.message}`),
    ).toEqual([
      'peers.yaml:8 BGPPeer worker1.peer-tor: spec.asNumber: "65536x" is not an AS number',
    ]);
    expect(e.type === "invalid" && e.kept).toBe(good);
    expect(ds.current()).toBe(good);
    expect(ds.current()?.bgpPeers[0].spec.asNumber).toBe(65001);
    expect(ds.status()).toMatchObject({ revision: good.revision, rejected: 1 });
    expect(ds.status().errors).toHaveLength(1);

    const fixed = nextEvent(ds, "snapshot");
    s.write("peers.yaml", peer("65002"));
    await fixed;
    expect(ds.current()?.bgpPeers[0].spec.asNumber).toBe(65002);
    expect(ds.status().errors).toEqual([]);
  });

  it("starts without a snapshot when the first load is invalid", async () => {
    const { ds } = await started({ "n.yaml": "kind: Node\nmetadata: {name: a}\n" });
    expect(ds.current()).toBeNull();
    expect(ds.status().errors[0].message).toMatch(/is required/);
  });

  it("ignores wren's IPAM bookkeeping and unchanged rewrites", async () => {
    const { s, ds } = await started({ "n.yaml": node("a", "10.0.0.1") });
    const events: DatastoreEvent[] = [];
    ds.onChange((e) => events.push(e));
    s.write("ipam/allocations/10.244.0.1.json", "{}");
    s.write("n.yaml", node("a", "10.0.0.1"));
    await ds.reload();
    expect(events).toEqual([]);
  });
});

describe("CalicoConfigSource", () => {
  it("reads plans, claims pending blocks and reports changes", async () => {
    const s = makeDatastore({
      "n.yaml": node("a", "10.0.0.1"),
      "p.yaml":
        "apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: 10.244.0.0/16}\n",
    });
    closers.push(s.cleanup);
    const source = new CalicoConfigSource({
      datastore: s.dir,
      node: "a",
      debounceMs: 20,
      rescanMs: 500,
    });
    closers.push(() => source.close());
    const first = await source.read();
    expect(first.errors).toEqual([]);
    expect(first.plan?.blocks[0]).toMatchObject({ cidr: "10.244.0.0/26", state: "pending-claim" });
    const changed = new Promise<void>((resolve) => source.watch(resolve));
    await source.watching();
    expect(await source.claimBlocks(first.plan!)).toEqual(["10.244.0.0/26"]);
    await changed;
    const second = await source.read();
    expect(second.plan?.blocks[0]).toMatchObject({ cidr: "10.244.0.0/26", state: "claimed" });
    expect(second.plan?.originate).toEqual([{ prefix: "10.244.0.0/26", kind: "block" }]);
  });
});
