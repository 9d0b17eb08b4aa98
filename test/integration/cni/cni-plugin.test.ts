// wren's CNI plugin driven exactly as a container runtime drives it: the compiled CLI run inside
// a "node" namespace (which has what a real node has: an address and a default route toward its
// gateway, so proxy ARP answers for 169.254.1.1) with CNI_* variables and the network config on
// stdin, against a datastore directory; pods are namespaces the "runtime" created. Checks the
// kernel state ADD leaves (veth, MAC, addresses, routes, sysctls), the WorkloadEndpoint files
// (loadable by the calico module), pod↔pod pings over IPv4 and IPv6, CHECK, ADD and DEL twice,
// chosen addresses through the "ips" capability, DEL after the namespace is gone, the nsenter
// fallback, and the error JSON for bad input.
import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDirectory } from "../../../src/calico/index.js";
import { Lab } from "../../harness/netns.js";
import { skipReason } from "../../harness/tools.js";

const MAIN = join(import.meta.dirname, "../../../dist/cli/main.js");
const FIXTURE = join(import.meta.dirname, "../../fixtures/cni/datastore");
const skip =
  skipReason("ping") ?? (existsSync(MAIN) ? undefined : `${MAIN} is missing (npm run build)`);

interface CniRun {
  code: number;
  out: Record<string, unknown> | undefined;
  stdout: string;
  stderr: string;
}

