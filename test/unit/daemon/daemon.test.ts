// The daemon's wiring and life cycle with in-test fake engines: control socket, health,
// reload, stop modes, restart detection, start-up errors. The real engines are exercised by
// test/integration/daemon.
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { request } from "../../../src/cli/ctl-client.js";
import { Daemon } from "../../../src/daemon/daemon.js";
import type { RunOptions } from "../../../src/daemon/options.js";
import { readRestartState } from "../../../src/daemon/state-file.js";
import type { ConfigJson, ReloadJson, StatusJson } from "../../../src/daemon/views.js";
import { captureLogger, FakeConfigSource, fakeEngines, peer, plan } from "./fakes.js";

let dir: string;
const running: Daemon[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "wren-d-"));
  mkdirSync(join(dir, "config"));
});

afterEach(async () => {
  for (const d of running.splice(0)) await d.stop("test end");
  rmSync(dir, { recursive: true, force: true });
});

function options(over: Partial<RunOptions> = {}): RunOptions {
  return {
    datastore: join(dir, "config"),
    node: "node1",
    controlSocket: join(dir, "run", "wren.sock"),
    http: { host: "127.0.0.1", port: 0 },
    logLevel: "info",
    graceful: true,
    stateFile: join(dir, "run", "node1.state"),
    ...over,
  };
}

function make(source: FakeConfigSource, over: Partial<RunOptions> = {}, readyThresholdMs?: number) {
  const { engines, created } = fakeEngines(source);
  const { logger, lines } = captureLogger();
  const daemon = new Daemon(options(over), {
    engines,
    logger,
    checks: { privileges: false, bgpPort: false },
    readyThresholdMs,
  });
  running.push(daemon);
  return { daemon, created, lines };
}

async function get(daemon: Daemon, path: string) {
  const a = daemon.httpAddress()!;
  const res = await fetch(`http://${a.host}:${a.port}${path}`);
  return { status: res.status, body: await res.text() };
}

const twoPeers = () => plan({ peers: [peer("10.0.0.2"), peer("fd00::3")] });

