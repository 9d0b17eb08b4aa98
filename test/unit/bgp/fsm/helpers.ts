// Shared fixtures for FSM tests: a peer configuration, a peer OPEN, and a runner that applies
// event sequences and collects actions.
import {
  type FsmAction,
  type FsmConfig,
  type FsmEvent,
  type FsmState,
  initialState,
  step,
} from "../../../../src/bgp/fsm/index.js";
import type { Capability, OpenMessage } from "../../../../src/bgp/wire/types.js";

export const LOCAL_ID = "10.0.0.1";
export const REMOTE_ID = "10.0.0.2";

export function config(
  overrides: Partial<FsmConfig> = {},
  local: Partial<FsmConfig["local"]> = {},
): FsmConfig {
  return {
    passive: false,
    connectRetryTime: 5,
    delayOpenTime: 0,
    openSentHoldTime: 240,
    errorWaitInitial: 5,
    errorWaitMax: 30,
    errorForgetTime: 300,
    ...overrides,
    local: {
      peerId: "peer1",
      localAs: 65001,
      remoteAs: 65002,
      localRouterId: LOCAL_ID,
      families: ["ipv4-unicast"],
      addPaths: "off",
      holdTime: 90,
      keepaliveTime: 30,
      gracefulRestart: { restartTime: 120 },
      extendedNextHop: false,
      extendedMessage: true,
      hostname: null,
      ...local,
    },
  };
}

export function peerOpen(overrides: Partial<OpenMessage> = {}, caps?: Capability[]): OpenMessage {
  return {
    type: "OPEN",
    version: 4,
    myAs: 65002,
    holdTime: 90,
    bgpId: REMOTE_ID,
    capabilities: caps ?? [
      { type: "multiprotocol", afi: 1, safi: 1 },
      { type: "routeRefresh" },
      { type: "fourOctetAs", asn: 65002 },
    ],
    otherParameters: [],
    ...overrides,
  };
}

export const grCap = (notification: boolean, restarting = false): Capability => ({
  type: "gracefulRestart",
  restarting,
  notification,
  restartTime: 120,
  families: [{ afi: 1, safi: 1, forwarding: true }],
});

export class Runner {
  state: FsmState;
  readonly log: FsmAction[] = [];
  last: readonly FsmAction[] = [];

  constructor(cfg: FsmConfig = config(), restarting = false) {
    this.state = initialState(cfg, { restarting });
  }

  fire(...events: FsmEvent[]): readonly FsmAction[] {
    const all: FsmAction[] = [];
    for (const e of events) {
      const r = step(this.state, e);
      this.state = r.state;
      all.push(...r.actions);
    }
    this.log.push(...all);
    this.last = all;
    return all;
  }

  types(): string[] {
    return this.last.map((a) => a.type);
  }

  /** Brings outbound connection 1 to Established with the given peer OPEN. */
  establish(open: OpenMessage = peerOpen()): number {
    this.fire({ type: "ManualStart" });
    const id = (this.last.find((a) => a.type === "connect") as { connId: number }).connId;
    this.fire(
      { type: "TcpCrAcked", connId: id, localAddress: "10.0.0.1", remoteAddress: "10.0.0.2" },
      { type: "BGPOpen", connId: id, open },
      { type: "KeepAliveMsg", connId: id },
    );
    return id;
  }
}

export function find<T extends FsmAction["type"]>(
  actions: readonly FsmAction[],
  type: T,
): Extract<FsmAction, { type: T }>[] {
  return actions.filter((a) => a.type === type) as Extract<FsmAction, { type: T }>[];
}
