// Graceful restart with BIRD 2 in both directions: wren restarting (graceful stop, start with
// --restarted) while BIRD keeps wren's routes (BIRD shows "Neighbor graceful restart active"); BIRD restarting (`birdc graceful restart`, then
// started again) while wren keeps BIRD's routes as stale until BIRD's End-of-RIB.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteView } from "../../../src/common/contracts/speaker.js";
import { Lab, skipReason, startBird, waitFor, waitUntil } from "../../harness/index.js";
import { ribMissing, SpeakerProcess, speakerJson, wrenBuildMissing } from "./speaker-process.js";

const skip = skipReason("bird2") ?? wrenBuildMissing() ?? ribMissing();

const BIRD = `router id 10.0.50.2;
protocol device { }
protocol static { ipv4; route 10.150.0.0/24 blackhole; }
protocol bgp wren { local 10.0.50.2 as 65050; neighbor 10.0.50.1 as 65001;
  hold time 9; keepalive time 3; connect delay time 1; connect retry time 1; error wait time 1, 5;
  graceful restart on; graceful restart time 60;
  ipv4 { import all; export all; }; }
`;

const wrenConfig = speakerJson({
  routerId: "10.0.50.1",
  asNumber: 65001,
  originate: ["10.151.0.0/24"],
  peers: [
    {
      name: "bird",
      address: "10.0.50.2",
      asNumber: 65050,
      holdTime: 9,
      connectRetryTime: 1,
      exportPolicy: ["all"],
    },
  ],
  extra: {
    policies: [{ name: "all", statements: [{ result: "accept" }] }],
    gracefulRestart: { enabled: true, restartTime: 60, convergenceTimeout: 10 },
  },
});

describe.skipIf(skip)(`graceful restart with BIRD 2${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await Lab.create();
    await lab.addNode("wren");
    await lab.addNode("bird");
    await lab.link("wren", "eth0", "bird", "eth0", {
      addrA: "10.0.50.1/30",
      addrB: "10.0.50.2/30",
    });
  });
  afterAll(() => lab?.cleanup());

  const wrenRoute = async (wren: SpeakerProcess, prefix: string) =>
    ((await wren.command({ cmd: "routes", prefix })).result as RouteView[])[0];

  it("wren restarts gracefully: BIRD keeps wren's route, then refreshes it", async () => {
    const bird = await startBird(lab, "bird", BIRD, { variant: "2" });
    let wren = await SpeakerProcess.start(lab, "wren", wrenConfig);
    try {
      await wren.waitEstablished("bird");
      await waitFor("BIRD to have wren's route", async () =>
        (await bird.routes()).some((r) => r.prefix === "10.151.0.0/24"),
      );
      await wren.stop("graceful");
      await new Promise((r) => setTimeout(r, 1500));
      const held = await bird.birdc("show", "route", "all", "10.151.0.0/24");
      expect(held).toContain("10.151.0.0/24");
      expect(await bird.birdc("show", "protocols", "all", "wren")).toContain(
        "Neighbor graceful restart active",
      );
      wren = await SpeakerProcess.start(lab, "wren", wrenConfig, { args: ["--restarted"] });
      await wren.waitEstablished("bird");
      await waitUntil(
        "BIRD to end graceful restart with wren's route in place",
        async () => [
          await bird.birdc("show", "protocols", "all", "wren"),
          await bird.birdc("show", "route", "10.151.0.0/24"),
        ],
        ([proto, route]) =>
          proto.includes("Established") &&
          !proto.includes("graceful restart active") &&
          route.includes("10.151.0.0/24"),
        { timeoutMs: 30_000 },
      );
    } finally {
      await wren.stop("withdraw");
      await bird.stop();
    }
  });

  it("BIRD restarts gracefully: wren keeps BIRD's route as stale until BIRD is back", async () => {
    const bird = await startBird(lab, "bird", BIRD, { variant: "2" });
    const wren = await SpeakerProcess.start(lab, "wren", wrenConfig);
    try {
      await wren.waitEstablished("bird");
      await waitUntil(
        "wren to learn BIRD's route",
        () => wrenRoute(wren, "10.150.0.0/24"),
        (r) => r !== undefined,
        { timeoutMs: 30_000 },
      );
      await bird.birdc("graceful", "restart");
      await wren.waitPeer("bird", "session down", (p) => p.bgpState !== "Established", 20_000);
      const stale = await wrenRoute(wren, "10.150.0.0/24");
      expect(stale?.paths[0].stale).toBe(true);
      await bird.restart();
      await wren.waitEstablished("bird", 30_000);
      await waitUntil(
        "the route to be fresh again",
        () => wrenRoute(wren, "10.150.0.0/24"),
        (r) => r !== undefined && !r.paths[0].stale,
        { timeoutMs: 30_000 },
      );
    } finally {
      await wren.stop("withdraw");
      await bird.stop();
    }
  });
});
