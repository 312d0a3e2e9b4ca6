"""triggers.schedule: each scheduled run runs exactly the jobs its entry selects (and what they
need) on both platforms, nothing is published on a schedule, the plans are equal on every
schedule, verify sees the schedule conditions, and every mistake is a positioned error.

Schedules cannot fire on this machine (no scheduler): the proof is the plans (IR, both lifters),
GitHub's own parser and gitlab-ci-local (tests/test_oracle_crosscheck.py), and the validators."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import attrs
import pytest

from ciforge import ir
from ciforge.cli import main
from ciforge.compiler import Result, compile_pipeline
from ciforge.diagnostics import Diagnostic, format_text
from ciforge.lower_schedule import cron_problems
from ciforge.plan import EVENTS, differences, from_ir, probes
from ciforge.plan.model import event_from_cli, schedule_event
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab, schedules as gitlab_schedules
from tests.conftest import oracle
from tests.helpers import CASES, GITHUB, GITLAB, render_case
from tests.test_verify_holes import edit, render, verify

CASE = CASES / "schedules"
NIGHTLY, WEEKLY, MONTHLY = "17 3 * * *", "0 5 * * 1", "30 4 1 * *"
HEAD = 'version: 1\nname: shop\ngo:\n  version: "1.25"\n'


def _compile(text: str) -> tuple[ir.Pipeline | None, list[Diagnostic]]:
    return compile_pipeline((HEAD + text).encode(), file="ciforge.yml", base_dir=Path("."), label="ciforge.yml")


def _errors(text: str) -> list[str]:
    return [format_text(d) for d in _compile(text)[1] if d.severity == "error"]


def _logical(plan: object) -> set[str]:
    assert hasattr(plan, "jobs")
    return {job.logical_id for job in plan.jobs.values()}


def test_each_schedule_runs_only_its_jobs_and_what_they_need() -> None:
    """The golden case: the nightly entry names integration (which needs test), the weekly one
    the checks and the build family (which starts with them), the monthly one names nothing and
    runs the custom jobs whose events list schedule. No image push, signature or release on any of them."""
    result = render_case(CASE)
    assert result.pipeline is not None
    runs = {cron: _logical(from_ir.plan(result.pipeline, schedule_event(cron))) for cron in (NIGHTLY, WEEKLY, MONTHLY)}
    assert runs == {
        NIGHTLY: {"test", "integration"},
        WEEKLY: {"lint", "test", "build"},
        MONTHLY: {"test", "integration", "licenses"},
    }
    publishing = {"image-publish", "sign", "verify", "promote", "release-assets", "release"}
    assert publishing <= _logical(from_ir.plan(result.pipeline, EVENTS["tag"]))  # they exist, on pushes
    # e2e needs build, but lists no schedule and no entry names it
    assert result.pipeline.job("e2e").schedules == ()
    assert result.pipeline.job("test").schedules == (NIGHTLY, WEEKLY, MONTHLY)


def test_both_files_are_lifted_to_the_same_plan_on_every_schedule() -> None:
    """plan(GitHub) == plan(GitLab) == plan(IR) for each schedule, for a cron the file does not
    list (nothing runs: on GitLab, a schedule made without ciforge's variable), and for a
    schedule whose head commit says [skip ci] (schedules ignore skip markers on both)."""
    result = render_case(CASE)
    assert result.pipeline is not None
    gh, gl = lift_github.load(result.files[GITHUB]), lift_gitlab.load(result.files[GITLAB])
    events = probes.schedule_probes(result.pipeline.triggers)
    assert [e.schedule for e in events] == [NIGHTLY, WEEKLY, MONTHLY, probes.UNLISTED_CRON]
    events.append(attrs.evolve(events[0], name="skip", message="nightly [skip ci]"))
    for event in events:
        expected = from_ir.plan(result.pipeline, event)
        assert differences(expected, lift_github.lift(gh, event)) == []
        assert differences(expected, lift_gitlab.lift(gl, event)) == []
        assert bool(expected.jobs) == (event.schedule != probes.UNLISTED_CRON)
    assert lift_gitlab.ci_variables(events[0])[ir.SCHEDULE_VARIABLE] == NIGHTLY


def test_github_tells_schedules_apart_by_the_cron_and_gitlab_by_the_variable() -> None:
    """The GitHub job condition compares github.event.schedule with the entry's cron; the GitLab
    rules compare the schedule variable; the workflow lists each cron once."""
    result = render_case(CASE)
    gh = lift_github.load(result.files[GITHUB])
    assert gh["on"]["schedule"] == [{"cron": NIGHTLY}, {"cron": WEEKLY}, {"cron": MONTHLY}]
    assert gh["jobs"]["licenses"]["if"] == (
        "(github.event_name == 'push' && github.ref_type == 'branch') || "
        f"(github.event_name == 'schedule' && github.event.schedule == '{MONTHLY}')"
    )
    assert gh["jobs"]["lint"]["if"] == f"github.event_name != 'schedule' || github.event.schedule == '{WEEKLY}'"
    assert gh["jobs"]["e2e"]["if"] == "github.event_name != 'schedule'"
    assert "if" not in gh["jobs"]["test"]  # every schedule runs it
    gl = lift_gitlab.load(result.files[GITLAB])
    assert gl["lint"]["rules"] == [
        {"if": f'$CI_PIPELINE_SOURCE == "schedule" && $CIFORGE_SCHEDULE == "{WEEKLY}"'},
        {"if": '$CI_PIPELINE_SOURCE == "schedule"', "when": "never"},
        {"when": "on_success"},
    ]
    assert gl["integration"]["rules"][-1] == {
        "if": f'$CI_PIPELINE_SOURCE == "schedule" && ($CIFORGE_SCHEDULE == "{NIGHTLY}" || '
        f'$CIFORGE_SCHEDULE == "{MONTHLY}")'
    }
    assert gl["workflow"]["rules"][-3:] == [
        {"if": f'$CI_PIPELINE_SOURCE == "schedule" && $CIFORGE_SCHEDULE == "{cron}"'}
        for cron in (NIGHTLY, WEEKLY, MONTHLY)
    ]


def test_without_schedules_nothing_changes_and_no_schedule_runs() -> None:
    """A manifest without schedules keeps its job conditions (no 'not a schedule' clause) and
    creates no pipeline for any scheduled run on either platform."""
    result = render_case(CASES / "custom-jobs")
    assert result.pipeline is not None
    assert "schedule" not in result.files[GITHUB]
    assert "schedule" not in result.files[GITLAB]
    event = schedule_event(NIGHTLY)
    assert from_ir.plan(result.pipeline, event).jobs == {}
    assert lift_github.lift(result.files[GITHUB], event).jobs == {}
    assert lift_gitlab.lift(result.files[GITLAB], event).jobs == {}


@pytest.mark.parametrize(
    "tamper",
    [
        # a job condition that lets the weekly schedule's lint run on the nightly one too
        ("github", f"github.event.schedule == '{WEEKLY}'", f"github.event.schedule == '{NIGHTLY}'", NIGHTLY),
        # a GitLab rule that selects the other schedule
        ("gitlab", f'$CIFORGE_SCHEDULE == "{MONTHLY}")', f'$CIFORGE_SCHEDULE == "{WEEKLY}")', MONTHLY),
        # a schedule dropped from the workflow
        ("github", f"    - cron: {WEEKLY}\n", "", WEEKLY),
        # a GitLab workflow rule that lets any schedule create a pipeline
        ("gitlab", f' && $CIFORGE_SCHEDULE == "{NIGHTLY}"\n', "\n", probes.UNLISTED_CRON),
    ],
)
def test_verify_fails_on_a_tampered_schedule_condition(
    tamper: tuple[str, str, str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each hand edit of a schedule condition changes a scheduled run's plan: verify exits 1 and
    names that schedule."""
    platform, old, new, event = tamper
    root = render(tmp_path, (CASE / "ciforge.yml").read_text())
    edit(root / (GITHUB if platform == "github" else GITLAB), old, new)
    out = verify(root, capsys)
    assert f"schedule:{event}" in out, out


def test_plan_shows_each_schedule(capsys: pytest.CaptureFixture[str]) -> None:
    """`ciforge plan` shows a column per schedule by default, and one schedule with --event."""
    assert main(["plan", "-m", str(CASE / "ciforge.yml")]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert all(f"schedule:{cron}" in header for cron in (NIGHTLY, WEEKLY, MONTHLY))
    assert event_from_cli(f"schedule:{WEEKLY}") == schedule_event(WEEKLY)
    assert main(["plan", "-m", str(CASE / "ciforge.yml"), "--event", f"schedule:{WEEKLY}", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown


@pytest.mark.parametrize(
    ("cron", "problems"),
    [
        ("17 3 * * 1", []),
        ("*/15 0-6,22-23 1 1-12/2 1-5", []),
        ("60 24 0 13 7", ["minute '60'", "hour '24'", "day of month '0'", "month '13'", "day of week '7'"]),
        ("5-1 * * * *", ["minute '5-1': the range runs backwards"]),
        ("*/0 * * * *", ["minute '*/0': a step of 0"]),
        ("5/15 * * * *", ["minute '5/15': a step needs a range or *: write 5-59/15"]),
        ("1,,2 * * * *", ["minute '': not *"]),
        ("* * * *", ["4 fields"]),
    ],
)
def test_cron_fields_are_checked_against_their_ranges(cron: str, problems: list[str]) -> None:
    found = cron_problems(cron)
    assert len(found) == len(problems), found
    assert all(got.startswith(want) for got, want in zip(found, problems, strict=True)), found


SCHEDULE = "triggers:\n  schedule:\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            SCHEDULE + '    - cron: "60 3 * * 8"\n      jobs: [test]\n',
            [
                "ciforge.yml:7:13: error: cron '60 3 * * 8': minute '60': 60 is outside 0-59 "
                "(at $.triggers.schedule[0].cron) [schedule]",
                "ciforge.yml:7:13: error: cron '60 3 * * 8': day of week '8': 8 is outside 0-6 "
                "(at $.triggers.schedule[0].cron) [schedule]",
            ],
        ),
        (
            SCHEDULE + '    - cron: "0 3 * * *"\n      jobs: [test]\n    - cron: "0 3 * * *"\n      jobs: [lint]\n',
            [
                "ciforge.yml:9:13: error: cron '0 3 * * *' is already another entry's: a GitHub run tells its "
                "schedules apart only by the cron; put the jobs in one entry, or shift one by a minute "
                "(at $.triggers.schedule[1].cron) [schedule]"
            ],
        ),
        (
            SCHEDULE + '    - cron: "0 3 * * *"\n      jobs: [tests]\n',
            [
                "ciforge.yml:8:14: error: the schedule '0 3 * * *' runs 'tests', which is no job here "
                "(known: lint, test, build) (at $.triggers.schedule[0].jobs[0]) [schedule]"
            ],
        ),
        (
            SCHEDULE + '    - cron: "0 3 * * *"\n',
            [
                "ciforge.yml:7:7: error: the schedule '0 3 * * *' runs no job: name them in its jobs, or list "
                "schedule in a custom job's events (at $.triggers.schedule[0]) [schedule]"
            ],
        ),
        (
            "jobs:\n  nightly:\n    run: make nightly\n    events: [schedule]\n",
            [
                "ciforge.yml:8:5: error: job nightly lists schedule, but no triggers.schedule entry runs it (an "
                "entry without jobs runs the custom jobs that list schedule) (at $.jobs.nightly.events) [schedule]"
            ],
        ),
        (
            SCHEDULE + '    - cron: "0 3 * * *"\n      jobs: [it]\njobs:\n  it:\n    run: make it\n    events: [pr]\n',
            [
                "ciforge.yml:8:7: error: the schedule '0 3 * * *' would run it, but its events do not list "
                "schedule (at $.triggers.schedule[0].jobs) [schedule]"
            ],
        ),
        (
            SCHEDULE + '    - cron: "0 3 * * *"\n      jobs: [after-push]\n'
            "image: {push: [branches]}\njobs:\n  after-push:\n    run: make smoke\n    needs: [image-publish]\n",
            [
                "ciforge.yml:8:7: error: the schedule '0 3 * * *' would run after-push, but its events do not "
                "list schedule (at $.triggers.schedule[0].jobs) [schedule]",
                "ciforge.yml:8:7: error: the schedule '0 3 * * *' would run image-publish (needed by after-push), "
                "but it publishes, which ciforge never does on a schedule (at $.triggers.schedule[0].jobs) [schedule]",
            ],
        ),
        (
            SCHEDULE + '    - cron: "0 3 * * *"\n'
            "jobs:\n  nightly:\n    run: make nightly\n    events: [schedule]\n"
            "  after:\n    run: make report\n    needs: [nightly]\n",
            [
                "ciforge.yml:12:3: error: job after would run on no event: what it needs runs only on schedules, "
                "and no triggers.schedule entry runs it; name it in one, or list schedule in its events "
                "(at $.jobs.after) [schedule]"
            ],
        ),
    ],
)
def test_schedule_mistakes_are_positioned_errors_all_at_once(text: str, expected: list[str]) -> None:
    assert sorted(_errors(text)) == sorted(expected)


def test_a_family_name_selects_every_job_of_the_family() -> None:
    """`test` on a schedule means every test platform's job (and `build` every leg)."""
    pipeline, diagnostics = _compile(
        "test:\n  platforms: [linux/amd64, linux/arm64]\n" + SCHEDULE + '    - cron: "0 3 * * *"\n      jobs: [test]\n'
    )
    assert [d for d in diagnostics if d.severity == "error"] == []
    assert pipeline is not None
    assert _logical(from_ir.plan(pipeline, schedule_event("0 3 * * *"))) == {"test-linux-amd64", "test-linux-arm64"}


def test_with_modules_a_family_name_means_every_modules_job(tmp_path: Path) -> None:
    """With modules there is a job named test and one per other module: `test` on a schedule means
    all of them, as in a custom job's needs (not only the job whose id is exactly test)."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "go.mod").write_text("module example.com/shop\n\ngo 1.25\n")
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "go.mod").write_text("module example.com/shop/api\n\ngo 1.25\n")
    text = HEAD + "modules: auto\n" + SCHEDULE + '    - cron: "0 3 * * *"\n      jobs: [test, lint-api]\n'
    pipeline, diagnostics = compile_pipeline(text.encode(), file="ciforge.yml", base_dir=tmp_path, label="ciforge.yml")
    assert [d for d in diagnostics if d.severity == "error"] == []
    assert pipeline is not None
    assert _logical(from_ir.plan(pipeline, schedule_event("0 3 * * *"))) == {"test", "test-api", "lint-api"}


def test_only_schedules_is_a_pipeline_that_runs() -> None:
    """A manifest whose only trigger is a schedule compiles (no 'never runs' error)."""
    pipeline, diagnostics = _compile(
        "triggers:\n  branches: []\n  tags: []\n  pull-requests: false\n  manual: false\n  schedule:\n"
        '    - cron: "0 3 * * *"\n      jobs: [lint]\n'
    )
    assert [d for d in diagnostics if d.severity == "error"] == []
    assert pipeline is not None
    assert _logical(from_ir.plan(pipeline, schedule_event("0 3 * * *"))) == {"lint"}
    assert all(from_ir.plan(pipeline, e).jobs == {} for e in EVENTS.values())


@pytest.mark.oracle
def test_gitlab_ci_local_runs_exactly_the_selected_jobs_per_schedule(tmp_path: Path) -> None:
    """gitlab-ci-local, given each schedule's variables (as `ciforge schedules` creates them),
    lists exactly the jobs of that schedule's plan, and previews the pipeline without error."""
    work = tmp_path / "repo"
    work.mkdir()
    shutil.copy(CASE / GITLAB, work / GITLAB)
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    pipeline = render_case(CASE).pipeline
    assert pipeline is not None
    for cron in (NIGHTLY, WEEKLY, MONTHLY):
        variables = {"CI_PIPELINE_SOURCE": "schedule", "CI_COMMIT_BRANCH": "main", ir.SCHEDULE_VARIABLE: cron}
        args = [oracle("node22"), oracle("gitlab-ci-local"), "--ignore-predefined-vars", "CI_PIPELINE_SOURCE"]
        for name, value in variables.items():
            args += ["--variable", f"{name}={value}"]
        listed = subprocess.run(
            [*args, "--list-csv"], cwd=work, capture_output=True, text=True, check=True, timeout=120
        )
        rows = listed.stdout[listed.stdout.index("name;stage;") :].splitlines()[1:]
        names = {row.split(";")[0].split(":")[0] for row in rows}
        assert names == _logical(from_ir.plan(pipeline, schedule_event(cron))), cron
        preview = subprocess.run(
            [*args, "--preview"], cwd=work, capture_output=True, text=True, check=True, timeout=120
        )
        assert f'$CIFORGE_SCHEDULE == "{cron}"' in preview.stdout


def _printed(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(["schedules", "-m", str(CASE / "ciforge.yml"), *args]) == 0
    return capsys.readouterr().out


def test_schedules_prints_one_glab_command_per_entry(capsys: pytest.CaptureFixture[str]) -> None:
    """`ciforge schedules`: per entry, glab schedule create with the cron, UTC, the default branch
    and the schedule variable set to the cron; the same text every time."""
    text = _printed(capsys)
    assert text == _printed(capsys)
    commands = [shlex.split(line) for line in text.splitlines() if line.startswith("glab ")]
    assert len(commands) == 3
    for cron, words in zip((NIGHTLY, WEEKLY, MONTHLY), commands, strict=True):
        flags = dict(zip(words[3::2], words[4::2], strict=True))
        assert words[:3] == ["glab", "schedule", "create"]
        assert flags == {
            "--cron": cron,
            "--cronTimeZone": "UTC",
            "--ref": "main",
            "--description": f"ciforge shop: {cron} (UTC)",
            "--variable": f"{ir.SCHEDULE_VARIABLE}:{cron}",
        }
    assert "# 17 3 * * * (UTC) runs: test, integration" in text
    assert "--ref release" in _printed(capsys, "--ref", "release")


def test_schedules_without_schedules_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "ciforge.yml").write_text(HEAD)
    assert main(["schedules", "-m", str(tmp_path / "ciforge.yml")]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no triggers.schedule entries" in captured.err


def test_the_curl_script_creates_each_schedule_then_its_variable(capsys: pytest.CaptureFixture[str]) -> None:
    """The REST form, run with bash and curl against a local stand-in for the API: per entry a
    POST of the schedule (cron, UTC, ref, active), then a POST of its variable to the id the
    first call returned; the token in the PRIVATE-TOKEN header."""
    script = _printed(capsys, "--format", "curl")
    received: list[tuple[str, str, dict[str, list[str]]]] = []

    class Api(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.append((self.path, self.headers["PRIVATE-TOKEN"], parse_qs(body)))
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"id": 40 + len(received)}).encode())

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {
            "PATH": os.environ["PATH"],
            "GITLAB_TOKEN": "glpat-test",
            "GITLAB_PROJECT": "acme%2Fshop",
            "GITLAB_API": f"http://127.0.0.1:{server.server_address[1]}/api/v4",
        }
        subprocess.run(["bash", "-c", script], env=env, check=True, timeout=60)
        missing = subprocess.run(
            ["bash", "-c", script], env={"PATH": os.environ["PATH"]}, capture_output=True, text=True, check=False
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    base = "/api/v4/projects/acme%2Fshop/pipeline_schedules"
    expected = []
    for n, cron in enumerate((NIGHTLY, WEEKLY, MONTHLY)):
        schedule = {
            "description": [f"ciforge shop: {cron} (UTC)"],
            "ref": ["main"],
            "cron": [cron],
            "cron_timezone": ["UTC"],
            "active": ["true"],
        }
        expected += [
            (base, "glpat-test", schedule),
            (f"{base}/{41 + 2 * n}/variables", "glpat-test", {"key": [ir.SCHEDULE_VARIABLE], "value": [cron]}),
        ]
    assert received == expected
    assert missing.returncode != 0
    assert "a token with the api scope" in missing.stderr


@pytest.mark.oracle
def test_the_curl_script_passes_shellcheck(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "schedules.sh").write_text("#!/usr/bin/env bash\n" + _printed(capsys, "--format", "curl"))
    proc = subprocess.run(
        [oracle("shellcheck"), "-S", "style", "-s", "bash", str(tmp_path / "schedules.sh")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


# -- the register's schedule exceptions (run by tests/test_equivalence.py::test_named_exception) --


def _case() -> tuple[ir.Pipeline, dict[str, object], dict[str, object]]:
    result = render_case(CASE)
    assert result.pipeline is not None
    return result.pipeline, lift_github.load(result.files[GITHUB]), lift_gitlab.load(result.files[GITLAB])


def check_schedule_definition(result: Result) -> None:
    """GitLab needs the schedule variable `ciforge schedules` sets; GitHub's file holds the crons."""
    pipeline, gh, gl = _case()
    event = schedule_event(NIGHTLY)
    with_variable = lift_gitlab.ci_variables(event)
    without = {k: v for k, v in with_variable.items() if k != ir.SCHEDULE_VARIABLE}
    assert lift_gitlab.pipeline_created(gl, with_variable)
    assert not lift_gitlab.pipeline_created(gl, without)  # a schedule made by hand runs nothing
    assert lift_github.triggered(gh["on"], event)
    assert ir.SCHEDULE_VARIABLE not in json.dumps(gh)
    setup = gitlab_schedules.schedule_setup(pipeline, "main", "glab")
    assert setup is not None
    assert all(f"{ir.SCHEDULE_VARIABLE}:{cron}" in setup for cron in pipeline.triggers.schedules)


def check_schedule_time_zone(result: Result) -> None:
    """GitHub's entries carry only a cron (UTC); each GitLab schedule is created in UTC."""
    pipeline, gh, _ = _case()
    assert gh["on"]["schedule"] == [{"cron": cron} for cron in pipeline.triggers.schedules]  # type: ignore[index]
    glab = gitlab_schedules.schedule_setup(pipeline, "main", "glab") or ""
    curl = gitlab_schedules.schedule_setup(pipeline, "main", "curl") or ""
    assert glab.count("--cronTimeZone UTC") == curl.count("cron_timezone=UTC") == len(pipeline.triggers.schedules)


def check_schedule_branch(result: Result) -> None:
    """GitHub's scheduled run is on the default branch; a GitLab schedule runs on whatever ref it
    names (its workflow rules do not look at the branch), which ciforge sets to the default one."""
    pipeline, _, gl = _case()
    event = schedule_event(NIGHTLY)
    assert lift_github.github_context(event)["ref"] == "refs/heads/main"
    assert lift_gitlab.ci_variables(event)["CI_COMMIT_BRANCH"] == "main"
    elsewhere = attrs.evolve(event, ref_name="develop")  # not one of triggers.branches
    assert lift_gitlab.pipeline_created(gl, lift_gitlab.ci_variables(elsewhere))
    assert "--ref main " in (gitlab_schedules.schedule_setup(pipeline, "main", "glab") or "")


def check_schedule_timing(result: Result) -> None:
    """What ciforge controls is the cron text: the same on GitHub, in GitLab's rules and in the
    schedules it prints; when a run starts is each platform's."""
    pipeline, gh, gl = _case()
    github = [entry["cron"] for entry in gh["on"]["schedule"]]  # type: ignore[index]
    rules = [rule["if"] for rule in gl["workflow"]["rules"] if "schedule" in rule["if"]]  # type: ignore[index]
    gitlab = [r.split(f"${ir.SCHEDULE_VARIABLE} == ")[1].strip('"') for r in rules]
    setup = gitlab_schedules.schedule_setup(pipeline, "main", "glab") or ""
    printed = [shlex.split(line)[4] for line in setup.splitlines() if line.startswith("glab ")]
    assert github == gitlab == printed == [NIGHTLY, WEEKLY, MONTHLY]


SCHEDULE_CHECKS: dict[str, Callable[[Result], None]] = {
    "schedule-definition": check_schedule_definition,
    "schedule-time-zone": check_schedule_time_zone,
    "schedule-branch": check_schedule_branch,
    "schedule-timing": check_schedule_timing,
}


def test_explain_lists_the_jobs_of_each_schedule(capsys: pytest.CaptureFixture[str]) -> None:
    """`ciforge explain` shows each scheduled run beside the standard events."""
    capsys.readouterr()
    assert main(["explain", "-m", str(CASE / "ciforge.yml"), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)["events"]
    assert shown[f"schedule:{WEEKLY}"] == ["build", "lint", "test"]
    assert shown[f"schedule:{NIGHTLY}"] == ["integration", "test"]
