/**
 * `wren cni`: wren's CNI plugin (spec 1.0). Container runtimes exec it (through the
 * `scripts/cni/wren` shim installed in their CNI bin directory as `wren`) with CNI_COMMAND,
 * CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS, CNI_PATH in the environment and the network
 * config on stdin; the result or error JSON goes to stdout. See docs/cni.md.
 * `--container-step` is internal: the nsenter fallback's child (no netns addon).
 */
import { containerStepMain, runCni } from "../../cni/index.js";

export const summary =
  "the CNI plugin (ADD/DEL/CHECK/VERSION from CNI_* variables, config on stdin)";

const USAGE = `usage: CNI_COMMAND=ADD|DEL|CHECK|VERSION CNI_CONTAINERID=… CNI_NETNS=… CNI_IFNAME=eth0 \\
         CNI_ARGS='K8S_POD_NAMESPACE=…;K8S_POD_NAME=…' wren cni < netconf.json

wren's CNI plugin: a veth pair (host side cali…, container side CNI_IFNAME), an address from the
node's IPAM block in the datastore, 169.254.1.1 as the container's gateway (proxy ARP), the host
route, and a WorkloadEndpoint in the datastore for the daemon. Network config example:

  {"cniVersion": "1.0.0", "name": "k8s-pod-network", "type": "wren",
   "datastore": "/etc/wren/datastore", "nodename": "worker1", "mtu": 1450,
   "ipam": {"type": "wren-ipam"}}

Runtimes run it as "wren" from their CNI bin directory: install scripts/cni/wren there.
See docs/cni.md for every key, the result, the error codes and the kind install steps.`;

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return "";
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function run(args: string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  if (args[0] === "--container-step") {
    const r = await containerStepMain(await readStdin());
    process.stdout.write(`${r.text}\n`);
    return r.exitCode;
  }
  if (args.length > 0) {
    console.error(`wren cni: unexpected arguments: ${args.join(" ")}\n\n${USAGE}`);
    return 2;
  }
  if (!process.env.CNI_COMMAND && process.stdin.isTTY) {
    console.error(USAGE);
    return 2;
  }
  const out = await runCni(process.env, await readStdin(), {
    stderr: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(out.stdout);
  return out.exitCode;
}
