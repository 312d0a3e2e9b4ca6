"""The GitHub lifter reads every job ``if:`` GitHub accepts (with or without ``${{ }}``, text around
an expression, YAML booleans) and judges it; what it cannot judge is reported with the reason,
never turned into a verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciforge.plan import EVENTS
from ciforge.plan.verify import check
from ciforge.targets.github import lifter as lift_github
from tests.helpers import CASES, GITHUB, GITLAB, render_case

WORKFLOW = """\
on:
  push:
  pull_request:
jobs:
  plain:
    runs-on: ubuntu-latest
    steps: [{run: 'true'}]
  wrapped-not-push:
    if: ${{ github.event_name != 'push' }}
    runs-on: ubuntu-latest
    steps: [{run: 'true'}]
  bare-push:
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    steps: [{run: 'true'}]
  after-skipped:
    needs: [wrapped-not-push]
    runs-on: ubuntu-latest
    steps: [{run: 'true'}]
  always-after-skipped:
    needs: [wrapped-not-push]
    if: ${{ Always() }}
    runs-on: ubuntu-latest
    steps: [{run: 'true'}]
  text-around:
    if: "never ${{ github.event_name == 'nothing' }}"
    runs-on: ubuntu-latest
    steps: [{run: 'true'}]
  disabled:
    if: false
    runs-on: ubuntu-latest
    steps: [{run: 'true'}]
  loose:
    if: github.event.pull_request.number == '7'
    runs-on: ubuntu-latest
    steps: [{run: 'true'}]
  status-in-a-string:
    needs: [wrapped-not-push]
    if: "!contains('always()', github.ref)"
    runs-on: ubuntu-latest
    steps: [{run: 'true'}]
"""


def running(event: str) -> set[str]:
    return {job.logical_id for job in lift_github.lift(WORKFLOW, EVENTS[event]).jobs.values()}


def test_push_judges_every_condition_form() -> None:
    assert running("push:main") == {"plain", "bare-push", "always-after-skipped", "text-around"}


def test_pull_request_judges_every_condition_form() -> None:
    assert running("pr") == {
        "plain",
        "wrapped-not-push",
        "after-skipped",
        "always-after-skipped",
        "text-around",
        "loose",
        "status-in-a-string",
    }


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        ("github.event_name ==", "unexpected"),
        ("${{ github.ref", "not closed"),
        ("secrets.TOKEN != ''", "unrecognized named-value 'secrets'"),
        ("fromJSON('{oops')", "fromJSON"),
        ("nosuch(1)", "unrecognized function"),
    ],
)
def test_unjudgeable_condition_is_reported_with_its_reason(condition: str, reason: str) -> None:
    workflow = f"on: push\njobs:\n  odd:\n    if: {condition!r}\n    runs-on: x\n    steps: [{{run: 'true'}}]\n"
    with pytest.raises(lift_github.LiftError, match="job odd: cannot judge if:") as caught:
        lift_github.lift(workflow, EVENTS["push:main"])
    assert reason in str(caught.value)


def verify_with_test_condition(tmp_path: Path, condition: str) -> list[str]:
    """``ciforge verify`` on the minimal case's outputs, with ``if: condition`` added to its test job."""
    result = render_case(CASES / "minimal")
    assert result.pipeline is not None
    for rel in (GITHUB, GITLAB):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text((CASES / "minimal" / rel).read_text())
    workflow = tmp_path / GITHUB
    text = workflow.read_text()
    assert "\n  test:\n" in text
    workflow.write_text(text.replace("\n  test:\n", f"\n  test:\n    if: {condition}\n", 1))
    return check(result.pipeline, tmp_path)


def test_verify_reports_an_unjudgeable_condition_instead_of_a_verdict(tmp_path: Path) -> None:
    problems = verify_with_test_condition(tmp_path, "github.event_name = 'push'")
    assert problems, "an unreadable condition must not pass as equivalent"
    assert all("cannot read the file" in p and "cannot judge if:" in p for p in problems), problems


def test_verify_judges_a_wrapped_condition_it_used_to_refuse(tmp_path: Path) -> None:
    """A hand edit `if: ${{ github.event_name != 'push' }}` is judged: the job no longer runs on
    push, and verify says which job differs (it used to answer "cannot read expression")."""
    problems = verify_with_test_condition(tmp_path, "${{ github.event_name != 'push' }}")
    assert problems
    assert not any("cannot" in p for p in problems), problems
    assert any("test" in p and "push" in p for p in problems), problems
