// gha-plan.mjs -- an independent oracle for GitHub Actions semantics, built on GitHub's own
// workflow parser (@actions/workflow-parser) and expression engine (@actions/expressions).
//
//   node --import ./json-hook.mjs gha-plan.mjs WORKFLOW_FILE 'EVENT_JSON'
//
// EVENT_JSON describes one event, e.g.
//   {"event_name":"push","ref":"refs/heads/main"}
//   {"event_name":"push","ref":"refs/tags/v1.2.3"}
//   {"event_name":"pull_request","ref":"refs/pull/7/merge","base_ref":"main","head_ref":"feature/x"}
//   {"event_name":"workflow_dispatch","ref":"refs/heads/main"}
// Optional keys: "action" (activity type, default: the first default type, e.g. "opened"),
// "changed_files" (list, for paths filters), "inputs" (workflow_dispatch inputs over the
// declared defaults), "vars", "event" (extra payload merged into github.event); any other key is
// copied into the github context as is (e.g. "sha", "repository").
// EVENT_JSON may also be a JSON LIST of such objects: then one process plans every event and
// prints a JSON list of results (same order).  That saves the ~0.3 s start-up per event.
//
// Output (one JSON object on stdout; see README.md for the field-by-field description):
//   {"errors": [...], "notes": [...], "triggered": bool,
//    "workflow": {"name", "permissions", "env"},
//    "jobs": {"<id>": {"name", "needs", "if", "runs", "legs", "env", "permissions", "steps", ...}}}
// Exit status: 0 = no parser errors, 1 = the parser reported errors (output still printed),
// 2 = usage error / unreadable input.
//
// What comes from GitHub's code and what is ours:
//   * parser (theirs): YAML + schema validation, error messages, the job/step model, `on:` model,
//     the job/step `if` normalisation (`success() && (...)`), env values coerced to strings.
//   * expression evaluation (theirs): Lexer/Parser/Evaluator of @actions/expressions; we only
//     supply the contexts and the status functions.
//   * ours: trigger filters (gha-filters.mjs), matrix expansion (gha-matrix.mjs), the status
//     function semantics and skip propagation (below).

import { readFileSync } from "node:fs";
import { parseDocument, LineCounter, visit } from "yaml";
import { parseWorkflow, convertWorkflowTemplate, NoOperationTraceWriter } from "@actions/workflow-parser";
import { ErrorPolicy } from "@actions/workflow-parser/model/convert";
import { TokenType } from "@actions/workflow-parser/templates/tokens/types";
import { splitAllowedContext } from "@actions/workflow-parser/templates/allowed-context";
import { Lexer, Parser, Evaluator, data } from "@actions/expressions";
import { truthy } from "@actions/expressions/result";

import { evaluateTrigger } from "./gha-filters.mjs";
import { expandMatrix } from "./gha-matrix.mjs";

// =============================================================================================
// Source text of expression-bearing scalars
// =============================================================================================
// The parser turns a string containing `${{ }}` into a BasicExpressionToken, e.g.
// "v-${{ github.sha }}" becomes the expression format('v-{0}', github.sha).  We want to print
// such values as the text the author wrote.  The token's `.source` is not reliable for that:
// for a whole-value expression it is the raw YAML (quotes included), and for block scalars the
// parser works on the raw, still-indented YAML text.  So we parse the file a second time with
// the same `yaml` library, index every scalar by its character range, and look a token's
// decoded text up by the position the parser recorded for it.

class SourceText {
  constructor(content) {
    this.lineCounter = new LineCounter();
    const doc = parseDocument(content, { lineCounter: this.lineCounter, uniqueKeys: false });
    this.scalars = []; // [start offset, end offset, decoded string value]
    visit(doc, {
      Scalar: (_key, node) => {
        if (node.range && typeof node.value === "string") {
          this.scalars.push([node.range[0], node.range[1], node.value]);
        }
      },
    });
  }

  /** The decoded YAML string containing the token's start position, or undefined. */
  textOf(token) {
    const start = token.range?.start;
    if (!start) return undefined;
    const lineStart = this.lineCounter.lineStarts[start.line - 1];
    if (lineStart === undefined) return undefined;
    const offset = lineStart + start.column - 1; // line and column are 1-based
    const hit = this.scalars.find(([s, e]) => s <= offset && offset < e);
    return hit?.[2];
  }
}

