// Pure pieces of the lab layer: BGP state names, FRR daemons files, lab descriptions and mode
// selection, run records on disk, the verify table.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { normalizeBgpState, parseDaemonsFile } from "../../../src/lab/frr.js";
import { DEFAULT_LAB, labEnv, pickMode, resolveLab } from "../../../src/lab/lab-file.js";
import type { LabRunMeta } from "../../../src/lab/runner.js";
import { RunState } from "../../../src/lab/state.js";
import { formatTable, type LabStatus, verifyRows } from "../../../src/lab/verify.js";

const tmp = mkdtempSync(join(tmpdir(), "wren-lab-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("normalizeBgpState", () => {
  it("maps each implementation's spelling to RFC 4271 names", () => {
    expect(["Established", "ESTABLISHED", "established", 6].map(normalizeBgpState)).toEqual(
      Array(4).fill("Established"),
    );
    expect(normalizeBgpState("OpenSent")).toBe("OpenSent");
    expect(normalizeBgpState("open_confirm")).toBe("OpenConfirm");
    expect(normalizeBgpState(3)).toBe("Active");
    expect(normalizeBgpState("Clearing")).toBe("Unknown");
    expect(normalizeBgpState(undefined)).toBe("Unknown");
  });
});

describe("parseDaemonsFile", () => {
  it("starts zebra first, then the enabled daemons in FRR's order", () => {
    expect(
      parseDaemonsFile(
        'bgpd=yes\nospfd=no\nstaticd=yes\nbfdd="yes"  # comment\nvtysh_enable=yes\nzebra_options="-A 127.0.0.1"\n',
      ),
    ).toEqual(["zebra", "staticd", "bgpd", "bfdd"]);
  });
});

describe("lab descriptions", () => {
  it("finds the default lab by name, its modes and its default mode", () => {
    const lab = resolveLab(undefined);
    expect(lab.name).toBe(DEFAULT_LAB);
    expect(lab.topology).toMatch(/clab\/seed000\/seed000\.clab\.yml$/);
    expect(pickMode(lab, undefined)?.name).toBe("as-per-rack");
    expect(labEnv(lab, pickMode(lab, "vxlan")).WREN_MODE).toBe("vxlan");
  });

  it("finds a lab from its topology file or its directory", () => {
    const byFile = resolveLab(resolveLab("seed004").topology);
    expect(byFile.name).toBe("seed004");
    expect(byFile.variants).toEqual(["seed004-kind.clab.yml", "seed004-vyos.clab.yml"]);
    expect(resolveLab(byFile.dir).topology).toBe(byFile.topology);
  });

  it("names the known labs and modes when asked for one that does not exist", () => {
    expect(() => resolveLab("nolab")).toThrow(/no lab "nolab".*labs: seed000, seed004/);
    expect(() => pickMode(resolveLab("seed000"), "ospf")).toThrow(
      /no mode "ospf" \(modes: as-per-rack, as-per-node, full-mesh, route-reflector, vxlan\)/,
    );
  });
});

describe("RunState", () => {
  it("records, reopens, lists, refuses a second record, and tears down to nothing", async () => {
    const st = RunState.create(tmp, "p1", { kind: "lab" });
    st.setMeta("mode", "x");
    expect(() => RunState.create(tmp, "p1")).toThrow(/already recorded/);
    const again = RunState.open(tmp, "p1")!;
    expect(again.record).toMatchObject({
      prefix: "p1",
      meta: { kind: "lab", mode: "x" },
      owner: { pid: process.pid },
    });
    expect(again.ownerAlive()).toBe(true);
    expect(RunState.list(tmp)).toEqual(["p1"]);
    expect(RunState.open(tmp, "nope")).toBeUndefined();
    await again.teardown();
    expect(existsSync(join(tmp, "p1"))).toBe(false);
  });

  it("rejects prefixes that could escape the run directory", () => {
    expect(() => RunState.create(tmp, "../x")).toThrow(/invalid run prefix/);
  });
});

describe("verifyRows", () => {
  const meta = {
    nodes: {
      leaf: { name: "leaf", role: "frr", ns: "p-leaf" },
      n1: { name: "n1", role: "wren", ns: "p-n1", notRunning: "not started (--no-wren)" },
      n2: { name: "n2", role: "wren", ns: "p-n2", notRunning: "exited at start: boom" },
    },
  } as unknown as LabRunMeta;
  const status: LabStatus = {
    prefix: "p",
    lab: "l",
    complete: true,
    createdAt: "",
    pods: [],
    nodes: [
      {
        name: "leaf",
        role: "frr",
        ns: "p-leaf",
        nsExists: true,
        processes: [{ name: "frr/bgpd", pid: 1, alive: true }],
      },
      {
        name: "n1",
        role: "wren",
        ns: "p-n1",
        nsExists: true,
        processes: [],
        notRunning: "not started (--no-wren)",
      },
      {
        name: "n2",
        role: "wren",
        ns: "p-n2",
        nsExists: false,
        processes: [],
        notRunning: "exited at start: boom",
      },
    ],
    sessions: [
      { node: "leaf", neighbor: "10.0.0.1", peerNode: "n1", state: "Active", source: "frr" },
      { node: "leaf", neighbor: "10.0.0.9", state: "Connect", source: "frr" },
      {
        node: "leaf",
        neighbor: "10.0.0.2",
        peerNode: "n2",
        state: "Established",
        pfxRcd: 3,
        source: "frr",
      },
    ],
  };

  it("fails what is broken, skips what was not started, passes the rest", () => {
    const rows = verifyRows(status, meta).map((r) => [r.check, r.target, r.status]);
    expect(rows).toEqual([
      ["node", "leaf", "ok"],
      ["node", "n1", "skip"],
      ["node", "n2", "fail"],
      ["bgp", "? 10.0.0.9 ↔ leaf", "fail"],
      ["bgp", "leaf ↔ n1", "skip"],
      ["bgp", "leaf ↔ n2", "fail"],
    ]);
  });

  it("prints a fixed-width table", () => {
    expect(
      formatTable(
        ["A", "BB"],
        [
          ["xyz", "1"],
          ["q", "22"],
        ],
      ),
    ).toBe("A    BB\nxyz  1\nq    22");
  });
});
