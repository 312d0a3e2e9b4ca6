// Registers the module loader hooks in ./json-loader.mjs.  Use it as
//
//     node --import ./json-hook.mjs gha-plan.mjs ...
//
// (the path given to --import is resolved against the current directory, so
// from elsewhere pass its full path, e.g. --import /work/main/tests/oracles/json-hook.mjs).
//
// Why: @actions/workflow-parser does `import WorkflowSchema from "../workflow-v1.0.min.json"`
// without `with { type: "json" }`, which plain Node 20/22 rejects with
// ERR_IMPORT_ATTRIBUTE_MISSING / ERR_IMPORT_ASSERTION_TYPE_MISSING.  The loader also lets our
// scripts in tests/oracles/ import the oracle packages, which are installed in a separate npm
// prefix rather than in a node_modules directory above this one.
//
// The oracle node_modules directory is $CIFORGE_ORACLE_NODE_MODULES if set, otherwise
// <repo>/.oracles/node/node_modules, found relative to this file (tests/oracles/ -> repo root).
import { existsSync } from "node:fs";
import { register } from "node:module";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const nodeModules = resolve(
  process.env.CIFORGE_ORACLE_NODE_MODULES || resolve(repoRoot, ".oracles/node/node_modules")
);

if (!existsSync(nodeModules)) {
  process.emitWarning(
    `oracle packages not found at ${nodeModules}: install them (scripts/install-oracles.sh) ` +
      "or point CIFORGE_ORACLE_NODE_MODULES at their node_modules directory"
  );
}

register("./json-loader.mjs", import.meta.url, { data: { nodeModules } });
