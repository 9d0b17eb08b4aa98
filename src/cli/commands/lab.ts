/**
 * `wren lab`: the seeds' labs in network namespaces, without Docker (the namespace runner of
 * src/lab). Subcommands:
 *   up [LAB|FILE]      build the topology (namespaces, links, bridges, FRR, wren nodes)
 *   verify [LAB|FILE]  check it works (sessions Established...), print a table, exit 1 on failure
 *   status [LAB|FILE]  what a recorded lab has (all recorded labs without an argument)
 *   down [LAB|FILE]    remove exactly what up made (also after a crash)
 *   run [LAB|FILE]     up (unless already up) + verify + how to explore and tear down (`npm run lab`)
 * LAB is a lab name under clab/ (default seed000), a lab directory, or a *.clab.yml file.
 */
import { parseArgs } from "node:util";
import { errorMessage } from "../../common/errors.js";
import {
  type CheckRow,
  DEFAULT_LAB,
  defaultPrefix,
  formatTable,
  LAB_RUN_DIR,
  labDown,
  labEnv,
  labStatus,
  labUp,
  labVerify,
  listLabs,
  loadCheckedLab,
  loadTopology,
  pickMode,
  recordedLabs,
  resolveLab,
} from "../../lab/index.js";

export const summary = "run the seeds' labs in network namespaces (up, verify, status, down, run)";

function usage(): string {
  const labs = listLabs();
  const lines = [
    "usage: wren lab <up|verify|status|down|run> [LAB|FILE] [--mode MODE] [--prefix PREFIX]",
    "                [--no-wren] [--timeout SECONDS] [--json]",
    "",
    "  up        build the lab in network namespaces (FRR routers, wren nodes, bridges, links)",
    "  verify    wait until every check passes (or --timeout, default 60 s); print a table; exit 1 naming failures",
    "  status    show what a recorded lab has (without LAB: every recorded lab)",
    "  down      remove exactly what up made (namespaces, processes), also after a crash",
    "  run       up (unless already up), verify, and print how to explore and tear down",
    "",
    `  LAB       a lab under clab/ (default ${DEFAULT_LAB}), a lab directory, or a *.clab.yml file`,
    "  --mode    the lab's BGP mode (default: the lab's default mode)",
    "  --prefix  namespace prefix (default wren-<lab>): namespaces are <prefix>-<node>",
    "  --no-wren build the fabric but do not start wren on the wren nodes",
    "",
    "labs:",
  ];
  for (const l of labs) {
    lines.push(`  ${l.name.padEnd(10)} ${l.title}`);
    for (const m of l.modes) {
      lines.push(`      --mode ${m.name}${m.name === l.defaultMode ? " (default)" : ""}`);
    }
  }
  lines.push("", `Records: ${LAB_RUN_DIR}/<prefix>/state.json. Needs root (network namespaces).`);
  return lines.join("\n");
}

const SUBCOMMANDS = ["up", "down", "status", "verify", "run"];

const MARK: Record<CheckRow["status"], string> = { ok: "ok", fail: "FAIL", skip: "skip" };

function printRows(rows: readonly CheckRow[]): void {
  console.log(
    formatTable(
      ["CHECK", "TARGET", "RESULT", "DETAIL"],
      rows.map((r) => [r.check, r.target, MARK[r.status], r.detail]),
    ),
  );
}

async function printStatus(prefix: string, json: boolean): Promise<boolean> {
  const s = await labStatus(prefix);
  if (!s) {
    console.error(`wren lab: no lab recorded under prefix ${prefix}`);
    return false;
  }
  if (json) {
    console.log(JSON.stringify(s, null, 2));
    return true;
  }
  console.log(
    `lab ${s.lab}${s.mode ? ` (mode ${s.mode})` : ""}, prefix ${s.prefix}, up since ${s.createdAt}${s.complete ? "" : " — INCOMPLETE"}`,
  );
  console.log(
    formatTable(
      ["NODE", "ROLE", "NAMESPACE", "PROCESSES"],
      s.nodes.map((n) => [
        n.name,
        n.role,
        n.nsExists ? n.ns : `${n.ns} (missing)`,
        n.notRunning ??
          (n.processes.map((p) => `${p.name}${p.alive ? "" : " (dead)"}`).join(" ") || "-"),
      ]),
    ),
  );
  if (s.sessions.length) {
    console.log("");
    console.log(
      formatTable(
        ["ROUTER", "NEIGHBOR", "PEER", "STATE", "PFX RCVD"],
        s.sessions.map((x) => [
          x.node,
          x.neighbor,
          x.peerNode ?? "?",
          x.state,
          String(x.pfxRcd ?? ""),
        ]),
      ),
    );
  }
  return true;
}