// =============================================================================================
// Token tree -> plain JSON
// =============================================================================================

/** Iterate a MappingToken as [key string, value token] pairs. */
function* entries(mapping) {
  if (mapping?.templateTokenType !== TokenType.Mapping) return;
  for (const { key, value } of mapping) {
    yield [key.templateTokenType === TokenType.String ? key.value : `\${{ ${key.expression} }}`, value];
  }
}

/** The value token under `key` in a MappingToken, or undefined. */
function get(mapping, key) {
  for (const [k, v] of entries(mapping)) if (k === key) return v;
  return undefined;
}

/**
 * A token as plain JSON.  Literals keep their type (strings, numbers, booleans, null);
 * expressions become the text the author wrote (e.g. "${{ matrix.os }}").  Where the schema
 * wants a string (env, with, run, ...) the parser has already turned numbers/booleans into
 * strings, exactly as GitHub does (`1.20` becomes "1.2").
 */
function plainValue(token, src) {
  if (token === undefined) return undefined;
  switch (token.templateTokenType) {
    case TokenType.Mapping: {
      const out = {};
      for (const [k, v] of entries(token)) out[k] = plainValue(v, src);
      return out;
    }
    case TokenType.Sequence:
      return [...token].map((item) => plainValue(item, src));
    case TokenType.String:
    case TokenType.Number:
    case TokenType.Boolean:
      return token.value;
    case TokenType.Null:
      return null;
    case TokenType.BasicExpression:
      return src.textOf(token) ?? `\${{ ${token.expression} }}`;
    case TokenType.InsertExpression:
      return "${{ insert }}";
    default:
      return undefined;
  }
}

// =============================================================================================
// Expression evaluation (job `if`)
// =============================================================================================

// Used when a token carries no schema info (the parser's default `success()` condition).
const JOB_IF_CONTEXT = ["github", "inputs", "vars", "needs",
  "always(0,0)", "failure(0,MAX)", "cancelled(0,0)", "success(0,MAX)"];

/**
 * Status functions for a job `if`, given the results of the job's needs.  As on GitHub:
 * success() = every needed job succeeded; failure() = some needed job failed; always() = true;
 * cancelled() = false (we model an uncancelled run).  With arguments, success()/failure() look
 * at the named jobs only.  We assume every job that runs succeeds, so a need's result is
 * "success" or "skipped".  This is what makes skipping propagate: a job with a skipped need
 * has success() == false, so its default `success() && (...)` condition is false, while
 * `always()` or `!cancelled()` conditions still evaluate normally.
 */
function statusFunctions(needResults) {
  const pick = (args) =>
    args.length === 0 ? Object.values(needResults) : args.map((a) => needResults[a.coerceString()]);
  const fn = (name, minArgs, maxArgs, call) => [name, { name, minArgs, maxArgs, call }];
  return new Map([
    fn("success", 0, Number.MAX_SAFE_INTEGER, (...args) => new data.BooleanData(pick(args).every((r) => r === "success"))),
    fn("failure", 0, Number.MAX_SAFE_INTEGER, (...args) => new data.BooleanData(pick(args).some((r) => r === "failure"))),
    fn("always", 0, 0, () => new data.BooleanData(true)),
    fn("cancelled", 0, 0, () => new data.BooleanData(false)),
  ]);
}

/** Plain JSON -> ExpressionData (Dictionary, Array, StringData, ...). */
const toExpressionData = (value) => JSON.parse(JSON.stringify(value), data.reviver);

/** Evaluate an expression (without `${{ }}`) to a boolean with GitHub's truthiness rules. */
function evaluateCondition(expression, allowedContext, contexts, functions) {
  const { namedContexts, functions: functionInfos } = splitAllowedContext(allowedContext);
  const { tokens } = new Lexer(expression).lex();
  const ast = new Parser(tokens, namedContexts, functionInfos).parse();
  const result = new Evaluator(ast, toExpressionData(contexts), functions).evaluate();
  return truthy(result);
}

/**
 * The `github` context for an event description.  `inputs` are the resolved workflow_dispatch
 * inputs; github.event.inputs carries them as strings, as GitHub does.
 */
