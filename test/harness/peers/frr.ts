/**
 * FRR 8.4 as a harness peer: the product's FrrInstance (src/lab/frr.ts: zebra + staticd + bgpd
 * per namespace, `-P 0`, own vty socket directory, integrated config via `vtysh -b`) wired to a
 * Lab, so its daemon PIDs are recorded for crash cleanup, plus the common runner interface.
 */
import { FrrInstance, type FrrOptions } from "../../../src/lab/frr.js";
import type { Lab } from "../netns.js";
import { started } from "./daemon-peer.js";
import { type BgpPeerRunner, type BgpState, waitForState } from "./runner.js";

export interface FrrPeerOptions {
  /** Instance name (directory <runDir>/<node>/<name>); default "frr". */
  readonly name?: string;
  readonly daemons?: FrrOptions["daemons"];
  readonly bgpPort?: number;
}

export class FrrPeer extends FrrInstance implements BgpPeerRunner {
  readonly kind = "frr" as const;

  constructor(lab: Lab, node: string, config: string, opts: FrrPeerOptions = {}) {
    const ns = lab.ns(node);
    super({
      ns,
      dir: lab.dir(node, opts.name ?? "frr"),
      config,
      daemons: opts.daemons,
      bgpPort: opts.bgpPort,
      onProcess: (pid, name) => lab.recordProcess(pid, ns, name),
      onProcessGone: (pid) => lab.forgetProcess(pid),
    });
  }

  override neighborState(neighbor: string): Promise<BgpState> {
    return super.neighborState(neighbor);
  }

  async prefixes(): Promise<string[]> {
    const [v4, v6] = await Promise.all([this.bgpPrefixes("ipv4"), this.bgpPrefixes("ipv6")]);
    return [...v4, ...v6].sort();
  }

  waitEstablished(neighbor: string, timeoutMs?: number): Promise<void> {
    return waitForState(this, neighbor, "Established", timeoutMs);
  }
}

/** Creates and starts an FRR peer in node `node` of `lab`. */
export async function startFrr(
  lab: Lab,
  node: string,
  config: string,
  opts: FrrPeerOptions = {},
): Promise<FrrPeer> {
  return started(new FrrPeer(lab, node, config, opts));
}
