/**
 * `wren status [--json] [--control SOCKET]`: the BGP sessions of a running wren in
 * `calicoctl node status` layout, or as the stable JSON of docs/cli.md. Exit 0 when the daemon
 * answered, 1 when it is not running (with the reason on stderr).
 */
import { parseArgs } from "node:util";
import { errorMessage } from "../../common/errors.js";
import type { StatusJson } from "../../daemon/index.js";
import { request } from "../ctl-client.js";
import { formatStatus } from "../format/status.js";

export const summary = "BGP session status of the running daemon (calicoctl node status style)";

const USAGE = "usage: wren status [--json] [--control SOCKET]";

export async function run(args: string[]): Promise<number> {
  let values: { json?: boolean; control?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        json: { type: "boolean" },
        control: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`wren status: ${errorMessage(err)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    const status = await request<StatusJson>("status", {}, { socket: values.control });
    process.stdout.write(
      values.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status),
    );
    return 0;
  } catch (err) {
    console.error(`wren status: ${errorMessage(err)}`);
    return 1;
  }
}
