#!/usr/bin/env bash
# Mutation testing (mutmut) of the modules the equivalence proof rests on: how many deliberate
# bugs the tests notice. Not part of the default suite; run it after changing a judge or its
# tests, and record the scores in docs/testing.md.
#
#   scripts/mutation.sh                      every module in FOCUS below, one run per group
#   scripts/mutation.sh ciforge/matrix.py    only the named modules (with their focused tests)
#   MUTATION_TESTS="tests/test_matrix.py" scripts/mutation.sh ciforge/matrix.py   other tests
#   MUTATION_RERUN=1 scripts/mutation.sh ciforge/matrix.py   only the last run's survivors (and
#                                            mutants it did not reach), against the current tests
#
# Each module is measured with its focused tests (FOCUS: the unit tests and properties that
# target it; mutmut then runs, per mutant, only the tests that reach the mutated function), all
# of its mutants every time. A run works on a copy of the work tree (.mutation/, gitignored; the
# uncommitted state is what is measured) and prints one line per module: killed / total, the
# survivors and the mutants no test ran. One mutant's diff: cd .mutation/targets.gitlab.lifter (say) && ../../.venv/bin/mutmut show NAME
# Needs the test extras plus mutmut ("pip install -c constraints.txt -e '.[test,mutation]'") and
# the oracles (scripts/install-oracles.sh). MUTATION_JOBS sets the parallel mutants (default 2).
# A mutant whose tests run longer than MUTATION_TIMEOUT_MULTIPLIER (default 5) times their
# unmutated time plus a second (wall clock: twice that in CPU time) is stopped and counted as a
# timeout, i.e. killed: mutants of the lexer's loops never end (mutmut's default of 15 made each
# wait over three minutes). Raise it on a machine loaded by other work.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"

LIFT_TESTS="tests/test_equivalence.py tests/test_lift_conditions.py tests/test_skip_markers.py tests/test_filter_patterns.py tests/test_verify_holes.py tests/test_matrix.py tests/test_lifters.py tests/test_image_build.py tests/test_lift_docker.py tests/test_from_ir.py"
declare -A FOCUS=(
  [ciforge/matrix.py]="tests/test_matrix.py"
  [ciforge/globs.py]="tests/test_globs.py tests/test_filter_patterns.py"
  [ciforge/plan/filter_reference.py]="tests/test_filter_patterns.py"
  [ciforge/yamlout.py]="tests/test_yamlout.py"
  [ciforge/diagnostics.py]="tests/test_diagnostics.py"
  [ciforge/targets/github/expressions.py]="tests/test_gh_expr.py tests/test_lift_conditions.py"
  [ciforge/targets/github/expression_values.py]="tests/test_gh_expr.py tests/test_lift_conditions.py"
  [ciforge/targets/gitlab/expressions.py]="tests/test_gl_expr.py"
  [ciforge/targets/github/lifter.py]="$LIFT_TESTS"
  [ciforge/targets/github/lift_matrix.py]="tests/test_matrix.py"
  [ciforge/targets/gitlab/lifter.py]="$LIFT_TESTS"
  [ciforge/targets/github/lift_docker.py]="$LIFT_TESTS"
  [ciforge/targets/gitlab/lift_docker.py]="$LIFT_TESTS"
  [ciforge/targets/github/lift_values.py]="$LIFT_TESTS"
  [ciforge/targets/github/lift_artifacts.py]="$LIFT_TESTS"
  [ciforge/plan/from_ir.py]="$LIFT_TESTS"
)
MODULES=(
  ciforge/matrix.py ciforge/globs.py ciforge/plan/filter_reference.py ciforge/yamlout.py
  ciforge/diagnostics.py ciforge/targets/github/expressions.py ciforge/targets/github/expression_values.py ciforge/targets/gitlab/expressions.py
  ciforge/targets/github/lift_matrix.py ciforge/targets/github/lifter.py ciforge/targets/gitlab/lifter.py ciforge/plan/from_ir.py
  ciforge/targets/github/lift_docker.py ciforge/targets/gitlab/lift_docker.py
  ciforge/targets/github/lift_values.py ciforge/targets/github/lift_artifacts.py
)
[ "$#" -gt 0 ] && MODULES=("$@")
for m in "${MODULES[@]}"; do
  [ -f "$m" ] || { echo "mutation: no such module: $m" >&2; exit 2; }
  [ -n "${MUTATION_TESTS:-}" ] || [ -n "${FOCUS[$m]:-}" ] || { echo "mutation: no focused tests for $m (set MUTATION_TESTS)" >&2; exit 2; }
done
[ -x .venv/bin/mutmut ] || { echo "mutation: mutmut is not installed: pip install -c constraints.txt -e '.[mutation]'" >&2; exit 2; }


