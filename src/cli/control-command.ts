/**
 * What the commands that talk to a running daemon over its control socket (`wren status`,
 * `wren reload`, `wren show`) have in common: parse the arguments, answer --help, and map
 * failures to exit statuses — a usage mistake prints the reason and the usage and exits 2,
 * --help prints the usage and exits 0, a failure while asking the daemon prints one line and
 * exits 1. Each command only says how to parse its arguments and what to do with them.
 */
import { parseArgs } from "node:util";
import { errorMessage, WrenError } from "../common/errors.js";

/** A mistake in how the command was called (exit 2 with the usage). */
export class UsageError extends WrenError {
  constructor(message: string) {
    super("CLI_USAGE", message);
    this.name = "UsageError";
  }
}

/** The flags of a control command that takes no other argument. */
export interface ControlFlags {
  readonly json: boolean;
  /** --control SOCKET; undefined means $WREN_CONTROL or the default socket. */
  readonly control: string | undefined;
}

export interface ControlCommand<Parsed> {
  /** The subcommand's name, as the prefix of its error lines (`wren NAME: …`). */
  readonly name: string;
  readonly usage: string;
  /** Reads the arguments; "help" for --help; throws on a usage mistake. */
  parse(args: string[]): Parsed | "help";
  /** Does the work; resolves with the exit status; a rejection is reported and exits 1. */
  execute(parsed: Parsed): Promise<number>;
}

/** Runs `command` on `args` and resolves with the exit status (0, 1 or 2, see the header). */
export async function runControlCommand<Parsed>(
  command: ControlCommand<Parsed>,
  args: string[],
): Promise<number> {
  let parsed: Parsed | "help";
  try {
    parsed = command.parse(args);
  } catch (err) {
    console.error(`wren ${command.name}: ${errorMessage(err)}\n${command.usage}`);
    return 2;
  }
  if (parsed === "help") {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.execute(parsed);
  } catch (err) {
    console.error(`wren ${command.name}: ${errorMessage(err)}`);
    return 1;
  }
}

/** Parses `[--json] [--control SOCKET] [-h|--help]` and nothing else (throws otherwise). */
export function parseControlFlags(args: string[]): ControlFlags | "help" {
  const { values } = parseArgs({
    args,
    options: {
      json: { type: "boolean" },
      control: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) return "help";
  return { json: values.json === true, control: values.control };
}

/** A control response as the stable, indented JSON the --json forms print. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
