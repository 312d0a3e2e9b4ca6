// Self-test of the GitHub oracle (gha-plan.mjs and its helpers).
//
//   node --import ./json-hook.mjs selftest.mjs        (prints one line per failure; exit 1 if any)
//
// 1. filter patterns against the examples in GitHub's "Filter pattern cheat sheet";
// 2. matrix expansion against GitHub's documented examples;
// 3. gha-plan.mjs end to end (one process per workflow) on fixtures/ and on the generated
//    workflows in tests/cases/*/.github/workflows/ciforge.yml.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { matchesPatternList } from "./gha-filters.mjs";
import { expandMatrix } from "./gha-matrix.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
let failures = 0;
let checks = 0;
function check(name, fn) {
  checks += 1;
  try {
    fn();
  } catch (err) {
    failures += 1;
    console.log(`FAIL ${name}\n  ${String(err.message).split("\n").join("\n  ")}`);
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Filter patterns: [patterns, names that match, names that do not]
// ---------------------------------------------------------------------------------------------
const PATTERN_CASES = [
  // branches and tags
  [["feature/*"], ["feature/my-branch", "feature/your-branch"], ["feature/your/branch", "feature"]],
  [["feature/**"], ["feature/beta-a/my-branch", "feature/your-branch", "feature/mona/the/octocat"], ["features/x"]],
  [["main", "releases/mona-the-octocat"], ["main", "releases/mona-the-octocat"], ["main2", "releases"]],
  [["*"], ["main", "releases"], ["releases/x"]],
  [["**"], ["all/the/branches", "every/tag"], []],
  [["*feature"], ["mona-feature", "feature", "ver-10-feature"], ["feature/x"]],
  [["v2*"], ["v2", "v2.0", "v2.9"], ["v3", "xv2"]],
  [["v[12].[0-9]+.[0-9]+"], ["v1.10.1", "v2.0.0"], ["v3.0.0", "v1.x.1", "v1.10"]],
  [["v*"], ["v1.2.3", "v"], ["release-v1"]],
  // paths
  [["*"], ["README.md", "server.rb"], ["docs/README.md"]],
  [["*.jsx?"], ["page.js", "page.jsx"], ["page.jsxx"]],
  [["**"], ["all/the/files.md"], []],
  [["*.js"], ["app.js", "index.js"], ["js/app.js"]],
  [["**.js"], ["index.js", "js/index.js", "src/js/app.js"], ["index.ts"]],
  [["docs/*"], ["docs/README.md", "docs/file.txt"], ["docs/a/b.md"]],
  [["docs/**"], ["docs/README.md", "docs/mona/octocat.txt"], ["README.md"]],
  [["docs/**/*.md"], ["docs/README.md", "docs/mona/hello-world.md", "docs/a/markdown/file.md"], ["docs/a.txt"]],
  [["**/docs/**"], ["docs/hello.md", "dir/docs/my-file.txt", "space/docs/plan/space.doc"], ["doc/x"]],
  [["**/README.md"], ["README.md", "js/README.md"], ["README.txt"]],
  [["**/*src/**"], ["a/src/app.js", "my-src/code/js/app.js"], ["src"]],
  [["**/*-post.md"], ["my-post.md", "path/their-post.md"], ["post.md"]],
  [["**/migrate-*.sql"], ["migrate-10909.sql", "db/migrate-v1.0.sql", "db/sept/migrate-v1.sql"], ["migrate.sql"]],
  [["*.md", "!README.md"], ["hello.md"], ["README.md", "docs/hello.md"]],
  [["*.md", "!README.md", "README*"], ["hello.md", "README.md", "README.doc"], []],
  // escapes and literal specials
  [["\\!file"], ["!file"], ["file"]],
  [["a.b"], ["a.b"], ["axb"]],
  [["release/v[0-9].[0-9]"], ["release/v1.2"], ["release/v1.23"]],
];
for (const [patterns, yes, no] of PATTERN_CASES) {
  for (const name of yes) {
    check(`pattern ${JSON.stringify(patterns)} matches ${name}`, () => assert.equal(matchesPatternList(name, patterns), true));
  }
  for (const name of no) {
    check(`pattern ${JSON.stringify(patterns)} rejects ${name}`, () => assert.equal(matchesPatternList(name, patterns), false));
  }
}

// ---------------------------------------------------------------------------------------------
// 2. Matrix expansion
// ---------------------------------------------------------------------------------------------
check("matrix: docs fruit/animal include example", () => {
  const { legs } = expandMatrix({
    fruit: ["apple", "pear"],
    animal: ["cat", "dog"],
    include: [
      { color: "green" },
      { color: "pink", animal: "cat" },
      { fruit: "apple", shape: "circle" },
      { fruit: "banana" },
      { fruit: "banana", animal: "cat" },
    ],
  });
  assert.deepEqual(legs, [
    { fruit: "apple", animal: "cat", color: "pink", shape: "circle" },
    { fruit: "apple", animal: "dog", color: "green", shape: "circle" },
    { fruit: "pear", animal: "cat", color: "pink" },
    { fruit: "pear", animal: "dog", color: "green" },
    { fruit: "banana" },
    { fruit: "banana", animal: "cat" },
  ]);
});
check("matrix: docs os/version include example", () => {
  const { legs } = expandMatrix({
    os: ["windows-latest", "ubuntu-latest"],
    node: [14, 16],
    include: [{ os: "windows-latest", node: 16, npm: 6 }],
  });
  assert.deepEqual(legs, [
    { os: "windows-latest", node: 14 },
    { os: "windows-latest", node: 16, npm: 6 },
    { os: "ubuntu-latest", node: 14 },
    { os: "ubuntu-latest", node: 16 },
  ]);
});
check("matrix: docs exclude example (partial match)", () => {
  const { legs } = expandMatrix({
    os: ["macos-latest", "windows-latest"],
    version: [12, 14, 16],
    environment: ["staging", "production"],
    exclude: [{ os: "macos-latest", version: 12, environment: "production" }, { os: "windows-latest", version: 16 }],
  });
  assert.equal(legs.length, 12 - 1 - 2);
});
check("matrix: include only", () => {
  const { legs } = expandMatrix({ include: [{ a: 1 }, { a: 2, b: "x" }] });
  assert.deepEqual(legs, [{ a: 1 }, { a: 2, b: "x" }]);
});
check("matrix: expression is not expanded", () => {
  const { legs, problems } = expandMatrix("${{ fromJSON(needs.a.outputs.m) }}");
  assert.equal(legs, null);
  assert.equal(problems.length, 1);
});

// ---------------------------------------------------------------------------------------------
// 3. gha-plan.mjs end to end
// ---------------------------------------------------------------------------------------------
const PUSH_MAIN = { event_name: "push", ref: "refs/heads/main" };
const PUSH_TAG = { event_name: "push", ref: "refs/tags/v1.2.3" };
const PUSH_FEATURE = { event_name: "push", ref: "refs/heads/feature/x" };
const PR = { event_name: "pull_request", ref: "refs/pull/7/merge", base_ref: "main", head_ref: "feature/x" };
const DISPATCH = { event_name: "workflow_dispatch", ref: "refs/heads/main" };
const EVENTS = [PUSH_MAIN, PUSH_TAG, PUSH_FEATURE, PR, DISPATCH];

/** Run gha-plan.mjs on one workflow for a list of events. */
function plan(workflow, events) {
  const run = spawnSync(
    process.execPath,
    ["--import", here("./json-hook.mjs"), here("./gha-plan.mjs"), workflow, JSON.stringify(events)],
    { encoding: "utf8" },
  );
  if (run.status === 2 || run.stdout === "") throw new Error(`gha-plan failed (${run.status}): ${run.stderr}`);
  return { status: run.status, results: JSON.parse(run.stdout) };
}

/** {job id: runs} for a result. */
const runsOf = (result) => Object.fromEntries(Object.entries(result.jobs).map(([id, job]) => [id, job.runs]));

check("plan: fixtures/matrix-and-skips.yml", () => {
  const { status, results } = plan(here("./fixtures/matrix-and-skips.yml"), [
    PUSH_TAG, PUSH_MAIN, PUSH_FEATURE, PR, DISPATCH,
    { event_name: "push", ref: "refs/heads/release/2.x" },
    { event_name: "push", ref: "refs/heads/release/old-1" },
    { event_name: "push", ref: "refs/tags/v1.2" },
    { ...PR, base_ref: "develop" },
  ]);
  assert.equal(status, 0);
  const [tag, main, , pr, dispatch] = results;
  assert.deepEqual(results.map((r) => r.triggered), [true, true, false, true, true, true, false, false, false]);
  for (const r of results) assert.deepEqual(r.errors, []);
  assert.equal(tag.jobs.fruit.legs.length, 6);
  assert.equal(tag.jobs.excluded.legs.length, 4);
  assert.equal(tag.jobs.release.if, "success() && (github.event_name == 'push' && github.ref_type == 'tag')");
  // On a tag push everything runs except `report` (which wants release skipped).
  assert.deepEqual(runsOf(tag), { fruit: true, excluded: true, release: true, announce: true, cleanup: true, report: false, either: true });
  // On a branch push release is skipped; the skip propagates to announce, and to `either`
  // (failure() || success(): a skipped need is neither), but not to !cancelled()/always() jobs.
  for (const r of [main, pr, dispatch]) {
    assert.deepEqual(runsOf(r), { fruit: true, excluded: true, release: false, announce: false, cleanup: true, report: true, either: false });
  }
  // Literal text of expression-bearing values.
  assert.deepEqual(tag.jobs.release.env, { TAG: "${{ github.ref_name }}", MIXED: "v-${{ github.sha }}", NUM: "1.2" });
  assert.equal(tag.jobs.release.steps[0].run, 'echo "publishing ${{ github.ref_name }}"\necho done\n');
  assert.equal(tag.jobs.release.steps[0].if, "success() && (!inputs.dry-run)");
  assert.deepEqual(tag.jobs.release.permissions, { contents: "write" });
  assert.deepEqual(tag.workflow.permissions, { contents: "read" });
});

check("plan: fixtures/contexts.yml (inputs defaults, pull request context)", () => {
  const { status, results } = plan(here("./fixtures/contexts.yml"), [
    DISPATCH, { ...DISPATCH, inputs: { target: "dev" } }, PR,
  ]);
  assert.equal(status, 0);
  assert.deepEqual(results.map((r) => r.triggered), [true, true, false]);
  assert.deepEqual(results.map(runsOf), [{ a: true, b: false }, { a: false, b: false }, { a: false, b: true }]);
});

check("plan: fixtures/broken.yml reports errors and exits 1", () => {
  const { status, results } = plan(here("./fixtures/broken.yml"), [PUSH_MAIN]);
  assert.equal(status, 1);
  const messages = results[0].errors.join("\n");
  for (const expected of ["'branchs'", "'id-tokens'", "Unexpected symbol: '='", "unknown job 'lnt'"]) {
    assert.ok(messages.includes(expected), `missing error ${expected} in:\n${messages}`);
  }
});

// Expected `triggered` per case for EVENTS = push main, push tag, push feature, PR, dispatch.
const CASE_TRIGGERS = {
  "go-service": [true, true, false, true, true],
  "matrix-semantics": [true, true, false, true, true],
  minimal: [true, true, false, true, true],
  "triggers-narrow": [true, false, false, false, false],
  "version-file": [true, true, false, true, true],
};
for (const [name, expected] of Object.entries(CASE_TRIGGERS)) {
  const workflow = here(`../cases/${name}/.github/workflows/ciforge.yml`);
  if (!existsSync(workflow)) continue; // the cases may change; the fixtures above always run
  check(`plan: tests/cases/${name}`, () => {
    const { status, results } = plan(workflow, EVENTS);
    assert.equal(status, 0, JSON.stringify(results[0]?.errors));
    assert.deepEqual(results.map((r) => r.triggered), expected);
    for (const r of results) assert.ok(Object.values(r.jobs).every((j) => j.runs === true));
  });
}

// triggers-narrow: on.push.branches [main, release/**, hotfix-*], no tags, no pull_request.
const narrow = here("../cases/triggers-narrow/.github/workflows/ciforge.yml");
if (existsSync(narrow)) {
  check("plan: tests/cases/triggers-narrow branch patterns", () => {
    const refs = ["release/1.0", "release/1.x/rc", "hotfix-12", "hotfix/12", "releases/1.0", "main2"];
    const { results } = plan(narrow, refs.map((r) => ({ event_name: "push", ref: `refs/heads/${r}` })));
    assert.deepEqual(results.map((r) => r.triggered), [true, true, true, false, false, false]);
  });
}

console.log(`${checks - failures}/${checks} checks passed`);
process.exitCode = failures > 0 ? 1 : 0;