export async function run(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        mode: { type: "string" },
        prefix: { type: "string" },
        "no-wren": { type: "boolean" },
        timeout: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`wren lab: ${errorMessage(e)}\n\n${usage()}`);
    return 2;
  }
  // `npm run lab -- down` runs `wren lab run down`: a subcommand after `run` replaces it
  if (positionals[0] === "run" && SUBCOMMANDS.includes(positionals[1] ?? ""))
    positionals = positionals.slice(1);
  const [sub, target, ...extra] = positionals;
  if (values.help || sub === undefined || sub === "help") {
    console.log(usage());
    return values.help || sub === "help" ? 0 : 2;
  }
  if (extra.length) {
    console.error(`wren lab: unexpected arguments: ${extra.join(" ")}`);
    return 2;
  }
  const timeoutMs = values.timeout === undefined ? 60_000 : Number(values.timeout) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
    console.error(`wren lab: --timeout must be a number of seconds`);
    return 2;
  }
  const json = values.json === true;
  const log = json ? () => {} : (l: string) => console.log(l);
  try {
    if (sub === "status" && target === undefined && values.prefix === undefined) {
      const prefixes = recordedLabs();
      if (prefixes.length === 0) {
        console.log(json ? "[]" : "no labs are up");
        return 0;
      }
      if (json) {
        console.log(JSON.stringify(await Promise.all(prefixes.map((p) => labStatus(p))), null, 2));
        return 0;
      }
      for (const p of prefixes) {
        await printStatus(p, false);
        console.log("");
      }
      return 0;
    }
    if (!SUBCOMMANDS.includes(sub)) {
      console.error(`wren lab: unknown subcommand "${sub}"\n\n${usage()}`);
      return 2;
    }
    const lab = resolveLab(target);
    // down/status must work even when the lab's files changed since up: no checks for the name
    const prefix =
      (values.prefix as string | undefined) ??
      defaultPrefix(
        sub === "down" || sub === "status"
          ? loadTopology(
              lab.topology,
              labEnv(lab, pickMode(lab, values.mode as string | undefined)),
            )
          : (await loadCheckedLab(lab, values.mode as string | undefined)).topology,
      );
    switch (sub) {
      case "up": {
        await labUp(lab, {
          prefix,
          mode: values.mode as string | undefined,
          wren: values["no-wren"] ? false : undefined,
          log,
        });
        log(
          `lab ${lab.name} is up (prefix ${prefix}); check it with: wren lab verify ${lab.name}${values.prefix ? ` --prefix ${prefix}` : ""}`,
        );
        return 0;
      }
      case "down": {
        const r = await labDown(prefix);
        log(
          `lab ${prefix} removed: ${r.namespaces.length} namespaces, ${r.processes.length} processes`,
        );
        return 0;
      }
      case "status":
        return (await printStatus(prefix, json)) ? 0 : 1;
      case "verify":
      case "run": {
        if (sub === "run" && !recordedLabs().includes(prefix)) {
          await labUp(lab, {
            prefix,
            mode: values.mode as string | undefined,
            wren: values["no-wren"] ? false : undefined,
            log,
          });
        }
        const { ok, rows } = await labVerify(prefix, { timeoutMs });
        if (json) console.log(JSON.stringify({ ok, rows }, null, 2));
        else {
          printRows(rows);
          const failed = rows.filter((r) => r.status === "fail");
          console.log(
            failed.length
              ? `\nverify FAILED: ${failed.map((r) => `${r.check} ${r.target} (${r.detail})`).join("; ")}`
              : `\nverify passed (${rows.filter((r) => r.status === "ok").length} ok, ${rows.filter((r) => r.status === "skip").length} skipped)`,
          );
        }
        if (sub === "run" && !json) {
          const any = Object.values((await labStatus(prefix))?.nodes ?? []).find(
            (n) => n.role === "frr",
          );
          console.log(
            [
              "",
              "explore:",
              `  wren lab status ${lab.name}${values.prefix ? ` --prefix ${prefix}` : ""}`,
              any
                ? `  ip netns exec ${any.ns} vtysh --vty_socket ${LAB_RUN_DIR}/${prefix}/nodes/${any.name} -c 'show bgp summary'`
                : "",
              `  ip netns exec ${prefix}-<node> ip route`,
              `  wren status --control ${LAB_RUN_DIR}/${prefix}/nodes/<node>/wren.sock`,
              "tear down:",
              `  npm run lab -- down${values.prefix ? ` --prefix ${prefix}` : ""}   (or: wren lab down ${lab.name})`,
            ]
              .filter(Boolean)
              .join("\n"),
          );
        }
        return ok ? 0 : 1;
      }
    }
    return 2;
  } catch (e) {
    console.error(`wren lab ${sub}: ${errorMessage(e)}`);
    return 1;
  }
}
