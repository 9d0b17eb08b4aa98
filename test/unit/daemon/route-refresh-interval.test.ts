// `wren run --route-refresh-interval` (Felix's routeRefreshInterval): parsing and validation,
// flag / environment / default precedence, and the value reaching the rendered plan's
// dataplane.resyncInterval (which the agent's periodic full resync uses).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Daemon } from "../../../src/daemon/daemon.js";
import { type ConfigSourceOptions, defaultEngines } from "../../../src/daemon/engines.js";
import {
  DEFAULT_ROUTE_REFRESH_INTERVAL,
  MAX_ROUTE_REFRESH_INTERVAL,
  parseRouteRefreshInterval,
  resolveRunOptions,
} from "../../../src/daemon/options.js";
import { captureLogger, FakeConfigSource, fakeEngines, plan } from "./fakes.js";

const env = (e: Record<string, string> = {}) => ({ env: e, hostname: "host-a" });
const CONFIG = resolve(import.meta.dirname, "../../../config");

describe("parseRouteRefreshInterval", () => {
  it("takes plain seconds and Felix/Go durations", () => {
    expect(parseRouteRefreshInterval("90")).toBe(90);
    expect(parseRouteRefreshInterval(" 2.5 ")).toBe(2.5);
    expect(parseRouteRefreshInterval("30s")).toBe(30);
    expect(parseRouteRefreshInterval("5m")).toBe(300);
    expect(parseRouteRefreshInterval("1m30s")).toBe(90);
    expect(parseRouteRefreshInterval("1h")).toBe(3600);
    expect(parseRouteRefreshInterval("1500ms")).toBe(1.5);
  });

  it.each(["0", "0s", "0.5", "-10", "abc", "", "10x", "1m5", "NaN", "Infinity"])(
    "refuses %j with an error naming the flag and the accepted range",
    (text) => {
      expect(() => parseRouteRefreshInterval(text)).toThrow(
        new RegExp(
          `^--route-refresh-interval "${text}" is not a number of seconds from 1 to ${MAX_ROUTE_REFRESH_INTERVAL}`,
        ),
      );
    },
  );

  it("refuses an interval longer than a Node timer can hold (it would fire at once)", () => {
    expect(parseRouteRefreshInterval(String(MAX_ROUTE_REFRESH_INTERVAL))).toBe(
      MAX_ROUTE_REFRESH_INTERVAL,
    );
    expect(() => parseRouteRefreshInterval(String(MAX_ROUTE_REFRESH_INTERVAL + 1))).toThrow(
      /--route-refresh-interval/,
    );
    expect(() => parseRouteRefreshInterval("600h")).toThrow(/--route-refresh-interval/);
  });
});

describe("wren run route refresh interval option", () => {
  it("defaults to Felix's 90 s", () => {
    expect(DEFAULT_ROUTE_REFRESH_INTERVAL).toBe(90);
    expect(resolveRunOptions({}, env()).routeRefreshInterval).toBe(90);
  });

  it("takes the flag over $WREN_ROUTE_REFRESH_INTERVAL over the default", () => {
    expect(resolveRunOptions({}, env({ WREN_ROUTE_REFRESH_INTERVAL: "45" }))).toMatchObject({
      routeRefreshInterval: 45,
    });
    expect(
      resolveRunOptions(
        { routeRefreshInterval: "10s" },
        env({ WREN_ROUTE_REFRESH_INTERVAL: "45" }),
      ),
    ).toMatchObject({ routeRefreshInterval: 10 });
  });

  it("names the environment variable when its value is bad", () => {
    expect(() => resolveRunOptions({}, env({ WREN_ROUTE_REFRESH_INTERVAL: "soon" }))).toThrow(
      /^WREN_ROUTE_REFRESH_INTERVAL \(--route-refresh-interval\) "soon" is not a number of seconds/,
    );
    expect(() => resolveRunOptions({ routeRefreshInterval: "0" }, env())).toThrow(
      /^--route-refresh-interval "0"/,
    );
  });
});

describe("the interval reaches the plan", () => {
  let dir: string | null = null;
  const daemons: Daemon[] = [];
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.stop("test end");
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it("the real config source renders it as dataplane.resyncInterval (default 90)", async () => {
    const { logger } = captureLogger();
    const engines = defaultEngines();
    const node = "worker1.k8s.com";
    const custom = engines.createConfigSource({
      datastore: CONFIG,
      node,
      logger,
      routeRefreshInterval: 30,
    });
    const standard = engines.createConfigSource({ datastore: CONFIG, node, logger });
    try {
      const a = await custom.read();
      const b = await standard.read();
      expect(a.errors).toEqual([]);
      expect(a.plan?.dataplane.resyncInterval).toBe(30);
      expect(b.plan?.dataplane.resyncInterval).toBe(90);
    } finally {
      await custom.close();
      await standard.close();
    }
  });

  it("the daemon hands its option to the config source", async () => {
    dir = mkdtempSync(join(tmpdir(), "wren-rri-"));
    mkdirSync(join(dir, "config"));
    const { engines } = fakeEngines(new FakeConfigSource(plan()));
    const seen: ConfigSourceOptions[] = [];
    const create = engines.createConfigSource;
    engines.createConfigSource = (o) => {
      seen.push(o);
      return create(o);
    };
    const { logger } = captureLogger();
    const options = resolveRunOptions(
      {
        datastore: join(dir, "config"),
        node: "node1",
        control: join(dir, "run", "wren.sock"),
        http: "none",
        routeRefreshInterval: "2m",
      },
      env(),
    );
    const daemon = new Daemon(options, {
      engines,
      logger,
      checks: { privileges: false, bgpPort: false },
    });
    daemons.push(daemon);
    await daemon.start();
    expect(seen.map((o) => o.routeRefreshInterval)).toEqual([120]);
  });
});