describe.skipIf(skip)(`CNI plugin in namespaces${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let lab: Lab;
  let datastore: string;
  const results = new Map<string, Record<string, unknown>>();

  const config = (extra: Record<string, unknown> = {}) => ({
    cniVersion: "1.0.0",
    name: "k8s-pod-network",
    type: "wren",
    datastore,
    nodename: "node1.test",
    mtu: 1450,
    ipam: { type: "wren-ipam" },
    ...extra,
  });

  async function cni(
    command: string,
    pod: string,
    opts: { cfg?: Record<string, unknown>; env?: Record<string, string>; netns?: string } = {},
  ): Promise<CniRun> {
    const r = await lab.exec("node", process.execPath, [MAIN, "cni"], {
      allowFailure: true,
      input: JSON.stringify(opts.cfg ?? config()),
      env: {
        CNI_COMMAND: command,
        CNI_CONTAINERID: `ctr-${pod}`,
        CNI_NETNS: opts.netns ?? `/run/netns/${lab.ns(pod)}`,
        CNI_IFNAME: "eth0",
        CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=web;K8S_POD_NAME=${pod}`,
        CNI_PATH: "/opt/cni/bin",
        ...opts.env,
      },
    });
    const text = r.stdout.trim();
    return {
      code: r.code,
      out: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
      stdout: r.stdout,
      stderr: r.stderr,
    };
  }

  const ipOf = (pod: string, v6 = false) =>
    ((results.get(pod)?.ips ?? []) as { address: string }[])
      .map((i) => i.address.split("/")[0])
      .find((a) => a.includes(":") === v6)!;
  const hostVeth = (pod: string) =>
    ((results.get(pod)?.interfaces ?? []) as { name: string }[])[0].name;
  const json = async <T>(node: string, ...args: string[]) =>
    JSON.parse((await lab.exec(node, "ip", ["-j", ...args])).stdout || "[]") as T;
  const wepFiles = () => {
    const dir = join(datastore, "workloadendpoints", "web");
    return existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => f.endsWith(".yaml"))
          .sort()
      : [];
  };

  beforeAll(async () => {
    lab = await Lab.create();
    datastore = lab.dir("node", "datastore");
    cpSync(FIXTURE, datastore, { recursive: true });
    await lab.addNode("node");
    await lab.addNode("gw");
    await lab.link("node", "eth1", "gw", "eth1", {
      addrA: ["10.0.0.21/24", "fd00:0:0:1::21/64"],
      addrB: ["10.0.0.254/24", "fd00:0:0:1::254/64"],
    });
    await lab.route("node", { to: "default", via: "10.0.0.254" });
    await lab.route("node", { to: "default", via: "fd00:0:0:1::254", ipv6: true });
    for (const p of ["pod1", "pod2", "pod3", "pod4", "pod5", "pod6", "pod7", "pod8"])
      await lab.addNode(p, { forwarding: false });
  });

  afterAll(() => lab?.cleanup());

  it("ADD: result JSON with the host veth, the container interface and a /32 of the node's block", async () => {
    for (const p of ["pod1", "pod2"]) {
      const r = await cni("ADD", p);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      results.set(p, r.out!);
    }
    const r1 = results.get("pod1")!;
    expect(r1).toMatchObject({
      cniVersion: "1.0.0",
      interfaces: [
        { name: expect.stringMatching(/^cali[0-9a-f]{11}$/), mac: "ee:ee:ee:ee:ee:ee" },
        {
          name: "eth0",
          mac: expect.stringMatching(/^[0-9a-f:]{17}$/),
          sandbox: `/run/netns/${lab.ns("pod1")}`,
        },
      ],
      ips: [{ address: expect.stringMatching(/^10\.244\.0\.\d+\/32$/), interface: 1 }],
      routes: [{ dst: "0.0.0.0/0", gw: "169.254.1.1" }],
      dns: {},
    });
    expect(ipOf("pod1")).not.toBe(ipOf("pod2"));
  });

  it("ADD leaves the kernel as Calico's plugin does: veth up with MAC ee:…, /32 host route, proxy ARP", async () => {
    const veth = hostVeth("pod1");
    const [link] = await json<{ ifname: string; address: string; flags: string[]; mtu: number }[]>(
      "node",
      "link",
      "show",
      veth,
    );
    expect(link).toMatchObject({ address: "ee:ee:ee:ee:ee:ee", mtu: 1450 });
    expect(link.flags).toContain("UP");
    const routes = await json<{ dst: string; dev: string; scope: string; protocol: string }[]>(
      "node",
      "-d",
      "route",
      "show",
      `${ipOf("pod1")}/32`,
    );
    expect(routes).toEqual([
      expect.objectContaining({ dst: ipOf("pod1"), dev: veth, scope: "link", protocol: "boot" }),
    ]);
    const sys = await lab.exec("node", "sysctl", [
      "-n",
      `net.ipv4.conf.${veth}.proxy_arp`,
      `net.ipv4.neigh.${veth}.proxy_delay`,
      `net.ipv4.conf.${veth}.forwarding`,
      `net.ipv4.conf.${veth}.route_localnet`,
    ]);
    expect(sys.stdout.trim().split("\n")).toEqual(["1", "0", "1", "1"]);
    const addrs = await json<
      { ifname: string; addr_info: { local: string; prefixlen: number }[] }[]
    >("pod1", "addr", "show", "eth0");
    expect(addrs[0].addr_info.filter((a) => a.local.startsWith("10."))).toEqual([
      expect.objectContaining({ local: ipOf("pod1"), prefixlen: 32 }),
    ]);
    const podRoutes = (await lab.exec("pod1", "ip", ["route"])).stdout;
    expect(podRoutes).toContain("default via 169.254.1.1 dev eth0");
    expect(podRoutes).toMatch(/169\.254\.1\.1 dev eth0 scope link/);
  });

  it("writes one WorkloadEndpoint per pod that the calico module loads", async () => {
    expect(wepFiles()).toEqual(["node1.test-k8s-pod1-eth0.yaml", "node1.test-k8s-pod2-eth0.yaml"]);
    const loaded = await loadDirectory(datastore);
    expect(loaded.errors).toEqual([]);
    const wep = loaded.snapshot.workloadEndpoints.find(
      (w) => w.name === "node1.test-k8s-pod1-eth0",
    );
    expect(wep?.namespace).toBe("web");
    expect(wep?.spec).toMatchObject({
      node: "node1.test",
      pod: "pod1",
      endpoint: "eth0",
      containerID: "ctr-pod1",
      ipNetworks: [`${ipOf("pod1")}/32`],
      interfaceName: hostVeth("pod1"),
    });
  });

  it("pods on the node reach each other through the host (proxy ARP for 169.254.1.1)", async () => {
    await lab.exec("pod1", "ping", ["-c", "2", "-W", "2", ipOf("pod2")]);
    await lab.exec("pod2", "ping", ["-c", "2", "-W", "2", ipOf("pod1")]);
    const neigh = await json<{ dst: string; lladdr: string }[]>(
      "pod1",
      "neigh",
      "show",
      "169.254.1.1",
    );
    expect(neigh[0]?.lladdr).toBe("ee:ee:ee:ee:ee:ee");
  });

  it("CHECK passes after ADD and names what is broken", async () => {
    const cfg = config({ prevResult: results.get("pod1") });
    const ok = await cni("CHECK", "pod1", { cfg });
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toBe("");
    await lab.exec("pod1", "ip", ["addr", "del", `${ipOf("pod1")}/32`, "dev", "eth0"]);
    const bad = await cni("CHECK", "pod1", { cfg });
    expect(bad.code).toBe(1);
    expect(bad.out).toMatchObject({ code: 102, msg: `eth0 lacks address ${ipOf("pod1")}/32` });
    const noPrev = await cni("CHECK", "pod1");
    expect(noPrev.out).toMatchObject({ code: 7, msg: expect.stringMatching(/needs prevResult/) });
  });

  it("ADD again for the same container returns the same result and repairs what was missing", async () => {
    const again = await cni("ADD", "pod1");
    expect(again.code, again.stdout).toBe(0);
    expect(again.out).toEqual(results.get("pod1"));
    const ok = await cni("CHECK", "pod1", { cfg: config({ prevResult: results.get("pod1") }) });
    expect(ok.code, ok.stdout).toBe(0);
    const allocations = readdirSync(join(datastore, "ipam", "allocations"));
    expect(allocations.sort()).toEqual([`${ipOf("pod1")}.json`, `${ipOf("pod2")}.json`].sort());
    await lab.exec("pod1", "ping", ["-c", "1", "-W", "2", ipOf("pod2")]);
  });

  it("dual stack: a /128 too, default route via fe80::ecee:eeff:feee:eeee, ping6 between pods", async () => {
    const cfg = config({ ipam: { type: "wren-ipam", assign_ipv4: "true", assign_ipv6: "true" } });
    for (const p of ["pod4", "pod5"]) {
      const r = await cni("ADD", p, { cfg });
      expect(r.code, r.stdout).toBe(0);
      results.set(p, r.out!);
    }
    expect(ipOf("pod4", true)).toMatch(/^fd00:10:244::/);
    expect((results.get("pod4")!.routes as unknown[]).length).toBe(2);
    const r6 = (await lab.exec("pod4", "ip", ["-6", "route"])).stdout;
    expect(r6).toContain("default via fe80::ecee:eeff:feee:eeee dev eth0");
    const host6 = await json<{ dst: string; dev: string }[]>(
      "node",
      "-6",
      "route",
      "show",
      `${ipOf("pod4", true)}/128`,
    );
    expect(host6[0]).toMatchObject({ dev: hostVeth("pod4") });
    await lab.exec("pod4", "ping", ["-6", "-c", "2", "-W", "2", ipOf("pod5", true)]);
    await lab.exec("pod4", "ping", ["-c", "1", "-W", "2", ipOf("pod5")]);
    const check = await cni("CHECK", "pod4", { cfg: { ...cfg, prevResult: results.get("pod4") } });
    expect(check.code, check.stdout).toBe(0);
    for (const ip of [ipOf("pod4"), ipOf("pod4", true)]) {
      const a = JSON.parse(readFileSync(join(datastore, "ipam/allocations", `${ip}.json`), "utf8"));
      expect(a.handle).toBe("k8s-pod-network.ctr-pod4"); // one handle for both families
    }
  });

  it('chosen addresses through the "ips" capability (runtimeConfig.ips): that address, in a block the node claims', async () => {
    const cfg = config({
      capabilities: { ips: true },
      runtimeConfig: { ips: ["10.244.77.7/24", "fd00:10:244::77:7"] },
    });
    const r = await cni("ADD", "pod8", { cfg });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    results.set("pod8", r.out!);
    expect((r.out!.ips as { address: string }[]).map((i) => i.address)).toEqual([
      "10.244.77.7/32",
      "fd00:10:244::77:7/128",
    ]);
    expect(existsSync(join(datastore, "ipam/blocks/10.244.77.0-26.yaml"))).toBe(true);
    await lab.exec("pod8", "ping", ["-c", "1", "-W", "2", ipOf("pod1")]);
    const check = await cni("CHECK", "pod8", { cfg: { ...cfg, prevResult: r.out } });
    expect(check.code, check.stdout).toBe(0);
    const again = await cni("ADD", "pod8", { cfg });
    expect(again.out).toEqual(r.out);
    // the same address for another container: refused, nothing left behind
    const taken = await cni("ADD", "pod7", {
      cfg: config({ runtimeConfig: { ips: ["10.244.77.7"] } }),
    });
    expect(taken.out).toMatchObject({
      code: 100,
      msg: expect.stringContaining("10.244.77.7 is already allocated"),
    });
    expect((await lab.exec("pod7", "ip", ["-br", "link"])).stdout).not.toContain("eth0");
    const del = await cni("DEL", "pod8", { cfg });
    expect(del.code, del.stdout).toBe(0);
    expect(existsSync(join(datastore, "ipam/allocations/10.244.77.7.json"))).toBe(false);
    expect(existsSync(join(datastore, "ipam/allocations/fd00:10:244::77:7.json"))).toBe(false);
  });

  it("without the netns addon the container side runs through nsenter, with the same outcome", async () => {
    const r = await cni("ADD", "pod3", { env: { WREN_NETNS_ADDON: "none" } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    results.set("pod3", r.out!);
    await lab.exec("pod3", "ping", ["-c", "1", "-W", "2", ipOf("pod1")]);
    const check = await cni("CHECK", "pod3", {
      cfg: config({ prevResult: r.out }),
      env: { WREN_NETNS_ADDON: "none" },
    });
    expect(check.code, check.stdout).toBe(0);
    const del = await cni("DEL", "pod3", { env: { WREN_NETNS_ADDON: "none" } });
    expect(del.code, del.stdout).toBe(0);
    expect((await lab.exec("pod3", "ip", ["-br", "link"])).stdout).not.toContain("eth0");
  });

  it("DEL removes the interfaces, the host route, the WorkloadEndpoint and the address; DEL again is fine", async () => {
    const veth = hostVeth("pod2");
    const ip = ipOf("pod2");
    const del = await cni("DEL", "pod2");
    expect(del.code, del.stdout).toBe(0);
    expect(del.stdout).toBe("");
    expect((await lab.exec("pod2", "ip", ["-br", "link"])).stdout).not.toContain("eth0");
    expect((await lab.exec("node", "ip", ["-br", "link"])).stdout).not.toContain(veth);
    expect((await lab.exec("node", "ip", ["route", "show", `${ip}/32`])).stdout.trim()).toBe("");
    expect(wepFiles()).not.toContain("node1.test-k8s-pod2-eth0.yaml");
    expect(existsSync(join(datastore, "ipam", "allocations", `${ip}.json`))).toBe(false);
    const again = await cni("DEL", "pod2");
    expect(again).toMatchObject({ code: 0, stdout: "" });
  });

  it("DEL after the runtime destroyed the namespace still releases the address and the WorkloadEndpoint", async () => {
    const ip = ipOf("pod5", true);
    await lab.removeNode("pod5");
    const del = await cni("DEL", "pod5", {
      cfg: config({ ipam: { type: "wren-ipam", assign_ipv6: "true" } }),
    });
    expect(del.code, del.stdout).toBe(0);
    expect(wepFiles()).not.toContain("node1.test-k8s-pod5-eth0.yaml");
    expect(existsSync(join(datastore, "ipam", "allocations", `${ip}.json`))).toBe(false);
    const noNetns = await cni("DEL", "pod5", { netns: "" });
    expect(noNetns.code).toBe(0);
  });

  it("a newer sandbox of the same pod keeps its WorkloadEndpoint when the old one's DEL comes late", async () => {
    const fresh = await cni("ADD", "pod6", { env: { CNI_CONTAINERID: "ctr-pod6-b" } });
    expect(fresh.code, fresh.stdout).toBe(0);
    results.set("pod6", fresh.out!);
    const lateDel = await cni("DEL", "pod6", {
      env: { CNI_CONTAINERID: "ctr-pod6-a" },
      netns: "/run/netns/does-not-exist",
    });
    expect(lateDel.code).toBe(0);
    const text = readFileSync(
      join(datastore, "workloadendpoints/web/node1.test-k8s-pod6-eth0.yaml"),
      "utf8",
    );
    expect(text).toContain("containerID: ctr-pod6-b");
    expect((await lab.exec("node", "ip", ["-br", "link"])).stdout).toContain(
      (fresh.out!.interfaces as { name: string }[])[0].name,
    );
  });

  it("DEL with a namespace path that is no namespace cleans up from the host side", async () => {
    const r = await cni("DEL", "pod6", {
      env: { CNI_CONTAINERID: "ctr-pod6-b" },
      netns: "/etc/hostname",
    });
    expect(r.code, r.stdout).toBe(0);
    expect(wepFiles()).not.toContain("node1.test-k8s-pod6-eth0.yaml");
    expect((await lab.exec("node", "ip", ["-br", "link"])).stdout).not.toContain(hostVeth("pod6"));
  });

  describe("errors", () => {
    it("bad config: code 7 naming the field, nothing allocated", async () => {
      const before = readdirSync(join(datastore, "ipam", "allocations")).length;
      const r = await cni("ADD", "pod7", { cfg: config({ mtu: "big" }) });
      expect(r.code).toBe(1);
      expect(r.out).toMatchObject({
        cniVersion: "1.0.0",
        code: 7,
        msg: expect.stringContaining('"mtu"'),
      });
      expect(readdirSync(join(datastore, "ipam", "allocations")).length).toBe(before);
    });

    it("a namespace that does not exist: code 3", async () => {
      const r = await cni("ADD", "pod7", { netns: "/run/netns/wren-no-such-ns" });
      expect(r.out).toMatchObject({ code: 3, msg: expect.stringContaining("does not exist") });
    });

    it("a node the datastore does not know: code 100 with a hint, nothing left behind", async () => {
      const r = await cni("ADD", "pod7", { cfg: config({ nodename: "ghost" }) });
      expect(r.out).toMatchObject({ code: 100, msg: expect.stringMatching(/ghost.*nodename/) });
      expect((await lab.exec("pod7", "ip", ["-br", "link"])).stdout).not.toContain("eth0");
    });

    it("CNI_IFNAME already taken in the container: code 101, the address is given back", async () => {
      await lab.exec("pod7", "ip", [
        "link",
        "add",
        "eth0",
        "type",
        "veth",
        "peer",
        "name",
        "other0",
      ]);
      const before = readdirSync(join(datastore, "ipam", "allocations")).sort();
      const r = await cni("ADD", "pod7");
      expect(r.out).toMatchObject({
        code: 101,
        msg: expect.stringContaining("eth0 already exists"),
      });
      expect(readdirSync(join(datastore, "ipam", "allocations")).sort()).toEqual(before);
      expect(wepFiles()).not.toContain("node1.test-k8s-pod7-eth0.yaml");
    });

    it("an unsupported version: code 1", async () => {
      const r = await cni("ADD", "pod7", { cfg: config({ cniVersion: "0.1.0" }) });
      expect(r.out).toMatchObject({ code: 1 });
    });
  });
});
