/**
 * `wren status [--json] [--control SOCKET]`: the BGP sessions of a running wren in
 * `calicoctl node status` layout, or as the stable JSON of docs/cli.md. Exit 0 when the daemon
 * answered, 1 when it is not running (with the reason on stderr), 2 on usage.
 */
import type { StatusJson } from "../../daemon/index.js";
import { formatJson, parseControlFlags, runControlCommand } from "../control-command.js";
import { request } from "../ctl-client.js";
import { formatStatus } from "../format/status.js";

export const summary = "BGP session status of the running daemon (calicoctl node status style)";

const USAGE = "usage: wren status [--json] [--control SOCKET]";

export function run(args: string[]): Promise<number> {
  return runControlCommand(
    {
      name: "status",
      usage: USAGE,
      parse: parseControlFlags,
      async execute({ json, control }) {
        const status = await request<StatusJson>("status", {}, { socket: control });
        process.stdout.write(json ? formatJson(status) : formatStatus(status));
        return 0;
      },
    },
    args,
  );
}
