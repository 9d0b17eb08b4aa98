// The CLI commands against a daemon running with fake engines: argument handling, JSON and text
// output, exit statuses, and the messages for a daemon that is not running.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run as reload } from "../../../src/cli/commands/reload.js";
import { run as show } from "../../../src/cli/commands/show.js";
import { run as status } from "../../../src/cli/commands/status.js";
import { request } from "../../../src/cli/ctl-client.js";
import { Daemon } from "../../../src/daemon/daemon.js";
import {
  captureLogger,
  FakeConfigSource,
  type FakeSpeaker,
  fakeEngines,
  peer,
  plan,
} from "../daemon/fakes.js";
import { capture } from "./capture-output.js";

let dir: string;
let sock: string;
let daemon: Daemon;
let speaker: FakeSpeaker;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "wren-cli-"));
  mkdirSync(join(dir, "config"));
  sock = join(dir, "wren.sock");
  const { engines, created } = fakeEngines(
    new FakeConfigSource(plan({ peers: [peer("10.0.0.2")] })),
  );
  daemon = new Daemon(
    {
      datastore: join(dir, "config"),
      node: "node1",
      controlSocket: sock,
      http: null,
      logLevel: "info",
      graceful: true,
      stateFile: join(dir, "node1.state"),
    },
    { engines, logger: captureLogger().logger, checks: { privileges: false, bgpPort: false } },
  );
  await daemon.start();
  speaker = created.speaker!;
  const p = (prefix: string) => ({
    prefix,
    paths: [
      {
        peer: "10.0.0.2",
        nexthop: "10.0.0.2",
        asPath: "65001",
        origin: "igp" as const,
        med: null,
        localPref: 100,
        communities: [],
        largeCommunities: [],
        extendedCommunities: [],
        originatorId: null,
        clusterList: [],
        pathId: null,
        best: true,
        multipath: false,
        stale: false,
        reason: "only path",
        age: 1,
      },
    ],
  });
  speaker.routeViews = [p("10.244.1.0/26"), p("10.244.2.0/26"), p("10.244.3.0/26")];
});

afterAll(async () => {
  await daemon.stop("test end");
  rmSync(dir, { recursive: true, force: true });
});

describe("CLI commands", () => {
  it("status --json prints the status object", async () => {
    const r = await capture(() => status(["--json", "--control", sock]));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      node: "node1",
      peers: [{ address: "10.0.0.2" }],
      config: { ok: true },
    });
  });

  it("status prints the table", async () => {
    const r = await capture(() => status(["--control", sock]));
    expect(r.out).toContain("| 10.0.0.2     | node specific | start |");
  });

  it("show routes passes the limit and reports truncation", async () => {
    const r = await capture(() => show(["routes", "--limit", "2", "--control", sock]));
    expect(r.code).toBe(0);
    expect(r.out).toContain("Displayed 2 routes and 2 paths (more matched");
    expect(speaker.queries.at(-1)).toEqual({ all: false, limit: 3 });
  });

  it("show routes PREFIX --peer canonicalises the query and asks for all paths", async () => {
    const r = await capture(() =>
      show(["routes", "10.244.1.7/26", "--peer", "10.0.0.2", "--control", sock]),
    );
    expect(r.code).toBe(0);
    expect(speaker.queries.at(-1)).toEqual({
      prefix: "10.244.1.0/26",
      peer: "10.0.0.2",
      all: true,
      limit: 10001,
    });
  });

  it("show routes with a bad prefix exits 1 naming it", async () => {
    const r = await capture(() => show(["routes", "10.244.1.0/40", "--control", sock]));
    expect(r.code).toBe(1);
    expect(r.err).toContain('"10.244.1.0/40" is not a prefix');
  });

  it("usage errors exit 2", async () => {
    expect((await capture(() => show(["nonsense", "--control", sock]))).code).toBe(2);
    expect(
      (await capture(() => show(["config", "--peer", "1.2.3.4", "--control", sock]))).err,
    ).toContain('--peer does not apply to "show config"');
    expect((await capture(() => status(["--bogus"]))).code).toBe(2);
  });

  it("show protocols NAME gives the detail of that session, unknown names fail", async () => {
    const ok = await capture(() => show(["protocols", "10.0.0.2", "--control", sock]));
    expect(ok.code).toBe(0);
    expect(ok.out).toContain("Neighbor address:     10.0.0.2");
    const bad = await capture(() => show(["protocols", "10.9.9.9", "--control", sock]));
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('no BGP session named or addressed "10.9.9.9"');
  });

  it("reload --json reports an unchanged datastore", async () => {
    const r = await capture(() => reload(["--json", "--control", sock]));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ unchanged: true, error: null });
  });

  it("says how to start wren when nothing listens on the socket", async () => {
    await expect(request("status", {}, { socket: join(dir, "absent.sock") })).rejects.toThrow(
      /wren is not running \(no control socket at .*absent\.sock\); start it with `wren run`/,
    );
    const r = await capture(() => status(["--control", join(dir, "absent.sock")]));
    expect(r.code).toBe(1);
  });
});
