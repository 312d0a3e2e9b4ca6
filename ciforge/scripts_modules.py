"""The blocks of a module's jobs when a manifest names several modules (``modules:``): the
change check that decides, on a pull or merge request, whether the module's legs run, and the
guard every later block starts with. The same text runs on both platforms (docs/modules.md).

The check is fail-safe: outside a change request, without git, or when the base commit cannot be
read, the legs run. When no changed file belongs to the module, to a module it builds with, or
to ``ALWAYS_AFFECTED`` (go.work, the manifest), it leaves a marker file and ends the block with
``exit 0``. On GitLab the script lines of a job run in one shell, so that ends the job; on GitHub
each step is its own shell, and every later block ends at the guard.
"""

from __future__ import annotations

from typing import Final

from ciforge.scripts import PRELUDE, block, pinned

MARKER: Final = ".ciforge-unaffected"
GUARD: Final = f'if [ -e {MARKER} ]; then echo "module unaffected by this change: nothing to do"; exit 0; fi'

# Prints the changed files that make the module run: one of ALWAYS_AFFECTED, or a file whose
# owner (the deepest module directory containing it) is in AFFECTED_BY.
_CHANGED_FILES_THAT_MATTER: Final = r"""awk -v dirs="$MODULE_DIRS" -v by="$AFFECTED_BY" -v always="$ALWAYS_AFFECTED" '
BEGIN {
  n = split(dirs, d, " ")
  m = split(by, b, " "); for (i = 1; i <= m; i++) wanted[b[i]] = 1
  k = split(always, a, " "); for (i = 1; i <= k; i++) every[a[i]] = 1
}
$0 == "" { next }
$0 in every { print; next }
{
  best = ""
  for (i = 1; i <= n; i++) {
    x = d[i]
    if ((x == "." || $0 == x || index($0, x "/") == 1) && (best == "" || best == "." || length(x) > length(best))) best = x
  }
  if (best != "" && (best in wanted)) print
}'"""


def affected_check(
    *, module: str, affected_by: tuple[str, ...], modules: tuple[str, ...], always: tuple[str, ...]
) -> str:
    """Decide whether ``module``'s legs run for this change (CHANGE_BASE: the pull or merge
    request's base commit; empty for every other event, which runs everything)."""
    return block(
        *pinned(
            ("MODULE", module),
            ("AFFECTED_BY", " ".join(affected_by)),
            ("MODULE_DIRS", " ".join(modules)),
            ("ALWAYS_AFFECTED", " ".join(always)),
        ),
        f"rm -f {MARKER}",
        'base="${CHANGE_BASE:-}"',
        # GitLab keeps an unset variable's reference as the value of a variable that names it
        # (https://gitlab.com/gitlab-org/gitlab/-/issues/350747): only a commit SHA is a base.
        'case "$base" in *[!0-9a-f]*) base="" ;; esac',
        'if [ -z "$base" ]; then',
        '  echo "not a pull or merge request: module $MODULE runs"',
        'elif ! top="$(git rev-parse --show-toplevel)"; then',
        '  echo "not a git checkout: module $MODULE runs"',
        'elif ! git -C "$top" cat-file -e "${base}^{commit}" 2>/dev/null \\',
        '    && ! git -C "$top" fetch --quiet --no-tags origin "$base"; then',
        '  echo "the base commit $base cannot be read: module $MODULE runs"',
        'elif ! changed="$(git -C "$top" diff --name-only "${base}...HEAD")"; then',
        '  echo "cannot compare with $base: module $MODULE runs"',
        "else",
        f'  hits="$(printf \'%s\\n\' "$changed" | {_CHANGED_FILES_THAT_MATTER})"',
        '  if [ -n "$hits" ]; then',
        '    echo "module $MODULE runs: changed since $base:"',
        "    printf '%s\\n' \"$hits\" | awk 'NR <= 20'",
        "  else",
        '    echo "no change since $base is in module $MODULE or the modules it builds with ($AFFECTED_BY): skipped"',
        f"    touch {MARKER}",
        "    exit 0",
        "  fi",
        "fi",
    )


def guarded(script: str) -> str:
    """``script`` (a block) ending at once, successfully, when the change check skipped the module."""
    assert script.startswith(PRELUDE), script
    return PRELUDE + GUARD + "\n" + script.removeprefix(PRELUDE)