# report MODULE...: one line per module from mutmut's result files (killed / total, the survivors).
report() {
  "$ROOT/.venv/bin/python" - "$@" <<'EOF'
import json
import sys
from pathlib import Path

from mutmut.stats import status_by_exit_code

for module in sys.argv[1:]:
    meta = json.loads((Path("mutants") / f"{module}.meta").read_text())
    statuses = {name: status_by_exit_code[code] for name, code in meta["exit_code_by_key"].items()}
    killed = sum(s in ("killed", "timeout", "caught by type check") for s in statuses.values())
    score = 100 * killed / len(statuses) if statuses else 100.0
    print(f"{module}: {killed}/{len(statuses)} killed ({score:.1f}%)")
    for status in ("survived", "no tests"):
        for name in sorted(n for n, s in statuses.items() if s == status):
            print(f"  {status}: {name}")
EOF
}

# mutants STATUS... -- MODULE...: the names of the modules' mutants in any of those statuses
# (mutmut's own, or "unjudged": no verdict yet), from mutmut's result files.
mutants() {
  "$ROOT/.venv/bin/python" - "$@" <<'EOF'
import json
import sys
from pathlib import Path

from mutmut.stats import status_by_exit_code

split = sys.argv.index("--")
wanted, modules = set(sys.argv[1:split]), sys.argv[split + 1 :]
for module in modules:
    meta = json.loads((Path("mutants") / f"{module}.meta").read_text())
    for name, code in meta["exit_code_by_key"].items():
        if (status_by_exit_code[code] if code is not None else "unjudged") in wanted:
            print(name)
EOF
}

# copy_tree WORK [KEEP...]: the work tree's files (tracked and untracked, not ignored) into WORK,
# the uncommitted state included, except the files KEEP.
copy_tree() {
  local work="$1"
  shift
  local keep
  keep="$(printf '%s\n' "$@")"
  git ls-files -z --cached --others --exclude-standard |
    { if [ -n "$keep" ]; then grep -zvxF -e "$keep"; else cat; fi; } |
    tar --null -T - -cf - | tar -xf - -C "$work"
}

# write_config WORK MODULE... -- TEST...: mutmut's configuration, appended to WORK's pyproject.toml.
write_config() {
  local work="$1" modules=()
  shift
  while [ "$1" != "--" ]; do modules+=("$1"); shift; done
  shift
  local tests=("$@")
  cat >>"$work/pyproject.toml" <<EOF

[tool.mutmut]
source_paths = ["ciforge/"]
only_mutate = $(toml_list "${modules[@]}")
pytest_add_cli_args_test_selection = $(toml_list "${tests[@]}")
pytest_add_cli_args = ["-p", "no:cacheprovider", "--deselect", "tests/test_cli_paths.py::test_update_goldens_is_refused_under_ci"]
timeout_multiplier = ${MUTATION_TIMEOUT_MULTIPLIER:-5}
also_copy = ["schemas/", "presets/", "templates/", "docs/", "README.md", "examples/", "action.yml"]
EOF
}