function githubContext(event, inputs) {
  const ref = event.ref ?? "";
  const prNumber = /^refs\/pull\/(\d+)\//.exec(ref)?.[1];
  const payload = {};
  if (event.event_name === "push") payload.ref = ref;
  if (event.action !== undefined) payload.action = event.action;
  if (prNumber !== undefined) {
    payload.number = Number(prNumber);
    payload.pull_request = {
      number: Number(prNumber),
      base: { ref: event.base_ref ?? "" },
      head: { ref: event.head_ref ?? "" },
    };
  }
  if (event.event_name === "workflow_dispatch") {
    payload.inputs = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, String(v)]));
  }
  const { changed_files: _files, inputs: _inputs, vars: _vars, action: _action, ...rest } = event;
  return {
    ref,
    // GitHub: "tag" for refs/tags/*, otherwise "branch" (also for pull request refs).
    ref_type: ref.startsWith("refs/tags/") ? "tag" : "branch",
    // refs/heads/main -> main, refs/tags/v1 -> v1, refs/pull/7/merge -> 7/merge
    ref_name: ref.replace(/^refs\/(heads|tags|pull)\//, ""),
    base_ref: "",
    head_ref: "",
    ...rest,
    event: { ...payload, ...(event.event ?? {}) },
  };
}

/** workflow_dispatch inputs: declared defaults, overridden by the event's "inputs". */
function inputsContext(events, event) {
  const declared = events?.workflow_dispatch?.inputs ?? {};
  const inputs = {};
  for (const [name, config] of Object.entries(declared)) {
    if (config?.default !== undefined) inputs[name] = config.default;
  }
  return event.event_name === "workflow_dispatch" ? { ...inputs, ...(event.inputs ?? {}) } : {};
}

// =============================================================================================
// Planning
// =============================================================================================

/** Parse once; the result is reused for every event. */
async function loadWorkflow(file, content) {
  const parsed = parseWorkflow({ name: file, content }, new NoOperationTraceWriter());
  const template = parsed.value
    ? await convertWorkflowTemplate(parsed.context, parsed.value, undefined, {
        errorPolicy: ErrorPolicy.TryConversion,
      })
    : {};
  // Parse and conversion errors end up in the same collection.
  const errors = [...new Set(parsed.context.errors.getErrors().map((e) => e.message))];
  return { root: parsed.value, template, errors, src: new SourceText(content) };
}

/** The step list of one job, from the raw tokens plus the parser's normalised `if`. */
function planSteps(rawJob, job, src, notes) {
  const rawSteps = get(rawJob, "steps");
  if (rawSteps?.templateTokenType !== TokenType.Sequence) return [];
  const raw = [...rawSteps];
  const converted = job.steps ?? [];
  if (converted.length !== raw.length) {
    notes.push(`job ${job.id.value}: parser converted ${converted.length} of ${raw.length} steps; step 'if' left null`);
  }
  return raw.map((stepToken, i) => {
    const step = plainValue(stepToken, src) ?? {};
    const parserStep = converted.length === raw.length ? converted[i] : undefined;
    const { name, id, if: _if, uses, run, env, with: withArgs, ...rest } = step;
    return {
      name: name ?? null,
      id: id ?? null, // as written; the parser invents ids like "__run" for steps without one
      if: parserStep?.if?.expression ?? null,
      uses: uses ?? null,
      run: run ?? null,
      env: env ?? {},
      with: withArgs ?? {},
      ...rest, // shell, working-directory, continue-on-error, timeout-minutes, ... when present
    };
  });
}

/** Jobs in an order where every job comes after the jobs it needs (cycles: left out). */
function topologicalOrder(jobs) {
  const byId = new Map(jobs.map((j) => [j.id.value, j]));
  const order = [];
  const state = new Map(); // id -> "visiting" | "done"
  const visitJob = (id) => {
    if (state.get(id) === "done" || state.get(id) === "visiting" || !byId.has(id)) return;
    state.set(id, "visiting");
    for (const need of byId.get(id).needs ?? []) visitJob(need.value);
    state.set(id, "done");
    order.push(byId.get(id));
  };
  for (const j of jobs) visitJob(j.id.value);
  return order;
}

