#!/usr/bin/env bash
# Mutation testing (mutmut) of the modules the equivalence proof rests on: how many deliberate
# bugs the tests notice. Not part of the default suite (it takes tens of minutes); run it after
# changing a judge or its tests, and record the scores in docs/testing.md.
#
#   scripts/mutation.sh                      every module in MODULES below
#   scripts/mutation.sh ciforge/matrix.py    only the named modules
#   MUTATION_TESTS="tests/test_matrix.py" scripts/mutation.sh ciforge/matrix.py   a smaller test subset
#
# It works on a copy of the work tree (.mutation/, gitignored; the uncommitted state is what is
# measured), runs the fast test subset (FAST_TESTS: no act/gitlab-ci-local execution, no CLI
# subprocess fuzzing), and prints one line per module: killed / total, the survivors and the
# mutants no test ran. The full list of survivors: cd .mutation && ../.venv/bin/mutmut results
# Needs the test extras plus mutmut ("pip install -c constraints.txt -e '.[test,mutation]'") and
# the oracles (scripts/install-oracles.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
cd "$ROOT"

MODULES=(
  ciforge/matrix.py
  ciforge/globs.py
  ciforge/yamlout.py
  ciforge/diagnostics.py
  ciforge/plan/gh_expr.py
  ciforge/plan/gh_values.py
  ciforge/plan/gl_expr.py
  ciforge/plan/lift_github.py
  ciforge/plan/lift_gitlab.py
  ciforge/plan/from_ir.py
)
FAST_TESTS=(
  tests/test_matrix.py tests/test_yamlout.py tests/test_yaml_readers.py tests/test_diagnostics.py
  tests/test_cli.py tests/test_cli_paths.py tests/test_errors.py tests/test_golden.py
  tests/test_equivalence.py tests/test_gh_expr.py tests/test_gl_expr.py tests/test_lift_conditions.py
  tests/test_properties.py tests/test_oracle_crosscheck.py tests/test_globs.py
)
[ "$#" -gt 0 ] && MODULES=("$@")
[ -n "${MUTATION_TESTS:-}" ] && read -r -a FAST_TESTS <<<"$MUTATION_TESTS"
for m in "${MODULES[@]}"; do [ -f "$m" ] || { echo "mutation: no such module: $m" >&2; exit 2; }; done
tests=()
for t in "${FAST_TESTS[@]}"; do [ -f "$t" ] && tests+=("$t"); done
[ -x .venv/bin/mutmut ] || { echo "mutation: mutmut is not installed: pip install -c constraints.txt -e '.[mutation]'" >&2; exit 2; }

WORK="$ROOT/.mutation"
rm -rf "$WORK"
mkdir -p "$WORK"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$WORK"
ln -s "$ROOT/.oracles" "$WORK/.oracles"

toml_list() { local out="" x; for x in "$@"; do out+="\"$x\", "; done; echo "[${out%, }]"; }
cat >>"$WORK/pyproject.toml" <<EOF

[tool.mutmut]
source_paths = ["ciforge/"]
only_mutate = $(toml_list "${MODULES[@]}")
pytest_add_cli_args_test_selection = $(toml_list "${tests[@]}")
pytest_add_cli_args = ["-p", "no:cacheprovider", "--deselect", "tests/test_cli_paths.py::test_update_goldens_is_refused_under_ci"]
also_copy = ["schemas/", "presets/", "templates/", "docs/", "README.md", "examples/", "action.yml"]
EOF

cd "$WORK"
mkdir -p mutants
ln -s "$ROOT/.oracles" mutants/.oracles  # the tests find oracles relative to the repo root
echo "mutation: ${#MODULES[@]} module(s), ${#tests[@]} test file(s), in $WORK"
# The fast profile's examples without shrinking (tests/conftest.py): a mutant a property catches
# is reported at once instead of after minutes of shrinking the counterexample.
CIFORGE_HYPOTHESIS="${CIFORGE_HYPOTHESIS:-mutation}" "$ROOT/.venv/bin/mutmut" run --max-children "${MUTATION_JOBS:-2}" >"$WORK/mutmut.log" 2>&1 || {
  tail -30 "$WORK/mutmut.log" >&2
  exit 1
}
"$ROOT/.venv/bin/python" - "${MODULES[@]}" <<'EOF'
"""One line per module from mutmut's result files: killed / total and the survivors."""
import json
import sys
from pathlib import Path

from mutmut.stats import status_by_exit_code

total_killed = total_all = 0
for module in sys.argv[1:]:
    meta = json.loads((Path("mutants") / f"{module}.meta").read_text())
    statuses = {name: status_by_exit_code[code] for name, code in meta["exit_code_by_key"].items()}
    killed = sum(s in ("killed", "timeout", "caught by type check") for s in statuses.values())
    survivors = sorted(n for n, s in statuses.items() if s == "survived")
    untested = sorted(n for n, s in statuses.items() if s == "no tests")
    total_killed += killed
    total_all += len(statuses)
    score = 100 * killed / len(statuses) if statuses else 100.0
    print(f"{module}: {killed}/{len(statuses)} killed ({score:.1f}%)")
    for name in survivors:
        print(f"  survived: {name}")
    for name in untested:
        print(f"  no tests: {name}")
if total_all:
    print(f"all: {total_killed}/{total_all} killed ({100 * total_killed / total_all:.1f}%)")
EOF