# rerun WORK MODULE... -- TEST...: the survivors, untested and unfinished mutants of the last run
# in WORK, against the current tests and the current rest of the code base.
# Killed mutants keep their verdict (tests are only ever added). A mutated module that changed
# since is copied in too: mutmut keeps the verdicts of its functions whose source is unchanged
# (it hashes each function) and runs every mutant of each changed function again. A killed
# mutant of an unchanged function keeps its verdict even when a function it calls changed: for
# the score of a much-changed module, run it in full.
rerun() {
  local work="$1" survivors modules=() tests=() changed=()
  shift
  while [ "$1" != "--" ]; do modules+=("$1"); shift; done
  shift
  tests=("$@")
  set -- "${modules[@]}"
  [ -d "$work/mutants" ] || { echo "mutation: no earlier run of $* in $work" >&2; exit 2; }
  local m keep=()
  for m in "$@"; do
    if cmp -s "$ROOT/$m" "$work/$m"; then keep+=("$m"); else changed+=("$m"); fi
  done
  [ "${#changed[@]}" -eq 0 ] || echo "mutation: changed since the last run (their changed functions run in full): ${changed[*]}"
  # Everything but the unchanged mutated modules is refreshed: tests written since the last run
  # may rely on other modules' changes.
  rm -rf "$work/tests"
  copy_tree "$work" "${keep[@]}"
  # mutmut never refreshes a file of mutants/ it has copied once (utils/file_utils.copy_src_dir):
  # every file but the mutated modules (which mutmut writes) is brought up to date there too.
  local mutated
  mutated="$(printf '%s\n' "${modules[@]}")"
  (cd "$work" && find ciforge tests -type f ! -path '*/__pycache__/*' -print0 |
    grep -zvxF -e "$mutated" | tar --null -T - -cf - | tar -xf - -C mutants)
  write_config "$work" "${modules[@]}" -- "${tests[@]}"
  survivors="$(cd "$work" && mutants unjudged survived "no tests" -- "$@")"
  echo "mutation: running $(wc -w <<<"$survivors") survivor(s), untested or unfinished mutant(s) of $* against the current tests"
  if [ -n "$survivors" ]; then
    # shellcheck disable=SC2086 # one argument per mutant name
    (cd "$work" && CIFORGE_HYPOTHESIS="${CIFORGE_HYPOTHESIS:-mutation}" \
      "$ROOT/.venv/bin/mutmut" run --max-children "${MUTATION_JOBS:-2}" $survivors >"$work/mutmut-rerun.log" 2>&1) || {
      tail -30 "$work/mutmut-rerun.log" >&2
      exit 1
    }
  fi
  # Without names, mutmut runs only the mutants without a verdict: those of changed functions,
  # and every mutant when the focused tests changed (mutmut resets all its verdicts when its test
  # selection does), so the result is always a complete run.
  local unjudged
  unjudged="$(cd "$work" && mutants unjudged -- "$@" | wc -l)"
  if [ "${#changed[@]}" -gt 0 ] || [ "$unjudged" -gt 0 ]; then
    echo "mutation: running the $unjudged mutant(s) without a verdict (changed functions, or all after a change of the focused tests)"
    (cd "$work" && CIFORGE_HYPOTHESIS="${CIFORGE_HYPOTHESIS:-mutation}" \
      "$ROOT/.venv/bin/mutmut" run --max-children "${MUTATION_JOBS:-2}" >>"$work/mutmut-rerun.log" 2>&1) || {
      tail -30 "$work/mutmut-rerun.log" >&2
      exit 1
    }
  fi
  (cd "$work" && report "$@")
}

toml_list() { local out="" x; for x in "$@"; do out+="\"$x\", "; done; echo "[${out%, }]"; }

# run MODULE... -- TEST...: one mutmut run of the modules against the tests, in a fresh
# .mutation/FIRST-MODULE/ (its dotted path under ciforge/, e.g. targets.gitlab.lifter; kept until
# that group runs again, for mutmut show).
run() {
  local modules=() tests=() t
  while [ "$1" != "--" ]; do modules+=("$1"); shift; done
  shift
  for t in "$@"; do [ -f "$t" ] && tests+=("$t"); done
  # named after the first module's dotted path: both platforms have a lifter.py
  local first="${modules[0]#ciforge/}"
  first="${first%.py}"
  local work="$ROOT/.mutation/${first//\//.}"
  if [ -n "${MUTATION_RERUN:-}" ]; then
    rerun "$work" "${modules[@]}" -- "${tests[@]}"
    return
  fi
  rm -rf "$work"
  mkdir -p "$work"
  copy_tree "$work"
  ln -s "$ROOT/.oracles" "$work/.oracles"
  write_config "$work" "${modules[@]}" -- "${tests[@]}"
  mkdir -p "$work/mutants"
  ln -s "$ROOT/.oracles" "$work/mutants/.oracles"  # the tests find oracles relative to the repo root
  echo "mutation: ${modules[*]} against ${tests[*]}"
  # The fast profile's examples without shrinking (tests/conftest.py): a mutant a property catches
  # is reported at once instead of after minutes of shrinking the counterexample.
  (cd "$work" && CIFORGE_HYPOTHESIS="${CIFORGE_HYPOTHESIS:-mutation}" \
    "$ROOT/.venv/bin/mutmut" run --max-children "${MUTATION_JOBS:-2}" >"$work/mutmut.log" 2>&1) || {
    tail -30 "$work/mutmut.log" >&2
    exit 1
  }
  (cd "$work" && report "${modules[@]}")
}

if [ -n "${MUTATION_TESTS:-}" ]; then
  read -r -a chosen <<<"$MUTATION_TESTS"
  run "${MODULES[@]}" -- "${chosen[@]}"
else
  # modules with the same focused tests share one run
  declare -A groups=()
  order=()
  for m in "${MODULES[@]}"; do
    key="${FOCUS[$m]}"
    [ -n "${groups[$key]:-}" ] || order+=("$key")
    groups[$key]+="$m "
  done
  for key in "${order[@]}"; do
    read -r -a members <<<"${groups[$key]}"
    read -r -a chosen <<<"$key"
    run "${members[@]}" -- "${chosen[@]}"
  done
fi
