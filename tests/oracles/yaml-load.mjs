// Load YAML texts the way GitHub's workflow parser does: the `yaml` package's parseDocument with
// its defaults (YAML 1.2, core schema), as @actions/workflow-parser's YamlObjectReader calls it.
//
// Protocol (the same as psych-load.rb): one JSON string (a whole YAML text) per input line; one
// JSON line per input, {"data": TYPED} or {"error": "..."}. TYPED: mappings
// {"!map": [[key, value], ...]}, integers {"!int": "12"}, floats {"!float": "1.5"}.
import { createInterface } from "node:readline";
import { isMap, isScalar, isSeq, parseDocument } from "yaml";

function typed(node) {
  if (isMap(node)) return { "!map": node.items.map((pair) => [typed(pair.key), typed(pair.value)]) };
  if (isSeq(node)) return node.items.map(typed);
  if (node === null || node === undefined) return null;
  if (!isScalar(node)) return { "!other": String(node.constructor?.name) };
  const value = node.value;
  if (typeof value === "bigint") return { "!int": value.toString() };
  if (typeof value === "number") return { "!float": String(value) };
  if (typeof value === "string" || typeof value === "boolean" || value === null) return value;
  return { "!other": typeof value };
}

for await (const line of createInterface({ input: process.stdin })) {
  const doc = parseDocument(JSON.parse(line), { intAsBigInt: true, uniqueKeys: false });
  const out = doc.errors.length ? { error: doc.errors.map((e) => e.message).join("; ") } : { data: typed(doc.contents) };
  process.stdout.write(JSON.stringify(out) + "\n");
}