describe("daemon with fake engines", () => {
  it("answers status on a 0600 control socket with the documented JSON shape", async () => {
    const { daemon, created } = make(new FakeConfigSource(twoPeers()));
    await daemon.start();
    const sock = options().controlSocket;
    expect(statSync(sock).mode & 0o777).toBe(0o600);
    created.speaker!.setState("Node_10_0_0_2", "Established");
    const status = await request<StatusJson>("status", {}, { socket: sock });
    expect(status).toEqual({
      node: "node1",
      routerId: "10.0.0.1",
      asNumber: 64512,
      peers: [
        {
          address: "10.0.0.2",
          port: 179,
          asNumber: 65001,
          type: "node specific",
          family: "ipv4",
          state: "up",
          bgpState: "Established",
          since: "2026-01-05T17:38:47.000Z",
          info: "Established",
          prefixes: { received: 5, accepted: 4, advertised: 2 },
        },
        {
          address: "fd00::3",
          port: 179,
          asNumber: 65001,
          type: "node specific",
          family: "ipv6",
          state: "start",
          bgpState: "Active",
          since: "2026-01-05T17:38:47.000Z",
          info: "Active Socket: Connection refused",
          prefixes: { received: 5, accepted: 4, advertised: 2 },
        },
      ],
      config: { ok: true, error: null },
    });
  });

  it("wires speaker routes and convergence to the dataplane", async () => {
    const { daemon, created } = make(new FakeConfigSource(twoPeers()));
    await daemon.start();
    const batch = { upserts: [], withdrawals: [] };
    created.speaker!.emitRoutes(batch);
    created.speaker!.emit({ type: "converged" });
    expect(created.dataplane!.batches).toEqual([batch]);
    expect(created.dataplane!.converged).toBe(1);
  });

  it("logs one event per peer state change with peer, old and new state and reason", async () => {
    const { daemon, created, lines } = make(new FakeConfigSource(twoPeers()));
    await daemon.start();
    created.speaker!.emit({
      type: "peerState",
      peer: "Node_10_0_0_2",
      from: "OpenConfirm",
      to: "Idle",
      reason: "Received: Hold timer expired",
    });
    const events = lines.filter((l) => l.peer === "Node_10_0_0_2");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      from: "OpenConfirm",
      to: "Idle",
      reason: "Received: Hold timer expired",
      level: 30,
    });
  });

  it("reloads on a datastore change and on the control command", async () => {
    const source = new FakeConfigSource(twoPeers());
    const { daemon, created } = make(source);
    await daemon.start();
    source.setPlan(plan({ peers: [peer("10.0.0.2"), peer("fd00::3"), peer("10.0.0.4")] }));
    source.changed();
    await new Promise((r) => setTimeout(r, 20));
    expect(created.speaker!.configs.at(-1)?.peers).toHaveLength(3);
    source.setPlan(twoPeers());
    const res = await request<ReloadJson>("reload", {}, { socket: options().controlSocket });
    expect(res).toMatchObject({ applied: true, peersRemoved: ["Node_10_0_0_4"], peersReset: [] });
  });

  it("an invalid change keeps the old config and shows in status, show config and /readyz", async () => {
    const source = new FakeConfigSource(plan());
    const { daemon, created } = make(source);
    await daemon.start();
    expect((await get(daemon, "/readyz")).status).toBe(200);
    source.setErrors([
      {
        file: join(dir, "config", "peers.yaml"),
        line: 3,
        resource: "BGPPeer tor",
        message: "YAML: unexpected end of stream",
      },
    ]);
    const res = await request<ReloadJson>("reload", {}, { socket: options().controlSocket });
    expect(res.error).toBe("peers.yaml:3 BGPPeer tor: YAML: unexpected end of stream");
    const ready = await get(daemon, "/readyz");
    expect(ready.status).toBe(503);
    expect(ready.body).toContain("peers.yaml:3 BGPPeer tor: YAML: unexpected end of stream");
    const status = await request<StatusJson>("status", {}, { socket: options().controlSocket });
    expect(status.config).toEqual({ ok: false, error: res.error });
    const config = await request<ConfigJson>("config", {}, { socket: options().controlSocket });
    expect(config).toMatchObject({ ok: false, error: res.error, generation: 1 });
    expect(config.plan?.routerId).toBe("10.0.0.1");
    expect(created.speaker!.configs).toHaveLength(1);
  });

  it("serves /livez and /metrics with per-peer labels", async () => {
    const { daemon, created } = make(new FakeConfigSource(twoPeers()));
    await daemon.start();
    created.speaker!.setState("Node_10_0_0_2", "Established");
    expect(await get(daemon, "/livez")).toMatchObject({ status: 200 });
    const m = await get(daemon, "/metrics");
    expect(m.status).toBe(200);
    expect(m.body).toContain(
      'wren_bgp_session_established{peer="10.0.0.2",name="Node_10_0_0_2"} 1',
    );
    expect(m.body).toContain('wren_bgp_session_established{peer="fd00::3",name="Node_fd00__3"} 0');
    expect(m.body).toContain('wren_bgp_prefixes_received{peer="10.0.0.2",name="Node_10_0_0_2"} 5');
    expect(m.body).toContain('wren_bgp_session_state{peer="fd00::3",name="Node_fd00__3"} 3');
    expect(m.body).toContain(
      'wren_bgp_session_state_changes_total{peer="10.0.0.2",name="Node_10_0_0_2"} 1',
    );
    expect(m.body).toContain("wren_kernel_route_operations_total 42");
    expect(m.body).toContain("wren_kernel_route_errors_total 1");
    expect(m.body).toMatch(/wren_process_resident_memory_bytes \d+/);
    expect(m.body).toMatch(/wren_nodejs_eventloop_lag_seconds /);
    expect(m.body).toContain('wren_config_reloads_total{result="applied",trigger="start"} 1');
    expect((await get(daemon, "/nope")).status).toBe(404);
  });

  it("/readyz follows bird-ready: all peers within the threshold", async () => {
    const { daemon, created } = make(new FakeConfigSource(twoPeers()));
    await daemon.start();
    created.speaker!.setState("Node_10_0_0_2", "Established");
    const r = await get(daemon, "/readyz");
    expect(r).toEqual({ status: 503, body: "not ready: BGP not established with fd00::3\n" });
    created.speaker!.setState("Node_fd00__3", "Established");
    expect(await get(daemon, "/readyz")).toEqual({
      status: 200,
      body: "ok: all 2 BGP peers established\n",
    });
  });

  it("stops gracefully by default: speaker graceful, kernel routes kept, state recorded", async () => {
    const { daemon, created } = make(new FakeConfigSource(twoPeers()));
    await daemon.start();
    expect(readRestartState(options().stateFile)).toMatchObject({ status: "running" });
    await daemon.stop("SIGTERM");
    expect(created.speaker!.stops).toEqual(["graceful"]);
    expect(created.dataplane!.stops).toEqual([{ keepRoutes: true }]);
    expect(readRestartState(options().stateFile)).toMatchObject({
      status: "stopped",
      stop: "graceful",
      restartTime: 120,
    });
    await expect(request("status", {}, { socket: options().controlSocket })).rejects.toThrow(
      /not running/,
    );
  });

  it("the next start after a graceful stop is a restart (speaker R bit, dataplane adopts)", async () => {
    const first = make(new FakeConfigSource(twoPeers()));
    await first.daemon.start();
    expect(first.created.speaker!.restarting).toBe(false);
    await first.daemon.stop("SIGTERM");
    const second = make(new FakeConfigSource(twoPeers()));
    await second.daemon.start();
    expect(second.daemon.restart.restarting).toBe(true);
    expect(second.created.speaker!.restarting).toBe(true);
    expect(second.created.dataplane!.restarting).toBe(true);
  });

  it("after a restart, stale kernel routes are swept only once every peer is back", async () => {
    const first = make(new FakeConfigSource(twoPeers()));
    await first.daemon.start();
    await first.daemon.stop("SIGTERM");
    const { daemon, created } = make(new FakeConfigSource(twoPeers()));
    await daemon.start();
    const speaker = created.speaker!;
    speaker.emit({ type: "converged" });
    await new Promise((r) => setTimeout(r, 250));
    expect(created.dataplane!.converged).toBe(0);
    speaker.setState("Node_10_0_0_2", "Established");
    speaker.setState("Node_fd00__3", "Established");
    await new Promise((r) => setTimeout(r, 450));
    expect(created.dataplane!.converged).toBe(1);
    expect(daemon.restart.restarting).toBe(true);
  });

  it("--no-graceful, or graceful restart disabled in the config, withdraws and cleans", async () => {
    const a = make(new FakeConfigSource(twoPeers()), { graceful: false });
    await a.daemon.start();
    await a.daemon.stop("SIGTERM");
    expect(a.created.speaker!.stops).toEqual(["withdraw"]);
    expect(a.created.dataplane!.stops).toEqual([{ keepRoutes: false }]);
    expect(readRestartState(options().stateFile)).toMatchObject({ stop: "withdraw" });

    const b = make(
      new FakeConfigSource(
        plan({ gracefulRestart: { enabled: false, restartTime: 120, convergenceTimeout: 360 } }),
      ),
    );
    await b.daemon.start();
    expect(b.daemon.restart.restarting).toBe(false);
    await b.daemon.stop("SIGTERM");
    expect(b.created.speaker!.stops).toEqual(["withdraw"]);
  });

  it("a stop step that hangs is abandoned so the stop completes", async () => {
    const source = new FakeConfigSource(twoPeers());
    const { engines, created } = fakeEngines(source);
    const { logger, lines } = captureLogger();
    const daemon = new Daemon(options(), {
      engines,
      logger,
      checks: { privileges: false, bgpPort: false },
      stopStepDeadlineMs: 50,
    });
    await daemon.start();
    created.speaker!.stop = () => new Promise(() => {});
    await daemon.stop("SIGTERM");
    expect(created.dataplane!.stops).toEqual([{ keepRoutes: true }]);
    expect(
      lines.some((l) => String(l.msg).includes("stopping the speaker took longer than 0.05 s")),
    ).toBe(true);
    await expect(request("status", {}, { socket: options().controlSocket })).rejects.toThrow(
      /not running/,
    );
  });

  it("SIGHUP re-reads the datastore", async () => {
    const { installSignalHandlers } = await import("../../../src/daemon/signals.js");
    const source = new FakeConfigSource(twoPeers());
    const { daemon, created } = make(source);
    await daemon.start();
    const { logger } = captureLogger();
    const uninstall = installSignalHandlers(daemon, logger, {
      onStopped: () => {},
      onForced: () => {},
    });
    try {
      source.setPlan(plan({ peers: [peer("10.0.0.2")] }));
      process.emit("SIGHUP", "SIGHUP");
      await new Promise((r) => setTimeout(r, 20));
      expect(created.speaker!.configs.at(-1)?.peers.map((p) => p.address)).toEqual(["10.0.0.2"]);
    } finally {
      uninstall();
    }
  });

  it("a second stop signal forces exit", async () => {
    const { installSignalHandlers } = await import("../../../src/daemon/signals.js");
    const { daemon } = make(new FakeConfigSource(twoPeers()));
    await daemon.start();
    const { logger } = captureLogger();
    const events: string[] = [];
    const uninstall = installSignalHandlers(daemon, logger, {
      onStopped: (code) => events.push(`stopped ${code}`),
      onForced: (code) => events.push(`forced ${code}`),
    });
    try {
      process.emit("SIGTERM", "SIGTERM");
      process.emit("SIGTERM", "SIGTERM");
      await daemon.stop("wait");
      await new Promise((r) => setTimeout(r, 10));
      expect(events).toEqual(["forced 130", "stopped 0"]);
    } finally {
      uninstall();
    }
  });
});

