/**
 * `wren render [--datastore DIR] [--node NAME] [--json] [--format table|json|bird|bird6]`:
 * reads the Calico YAML datastore and prints what wren would do on one node — the plan as a
 * table (default) or as the stable JSON of docs/render.md, or the BIRD 1.6 configuration
 * Calico's confd would write for the same input (bird.cfg / bird6.cfg, includes inlined).
 * Never writes to the datastore: blocks the node would still have to claim are shown as such.
 * Exit 0 when the plan has no errors, 1 when it has (the plan is still printed), 2 on usage.
 */
import { hostname } from "node:os";
import { parseArgs } from "node:util";
import { renderBirdConfig } from "../../calico/bird/bird-config.js";
import { loadDirectory } from "../../calico/datastore/load.js";
import { formatMessage } from "../../calico/datastore/messages.js";
import { formatPlanText } from "../../calico/render/plan-text.js";
import { renderNode } from "../../calico/render/render-node.js";
import type { NodePlan } from "../../common/contracts/plan.js";
import { errorMessage } from "../../common/errors.js";

export const summary = "print the plan (peers, routes, kernel state) wren derives for a node";

const USAGE = `usage: wren render [--datastore DIR] [--node NAME] [--json] [--format FORMAT] [--show-passwords]
  --datastore DIR   Calico YAML resources (default: config/, or $WREN_DATASTORE)
  --node NAME       the node to render (default: $NODENAME, $CALICO_NODENAME, the hostname)
  --json            same as --format json (docs/render.md)
  --format FORMAT   table (default), json, bird (Calico's bird.cfg), bird6 (bird6.cfg)
  --show-passwords  print BGP passwords in table/JSON output (default: "<redacted>")
Environment: CALICO_ROUTER_ID (an IPv4 address or "hash"), CALICO_ADVERTISE_CLUSTER_IPS.`;

const FORMATS = ["table", "json", "bird", "bird6"] as const;
export const REDACTED = "<redacted>";

export async function run(args: string[]): Promise<number> {
  let values: {
    datastore?: string;
    node?: string;
    json?: boolean;
    format?: string;
    "show-passwords"?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        datastore: { type: "string" },
        node: { type: "string" },
        json: { type: "boolean" },
        format: { type: "string" },
        "show-passwords": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (err) {
    console.error(`wren render: ${errorMessage(err)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const format = values.json ? "json" : (values.format ?? "table");
  if (
    !(FORMATS as readonly string[]).includes(format) ||
    (values.json && values.format && values.format !== "json")
  ) {
    console.error(`wren render: --format must be one of ${FORMATS.join(", ")}\n${USAGE}`);
    return 2;
  }
  const datastore = values.datastore || process.env.WREN_DATASTORE || "config";
  const node =
    values.node?.trim() ||
    process.env.NODENAME?.trim() ||
    process.env.CALICO_NODENAME?.trim() ||
    hostname().trim();
  const options = {
    routerId: process.env.CALICO_ROUTER_ID,
    advertiseClusterIps: process.env.CALICO_ADVERTISE_CLUSTER_IPS,
  };

  let loaded: Awaited<ReturnType<typeof loadDirectory>>;
  try {
    loaded = await loadDirectory(datastore);
  } catch (err) {
    console.error(`wren render: ${errorMessage(err)}`);
    return 1;
  }

  if (format === "bird" || format === "bird6") {
    for (const e of loaded.errors) console.error(`wren render: ${formatMessage(e, datastore)}`);
    process.stdout.write(
      renderBirdConfig(loaded.snapshot, node, format === "bird" ? "ipv4" : "ipv6", options),
    );
    return loaded.errors.length > 0 || !loaded.snapshot.nodes.some((n) => n.name === node) ? 1 : 0;
  }

  const rendered = renderNode(loaded.snapshot, node, { ...options, loadErrors: loaded.errors });
  const plan: NodePlan = values["show-passwords"]
    ? rendered
    : {
        ...rendered,
        peers: rendered.peers.map((p) => (p.password === null ? p : { ...p, password: REDACTED })),
      };
  process.stdout.write(
    format === "json" ? `${JSON.stringify(plan, null, 2)}\n` : formatPlanText(plan, datastore),
  );
  return plan.errors.length > 0 ? 1 : 0;
}