/** Plan one event against a loaded workflow. */
function planEvent(workflow, event) {
  const { root, template, errors, src } = workflow;
  const notes = [];
  const { triggered, notes: triggerNotes } = evaluateTrigger(template.events, event);
  notes.push(...triggerNotes);

  const inputs = inputsContext(template.events, event);
  const contexts = { github: githubContext(event, inputs), inputs, vars: event.vars ?? {} };
  const rawJobs = get(root, "jobs");
  const jobs = template.jobs ?? [];

  // Evaluate `if` in dependency order so each job sees whether its needs ran.
  const runs = new Map(); // job id -> boolean | null (null: could not evaluate)
  for (const job of topologicalOrder(jobs)) {
    const needs = (job.needs ?? []).map((n) => n.value);
    const needResults = Object.fromEntries(needs.map((n) => [n, runs.get(n) ? "success" : "skipped"]));
    const needsContext = Object.fromEntries(needs.map((n) => [n, { result: needResults[n], outputs: {} }]));
    try {
      runs.set(job.id.value, evaluateCondition(
        job.if.expression,
        job.if.definitionInfo?.allowedContext ?? JOB_IF_CONTEXT,
        { ...contexts, needs: needsContext },
        statusFunctions(needResults),
      ));
    } catch (err) {
      notes.push(`job ${job.id.value}: cannot evaluate if '${job.if.expression}': ${err.message}`);
      runs.set(job.id.value, null);
    }
  }

  const plannedJobs = {};
  for (const job of jobs) {
    const id = job.id.value;
    const rawJob = get(rawJobs, id);
    const strategy = plainValue(job.strategy, src);
    let legs = [];
    if (strategy?.matrix !== undefined) {
      const { legs: expanded, problems } = expandMatrix(strategy.matrix);
      legs = expanded;
      notes.push(...problems.map((p) => `job ${id}: ${p}`));
    }
    if (get(rawJob, "if") !== undefined && job.if.range === undefined) {
      // The parser replaces an `if` it cannot accept by its default `success()` (and reports an error).
      notes.push(`job ${id}: 'if' rejected by the parser; shown and evaluated as '${job.if.expression}'`);
    }
    const entry = {
      name: plainValue(get(rawJob, "name"), src) ?? null,
      needs: (job.needs ?? []).map((n) => n.value),
      if: job.if.expression,
      runs: runs.has(id) ? runs.get(id) : false, // not in runs: part of a needs cycle
      legs,
      env: plainValue(job.env, src) ?? {},
      permissions: plainValue(get(rawJob, "permissions"), src) ?? null,
      "runs-on": plainValue(job["runs-on"], src) ?? null,
    };
    for (const key of ["timeout-minutes", "continue-on-error", "outputs", "environment"]) {
      const value = plainValue(get(rawJob, key), src);
      if (value !== undefined) entry[key] = value;
    }
    if (strategy !== undefined) {
      const { matrix: _matrix, ...strategyRest } = strategy ?? {}; // fail-fast, max-parallel
      if (Object.keys(strategyRest).length > 0) entry.strategy = strategyRest;
    }
    if (job.type === "reusableWorkflowJob") entry.uses = job.ref.value;
    else entry.steps = planSteps(rawJob, job, src, notes);
    plannedJobs[id] = entry;
  }

  return {
    errors,
    notes,
    triggered,
    workflow: {
      name: plainValue(get(root, "name"), src) ?? null,
      permissions: plainValue(get(root, "permissions"), src) ?? null,
      env: plainValue(get(root, "env"), src) ?? {},
    },
    jobs: plannedJobs,
  };
}

// =============================================================================================
// CLI
// =============================================================================================

async function main(argv) {
  const [file, eventArg] = argv;
  if (!file || !eventArg) {
    process.stderr.write("usage: node --import ./json-hook.mjs gha-plan.mjs WORKFLOW_FILE 'EVENT_JSON'\n");
    return 2;
  }
  let content;
  let events;
  try {
    content = readFileSync(file, "utf8");
    events = JSON.parse(eventArg);
  } catch (err) {
    process.stderr.write(`gha-plan: ${err.message}\n`);
    return 2;
  }
  const batch = Array.isArray(events);
  const list = batch ? events : [events];
  if (!list.every((e) => e && typeof e === "object" && typeof e.event_name === "string")) {
    process.stderr.write("gha-plan: EVENT_JSON must be an object (or list of objects) with an event_name\n");
    return 2;
  }

  const workflow = await loadWorkflow(file, content);
  const results = list.map((event) => planEvent(workflow, event));
  process.stdout.write(JSON.stringify(batch ? results : results[0], null, 2) + "\n");
  return workflow.errors.length > 0 ? 1 : 0;
}

process.exitCode = await main(process.argv.slice(2));
