import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { Reconfigurer } from "../../../src/daemon/reconfigure.js";
import type { ReloadJson } from "../../../src/daemon/views.js";
import {
  dataplane,
  diffPlans,
  FakeConfigSource,
  FakeDataplane,
  FakeSpeaker,
  peer,
  plan,
} from "./fakes.js";

function setup(initial = plan({ peers: [peer("10.0.0.2"), peer("10.0.0.3")] })) {
  const source = new FakeConfigSource(initial);
  const calls: string[] = [];
  const speaker = new FakeSpeaker();
  const configure = speaker.configure.bind(speaker);
  speaker.configure = async (c) => {
    calls.push("speaker.configure");
    return configure(c);
  };
  const dp = new FakeDataplane(false, calls);
  const results: ReloadJson[] = [];
  let t = 0;
  const r = new Reconfigurer({
    source,
    diffPlans,
    speaker,
    dataplane: dp,
    logger: pino({ level: "silent" }),
    wallNow: () => 1_700_000_000_000 + t,
    monoNow: () => t++,
    onResult: (res) => results.push(res),
  });
  return { source, speaker, dp, r, calls, results };
}

describe("reconfigure: applying datastore snapshots", () => {
  it("applies the first plan to the dataplane, then the speaker", async () => {
    const { r, calls, speaker, dp } = setup();
    const res = await r.reload("start");
    expect(res).toMatchObject({
      applied: true,
      error: null,
      peersAdded: ["Node_10_0_0_2", "Node_10_0_0_3"],
    });
    expect(calls).toEqual(["dataplane.applyPlan", "speaker.configure"]);
    expect(speaker.configs).toHaveLength(1);
    expect(dp.plans).toHaveLength(1);
    expect(r.state().generation).toBe(1);
  });

  it("a new peer is added without resetting the others", async () => {
    const { r, source, speaker, dp } = setup();
    await r.reload("start");
    source.setPlan(plan({ peers: [peer("10.0.0.2"), peer("10.0.0.3"), peer("10.0.0.4")] }));
    const res = await r.reload("datastore");
    expect(res).toMatchObject({
      applied: true,
      peersAdded: ["Node_10_0_0_4"],
      peersRemoved: [],
      peersReset: [],
      dataplaneChanged: false,
    });
    expect(speaker.configs).toHaveLength(2);
    expect(dp.plans).toHaveLength(1); // dataplane untouched: nothing changed there
  });

  it("reports the sessions the speaker reset for a session-relevant change", async () => {
    const { r, source } = setup();
    await r.reload("start");
    source.setPlan(
      plan({
        peers: [peer("10.0.0.2", { asNumber: 65009 }), peer("10.0.0.3", { description: "x" })],
      }),
    );
    const res = await r.reload("sighup");
    expect(res.peersReset).toEqual(["Node_10_0_0_2"]);
    expect(res.peersSoft).toEqual(["Node_10_0_0_3"]);
  });

  it("a workload-only change goes to the dataplane and leaves the speaker alone", async () => {
    const { r, source, speaker, dp } = setup();
    await r.reload("start");
    const workloads = [
      { name: "cali1234567890a", addresses: ["10.244.0.5/32"], mac: null, endpoint: "ns/pod" },
    ];
    source.setPlan(
      plan({ peers: [peer("10.0.0.2"), peer("10.0.0.3")], dataplane: dataplane({ workloads }) }),
    );
    const res = await r.reload("datastore");
    expect(res).toMatchObject({ applied: true, dataplaneChanged: true, peersAdded: [] });
    expect(speaker.configs).toHaveLength(1);
    expect(dp.plans.at(-1)?.workloads).toEqual(workloads);
  });

  it("an identical snapshot changes nothing", async () => {
    const { r, speaker, dp, results } = setup();
    await r.reload("start");
    const res = await r.reload("control");
    expect(res).toMatchObject({ applied: false, unchanged: true, error: null });
    expect(speaker.configs).toHaveLength(1);
    expect(dp.plans).toHaveLength(1);
    expect(results.map((x) => x.unchanged)).toEqual([false, true]);
  });

  it("refuses an invalid change, keeps the last good plan, and clears the error once fixed", async () => {
    const { r, source, speaker } = setup();
    await r.reload("start");
    const good = r.plan;
    source.setErrors([
      {
        file: "/etc/wren/peers.yaml",
        line: 14,
        resource: "BGPPeer peer-tor",
        field: "spec.asNumber",
        message: '"65536x" is not an AS number',
      },
    ]);
    const res = await r.reload("datastore");
    expect(res.applied).toBe(false);
    expect(res.error).toBe(
      'peers.yaml:14 BGPPeer peer-tor: spec.asNumber: "65536x" is not an AS number',
    );
    expect(r.configError).toBe(res.error);
    expect(r.plan).toBe(good);
    expect(speaker.configs).toHaveLength(1);

    source.setPlan(plan({ peers: [peer("10.0.0.2")] }));
    const fixed = await r.reload("datastore");
    expect(fixed).toMatchObject({ applied: true, error: null, peersRemoved: ["Node_10_0_0_3"] });
    expect(r.configError).toBeNull();
  });

  it("a plan carrying render errors is refused as well", async () => {
    const { r, source } = setup();
    await r.reload("start");
    source.setPlan(
      plan({ errors: [{ resource: "Node node1", message: "spec.bgp.ipv4Address is missing" }] }),
    );
    const res = await r.reload("datastore");
    expect(res.error).toBe("Node node1: spec.bgp.ipv4Address is missing");
  });

  it("a change an engine rejects is refused and reported; at start the error propagates", async () => {
    const { r, source, speaker } = setup();
    speaker.failNext = new Error("listen EADDRINUSE");
    await expect(r.reload("start")).rejects.toThrow("EADDRINUSE");
    await r.reload("start");
    speaker.failNext = new Error("bad policy reference");
    source.setPlan(plan({ peers: [peer("10.0.0.9")] }));
    const res = await r.reload("datastore");
    expect(res.error).toMatch(/bad policy reference/);
    expect(r.configError).toMatch(/bad policy reference/);
  });

  it("claims pending IPAM blocks through the config source, then applies the re-read plan", async () => {
    const pending = plan({
      blocks: [
        { cidr: "10.244.1.0/26", pool: "default", state: "pending-claim", affinityState: "" },
      ],
    });
    const claimed = plan({
      blocks: [
        { cidr: "10.244.1.0/26", pool: "default", state: "claimed", affinityState: "confirmed" },
      ],
      dataplane: dataplane({ blackholes: [{ prefix: "10.244.1.0/26", owner: "bird" }] }),
    });
    const { r, source, dp } = setup(pending);
    source.afterClaim = { plan: claimed, errors: [], warnings: [] };
    const res = await r.reload("start");
    expect(res.blocksClaimed).toEqual(["10.244.1.0/26"]);
    expect(source.claims).toHaveLength(1);
    expect(dp.plans[0].blackholes).toEqual([{ prefix: "10.244.1.0/26", owner: "bird" }]);
    expect(r.plan?.blocks[0].state).toBe("claimed");
  });

  it("coalesces reloads requested while one runs into a single follow-up", async () => {
    const { r, source } = setup();
    await r.reload("start");
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const read = source.read.bind(source);
    let reading!: () => void;
    const started = new Promise<void>((resolve) => {
      reading = resolve;
    });
    source.read = async () => {
      reading();
      await gate;
      return read();
    };
    const readsBefore = source.reads;
    const first = r.reload("datastore");
    await started; // the first reload is now reading the datastore
    const second = r.reload("datastore");
    const third = r.reload("sighup");
    expect(third).toBe(second);
    expect(second).not.toBe(first);
    release();
    await Promise.all([first, second, third]);
    expect(source.reads - readsBefore).toBe(2);
  });

  it("triggers arriving before a queued reload starts share it", async () => {
    const { r, source } = setup();
    await r.reload("start");
    const readsBefore = source.reads;
    const a = r.reload("datastore");
    const b = r.reload("datastore");
    expect(b).toBe(a);
    await a;
    expect(source.reads - readsBefore).toBe(1);
  });
});

describe("control views", () => {
  it("show config never carries BGP passwords", async () => {
    const { redactSecrets, REDACTED } = await import("../../../src/daemon/control/handlers.js");
    const p = plan({ peers: [peer("10.0.0.2", { password: "s3cret" }), peer("10.0.0.3")] });
    const r = redactSecrets(p);
    expect(r.peers.map((x) => x.password)).toEqual([REDACTED, null]);
    expect(JSON.stringify(r)).not.toContain("s3cret");
    expect(p.peers[0].password).toBe("s3cret");
  });
});
