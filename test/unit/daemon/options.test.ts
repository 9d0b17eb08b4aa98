import { describe, expect, it } from "vitest";
import {
  parseHttpListen,
  resolveNodeName,
  resolveRunOptions,
} from "../../../src/daemon/options.js";

const env = (e: Record<string, string> = {}, hostname = "host-a") => ({ env: e, hostname });

describe("wren run options", () => {
  it("defaults to config/, the hostname, /run/wren/wren.sock and 127.0.0.1:9099", () => {
    const o = resolveRunOptions({}, env());
    expect(o).toEqual({
      datastore: "config",
      node: "host-a",
      controlSocket: "/run/wren/wren.sock",
      http: { host: "127.0.0.1", port: 9099 },
      logLevel: "info",
      graceful: true,
      stateFile: "/run/wren/host-a.state",
      routeRefreshInterval: 90,
    });
  });

  it("takes the node name from --node, then NODENAME, then CALICO_NODENAME, then the hostname", () => {
    expect(resolveNodeName("n1", env({ NODENAME: "n2", CALICO_NODENAME: "n3" }))).toBe("n1");
    expect(resolveNodeName(undefined, env({ NODENAME: "n2", CALICO_NODENAME: "n3" }))).toBe("n2");
    expect(resolveNodeName(undefined, env({ CALICO_NODENAME: "n3" }))).toBe("n3");
    expect(resolveNodeName(undefined, env({}, "h"))).toBe("h");
    expect(() => resolveNodeName(undefined, env({}, ""))).toThrow(/--node/);
  });

  it("puts the state file next to the control socket, named after the node", () => {
    const o = resolveRunOptions({ control: "/tmp/x/n1.sock", node: "worker/1" }, env());
    expect(o.stateFile).toBe("/tmp/x/worker_1.state");
  });

  it("--no-graceful selects withdraw-and-clean", () => {
    expect(resolveRunOptions({ noGraceful: true }, env()).graceful).toBe(false);
  });

  it("parses --http forms and rejects bad ones with the accepted syntax", () => {
    expect(parseHttpListen("0.0.0.0:9100")).toEqual({ host: "0.0.0.0", port: 9100 });
    expect(parseHttpListen("[::1]:9099")).toEqual({ host: "::1", port: 9099 });
    expect(parseHttpListen(":9099")).toEqual({ host: "0.0.0.0", port: 9099 });
    expect(parseHttpListen("none")).toBeNull();
    expect(() => parseHttpListen("9099")).toThrow(/ADDR:PORT/);
    expect(() => parseHttpListen("127.0.0.1:70000")).toThrow(/ADDR:PORT/);
  });

  it("rejects an unknown log level and a control path too long for a Unix socket", () => {
    expect(() => resolveRunOptions({ logLevel: "loud" }, env())).toThrow(/--log-level "loud"/);
    expect(() => resolveRunOptions({ control: `/tmp/${"x".repeat(120)}` }, env())).toThrow(
      /107 bytes/,
    );
  });
});
