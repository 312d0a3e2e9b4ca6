"""The GitHub lifter's reading of values: a github context expression or a literal, as the
plan's platform-neutral token (each platform's spelling of the same value reads alike)."""

from __future__ import annotations

import re
from typing import Any, Final

from ciforge.targets.github import expressions
from ciforge.targets.github.lift_matrix import scalar

# Expressions each mean a platform value: a github context property
# (https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#github-context) and its
# GitLab predefined variable (https://docs.gitlab.com/ci/variables/predefined_variables/).
TOKENS: Final = {
    "github.ref_name": "@REF_NAME",
    "github.sha": "@COMMIT_SHA",
    "github.head_ref": "@CHANGE_HEAD",
    "github.event.repository.default_branch": "@DEFAULT_BRANCH",
    "github.ref_type == 'tag' && github.ref_name || ''": "@TAG_NAME",
    "github.event.pull_request.base.sha": "@CHANGE_BASE",
    "github.server_url": "@SERVER_URL",
    "github.repository": "@PROJECT_PATH",
    "github.actor": "@credential",
    "secrets.GITHUB_TOKEN": "@github-token",
}

# Values that are one platform value spelt with several expressions.
WHOLE_VALUES: Final = {
    "ghcr.io/@PROJECT_PATH": "@IMAGE_REPOSITORY",
    "@SERVER_URL/@PROJECT_PATH/actions/runs/@expression(github.run_id)/attempts/@expression(github.run_attempt)": "@RUN_URL",
}


def normalize_value(value: Any, leg: dict[str, str]) -> str:
    """The plan's token for ``value`` in the matrix leg ``leg``."""
    text = scalar(value)

    def resolve(expr: str) -> str:
        if expr.startswith("matrix."):
            return leg.get(expr[len("matrix.") :], "")
        needs = re.fullmatch(r"needs\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_]+)", expr)
        if needs:
            return f"@output({needs[1]}.{needs[2]})"
        setting = re.fullmatch(r"(?:secrets|vars)\.([A-Za-z_][A-Za-z0-9_]*)", expr)
        if setting and expr != "secrets.GITHUB_TOKEN":
            return f"@setting({setting[1]})"
        if expr in TOKENS:
            return TOKENS[expr]
        return f"@expression({expr})"  # evaluated by GitHub: never equal to a literal

    text = expressions.substitute(text, resolve)
    return WHOLE_VALUES.get(text, text)
