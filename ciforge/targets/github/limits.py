"""GitHub's limits that only the rendered workflow shows."""

from __future__ import annotations

from typing import Final

from ciforge import ir
from ciforge.targets import Limit

# GitHub does not start runs of a workflow file over 500 KB.
# https://docs.github.com/en/actions/reference/limits
MAX_WORKFLOW_BYTES: Final = 500_000


def exceeded_limits(pipeline: ir.Pipeline, text: str | None) -> list[Limit]:
    """The workflow file's size (``text``: the workflow, None when it is not rendered)."""
    if text is None:
        return []
    size = len(text.encode())
    if size <= MAX_WORKFLOW_BYTES:
        return []
    return [
        Limit(
            f"the GitHub workflow would be {size // 1000} KB; GitHub does not start runs of workflow files over 500 KB",
            at="size",
        )
    ]
