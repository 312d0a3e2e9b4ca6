"""The new-code coverage gate (``test.coverage.new-code``): on a pull or merge request, the share
of the changed executable lines that the tests ran. The same block runs on both platforms
(docs/coverage.md).

* **Changed lines** come from ``git diff -U0`` between the change's base commit (CHANGE_BASE:
  GitHub's pull request base SHA, GitLab's CI_MERGE_REQUEST_DIFF_BASE_SHA) and the checked-out
  head, for ``.go`` files; the job clones the whole history so the base is there.
* **Executable lines** are the line spans of the statement blocks of the filtered coverage profile
  (``coverage.filtered.out``: ``test.coverage.exclude`` already applied); a changed line in no
  block does not count. Profile paths are import paths: the module path (``GOWORK=off go list -m``) is
  replaced by the module's directory in the repository.
* **Output**: covered/total and the percentage, each uncovered changed line as ``file:line``
  (also kept in ``coverage-new-code.txt``), then the verdict. Outside a change request, or when
  no executable line changed, the gate passes and says why. It never ends the shell early
  (GitLab runs a job's script items in one shell).
"""

from __future__ import annotations

from typing import Final

from ciforge.scripts import block, pinned

UNCOVERED_FILE: Final = "coverage-new-code.txt"

# Reads the -U0 diff (first file) and the profile (second file); prints "covered total" and
# writes each uncovered changed line to the uncovered file, unsorted.
_MEASURE: Final = r"""awk -v module="$module" -v prefix="$prefix" -v out="$uncovered" '
FNR == NR {
  if ($0 ~ /^\+\+\+ /) { file = substr($0, 5); sub(/^b\//, "", file); next }
  if ($0 ~ /^@@ /) {
    split($3, span, ","); start = substr(span[1], 2) + 0
    n = (2 in span) ? span[2] + 0 : 1
    for (i = 0; i < n; i++) changed[file SUBSEP (start + i)] = 1
  }
  next
}
FNR == 1 { next }
{
  colon = index($1, ":"); path = substr($1, 1, colon - 1)
  if (index(path, module "/") != 1) next
  path = prefix substr(path, length(module) + 2)
  split(substr($1, colon + 1), ends, ","); split(ends[1], a, "."); split(ends[2], b, ".")
  for (l = a[1] + 0; l <= b[1] + 0; l++) {
    k = path SUBSEP l
    if (!(k in changed)) continue
    lines[k] = 1
    if ($3 + 0 > 0) hit[k] = 1
  }
}
END {
  total = 0; covered = 0
  for (k in lines) {
    total++
    if (k in hit) { covered++; continue }
    split(k, p, SUBSEP); print p[1] ":" p[2] > out
  }
  print covered, total
}' coverage.diff coverage.filtered.out"""

_VERDICT: Final = r"""awk -v covered="$covered" -v total="$total" -v required="$COVERAGE_NEW_CODE" 'BEGIN {
  pct = sprintf("%.1f", 100 * covered / total)
  if (pct + 0 < required + 0) {
    printf "new-code coverage gate failed: %s%% of changed lines covered, below %s%%\n", pct, required
    exit 1
  }
  printf "new-code coverage gate passed: %s%% of changed lines covered, meets %s%%\n", pct, required
}'"""


def coverage_new_code(threshold: str) -> str:
    """The gate: at least ``threshold`` percent of the changed executable lines covered."""
    return block(
        *pinned(("COVERAGE_NEW_CODE", threshold)),
        f"uncovered={UNCOVERED_FILE}",
        ': > "$uncovered"',
        'base="${CHANGE_BASE:-}"',
        # GitLab keeps an unset variable's reference as the value of a variable that names it
        # (https://gitlab.com/gitlab-org/gitlab/-/issues/350747): only a commit SHA is a base.
        'case "$base" in *[!0-9a-f]*) base="" ;; esac',
        'if [ -z "$base" ]; then',
        '  echo "new-code coverage gate: not a pull or merge request, nothing to check"',
        "else",
        '  top="$(git rev-parse --show-toplevel)"',
        '  if ! git -C "$top" cat-file -e "${base}^{commit}" 2>/dev/null; then',
        '    git -C "$top" fetch --quiet --no-tags origin "$base"',
        "  fi",
        '  module="$(GOWORK=off go list -m)"',
        '  prefix="$(git rev-parse --show-prefix)"',
        '  git -C "$top" diff -U0 --no-color --no-ext-diff "${base}...HEAD" -- "*.go" > coverage.diff',
        f'  measure="$({_MEASURE})"',
        '  read -r covered total <<< "$measure"',
        '  if [ "$total" -eq 0 ]; then',
        '    echo "new-code coverage gate passed: no executable line changed since ${base}"',
        "  else",
        '    echo "new code since ${base}: ${covered} of ${total} executable lines covered"',
        '    if [ -s "$uncovered" ]; then',
        '      LC_ALL=C sort -t: -k1,1 -k2,2n -o "$uncovered" "$uncovered"',
        '      echo "uncovered changed lines:"',
        '      sed "s/^/  /" "$uncovered"',
        "    fi",
        f"    {_VERDICT}",
        "  fi",
        "fi",
    )


# -- the merged gate (test.coverage.merge) -------------------------------------------------------

PROFILE_DIRECTORY: Final = "dist/coverage-profile"  # + the job's suffix and leg: one per test leg


def keep_profile(directory: str) -> str:
    """A test leg's raw profile, copied where the merging job finds it among all legs' artifacts
    (``directory`` may name the leg variable, e.g. ``dist/coverage-profile-${TEST_LEG}``)."""
    return block(f'mkdir -p "{directory}"', f'cp coverage.out "{directory}/coverage.out"')


# Merges Go text profiles (`mode:` header, then `file:start.col,end.col statements count`): the same
# block's counts are summed, or ORed in set mode; the blocks are written sorted, so the merged file
# does not depend on the order the legs arrive in. Profiles of different modes are refused.
_MERGE: Final = r"""awk '
FNR == 1 {
  if (mode == "") mode = $0
  else if ($0 != mode) { printf "coverage merge: %s has %s, the first profile %s\n", FILENAME, $0, mode > "/dev/stderr"; bad = 1 }
  next
}
NF == 3 {
  key = $1 " " $2
  if (!(key in count)) count[key] = 0
  if (mode == "mode: set") { if ($3 + 0 > 0) count[key] = 1 }
  else count[key] += $3
}
END {
  if (bad) exit 1
  for (key in count) print key, count[key]
}' "$@" | LC_ALL=C sort > coverage.blocks"""


def coverage_merge() -> str:
    """Merge every downloaded leg profile into ``coverage.out`` (the total and the new-code gates
    then read it like a single leg's). No profile at all fails: a leg that ran no tests."""
    return block(
        "set --",
        f"for profile in {PROFILE_DIRECTORY}*/coverage.out; do",
        '  if [ -f "$profile" ]; then set -- "$@" "$profile"; fi',
        "done",
        'if [ "$#" -eq 0 ]; then',
        f'  echo "coverage merge: no test leg\'s profile was downloaded ({PROFILE_DIRECTORY}*/coverage.out)" >&2',
        "  false",
        "fi",
        'echo "merging $# test legs\' profiles:"',
        "printf '  %s\\n' \"$@\" | LC_ALL=C sort",
        _MERGE,
        '{ head -n 1 "$1"; cat coverage.blocks; } > coverage.out',
        "rm coverage.blocks",
    )
