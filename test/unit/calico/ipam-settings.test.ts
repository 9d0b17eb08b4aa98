// IPAMConfiguration (and its CRD form IPAMConfig): loaded and validated like the other kinds,
// only `default` counts; strictAffinity stops borrowing (automatic and chosen addresses),
// autoAllocateBlocks false stops automatic claims (also the renderer's pending claim),
// maxBlocksPerHost caps them.
import { describe, expect, it } from "vitest";
import { DirectoryIpam } from "../../../src/calico/ipam/directory-ipam.js";
import { ipamSettings } from "../../../src/calico/ipam/ipam-settings.js";
import { renderNode } from "../../../src/calico/render/render-node.js";
import { load } from "./helpers.js";
import { tempDatastores } from "./tmpdir.js";

const nodes = ["a", "b"]
  .map(
    (n, i) =>
      `apiVersion: projectcalico.org/v3\nkind: Node\nmetadata: {name: ${n}}\nspec: {bgp: {ipv4Address: 10.0.0.${i + 1}/24}}\n`,
  )
  .join("---\n");
const pool = (cidr: string, blockSize: number) =>
  `apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: p}\nspec: {cidr: ${cidr}, blockSize: ${blockSize}}\n`;
const ipamConfig = (spec: string, name = "default", kind = "IPAMConfiguration") =>
  `apiVersion: ${kind === "IPAMConfig" ? "crd.projectcalico.org/v1" : "projectcalico.org/v3"}\nkind: ${kind}\nmetadata: {name: ${name}}\nspec: ${spec}\n`;

const makeDatastore = tempDatastores();

function store(files: Record<string, string>) {
  return new DirectoryIpam(makeDatastore(files).dir);
}

describe("IPAMConfiguration resource", () => {
  it("defaults to Calico's settings and reads the default one, also as CRD kind IPAMConfig", () => {
    expect(ipamSettings(load({}).snapshot)).toEqual({
      strictAffinity: false,
      autoAllocateBlocks: true,
      maxBlocksPerHost: 0,
    });
    const crd = load({
      "ipam.yaml": ipamConfig("{strictAffinity: true}", "default", "IPAMConfig"),
    });
    expect(crd.errors).toEqual([]);
    expect(crd.warnings).toEqual([]);
    expect(ipamSettings(crd.snapshot)).toMatchObject({ strictAffinity: true });
  });

  it("warns about other names and ignored fields; refuses bad values naming the field", () => {
    const other = load({
      "ipam.yaml": ipamConfig("{strictAffinity: true, kubeVirtVMAddressPersistence: Enabled}", "x"),
    });
    expect(other.warningLines).toEqual([
      "config/ipam.yaml:4 IPAMConfiguration x: spec.kubeVirtVMAddressPersistence: accepted but ignored: wren's IPAM has no KubeVirt address persistence",
      'config/ipam.yaml:1 IPAMConfiguration x: metadata.name: must be "default" (Calico reads only that one): ignored',
    ]);
    expect(ipamSettings(other.snapshot).strictAffinity).toBe(false);
    const bad = load({ "ipam.yaml": ipamConfig("{maxBlocksPerHost: -1}") });
    expect(bad.errorLines).toEqual([
      "config/ipam.yaml:4 IPAMConfiguration default: spec.maxBlocksPerHost: -1 is not an integer in 0..2147483647",
    ]);
  });
});

describe("IPAM under the settings", () => {
  it("strictAffinity: no borrowing from another node's block", async () => {
    const files = { "n.yaml": nodes, "p.yaml": pool("10.244.0.0/30", 30) };
    const ipam = store({ ...files, "ipam.yaml": ipamConfig("{strictAffinity: true}") });
    await ipam.allocate("a", "a1");
    await expect(ipam.allocate("b", "b1")).rejects.toMatchObject({
      code: "CALICO_IPAM_EXHAUSTED",
    });
    await expect(ipam.allocate("b", "b1", { address: "10.244.0.2" })).rejects.toMatchObject({
      code: "CALICO_IPAM_ADDRESS_UNAVAILABLE",
    });
  });

  it("autoAllocateBlocks false: no automatic claim, nothing pending in the plan; chosen addresses still claim", async () => {
    const files = {
      "n.yaml": nodes,
      "p.yaml": pool("10.244.0.0/16", 26),
      "ipam.yaml": ipamConfig("{autoAllocateBlocks: false}"),
    };
    expect(renderNode(load(files).snapshot, "a").blocks).toEqual([]);
    const ipam = store(files);
    expect(await ipam.ensureBlocks("a")).toEqual([]);
    await expect(ipam.allocate("a", "h")).rejects.toMatchObject({ code: "CALICO_IPAM_EXHAUSTED" });
    expect((await ipam.allocate("a", "h", { address: "10.244.3.3" })).block).toBe("10.244.3.0/26");
    expect((await ipam.allocate("a", "h2")).ip).toBe("10.244.3.1");
  });

  it("maxBlocksPerHost: automatic claims stop at the limit, then the node borrows", async () => {
    const files = {
      "n.yaml": nodes,
      "p.yaml": pool("10.244.0.0/28", 30),
      "ipam.yaml": ipamConfig("{maxBlocksPerHost: 1}"),
    };
    const ipam = store(files);
    const ips: string[] = [];
    for (let i = 0; i < 3; i++) ips.push((await ipam.allocate("a", `h${i}`)).ip);
    expect(ips).toEqual(["10.244.0.1", "10.244.0.2", "10.244.0.3"]);
    expect(await ipam.allocate("b", "b0")).toMatchObject({
      ip: "10.244.0.5",
      block: "10.244.0.4/30",
    });
    // a's block is full and it may not claim a second one: borrowed from b's block
    expect(await ipam.allocate("a", "h3")).toMatchObject({
      ip: "10.244.0.6",
      block: "10.244.0.4/30",
    });
  });
});
