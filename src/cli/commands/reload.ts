/**
 * `wren reload [--json] [--control SOCKET]`: make the running daemon re-read its datastore now
 * and apply the difference (only changed sessions are touched). Exit 0 when applied or
 * unchanged, 1 when the change was refused (the last good configuration keeps running).
 */
import { parseArgs } from "node:util";
import { errorMessage } from "../../common/errors.js";
import type { ReloadJson } from "../../daemon/index.js";
import { request } from "../ctl-client.js";
import { formatReload } from "../format/reload.js";

export const summary = "re-read the datastore now and apply the change";

const USAGE = "usage: wren reload [--json] [--control SOCKET]";

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
    console.error(`wren reload: ${errorMessage(err)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  try {
    const result = await request<ReloadJson>("reload", {}, { socket: values.control });
    if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else if (result.error !== null) process.stderr.write(formatReload(result));
    else process.stdout.write(formatReload(result));
    return result.error === null ? 0 : 1;
  } catch (err) {
    console.error(`wren reload: ${errorMessage(err)}`);
    return 1;
  }
}
