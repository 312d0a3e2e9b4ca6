"""GitHub Actions: the pipeline as one workflow file, and its half of the proof."""

from __future__ import annotations

from typing import Final

from ciforge.plan.foreign import Keywords
from ciforge.targets import deferred
from ciforge.targets.github.emitter import as_component, emit, schedule_setup
from ciforge.targets.github.limits import exceeded_limits
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


# The lifter and the posture load on first use: `render` needs neither.
load = deferred("ciforge.targets.github.lifter", "load")
lift = deferred("ciforge.targets.github.lifter", "lift")
expected_posture = deferred("ciforge.targets.github.posture", "expected")
lift_posture = deferred("ciforge.targets.github.posture", "lift")


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
