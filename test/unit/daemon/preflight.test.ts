import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  CAP_NET_ADMIN,
  CAP_NET_BIND_SERVICE,
  checkBgpPort,
  checkDatastore,
  checkPrivileges,
  effectiveCapabilities,
  hasCapability,
} from "../../../src/daemon/preflight.js";

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const f of cleanup.splice(0)) f();
});

describe("start-up checks", () => {
  it("reads the effective capability set from /proc/self/status text", () => {
    const caps = effectiveCapabilities("Name:\tnode\nCapEff:\t0000000000001400\n");
    expect(caps).toBe(0x1400n);
    expect(hasCapability(caps!, CAP_NET_ADMIN)).toBe(true);
    expect(hasCapability(caps!, CAP_NET_BIND_SERVICE)).toBe(true);
    expect(effectiveCapabilities("Name:\tnode\n")).toBeNull();
  });

  it("names the missing capabilities and how to get them", () => {
    expect(() => checkPrivileges(179, 0n)).toThrow(
      /CAP_NET_ADMIN and CAP_NET_BIND_SERVICE .*port 179; run it as root/,
    );
    expect(() => checkPrivileges(1179, 0n)).toThrow(
      /needs CAP_NET_ADMIN to program kernel routes; run it as root/,
    );
    expect(() => checkPrivileges(179, (1n << 12n) | (1n << 10n))).not.toThrow();
    expect(() => checkPrivileges(1179, 1n << 12n)).not.toThrow();
  });

  it("reports a missing or non-directory datastore", () => {
    const dir = mkdtempSync(join(tmpdir(), "wren-pf-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    expect(() => checkDatastore(join(dir, "missing"))).toThrow(
      /does not exist .*pass --datastore DIR/,
    );
    writeFileSync(join(dir, "file.yaml"), "");
    expect(() => checkDatastore(join(dir, "file.yaml"))).toThrow(/is a file, not a directory/);
    expect(() => checkDatastore(dir)).not.toThrow();
  });

  it("reports a BGP port another process listens on", async () => {
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, "127.0.0.1", () => r()));
    cleanup.push(() => holder.close());
    const port = (holder.address() as { port: number }).port;
    await expect(checkBgpPort("127.0.0.1", port)).rejects.toMatchObject({
      code: "DAEMON_BGP_PORT_IN_USE",
      message: expect.stringContaining(`127.0.0.1:${port} is already in use`),
    });
  });

  it("passes a free port", async () => {
    const probe: Server = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await expect(checkBgpPort("127.0.0.1", port)).resolves.toBeUndefined();
  });
});
