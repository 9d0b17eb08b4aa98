/** `wren reload` text output: what the reload changed, or why it was refused. */
import type { ReloadJson } from "../../daemon/index.js";

export function formatReload(r: ReloadJson): string {
  if (r.error !== null) {
    return `reload refused, the last good configuration keeps running: ${r.error}\n`;
  }
  if (r.unchanged) return "reloaded: no change\n";
  const parts: string[] = [];
  const names = (label: string, xs: readonly string[]) => {
    if (xs.length > 0) parts.push(`${label} ${xs.join(", ")}`);
  };
  names("added", r.peersAdded);
  names("removed", r.peersRemoved);
  names("reset", r.peersReset);
  names("updated without reset", r.peersSoft);
  if (r.dataplaneChanged) parts.push("dataplane updated");
  names("claimed blocks", r.blocksClaimed);
  return `reloaded: ${parts.length > 0 ? parts.join("; ") : "global settings updated"}\n`;
}
