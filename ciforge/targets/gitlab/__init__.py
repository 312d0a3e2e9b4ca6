"""GitLab CI: the pipeline as one ``.gitlab-ci.yml`` (or a CI/CD component), and its half of the
proof."""

from __future__ import annotations

from typing import Final

from ciforge.plan.foreign import Keywords
from ciforge.targets import deferred
from ciforge.targets.gitlab.emitter import emit
from ciforge.targets.gitlab.limits import exceeded_limits
from ciforge.targets.gitlab.runners import HOSTING
from ciforge.targets.gitlab.schedules import schedule_setup

NAME: Final = "gitlab"
TITLE: Final = "GitLab CI"
OUTPUT_PATH: Final = ".gitlab-ci.yml"
# https://docs.gitlab.com/ci/yaml/ (keywords ciforge never writes)
FOREIGN_KEYWORDS: Final = Keywords(
    top={
        "include": "`include` pulls in configuration from other files",
        "default": "`default` sets keys for every job from one place",
    },
    job={"extends": "`extends` copies keys from another job"},
    jobs_key=None,
    # code-scan.sast: native includes GitLab's SAST template (named exception sast-native)
    allowed={"include": [{"template": "Jobs/SAST.gitlab-ci.yml"}]},
)


# The lifter, the posture and the component load on first use: `render` needs none of them.
load = deferred("ciforge.targets.gitlab.lifter", "load")
lift = deferred("ciforge.targets.gitlab.lifter", "lift")
expected_posture = deferred("ciforge.targets.gitlab.posture", "expected")
lift_posture = deferred("ciforge.targets.gitlab.posture", "lift")
as_component = deferred("ciforge.targets.gitlab.component", "as_component")


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
