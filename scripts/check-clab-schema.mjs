#!/usr/bin/env node
// Validates every containerlab topology under clab/ (*.clab.yml) against containerlab's JSON
// schema (draft-07), for developers: `npm run check:clab -- [SCHEMA]`. The schema is not part of
// this project; pass its path, or set WREN_CLAB_SCHEMA, or keep it at ../shared/schemas/ next to
// the checkout. The schema carries VS Code annotations (`markdownDescription`), so ajv runs
// with strict mode off. What the schema cannot say (links naming existing nodes, each endpoint
// used once, bind files present, datastores loading) is checked by test/unit/lab/clab-files.test.ts.
// Exit 0 when every file is valid, 1 naming each file and error otherwise, 2 without a schema.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import { parse } from "yaml";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const schemaPath = resolve(
  process.argv[2] ??
    process.env.WREN_CLAB_SCHEMA ??
    join(root, "..", "shared", "schemas", "clab.schema.json"),
);
if (!existsSync(schemaPath)) {
  console.error(
    `check-clab-schema: no schema at ${schemaPath}; pass the path of containerlab's ` +
      "schemas/clab.schema.json (or set WREN_CLAB_SCHEMA)",
  );
  process.exit(2);
}

function topologies(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...topologies(p));
    else if (/\.clab\.ya?ml$/.test(e.name)) out.push(p);
  }
  return out.sort();
}

const ajv = new Ajv({ strict: false, allErrors: true });
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, "utf8")));
let failed = 0;
for (const file of topologies(join(root, "clab"))) {
  const name = relative(root, file);
  let doc;
  try {
    doc = parse(readFileSync(file, "utf8"));
  } catch (err) {
    console.log(`FAIL ${name}: not YAML: ${err.message}`);
    failed++;
    continue;
  }
  if (validate(doc)) {
    console.log(`ok   ${name}`);
    continue;
  }
  failed++;
  console.log(`FAIL ${name}`);
  for (const e of validate.errors ?? []) console.log(`     ${e.instancePath || "/"} ${e.message}`);
}
console.log(`${failed === 0 ? "all valid" : `${failed} invalid`} (schema ${schemaPath})`);
process.exit(failed === 0 ? 0 : 1);
