"""Skip markers (issue 10, item 6): the head commit's message is part of the event, and GitHub's
documented set skips the same events on both platforms."""

from __future__ import annotations

import attrs
import pytest

from ciforge.plan import EVENTS, from_ir, probes
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab
from tests.helpers import CASES, GITHUB, GITLAB, render_case


@pytest.mark.parametrize("message", probes.SKIP_MESSAGES)
def test_github_markers_skip_pushes_tags_and_requests_on_both(message: str) -> None:
    """Every marker and trailer of GitHub's docs: no jobs for push, tag and pr on all three plans;
    a manual run still runs everything."""
    result = render_case(CASES / "go-service")
    assert result.pipeline is not None
    gh, gl = lift_github.load(result.files[GITHUB]), lift_gitlab.load(result.files[GITLAB])
    for name in ("push:main", "tag", "pr", "manual"):
        event = attrs.evolve(EVENTS[name], message=message)
        plans = (from_ir.plan(result.pipeline, event), lift_github.lift(gh, event), lift_gitlab.lift(gl, event))
        assert plans[0] == plans[1] == plans[2], name
        assert (plans[0].jobs == {}) == (name != "manual"), name


@pytest.mark.parametrize("message", probes.NEAR_MISSES)
def test_near_misses_skip_nothing(message: str) -> None:
    """Messages that only look like markers run everything, the same on all three."""
    result = render_case(CASES / "go-service")
    assert result.pipeline is not None
    for name in ("push:main", "tag", "pr"):
        event = attrs.evolve(EVENTS[name], message=message)
        expected = from_ir.plan(result.pipeline, event)
        assert expected.jobs
        assert lift_github.lift(result.files[GITHUB], event) == expected
        assert lift_gitlab.lift(result.files[GITLAB], event) == expected


def test_old_gitlab_output_runs_for_no_ci() -> None:
    """The regression: without the skip rules GitLab runs a ``[no ci]`` push that GitHub skips."""
    result = render_case(CASES / "go-service")
    doc = lift_gitlab.load(result.files[GITLAB])
    doc["workflow"]["rules"] = [r for r in doc["workflow"]["rules"] if "CI_COMMIT_MESSAGE" not in r["if"]]
    event = attrs.evolve(EVENTS["push:main"], message="wip [no ci]")
    assert lift_gitlab.lift(doc, event).jobs
    assert lift_github.lift(result.files[GITHUB], event).jobs == {}
