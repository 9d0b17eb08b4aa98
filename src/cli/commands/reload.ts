/**
 * `wren reload [--json] [--control SOCKET]`: make the running daemon re-read its datastore now
 * and apply the difference (only changed sessions are touched). Exit 0 when applied or
 * unchanged, 1 when the change was refused (the last good configuration keeps running) or the
 * daemon did not answer, 2 on usage.
 */
import type { ReloadJson } from "../../daemon/index.js";
import { formatJson, parseControlFlags, runControlCommand } from "../control-command.js";
import { request } from "../ctl-client.js";
import { formatReload } from "../format/reload.js";

export const summary = "re-read the datastore now and apply the change";

const USAGE = "usage: wren reload [--json] [--control SOCKET]";

export function run(args: string[]): Promise<number> {
  return runControlCommand(
    {
      name: "reload",
      usage: USAGE,
      parse: parseControlFlags,
      async execute({ json, control }) {
        const result = await request<ReloadJson>("reload", {}, { socket: control });
        if (json) process.stdout.write(formatJson(result));
        else if (result.error !== null) process.stderr.write(formatReload(result));
        else process.stdout.write(formatReload(result));
        return result.error === null ? 0 : 1;
      },
    },
    args,
  );
}
