// Evaluate GitHub expressions with GitHub's own engine (@actions/expressions: Lexer, Parser,
// Evaluator), for tests/test_gh_expr.py to compare ciforge's evaluator with.
//
// Protocol: one JSON request per input line, {"expression": "...", "context": {...}}; one JSON
// line per request: {"value": TYPED} or {"error": "..."}. The context's top-level keys are the
// named contexts; the status functions are success() = always() = true and failure() =
// cancelled() = false. TYPED: null, booleans and strings as JSON; numbers {"!number": n} (n a
// JSON number, or "NaN", "Infinity", "-Infinity"); arrays as lists; objects {"!map": [[k, v]]}.
import { createInterface } from "node:readline";
import { Evaluator, Lexer, Parser, data } from "@actions/expressions";

const constant = (name, maxArgs, value) => [name, { name, minArgs: 0, maxArgs, call: () => new data.BooleanData(value) }];
const functions = new Map([
  constant("success", Number.MAX_SAFE_INTEGER, true),
  constant("failure", Number.MAX_SAFE_INTEGER, false),
  constant("always", 0, true),
  constant("cancelled", 0, false),
]);

function typed(value) {
  switch (value.kind) {
    case data.Kind.Null:
      return null;
    case data.Kind.Boolean:
    case data.Kind.String:
      return value.value;
    case data.Kind.Number: {
      const n = value.value;
      return { "!number": Number.isFinite(n) ? n : String(n) };
    }
    case data.Kind.Array:
      return value.values().map(typed);
    case data.Kind.Dictionary:
      return { "!map": value.pairs().map((p) => [p.key, typed(p.value)]) };
  }
  return { "!other": String(value.kind) };
}

for await (const line of createInterface({ input: process.stdin })) {
  const request = JSON.parse(line);
  let out;
  try {
    const context = JSON.parse(JSON.stringify(request.context), data.reviver);
    const { tokens } = new Lexer(request.expression).lex();
    const ast = new Parser(tokens, Object.keys(request.context), [...functions.values()]).parse();
    if (ast === undefined) throw new Error("empty expression");
    out = { value: typed(new Evaluator(ast, context, functions).evaluate()) };
  } catch (e) {
    out = { error: String(e.message ?? e) };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
}
