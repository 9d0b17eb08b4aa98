// `wren decode` end to end: the compiled CLI (dist/cli/main.js) run as a child process on hex
// and on files (raw bytes or hex text, several messages), with the session options, the error
// output beside what could be decoded, and the exit status (1 iff a session reset is needed).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../../../../src/common/bytes/hex.js";
import { attr, MANDATORY_2, message, NLRI_24, updateBody } from "./helpers/build.js";

const ROOT = resolve(import.meta.dirname, "../../../..");
const MAIN = join(ROOT, "dist/cli/main.js");
const fixture = (name: string) =>
  JSON.parse(readFileSync(join(ROOT, "test/fixtures/wire", `${name}.json`), "utf8")) as {
    hex: string;
    expected: Record<string, unknown>;
  };

function distIsCurrent(): boolean {
  try {
    const built = statSync(join(ROOT, "dist/cli/commands/decode.js")).mtimeMs;
    const sources = [
      "src/cli/commands/decode.ts",
      "src/bgp/wire/update-decode.ts",
      "src/bgp/wire/json.ts",
    ];
    return sources.every((s) => statSync(join(ROOT, s)).mtimeMs <= built);
  } catch {
    return false;
  }
}

function wren(
  args: string[],
  input?: Buffer,
): { status: number; lines: Record<string, unknown>[]; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, "decode", ...args], { input, encoding: "utf8" });
  const lines = r.stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: r.status ?? -1, lines, stderr: r.stderr };
}

let dir = "";
beforeAll(() => {
  if (!distIsCurrent())
    execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "ignore" });
  dir = mkdtempSync(join(tmpdir(), "wren-decode-"));
}, 120_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("wren decode", () => {
  it("prints an UPDATE from --hex as Wireshark dissected it", () => {
    const f = fixture("bird-update-ipv4-med-communities-extcommunities-largecommunities");
    const r = wren(["--hex", f.hex, "--as4"]);
    expect(r.status).toBe(0);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]).toMatchObject(f.expected);
  });

  it("reads several messages from a raw file and from a hex file", () => {
    const names = [
      "frr-open-to-bird",
      "frr-keepalive",
      "frr-eor-ipv6",
      "frr-notification-cease-admin-shutdown",
    ];
    const hex = names.map((n) => fixture(n).hex);
    const raw = join(dir, "msgs.bin");
    writeFileSync(raw, Buffer.concat(hex.map((h) => Buffer.from(hexToBytes(h)))));
    const text = join(dir, "msgs.hex");
    writeFileSync(text, `${hex.map((h) => h.replace(/(..)/g, "$1 ")).join("\n")}\n`);
    for (const file of [raw, text]) {
      const r = wren([file, "--as4"]);
      expect(r.status).toBe(0);
      expect(r.lines.map((l) => l.type)).toEqual(["OPEN", "KEEPALIVE", "UPDATE", "NOTIFICATION"]);
      expect(r.lines[2]).toMatchObject({ endOfRib: true, family: "ipv6-unicast" });
      expect(r.lines[3]).toMatchObject({
        shutdownCommunication: "wren capture: FRR maintenance, back in 5 min",
      });
    }
  });

  it("reads stdin with FILE -", () => {
    const r = wren(["-"], Buffer.from(fixture("gobgp-keepalive").hex));
    expect(r.lines).toEqual([{ type: "KEEPALIVE" }]);
  });

  it("decodes AS_PATH as 2-octet by default and 4-octet with --as4", () => {
    const f = fixture("frr-update-ipv4-basic");
    const two = wren(["--hex", f.hex]);
    expect(two.status).toBe(0); // a malformed AS_PATH is treat-as-withdraw, not a reset
    expect(two.lines[0]).toMatchObject({
      error: { code: 3, subcode: 11, action: "treat-as-withdraw" },
    });
    const four = wren(["--hex", f.hex, "--as4"]);
    expect(four.lines[0]).not.toHaveProperty("error");
    expect(four.lines[0]).toMatchObject(f.expected);
  });

  it("reads ADD-PATH identifiers with --addpath", () => {
    const f = fixture("frr-update-ipv4-addpath");
    const r = wren(["--hex", f.hex, "--as4", "--addpath", "ipv4-unicast,ipv6-unicast"]);
    expect(r.lines[0]).toMatchObject(f.expected);
    expect(JSON.stringify(r.lines[0])).toContain('"pathId"');
  });

  it("prints the error beside what was decoded for treat-as-withdraw, exit 0", () => {
    const bad = message(
      2,
      updateBody({ attrs: [attr(0x40, 1, "09"), ...MANDATORY_2.slice(1)], nlri: NLRI_24 }),
    );
    const r = wren(["--hex", bytesToHex(bad)]);
    expect(r.status).toBe(0);
    expect(r.lines[0]).toMatchObject({
      type: "UPDATE",
      nlri: ["10.0.0.0/24"],
      attributes: { nextHop: "192.0.2.1" },
      error: { code: 3, subcode: 6, action: "treat-as-withdraw" },
    });
  });

  it("exits 1 when a message needs a session reset (duplicate MP_REACH_NLRI)", () => {
    const mp = attr(0x80, 14, "0002 01 10 20010db8000000000000000000000001 00 30 20010db80001");
    const bad = message(2, updateBody({ attrs: [mp, mp] }));
    const ok = hexToBytes(fixture("frr-keepalive").hex);
    const r = wren(["--hex", bytesToHex(ok) + bytesToHex(bad) + bytesToHex(ok)]);
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      { type: "KEEPALIVE" },
      {
        type: "UPDATE",
        error: expect.objectContaining({ code: 3, subcode: 1, action: "session-reset" }),
      },
      { type: "KEEPALIVE" },
    ]);
  });

  it("stops at a bad header (the stream cannot be resynchronised), exit 1", () => {
    const r = wren(["--hex", `${"ff".repeat(15)}00 0013 04`]);
    expect(r.status).toBe(1);
    expect(r.lines).toEqual([
      { error: expect.objectContaining({ code: 1, subcode: 1, action: "session-reset" }) },
    ]);
  });

  it("reports trailing bytes that make no message", () => {
    const r = wren(["--hex", `${fixture("bird-keepalive").hex}ffff`]);
    expect(r.status).toBe(1);
    expect(r.lines[1]).toMatchObject({ error: { action: "session-reset" } });
  });

  it("exits 2 on usage errors", () => {
    expect(wren([]).status).toBe(2);
    expect(wren(["--hex", "zz"]).status).toBe(2);
    expect(wren(["--hex", "00", "--addpath", "l2vpn-evpn"]).status).toBe(2);
    expect(wren([join(dir, "missing.bin")]).stderr).toContain("missing.bin");
  });
});
