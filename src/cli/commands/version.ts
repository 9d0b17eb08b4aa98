/** `wren version`: prints the package version. */
import { readFileSync } from "node:fs";

export const summary = "print wren's version";

export async function run(_args: string[]): Promise<number> {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
  console.log(pkg.version);
  return 0;
}
