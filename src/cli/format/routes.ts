/**
 * `wren show routes`: the Loc-RIB in FRR's `show bgp` layout, which network engineers read at a
 * glance — status codes `*` valid, `>` best, `=` multipath, `S` stale — with next hop, peer,
 * local preference, MED and AS path plus origin code (`i`, `e`, `?`). `show routes PREFIX`
 * gives every path of that prefix with all attributes; `--why PREFIX` lists the paths with the
 * reason each one is or is not the best.
 */
import type { PathView, RouteView } from "../../common/contracts/index.js";
import type { RoutesJson } from "../../daemon/index.js";
import { columns } from "./table.js";
import { formatDuration } from "./time.js";

const ORIGIN_CODE = { igp: "i", egp: "e", incomplete: "?" } as const;

export function pathCode(p: PathView): string {
  return `${p.stale ? "S" : "*"}${p.best ? ">" : p.multipath ? "=" : " "}`;
}

function asPathText(p: PathView): string {
  return `${p.asPath ? `${p.asPath} ` : ""}${ORIGIN_CODE[p.origin]}`;
}

function peerText(p: PathView): string {
  return p.peer ?? "local";
}

export function formatRouteTable(view: RoutesJson): string {
  const codes =
    "Status codes: * valid, > best, = multipath, S stale; Origin codes: i IGP, e EGP, ? incomplete";
  if (view.routes.length === 0) return `${codes}\n\nNo routes.\n`;
  const rows: string[][] = [["", "Network", "Next Hop", "Peer", "LocPrf", "MED", "Path"]];
  let paths = 0;
  for (const r of view.routes) {
    r.paths.forEach((p, i) => {
      paths++;
      rows.push([
        pathCode(p),
        i === 0 ? r.prefix : "",
        p.nexthop,
        peerText(p),
        p.localPref === null ? "" : String(p.localPref),
        p.med === null ? "" : String(p.med),
        asPathText(p),
      ]);
    });
  }
  const footer = `\nDisplayed ${view.routes.length} routes and ${paths} paths${view.truncated ? " (more matched: raise --limit, or --limit 0 for all)" : ""}\n`;
  return `${codes}\n\n${columns(rows, 1)}\n${footer}`;
}

function pathFlags(p: PathView): string {
  const f = [p.best ? "best" : null, p.multipath ? "multipath" : null, p.stale ? "stale" : null];
  const s = f.filter((x) => x !== null).join(", ");
  return s || "not selected";
}

function orDash(items: readonly string[]): string {
  return items.length > 0 ? items.join(" ") : "-";
}

export function formatRouteDetail(view: RoutesJson): string {
  if (view.routes.length === 0) return "No such route.\n";
  const out: string[] = [];
  for (const r of view.routes) {
    out.push(`${r.prefix}: ${r.paths.length} path${r.paths.length === 1 ? "" : "s"}`);
    r.paths.forEach((p, i) => {
      const kv = (k: string, v: string | number) => `    ${`${k}:`.padEnd(22)}${v}`;
      out.push(
        `  Path ${i + 1}: ${pathFlags(p)}`,
        kv("Next hop", p.nexthop),
        kv("Peer", peerText(p)),
        kv("AS path", p.asPath || "(empty)"),
        kv("Origin", p.origin),
        kv("Local preference", p.localPref ?? "-"),
        kv("MED", p.med ?? "-"),
        kv("Communities", orDash(p.communities)),
        kv("Large communities", orDash(p.largeCommunities)),
        kv("Extended communities", orDash(p.extendedCommunities)),
      );
      if (p.originatorId) out.push(kv("Originator ID", p.originatorId));
      if (p.clusterList.length > 0) out.push(kv("Cluster list", p.clusterList.join(" ")));
      if (p.pathId !== null) out.push(kv("Path ID", p.pathId));
      out.push(kv("Age", formatDuration(p.age)), kv("Decision", p.reason || "-"));
    });
  }
  return `${out.join("\n")}\n`;
}

/** `--why PREFIX`: best first, then each other path with the step that ruled it out. */
export function formatWhy(view: RoutesJson, prefix: string): string {
  const route: RouteView | undefined = view.routes[0];
  if (!route || route.paths.length === 0)
    return `${prefix}: not in the Loc-RIB (no path received or all rejected by import policy)\n`;
  const best = route.paths.find((p) => p.best);
  const ordered = [...route.paths].sort((a, b) => Number(b.best) - Number(a.best));
  const out = [
    `${route.prefix}: ${route.paths.length} path${route.paths.length === 1 ? "" : "s"}, ${best ? `best via ${best.nexthop} from ${peerText(best)}` : "no best path"}`,
  ];
  const rows = ordered.map((p) => [
    `  ${p.best ? "best" : p.multipath ? "multipath" : "not best"}`,
    `via ${p.nexthop}`,
    `from ${peerText(p)}`,
    `[${asPathText(p)}]`,
    p.reason || "-",
  ]);
  out.push(columns(rows));
  return `${out.join("\n")}\n`;
}
