#!/usr/bin/env node
/**
 * The `wren` command. Each subcommand is a module `src/cli/commands/<name>.ts` exporting
 * `summary` (one line for the help) and `run(args): Promise<number>` (the exit status); this
 * file finds them by name, so adding a command never touches the dispatcher.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";

export interface CommandModule {
  readonly summary: string;
  run(args: string[]): Promise<number>;
}

const commandsDir = new URL("./commands/", import.meta.url);

function commandUrl(name: string): URL | null {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) return null;
  for (const ext of [".js", ".ts"]) {
    const url = new URL(`${name}${ext}`, commandsDir);
    if (existsSync(url)) return url;
  }
  return null;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return pkg.version as string;
}

async function usage(): Promise<string> {
  const names = readdirSync(commandsDir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith(".d.ts") && !f.endsWith(".map"))
    .map((f) => f.replace(/\.(js|ts)$/, ""))
    .sort();
  const lines: string[] = [];
  for (const name of names) {
    const mod = (await import(commandUrl(name)!.href)) as CommandModule;
    lines.push(`  ${name.padEnd(10)} ${mod.summary}`);
  }
  return [
    "usage: wren <command> [options]",
    "",
    "commands:",
    ...lines,
    "",
    "`wren <command> --help` shows a command's options.",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === "--help" || cmd === "-h" || cmd === "help") {
    console.log(await usage());
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === "--version" || cmd === "version") {
    console.log(version());
    return 0;
  }
  const url = commandUrl(cmd);
  if (!url) {
    console.error(`wren: unknown command "${cmd}"\n\n${await usage()}`);
    return 2;
  }
  const mod = (await import(url.href)) as CommandModule;
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`wren: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
