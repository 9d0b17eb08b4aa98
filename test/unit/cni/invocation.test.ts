// CNI_* environment parsing: what each command needs, CNI_ARGS, interface-name rules; errors
// are CNI code 4 naming the variable.
import { describe, expect, it } from "vitest";
import type { CniError } from "../../../src/cni/errors.js";
import {
  interfaceNameProblem,
  parseCniArgs,
  parseInvocation,
} from "../../../src/cni/invocation.js";

const add = {
  CNI_COMMAND: "ADD",
  CNI_CONTAINERID: "0123456789abcdef",
  CNI_NETNS: "/var/run/netns/cni-1234",
  CNI_IFNAME: "eth0",
  CNI_ARGS: "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=nginx-1",
  CNI_PATH: "/opt/cni/bin:/usr/libexec/cni",
};

function failure(env: Record<string, string | undefined>): CniError {
  try {
    parseInvocation(env);
  } catch (e) {
    return e as CniError;
  }
  throw new Error("expected the environment to be refused");
}

describe("CNI invocation", () => {
  it("reads an ADD as a runtime passes it", () => {
    expect(parseInvocation(add)).toEqual({
      command: "ADD",
      containerId: "0123456789abcdef",
      netns: "/var/run/netns/cni-1234",
      ifname: "eth0",
      args: { IgnoreUnknown: "1", K8S_POD_NAMESPACE: "default", K8S_POD_NAME: "nginx-1" },
      path: ["/opt/cni/bin", "/usr/libexec/cni"],
    });
  });

  it("VERSION needs nothing else", () => {
    expect(parseInvocation({ CNI_COMMAND: "VERSION" }).command).toBe("VERSION");
  });

  it("DEL works without a netns (the runtime may have destroyed it)", () => {
    expect(parseInvocation({ ...add, CNI_COMMAND: "DEL", CNI_NETNS: "" }).netns).toBe("");
  });

  it.each([
    [{ CNI_COMMAND: undefined }, /CNI_COMMAND is not set/],
    [{ CNI_COMMAND: "GC" }, /CNI_COMMAND "GC" is not supported/],
    [{ CNI_CONTAINERID: "" }, /CNI_CONTAINERID is not set/],
    [{ CNI_CONTAINERID: "-abc" }, /CNI_CONTAINERID "-abc" must start with a letter or digit/],
    [{ CNI_NETNS: undefined }, /CNI_NETNS is not set \(ADD needs it\)/],
    [{ CNI_IFNAME: undefined }, /CNI_IFNAME is not set/],
    [{ CNI_IFNAME: "averyveryverylongname" }, /longer than 15 bytes/],
    [{ CNI_IFNAME: "eth:0" }, /contains "\/", ":" or whitespace/],
    [{ CNI_ARGS: "K8S_POD_NAME" }, /CNI_ARGS: "K8S_POD_NAME" is not KEY=VALUE/],
  ])("refuses %j (code 4)", (change, message) => {
    const e = failure({ ...add, ...change });
    expect(e.cniCode).toBe(4);
    expect(e.message).toMatch(message);
  });

  it("CNI_ARGS: pairs, empty values, stray separators", () => {
    expect(parseCniArgs("")).toEqual({});
    expect(parseCniArgs("A=1;;B=;C=x=y")).toEqual({ A: "1", B: "", C: "x=y" });
  });

  it("interface names per the spec", () => {
    expect(interfaceNameProblem("eth0")).toBeUndefined();
    expect(interfaceNameProblem("..")).toMatch(/may not be/);
    expect(interfaceNameProblem("a b")).toMatch(/whitespace/);
    expect(interfaceNameProblem("123456789012345")).toBeUndefined();
    expect(interfaceNameProblem("1234567890123456")).toMatch(/15 bytes/);
  });
});
