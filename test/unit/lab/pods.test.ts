// Pod naming and the network config the runner streams to the CNI plugin, and parsing of
// `wren status --json` (the wren end of each session).
import { describe, expect, it } from "vitest";
import { podName, podNamespace, podNetworkConfig } from "../../../src/lab/pods.js";
import { parseWrenStatus } from "../../../src/lab/wren-status.js";

describe("lab pods", () => {
  it("are named per node, Kubernetes-style, in namespaces under the lab's prefix", () => {
    expect(podName("master1", 2)).toBe("master1-pod2");
    expect(podNamespace("wren-seed000", "master1", 2)).toBe("wren-seed000-master1-pod2");
  });

  it("get the documented network config with the node's datastore copy and Calico name", () => {
    expect(
      podNetworkConfig({
        name: "master1",
        ns: "p-master1",
        calicoName: "master1.k8s.com",
        datastore: "/run/wren-lab/p/datastores/0",
        dir: "/run/wren-lab/p/nodes/master1",
      }),
    ).toEqual({
      cniVersion: "1.0.0",
      name: "k8s-pod-network",
      type: "wren",
      datastore: "/run/wren-lab/p/datastores/0",
      nodename: "master1.k8s.com",
      mtu: 1500,
      ipam: { type: "wren-ipam" },
      log_level: "info",
      log_file_path: "/run/wren-lab/p/nodes/master1/cni.log",
    });
  });
});

describe("parseWrenStatus", () => {
  it("reads the peers of `wren status --json`", () => {
    const s = parseWrenStatus(
      JSON.stringify({
        node: "master1.k8s.com",
        routerId: "10.0.0.11",
        asNumber: 65001,
        peers: [
          {
            address: "10.0.0.254",
            port: 179,
            asNumber: 65001,
            type: "node specific",
            family: "ipv4",
            state: "up",
            bgpState: "Established",
            since: "2026-01-01T00:00:00.000Z",
            info: "Established",
            prefixes: { received: 7, accepted: 5, advertised: 2 },
          },
        ],
        config: { ok: true, error: null },
      }),
    );
    expect(s).toEqual({
      node: "master1.k8s.com",
      asNumber: 65001,
      configOk: true,
      configError: undefined,
      peers: [
        {
          address: "10.0.0.254",
          state: "Established",
          protocolState: "up",
          received: 7,
          accepted: 5,
          since: "2026-01-01T00:00:00.000Z",
        },
      ],
    });
    expect(() => parseWrenStatus('{"hello":1}')).toThrow(/not wren status JSON/);
  });
});