describe("daemon start-up errors", () => {
  it("a missing datastore directory", async () => {
    const { daemon } = make(new FakeConfigSource(plan()), { datastore: join(dir, "nope") });
    await expect(daemon.start()).rejects.toMatchObject({
      code: "DAEMON_DATASTORE_MISSING",
      message: expect.stringContaining("pass --datastore DIR"),
      exitCode: 3,
    });
  });

  it("a node that is not in the datastore", async () => {
    const source = new FakeConfigSource(plan());
    source.setErrors([
      {
        resource: "Node node1",
        message: 'no Node named "node1" in the datastore (known: node2, node3)',
      },
    ]);
    const { daemon } = make(source);
    await expect(daemon.start()).rejects.toMatchObject({
      code: "DAEMON_NODE_NOT_FOUND",
      exitCode: 3,
    });
    // the control socket opened for start-up is gone again
    await expect(request("status", {}, { socket: options().controlSocket })).rejects.toThrow(
      /not running/,
    );
  });

  it("an invalid datastore at start names the file and resource", async () => {
    const source = new FakeConfigSource(plan());
    source.setErrors([
      {
        file: "/x/pools.yaml",
        line: 2,
        resource: "IPPool p",
        field: "spec.cidr",
        message: "not a CIDR",
      },
    ]);
    const { daemon } = make(source);
    const err = await daemon.start().catch((e) => e);
    expect(err.code).toBe("DAEMON_CONFIG_INVALID");
    expect(err.message).toContain("pools.yaml:2 IPPool p: spec.cidr: not a CIDR");
  });

  it("a control socket another wren answers on", async () => {
    const a = make(new FakeConfigSource(plan()));
    await a.daemon.start();
    const b = make(new FakeConfigSource(plan()), { http: null });
    await expect(b.daemon.start()).rejects.toMatchObject({
      code: "DAEMON_CONTROL_IN_USE",
      exitCode: 5,
    });
    // the first one is unharmed
    expect(
      await request<StatusJson>("status", {}, { socket: options().controlSocket }),
    ).toMatchObject({ node: "node1" });
  });

  it("a taken health port", async () => {
    const a = make(new FakeConfigSource(plan()));
    await a.daemon.start();
    const port = a.daemon.httpAddress()!.port;
    const b = make(new FakeConfigSource(plan()), {
      controlSocket: join(dir, "run", "b.sock"),
      http: { host: "127.0.0.1", port },
    });
    await expect(b.daemon.start()).rejects.toMatchObject({
      code: "DAEMON_HTTP_PORT_IN_USE",
      exitCode: 5,
    });
  });

  it("a dataplane that cannot reach rtnetlink", async () => {
    const source = new FakeConfigSource(plan());
    const { engines } = fakeEngines(source);
    engines.createDataplane = async () => {
      throw Object.assign(new Error("socket: Address family not supported by protocol"), {
        code: "EAFNOSUPPORT",
      });
    };
    const { logger } = captureLogger();
    const daemon = new Daemon(options(), {
      engines,
      logger,
      checks: { privileges: false, bgpPort: false },
    });
    running.push(daemon);
    await expect(daemon.start()).rejects.toMatchObject({
      code: "DAEMON_NETLINK_UNAVAILABLE",
      exitCode: 6,
    });
  });

  it("a speaker that cannot listen on the BGP port", async () => {
    const source = new FakeConfigSource(plan());
    const { engines, created } = fakeEngines(source);
    const createSpeaker = engines.createSpeaker;
    engines.createSpeaker = (o) => {
      const s = createSpeaker(o);
      created.speaker!.failNext = Object.assign(
        new Error("listen EADDRINUSE: address already in use :::179"),
        { code: "EADDRINUSE" },
      );
      return s;
    };
    const { logger } = captureLogger();
    const daemon = new Daemon(options(), {
      engines,
      logger,
      checks: { privileges: false, bgpPort: false },
    });
    running.push(daemon);
    await expect(daemon.start()).rejects.toMatchObject({
      code: "DAEMON_BGP_PORT_IN_USE",
      exitCode: 5,
    });
  });
});
