// Module loader hooks (run in Node's loader thread; registered by ./json-hook.mjs).
//
// 1. resolve(): bare specifiers ("@actions/workflow-parser", "yaml", ...) imported from code that
//    is NOT itself inside the oracle node_modules directory are resolved from that directory
//    first, so our scripts get exactly the pinned oracle packages.  If the package is not there,
//    normal resolution is used.  Imports made by the packages themselves resolve normally (they
//    already live inside that node_modules tree).
// 2. Any `.json` module imported without an import attribute is treated as if it had been
//    imported `with { type: "json" }` -- that is the whole workaround for
//    @actions/workflow-parser importing its schema JSON bare.
import { isBuiltin } from "node:module";
import { join, sep } from "node:path";
import { pathToFileURL } from "node:url";

let nodeModules; // absolute path, set by initialize()
let nodeModulesURL; // the same as a file: URL prefix ending in "/"
let anchorURL; // a (non-existent) file directly above nodeModules; bare lookups from it search nodeModules

export function initialize(data) {
  nodeModules = data.nodeModules;
  nodeModulesURL = pathToFileURL(nodeModules + sep).href;
  anchorURL = pathToFileURL(join(nodeModules, "..", "__ciforge_oracle_anchor__.mjs")).href;
}

/** A bare specifier is one that is not relative, absolute, a URL, a builtin or a #subpath import. */
function isBare(specifier) {
  if (isBuiltin(specifier)) return false;
  if (/^[./]/.test(specifier) || specifier.startsWith("#")) return false;
  return !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(specifier); // "file:", "data:", "node:", ...
}

export async function resolve(specifier, context, nextResolve) {
  let result;
  const fromOutside = !(context.parentURL || "").startsWith(nodeModulesURL);
  if (isBare(specifier) && fromOutside) {
    try {
      result = await nextResolve(specifier, { ...context, parentURL: anchorURL });
    } catch (err) {
      if (err?.code !== "ERR_MODULE_NOT_FOUND") throw err;
    }
  }
  result ??= await nextResolve(specifier, context);

  // Treat attribute-less .json imports as JSON modules.  Returning importAttributes from
  // resolve() is the documented way to set the attributes the module is validated against.
  const attrs = context.importAttributes ?? {};
  if (result.url.endsWith(".json") && attrs.type === undefined) {
    return { ...result, format: "json", importAttributes: { ...attrs, type: "json" } };
  }
  return result;
}
