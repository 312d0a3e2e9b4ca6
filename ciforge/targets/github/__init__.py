"""GitHub Actions: the pipeline as one workflow file, and its half of the proof."""

from __future__ import annotations

from typing import Final

from ciforge.plan.foreign import Keywords
from ciforge.targets.github.emitter import as_component, emit, schedule_setup
from ciforge.targets.github.lifter import lift, load
from ciforge.targets.github.limits import exceeded_limits
from ciforge.targets.github.posture import expected as expected_posture
from ciforge.targets.github.posture import lift as lift_posture
from ciforge.targets.github.runners import HOSTING

NAME: Final = "github"
TITLE: Final = "GitHub Actions"
OUTPUT_PATH: Final = ".github/workflows/ciforge.yml"
FOREIGN_KEYWORDS: Final = Keywords(
    top={},
    # https://docs.github.com/en/actions/using-workflows/reusing-workflows
    job={"uses": "`uses` at job level calls a reusable workflow"},
    jobs_key="jobs",
)

__all__ = [
    "FOREIGN_KEYWORDS",
    "HOSTING",
    "NAME",
    "OUTPUT_PATH",
    "TITLE",
    "as_component",
    "emit",
    "exceeded_limits",
    "expected_posture",
    "lift",
    "lift_posture",
    "load",
    "schedule_setup",
]
