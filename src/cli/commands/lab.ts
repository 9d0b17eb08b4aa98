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
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { errorMessage } from "../../common/errors.js";
import {
  type CheckRow,
  DEFAULT_LAB,
  defaultPrefix,
  ensureNetnsAddon,
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
  type PodRecord,
  pickMode,
  recordedLabs,
  resolveLab,
  WREN_MAIN,
} from "../../lab/index.js";

export const summary = "run the seeds' labs in network namespaces (up, verify, status, down, run)";

function usage(): string {
  const labs = listLabs();
  const lines = [
    "usage: wren lab <up|verify|status|down|run> [LAB|FILE] [--mode MODE] [--prefix PREFIX]",
    "                [--no-wren] [--no-pods] [--timeout SECONDS] [--json]",
    "",
    "  up        build the lab in network namespaces (FRR routers, wren nodes, bridges, links, and",
    "            the pods, created through wren's CNI plugin as a container runtime would)",
    "  verify    wait until every check passes (or --timeout, default 60 s): sessions Established",
    "            on both ends, expected routes (ECMP sets) on leaves and spines, blackholes and pod",
    "            routes on nodes, pod pings within a node / a rack / across racks, LoadBalancer",
    "            reach; print a table; exit 1 naming what failed",
    "  status    show what a recorded lab has (without LAB: every recorded lab)",
    "  down      remove exactly what up made (namespaces, processes), also after a crash",
    "  run       up (unless already up), verify, and print how to explore and tear down",
    "",
    `  LAB       a lab under clab/ (default ${DEFAULT_LAB}), a lab directory, or a *.clab.yml file`,
    "  --mode    the lab's BGP mode (default: the lab's default mode)",
    "  --prefix  namespace prefix (default wren-<lab>): namespaces are <prefix>-<node>",
    "  --no-wren build the fabric but do not start wren on the wren nodes (no pods either)",
    "  --no-pods start wren but create no pods",
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
        ["NODE", "NEIGHBOR", "PEER", "STATE", "PFX"],
        s.sessions.map((x) => [
          `${x.node} (${x.source})`,
          x.neighbor,
          x.peerNode ?? "?",
          x.state,
          String(x.pfxRcd ?? ""),
        ]),
      ),
    );
  }
  if (s.pods.length) {
    console.log("");
    printPods(s.pods);
  }
  return true;
}

function printPods(pods: readonly PodRecord[]): void {
  console.log(
    formatTable(
      ["POD", "NODE", "ADDRESS", "HOST SIDE", "NAMESPACE"],
      pods.map((p) => [
        p.name,
        p.node,
        [...p.ips, ...(p.loadBalancer ? [p.loadBalancer] : [])].join(" "),
        p.hostVeth,
        p.ns,
      ]),
    ),
  );
}

/** How to run wren from here: `wren` when installed, else node with the compiled CLI. */
function wrenCommand(): string {
  const rel = relative(process.cwd(), WREN_MAIN);
  return process.argv[1] && /\bwren$/.test(process.argv[1])
    ? "wren"
    : `node ${rel.startsWith("..") ? WREN_MAIN : rel}`;
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
        "no-pods": { type: "boolean" },
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
    const up = async () => {
      await ensureNetnsAddon(log);
      await labUp(lab, {
        prefix,
        mode: values.mode as string | undefined,
        wren: values["no-wren"] ? false : undefined,
        pods: values["no-pods"] ? false : undefined,
        log,
      });
    };
    switch (sub) {
      case "up": {
        await up();
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
          await up();
        }
        if (!json) log(`verify: waiting up to ${timeoutMs / 1000} s for every check to pass…`);
        let lastNote = Date.now();
        const { ok, rows } = await labVerify(prefix, {
          timeoutMs,
          onRound: (r) => {
            if (json || Date.now() - lastNote < 5000) return;
            lastNote = Date.now();
            const failing = r.filter((x) => x.status === "fail");
            if (failing.length)
              console.error(
                `  … ${failing.length} not passing yet (${failing
                  .slice(0, 3)
                  .map((x) => `${x.check} ${x.target}`)
                  .join(", ")}${failing.length > 3 ? ", …" : ""})`,
              );
          },
        });
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
          const st = await labStatus(prefix);
          const frr = st?.nodes.find((n) => n.role === "frr");
          const wren = st?.nodes.find((n) => n.role === "wren" && !n.notRunning);
          const pods = st?.pods ?? [];
          const far = pods.length > 1 ? pods[pods.length - 1] : undefined;
          const wrenCli = wrenCommand();
          const pfx = values.prefix ? ` --prefix ${prefix}` : "";
          if (pods.length) {
            console.log("");
            printPods(pods);
          }
          console.log(
            [
              "",
              "explore:",
              `  ${wrenCli} lab status ${lab.name}${pfx}`,
              wren
                ? `  ${wrenCli} status --control ${LAB_RUN_DIR}/${prefix}/nodes/${wren.name}/wren.sock`
                : "",
              wren ? `  ip -n ${wren.ns} route` : "",
              frr
                ? `  ip netns exec ${frr.ns} vtysh --vty_socket ${LAB_RUN_DIR}/${prefix}/nodes/${frr.name} -c 'show ip route'`
                : "",
              pods[0] && far
                ? `  ip netns exec ${pods[0].ns} ping ${far.ips[0]}          # ${pods[0].name} → ${far.name}`
                : "",
              wren ? `  tail -f ${LAB_RUN_DIR}/${prefix}/nodes/${wren.name}/wren.log` : "",
              "tear down:",
              // The lab as the user named it (default: nothing), so `down` finds the same one.
              `  npm run lab -- down${target === undefined ? "" : ` ${target}`}${pfx}   (or: ${wrenCli} lab down ${target ?? lab.name}${pfx})`,
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
