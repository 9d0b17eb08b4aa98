// Names derived from an invocation: Calico's host veth name (cali + 11 hex of
// SHA-1("<namespace>.<pod>")), WorkloadEndpoint names with doubled dashes, IPAM handles, and
// the non-Kubernetes form keyed by container ID.
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseInvocation } from "../../../src/cni/invocation.js";
import {
  escapeDashes,
  ipamHandle,
  workloadEndpointName,
  workloadIdentity,
} from "../../../src/cni/workload.js";

function inv(args: string) {
  return parseInvocation({
    CNI_COMMAND: "ADD",
    CNI_CONTAINERID: "f00dcafe1234567890",
    CNI_NETNS: "/run/netns/x",
    CNI_IFNAME: "eth0",
    CNI_ARGS: args,
  });
}

describe("workload identity", () => {
  it("a Kubernetes pod: Calico's veth name, WEP name and handle", () => {
    const id = workloadIdentity(
      inv("K8S_POD_NAMESPACE=kube-system;K8S_POD_NAME=coredns-5d78c9869d-abcde"),
      "k8s-pod-network",
      "worker-1",
    );
    const sha = createHash("sha1").update("kube-system.coredns-5d78c9869d-abcde").digest("hex");
    expect(id).toEqual({
      orchestrator: "k8s",
      namespace: "kube-system",
      workload: "coredns-5d78c9869d-abcde",
      endpoint: "eth0",
      node: "worker-1",
      containerId: "f00dcafe1234567890",
      hostVeth: `cali${sha.slice(0, 11)}`,
      wepName: "worker--1-k8s-coredns--5d78c9869d--abcde-eth0",
      handle: "k8s-pod-network.f00dcafe1234567890",
    });
    expect(id.hostVeth).toHaveLength(15);
  });

  it('default/nginx gets the name Calico gives it (sha1sum of "default.nginx")', () => {
    expect(workloadIdentity(inv("K8S_POD_NAME=nginx"), "net", "n").hostVeth).toBe(
      "calic440f455693",
    );
  });

  it("without pod arguments: orchestrator cni, keyed by the container ID", () => {
    const id = workloadIdentity(inv(""), "mynet", "node1");
    expect(id).toMatchObject({
      orchestrator: "cni",
      namespace: "default",
      workload: "f00dcafe1234567890",
      hostVeth: "calif00dcafe123",
      wepName: "node1-cni-f00dcafe1234567890-eth0",
      handle: "mynet.f00dcafe1234567890",
    });
  });

  it("refuses pod names that are not Kubernetes names", () => {
    expect(() => workloadIdentity(inv("K8S_POD_NAME=../etc"), "n", "node")).toThrow(
      /K8S_POD_NAME "..\/etc" is not a Kubernetes name/,
    );
  });

  it("escapes dashes the way libcalico-go does", () => {
    expect(escapeDashes("a-b--c")).toBe("a--b----c");
    expect(workloadEndpointName("node-1", "k8s", "web-0", "eth0")).toBe("node--1-k8s-web--0-eth0");
    expect(ipamHandle("k8s-pod-network", "abc")).toBe("k8s-pod-network.abc");
  });
});
