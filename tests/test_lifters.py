"""The lifters on hand-edited inputs, table by table from the platforms' documentation: the forms
of GitHub's ``on:`` and GitLab's ``workflow:rules``/``rules`` that ciforge never writes but
``ciforge verify`` meets in a hand-edited file, and the job details both lifters read."""

from __future__ import annotations

from typing import Any, Final

import pytest

from ciforge.plan.model import PlanEvent, schedule_event
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import lifter as lift_gitlab

PUSH_MAIN = PlanEvent("push:main", "push_branch", "main")
PUSH_FEATURE = PlanEvent("push:feature", "push_branch", "feature/x")
TAG = PlanEvent("tag", "push_tag", "v1.2.3")
PR = PlanEvent("pr", "change_request", "feature/x", base="main")
PR_TO_DEV = PlanEvent("pr", "change_request", "feature/x", base="dev")
MANUAL = PlanEvent("manual", "manual", "main")
EVENTS = {
    "push:main": PUSH_MAIN,
    "push:feature": PUSH_FEATURE,
    "tag": TAG,
    "pr": PR,
    "pr:dev": PR_TO_DEV,
    "manual": MANUAL,
}

# -- GitHub: on: ------------------------------------------------------------------------------
# https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#on
# (on, the events it starts a run for)
ON_TABLE: list[tuple[Any, set[str]]] = [
    ("push", {"push:main", "push:feature", "tag"}),
    (["push", "workflow_dispatch"], {"push:main", "push:feature", "tag", "manual"}),
    ({"pull_request": None}, {"pr", "pr:dev"}),
    ({"push": {"branches": ["main"]}}, {"push:main"}),
    # "If you define only tags/tags-ignore or only branches/branches-ignore, the workflow won't
    # run for events affecting the undefined Git ref."
    ({"push": {"tags": ["v*"]}}, {"tag"}),
    ({"push": {"branches-ignore": ["main"]}}, {"push:feature"}),
    ({"push": {"tags-ignore": ["v1.*"]}}, set()),
    ({"push": {"branches": ["feature/**"], "tags": ["v*"]}}, {"push:feature", "tag"}),
    ({"pull_request": {"branches": ["main"]}}, {"pr"}),
    # the default activity types are opened, synchronize and reopened
    ({"pull_request": {"types": ["closed"]}}, set()),
    ({"pull_request": {"types": ["synchronize"]}}, {"pr", "pr:dev"}),
    ({"pull_request": {"types": ["opened"]}}, {"pr", "pr:dev"}),
    ({"workflow_dispatch": None, "schedule": [{"cron": "0 0 * * *"}]}, {"manual"}),
]


@pytest.mark.parametrize(("on", "expected"), ON_TABLE)
def test_github_on_starts_exactly_the_documented_events(on: Any, expected: set[str]) -> None:
    assert {name for name, event in EVENTS.items() if lift_github.triggered(on, event)} == expected


def test_github_skip_markers_and_conflicts() -> None:
    """A skip marker stops pushes and pull requests but not a manual run; a pull request that
    does not merge has no merge commit, so its run does not start."""
    on = ["push", "pull_request", "workflow_dispatch"]
    marked = "docs [skip ci]"
    assert not lift_github.triggered(on, PlanEvent("p", "push_branch", "main", message=marked))
    assert not lift_github.triggered(on, PlanEvent("r", "change_request", "f", base="main", message=marked))
    assert lift_github.triggered(on, PlanEvent("m", "manual", "main", message=marked))
    assert not lift_github.triggered(on, PlanEvent("r", "change_request", "f", base="main", conflicts=True))


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (PUSH_MAIN, {"event_name": "push", "ref": "refs/heads/main", "ref_name": "main", "ref_type": "branch"}),
        (TAG, {"event_name": "push", "ref": "refs/tags/v1.2.3", "ref_name": "v1.2.3", "ref_type": "tag"}),
        (
            MANUAL,
            {"event_name": "workflow_dispatch", "ref": "refs/heads/main", "ref_name": "main", "ref_type": "branch"},
        ),
        (
            PR,
            {
                "event_name": "pull_request",
                "ref": "refs/pull/7/merge",
                "ref_name": "7/merge",
                "ref_type": "branch",
                "base_ref": "main",
                "head_ref": "feature/x",
                "event": {"pull_request": {"number": 7, "base": {"sha": lift_github.CHANGE_BASE}}},
            },
        ),
    ],
)
def test_github_context_per_event(event: PlanEvent, expected: dict[str, Any]) -> None:
    """https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#github-context"""
    assert lift_github.github_context(event) == expected


def _github(job: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"on": ["push", "pull_request", "workflow_dispatch"], **top, "jobs": {"j": {"runs-on": "x", **job}}}


def test_github_job_details() -> None:
    """Timeout (360 minutes by default), tools and the Go cache from setup-go's inputs, env with
    settings, matrix values and outputs of needed jobs."""
    job = {
        "timeout-minutes": 20,
        "env": {
            "A": "${{ secrets.TOKEN }}",
            "B": "${{ vars.LEVEL }}",
            "C": "${{ matrix.goos }}-x",
            "D": True,
            "E": "a-${{ matrix.nope }}b",
            "F": "${{ secrets.GITHUB_TOKEN }}",
        },
        "strategy": {"matrix": {"goos": ["linux", "darwin"]}},
        "steps": [
            {"uses": "actions/checkout@feature@2", "with": {}},  # a ref may hold "@"
            {"uses": "actions/setup-go@0", "with": {"go-version": "1.23", "cache": False}},
            {"run": "go test ./..."},
        ],
    }
    plan = lift_github.lift(_github(job, env={"TOP": 1}), PUSH_MAIN)
    assert sorted(plan.jobs) == ["j[goos=darwin]", "j[goos=linux]"]
    linux = plan.jobs["j[goos=linux]"]
    env = dict(linux.env)
    assert linux.timeout_minutes == 20
    assert linux.tools == (("go", "1.23"),)
    assert linux.caches == ()
    assert linux.source
    assert linux.commands == ("go test ./...",)
    assert env["A"] == "@setting(TOKEN)"
    assert env["B"] == "@setting(LEVEL)"
    assert env["C"] == "linux-x"
    assert env["D"] == "true"
    assert env["TOP"] == "1"
    # a matrix property the leg lacks is empty; the job token is its own value, not a setting
    # (https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#matrix-context)
    assert env["E"] == "a-b"
    assert env["F"] == "@github-token"
    bare = lift_github.lift(_github({"steps": [{"run": "x"}]}), PUSH_MAIN).jobs["j"]
    assert bare.timeout_minutes == 360
    assert not bare.source
    # a job without steps runs nothing: no commands, tools, caches or source
    empty = lift_github.lift(_github({}), PUSH_MAIN).jobs["j"]
    assert (empty.commands, empty.tools, empty.caches, empty.source) == ((), (), (), False)


@pytest.mark.parametrize(
    ("cache", "event", "restores"),
    [
        (True, PUSH_MAIN, True),
        ("true", PUSH_MAIN, True),
        ("false", PUSH_MAIN, False),
        ("${{ github.ref_type != 'tag' }}", PUSH_MAIN, True),
        ("${{ github.ref_type != 'tag' }}", TAG, False),
        # no cache input: setup-go caches by default (https://github.com/actions/setup-go#caching-dependency-files-and-build-outputs)
        (None, PUSH_MAIN, True),
    ],
)
def test_github_go_cache_follows_the_cache_input(cache: Any, event: PlanEvent, restores: bool) -> None:
    """setup-go's own cache is keyed by OS, arch, Go version and go.sum: every job shares it."""
    with_ = {"go-version": "1.23"} | ({} if cache is None else {"cache": cache})
    job = {"steps": [{"uses": "actions/setup-go@0", "with": with_}]}
    assert lift_github.lift(_github(job), event).jobs["j"].caches == (("go:across-jobs",) if restores else ())


GO_PATHS: Final = "~/.cache/go-build\n~/go/pkg/mod"
LOOKUP_ON_TAGS: Final = "${{ startsWith(github.ref, 'refs/tags/') }}"


@pytest.mark.parametrize(
    ("with_", "matrix", "event", "expected"),
    [
        ({"path": GO_PATHS, "key": "go-j-${{ hashFiles('go.mod') }}"}, False, PUSH_MAIN, ("go",)),
        (
            {"path": GO_PATHS, "key": "go-j-${{ matrix.LEG }}-x", "lookup-only": LOOKUP_ON_TAGS},
            True,
            PUSH_MAIN,
            ("go",),
        ),
        ({"path": GO_PATHS, "key": "go-j-${{ matrix.LEG }}-x", "lookup-only": LOOKUP_ON_TAGS}, True, TAG, ()),
        ({"path": GO_PATHS, "key": "go-j-x", "lookup-only": True}, False, PUSH_MAIN, ()),
        ({"path": GO_PATHS, "key": "go-j-x", "lookup-only": "false"}, False, PUSH_MAIN, ("go",)),
        # every leg of the matrix restores one entry
        ({"path": GO_PATHS, "key": "go-j-x"}, True, PUSH_MAIN, ("go:across-jobs",)),
        # no job in the key: other jobs share it ("jx" is not the job j)
        ({"path": GO_PATHS, "key": "go-${{ runner.os }}"}, False, PUSH_MAIN, ("go:across-jobs",)),
        ({"path": GO_PATHS, "key": "go-jx-1"}, False, PUSH_MAIN, ("go:across-jobs",)),
        ({"path": "~\\AppData\\Local\\go-build\n~\\go\\pkg\\mod", "key": "j"}, False, PUSH_MAIN, ("go",)),
        ({"path": "node_modules\n.npm", "key": "npm-j"}, False, PUSH_MAIN, ("cache:node_modules",)),
        # the directory named go-build, with a trailing separator too; not a name ending in it
        ({"path": "~/.cache/go-build/", "key": "go-j"}, False, PUSH_MAIN, ("go",)),
        ({"path": "C:\\go-build\\", "key": "go-j"}, False, PUSH_MAIN, ("go",)),
        ({"path": "~/.cache/my-go-build", "key": "go-j"}, False, PUSH_MAIN, ("cache:~/.cache/my-go-build",)),
        ({"path": "~/.cache/go-buildX", "key": "go-j"}, False, PUSH_MAIN, ("cache:~/.cache/go-buildX",)),
    ],
)
def test_github_actions_cache_scope(
    with_: dict[str, Any], matrix: bool, event: PlanEvent, expected: tuple[str, ...]
) -> None:
    """actions/cache restores unless lookup-only; its key decides whether the entry is the
    job's and the leg's own. https://github.com/actions/cache#inputs"""
    job: dict[str, Any] = {"steps": [{"uses": "actions/cache@0", "with": with_}]}
    if matrix:
        job["strategy"] = {"matrix": {"LEG": ["a", "b"]}}
    jobs = lift_github.lift(_github(job), event).jobs
    assert {plan.caches for plan in jobs.values()} == {expected}


@pytest.mark.parametrize(
    ("step", "reason"),
    [
        ({"uses": "someone/unknown@0"}, "unknown action someone/unknown@0"),
        ({"name": "s", "run": "x", "env": {"A": "1"}}, "step s has its own env"),
        ({"uses": "actions/download-artifact@0", "with": {"name": "nobody"}}, "no job uploads nobody"),
        ({"name": "w", "run": "x", "working-directory": "sub"}, "step w has its own working-directory"),
        ({"uses": "actions/download-artifact@0", "with": {"pattern": "bin-*"}}, "no job uploads bin-*"),
        # neither name nor pattern: every artifact of the run, and there is none
        ({"uses": "actions/download-artifact@0"}, "no job uploads any artifact"),
        ({"name": "nothing"}, "step nothing has neither run nor uses"),
        # path and key are required inputs of actions/cache (https://github.com/actions/cache#inputs)
        ({"uses": "actions/cache@0", "with": {"key": "go-j"}}, "actions/cache step without path"),
        ({"uses": "actions/cache@0", "with": {"path": " ", "key": "go-j"}}, "actions/cache step without path"),
        ({"uses": "actions/cache@0", "with": {"path": "~/.cache/go-build"}}, "actions/cache step without key"),
        ({"uses": "actions/cache@0", "with": {"path": "vendor/", "key": ""}}, "actions/cache step without key"),
    ],
)
def test_github_lifter_refuses_what_it_does_not_model(step: dict[str, Any], reason: str) -> None:
    with pytest.raises(lift_github.LiftError) as caught:
        lift_github.lift(_github({"steps": [step]}), PUSH_MAIN)
    assert str(caught.value) == reason


def test_github_artifacts_between_jobs() -> None:
    """An upload (always, with cancelled()/always() in its if:) and the job that downloads it."""
    workflow = {
        "on": "push",
        "jobs": {
            "build": {
                "steps": [
                    {
                        "uses": "actions/upload-artifact@0",
                        "if": "${{ !cancelled() }}",
                        "with": {"name": "bin-${{ matrix.goos }}", "path": "dist/a\ndist/b\n"},
                    }
                ],
                "strategy": {"matrix": {"goos": ["linux"]}},
            },
            "ship": {
                "needs": "build",
                "steps": [{"uses": "actions/download-artifact@0", "with": {"pattern": "bin-*"}}],
            },
        },
    }
    plan = lift_github.lift(workflow, PUSH_MAIN)
    (artifact,) = plan.jobs["build[goos=linux]"].produces
    assert (artifact.name, artifact.paths, artifact.when) == ("bin-linux", ("dist/a", "dist/b"), "always")
    assert plan.jobs["ship"].consumes == frozenset({"build"})
    assert plan.jobs["ship"].needs == frozenset({"build[goos=linux]"})


@pytest.mark.parametrize(
    ("download", "consumes"),
    [
        ({}, {"build", "docs"}),  # neither name nor pattern: every artifact of the run
        ({"with": {"pattern": ""}}, {"build", "docs"}),  # an empty pattern is no pattern
        ({"with": {"pattern": "site-*"}}, {"docs"}),
        ({"with": {"name": "bin-linux", "path": "dist/"}}, {"build"}),
        # by name into another directory than it was uploaded from (GitLab restores it there):
        # the files are not where the job reads them on GitLab, a consumption of its own
        ({"with": {"name": "bin-linux"}}, {"build", "build@."}),
        ({"with": {"name": "bin-linux", "path": "dist/build-other/"}}, {"build", "build@dist/build-other/"}),
    ],
)
def test_github_download_selects_artifacts_as_the_action_does(download: dict[str, Any], consumes: set[str]) -> None:
    """https://github.com/actions/download-artifact#inputs: name, else pattern, else all."""
    upload = "actions/upload-artifact@0"
    workflow = {
        "on": "push",
        "jobs": {
            "build": {"steps": [{"uses": upload, "with": {"name": "bin-linux", "path": "dist/"}}]},
            "docs": {"steps": [{"uses": upload, "with": {"name": "site-html", "path": "site/"}}]},
            "ship": {
                "needs": ["build", "docs"],
                "steps": [{"uses": "actions/download-artifact@0", **download}],
            },
        },
    }
    assert lift_github.lift(workflow, PUSH_MAIN).jobs["ship"].consumes == frozenset(consumes)


@pytest.mark.parametrize(("condition", "when"), [("${{ always() }}", "always"), ("${{ success() }}", "on_success")])
def test_github_upload_kept_when_the_step_always_runs(condition: str, when: str) -> None:
    """An upload whose if: has always() (or !cancelled()) runs after a failure too."""
    step = {"uses": "actions/upload-artifact@0", "if": condition, "with": {"name": "logs", "path": "out/"}}
    (artifact,) = lift_github.lift(_github({"steps": [step]}), PUSH_MAIN).jobs["j"].produces
    assert artifact.when == when


def test_github_runs_on_per_leg_and_as_a_label_list() -> None:
    """runs-on is a label, a list of labels (every one must match a runner), or a matrix value.
    https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idruns-on"""
    workflow = {
        "on": "push",
        "jobs": {
            "per-os": {
                "runs-on": "${{ matrix.os }}",
                "strategy": {"matrix": {"os": ["ubuntu-24.04", "windows-2025"]}},
                "steps": [{"run": "go test ./..."}],
            },
            "own": {"runs-on": ["self-hosted", "arm64"], "steps": [{"run": "go test ./..."}]},
            # a self-hosted runner's platform is the one the job declares (the runners exception)
            "declared": {
                "runs-on": ["self-hosted", "arm64"],
                "env": {"TEST_PLATFORM": "linux/arm64"},
                "steps": [{"run": "go test ./..."}],
            },
        },
    }
    jobs = lift_github.lift(workflow, PUSH_MAIN).jobs
    assert jobs["per-os[os=ubuntu-24.04]"].platform == "linux/amd64"
    assert jobs["per-os[os=windows-2025]"].platform == "windows/amd64"
    assert jobs["own"].platform == "@self-hosted(self-hosted,arm64)"
    assert jobs["declared"].platform == "linux/arm64"


CHANGE_CHECK: Final = (
    "set -euo pipefail\nexport AFFECTED_BY='sdk'\nrm -f .ciforge-unaffected\ntouch .ciforge-unaffected\nexit 0"
)
GUARDED: Final = 'set -euo pipefail\nif [ -e .ciforge-unaffected ]; then echo "unaffected"; exit 0; fi\ngo vet ./...'


@pytest.mark.parametrize(
    ("work", "affected_by"),
    [(GUARDED, ("sdk",)), ("set -euo pipefail\ngo vet ./...", ("sdk", "!block 2 runs anyway"))],
)
def test_github_change_check_sees_a_block_without_the_guard(work: str, affected_by: tuple[str, ...]) -> None:
    """Each GitHub step is a shell of its own: the check's exit 0 ends only its own step, so every
    later block must end at the marker (docs/monorepo.md)."""
    job = {
        "env": {"CHANGE_BASE": "${{ github.event.pull_request.base.sha }}"},
        "steps": [{"run": CHANGE_CHECK}, {"run": work}],
    }
    workflow = {"on": {"pull_request": None}, "jobs": {"j": job}}
    assert lift_github.lift(workflow, PR).jobs["j"].affected_by == affected_by


@pytest.mark.parametrize(("condition", "runs"), [("success('b')", True), ("success('a')", False), ("success()", False)])
def test_github_success_of_named_needs(condition: str, runs: bool) -> None:
    """success() looks at every needed job, success('b') at the named ones only."""
    workflow = {
        "on": "push",
        "jobs": {
            "a": {"if": "false", "steps": [{"run": "x"}]},
            "b": {"steps": [{"run": "x"}]},
            "c": {"needs": ["a", "b"], "if": condition, "steps": [{"run": "x"}]},
        },
    }
    assert ("c" in lift_github.lift(workflow, PUSH_MAIN).jobs) is runs


@pytest.mark.parametrize(
    ("condition", "runs"),
    [
        # a job's status functions: a skipped need is not a failure, nothing is cancelled
        ("${{ always() && needs.a.result == 'skipped' }}", True),
        ("${{ always() && github.event_name == 'push' }}", True),
        ("${{ needs.a.result == 'skipped' }}", False),  # success() is implied, and a is skipped
        ("${{ cancelled() }}", False),
        ("${{ !cancelled() }}", True),
        (True, False),  # a YAML true: success() && true
    ],
)
def test_github_status_functions_after_a_skipped_need(condition: Any, runs: bool) -> None:
    """https://docs.github.com/en/actions/reference/workflows-and-actions/expressions#status-check-functions"""
    workflow = {
        "on": "push",
        "jobs": {
            "a": {"if": "false", "steps": [{"run": "x"}]},
            "c": {"needs": "a", "if": condition, "steps": [{"run": "x"}]},
        },
    }
    assert ("c" in lift_github.lift(workflow, PUSH_MAIN).jobs) is runs


def test_github_if_true_runs_the_job() -> None:
    workflow = {"on": "push", "jobs": {"c": {"if": True, "steps": [{"run": "x"}]}}}
    assert "c" in lift_github.lift(workflow, PUSH_MAIN).jobs


def test_github_event_name_of_a_schedule() -> None:
    workflow = {
        "on": {"schedule": [{"cron": "0 3 * * *"}]},
        "jobs": {"nightly": {"if": "github.event_name == 'schedule'", "steps": [{"run": "x"}]}},
    }
    assert "nightly" in lift_github.lift(workflow, schedule_event("0 3 * * *")).jobs


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("[!x]", "filter pattern '[!x]': invalid [...] list"),
        ("v[1-", "filter pattern 'v[1-': invalid [...] list"),
        ("release\\", "filter pattern 'release\\\\' ends with a backslash"),
    ],
)
def test_github_filter_patterns_github_refuses(pattern: str, reason: str) -> None:
    """The cheat sheet's [...] holds characters and a-z/A-Z/0-9 ranges; a trailing \\ escapes nothing.
    https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet"""
    with pytest.raises(lift_github.LiftError) as caught:
        lift_github.filters_match([pattern], "release")
    assert str(caught.value) == reason


@pytest.mark.parametrize(("pattern", "name"), [("?a", "?a"), ("+b", "+b")])
def test_github_filter_quantifier_at_the_start_is_literal(pattern: str, name: str) -> None:
    assert lift_github.filters_match([pattern], name)
    assert not lift_github.filters_match([pattern], name[1:])


@pytest.mark.parametrize("text", ["on: push\n", "- a\n", "jobs\n"])
def test_github_lifter_refuses_what_is_not_a_workflow(text: str) -> None:
    with pytest.raises(lift_github.LiftError) as caught:
        lift_github.load(text)
    assert str(caught.value) == "not a workflow"


@pytest.mark.parametrize(
    ("container", "image"),
    [("golang:1.23", "golang:1.23"), ({"image": "golang:1.23", "options": "--cpus 1"}, "golang:1.23"), (None, "")],
)
def test_github_job_container_as_a_name_or_a_mapping(container: Any, image: str) -> None:
    """``container:`` is an image name or a mapping with ``image``.
    https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idcontainer"""
    job: dict[str, Any] = {"steps": [{"run": "go version"}]} | ({} if container is None else {"container": container})
    assert lift_github.lift(_github(job), PUSH_MAIN).jobs["j"].container == image


@pytest.mark.parametrize(
    ("download", "consumes"),
    [
        # each leg fetches its own leg's artifact, into the directory it was uploaded from
        ({"name": "bin-${{ matrix.LEG }}", "path": "dist/${{ matrix.LEG }}/"}, {"a": {"build"}, "b": {"build"}}),
        # leg a's artifact in every leg: into its own directory in leg a, into leg b's in leg b
        (
            {"name": "bin-${{ matrix.OTHER }}", "path": "dist/${{ matrix.LEG }}/"},
            {"a": {"build"}, "b": {"build", "build@dist/b/"}},
        ),
        ({"pattern": "bin-${{ matrix.LEG }}*", "path": "dist/"}, {"a": {"build"}, "b": {"build"}}),
    ],
)
def test_github_download_reads_the_legs_matrix_values(download: dict[str, Any], consumes: dict[str, set[str]]) -> None:
    """name, pattern and path of a download in a matrix job are each leg's own values."""
    legs = {"LEG": ["a", "b"]}
    workflow = {
        "on": "push",
        "jobs": {
            "build": {
                "strategy": {"matrix": legs},
                "steps": [
                    {
                        "uses": "actions/upload-artifact@0",
                        "with": {"name": "bin-${{ matrix.LEG }}", "path": "dist/${{ matrix.LEG }}/"},
                    }
                ],
            },
            "smoke": {
                "needs": "build",
                "strategy": {"matrix": {**legs, "include": [{"LEG": "a", "OTHER": "a"}, {"LEG": "b", "OTHER": "a"}]}},
                "steps": [{"uses": "actions/download-artifact@0", "with": download}],
            },
        },
    }
    jobs = lift_github.lift(workflow, PUSH_MAIN).jobs
    assert {leg: set(jobs[f"smoke[LEG={leg},OTHER=a]"].consumes) for leg in legs["LEG"]} == consumes


# -- GitLab ------------------------------------------------------------------------------------
# https://docs.gitlab.com/ci/variables/predefined_variables/


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (PUSH_MAIN, {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main"}),
        (TAG, {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v1.2.3"}),
        (MANUAL, {"CI_PIPELINE_SOURCE": "web", "CI_COMMIT_BRANCH": "main"}),
        (
            PR,
            {
                "CI_PIPELINE_SOURCE": "merge_request_event",
                "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature/x",
                "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
                "CI_MERGE_REQUEST_DIFF_BASE_SHA": lift_gitlab.CHANGE_BASE,
            },
        ),
    ],
)
def test_gitlab_predefined_variables_per_event(event: PlanEvent, expected: dict[str, str]) -> None:
    common = {"CI_COMMIT_REF_NAME": event.ref_name, "CI_COMMIT_MESSAGE": ""}
    assert lift_gitlab.ci_variables(event) == {**common, **expected}


@pytest.mark.parametrize(
    ("message", "source", "skipped"),
    [
        ("fix [ci skip]", "push", True),
        ("fix [SKIP-CI]", "merge_request_event", True),
        ("fix [skip_ci]", "push", True),
        ("fix [ci skip]", "web", False),  # web pipelines ignore the markers
        ("fix [no ci]", "push", False),  # a GitHub marker, not a GitLab one
        ("fix ci skip", "push", False),
    ],
)
def test_gitlab_native_skip(message: str, source: str, skipped: bool) -> None:
    """https://docs.gitlab.com/ci/pipelines/#skip-a-pipeline"""
    variables = {"CI_PIPELINE_SOURCE": source, "CI_COMMIT_MESSAGE": message}
    assert lift_gitlab.natively_skipped(variables) is skipped


def _jobs(doc: dict[str, Any], event: PlanEvent) -> set[str]:
    return set(lift_gitlab.lift(doc, event).jobs)


def test_gitlab_without_workflow_rules_merge_requests_get_no_pipeline() -> None:
    """Without workflow:rules, merge request events create no pipeline; jobs without rules run
    in branch and tag pipelines; first-match rules, ``when: never`` and rules without ``if``."""
    doc = {
        "stages": ["test"],
        "variables": {"A": "1"},
        "plain": {"script": ["x"]},
        ".hidden": {"script": ["x"]},
        "tags-only": {"script": ["x"], "rules": [{"if": "$CI_COMMIT_TAG"}]},
        "never-on-main": {"script": ["x"], "rules": [{"if": '$CI_COMMIT_BRANCH == "main"', "when": "never"}, {}]},
    }
    assert _jobs(doc, PUSH_MAIN) == {"plain"}
    assert _jobs(doc, PUSH_FEATURE) == {"plain", "never-on-main"}
    assert _jobs(doc, TAG) == {"plain", "tags-only", "never-on-main"}
    assert _jobs(doc, PR) == set()
    with_mr = {"workflow": {"rules": [{"if": "$CI_PIPELINE_SOURCE"}]}, **doc}
    assert _jobs(with_mr, PR) == {"never-on-main"}  # a job without rules is not in MR pipelines


@pytest.mark.parametrize(
    ("rules", "created"),
    [
        ([{"if": '$CI_COMMIT_BRANCH == "main"'}], True),
        ([{"if": '$CI_COMMIT_BRANCH == "main"', "when": "never"}, {"when": "always"}], False),
        ([{"if": '$CI_COMMIT_BRANCH == "dev"'}], False),
        ([{"when": "always"}], True),
    ],
)
def test_gitlab_workflow_rules(rules: list[dict[str, Any]], created: bool) -> None:
    doc = {"workflow": {"rules": rules}, "j": {"script": ["x"]}}
    assert (_jobs(doc, PUSH_MAIN) == {"j"}) is created


def test_gitlab_job_details() -> None:
    """Variables (expand: false kept literal, one $NAME a setting, any other expansion marked),
    rule variables, parallel:matrix legs, image tools, timeouts, artifacts and dotenv outputs."""
    doc = {
        "variables": {"TOP": 1, "FLAG": True, "RAW": {"value": "$HOME/x", "expand": False}},
        "build": {
            "image": {"name": "golang:$GO"},
            "timeout": "15 minutes",
            "parallel": {"matrix": [{"GO": ["1.22", "1.23"], "OS": "linux"}, {"GO": "1.21", "OS": ["darwin"]}]},
            "variables": {"TOKEN": "$DEPLOY_TOKEN", "PATHS": "$HOME/bin", "REF": "$CI_COMMIT_REF_NAME"},
            "rules": [{"if": "$CI_COMMIT_BRANCH", "variables": {"WHERE": "$CI_COMMIT_BRANCH"}}],
            "script": ['echo "VERSION=1" >> build.env', "go build"],
            "artifacts": {"name": "bin-$OS", "paths": ["dist/$OS/"], "reports": {"dotenv": "build.env"}},
        },
        "ship": {
            "timeout": "1 minute",
            "needs": ["build", {"job": "build", "artifacts": False}],
            "variables": {"GIT_STRATEGY": "none"},
            "script": ["ship"],
        },
    }
    plan = lift_gitlab.lift(doc, PUSH_MAIN)
    assert sorted(plan.jobs) == [
        "build[GO=1.21,OS=darwin]",
        "build[GO=1.22,OS=linux]",
        "build[GO=1.23,OS=linux]",
        "ship",
    ]
    build = plan.jobs["build[GO=1.22,OS=linux]"]
    env = dict(build.env)
    assert build.timeout_minutes == 15
    assert build.tools == (("go", "1.22"),)
    assert build.outputs == ("VERSION",)
    assert build.source
    assert env["TOP"] == "1"
    assert env["FLAG"] == "true"
    assert env["RAW"] == "$HOME/x"
    assert env["TOKEN"] == "@setting(DEPLOY_TOKEN)"
    assert env["PATHS"] == "@expanded($HOME/bin)"
    assert env["REF"] == "@REF_NAME"
    assert env["WHERE"] == "main"
    (artifact,) = build.produces
    assert (artifact.name, artifact.paths, artifact.when) == ("bin-linux", ("dist/linux/",), "on_success")
    ship = plan.jobs["ship"]
    assert ship.timeout_minutes == 1
    assert not ship.source
    assert ship.consumes == frozenset({"build"})
    assert dict(ship.env)["VERSION"] == "@output(build.VERSION)"
    assert ship.needs == frozenset(k for k in plan.jobs if k.startswith("build"))


@pytest.mark.parametrize(
    ("cache", "event", "expected"),
    [
        ({"key": {"prefix": "go-$CI_COMMIT_REF_PROTECTED-$CI_COMMIT_REF_SLUG-$CI_JOB_NAME_SLUG"}}, PUSH_MAIN, ("go",)),
        ({"key": "go-${CI_COMMIT_REF_PROTECTED}-$CI_COMMIT_REF_SLUG-${CI_JOB_NAME}"}, PUSH_MAIN, ("go",)),
        # per ref, but every job and leg restores the same entry
        ({"key": {"prefix": "go-$CI_COMMIT_REF_PROTECTED-$CI_COMMIT_REF_SLUG"}}, PUSH_MAIN, ("go:across-jobs",)),
        (
            {"key": "go-$CI_COMMIT_REF_PROTECTED-$CI_COMMIT_REF_SLUG-$CI_JOB_NAME_SLUGGISH"},
            PUSH_MAIN,
            ("go:across-jobs",),
        ),
        ({"key": "go-$CI_COMMIT_REF_PROTECTED-$CI_COMMIT_REF_SLUG"}, TAG, ()),  # each tag its own scope
        ({"key": "go"}, PUSH_MAIN, ("go:shared",)),
        ({"key": "go-$CI_COMMIT_REF_SLUG"}, PUSH_MAIN, ("go:shared",)),  # protected and not share it
        ({"key": "go", "policy": "push"}, PUSH_MAIN, ()),  # push only: nothing restored
        ({"key": "go", "policy": "pull"}, PUSH_MAIN, ("go:shared",)),
    ],
)
def test_gitlab_go_cache_scope(cache: dict[str, Any], event: PlanEvent, expected: tuple[str, ...]) -> None:
    """https://docs.gitlab.com/ci/caching/ (keys, policy)"""
    doc = {"j": {"script": ["x"], "cache": cache}}
    assert lift_gitlab.lift(doc, event).jobs["j"].caches == expected


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ({"j": {"script": ["x"], "timeout": "1h"}}, "j: timeout '1h'"),
        ({"j": {"script": ["x"], "needs": ["gone"]}}, "push:main: j needs ['gone'], which are not in the pipeline"),
        # a job rule that reads changed or existing files: ciforge's rules never do (its path
        # filter is the workflow's), so the lifter refuses instead of judging the if alone
        (
            {"j": {"script": ["x"], "rules": [{"if": "$CI_COMMIT_BRANCH", "changes": ["go.mod"]}]}},
            "job rules with changes or exists are not generated by ciforge",
        ),
        (
            {"j": {"script": ["x"], "rules": [{"when": "never", "exists": ["Dockerfile"]}, {"when": "on_success"}]}},
            "job rules with changes or exists are not generated by ciforge",
        ),
        (
            {"j": {"script": ["x"], "services": [{"alias": "db"}]}},
            "a service without a name (GitLab requires services:name)",
        ),
        # found by mutation testing: a numeric parallel ran the job that many times, unseen
        ({"j": {"script": ["x"], "parallel": 3}}, "parallel: 3 (copies of a job) is not generated by ciforge"),
    ],
)
def test_gitlab_lifter_refuses_what_it_does_not_model(doc: dict[str, Any], reason: str) -> None:
    with pytest.raises(lift_gitlab.LiftError) as caught:
        lift_gitlab.lift(doc, PUSH_MAIN)
    assert str(caught.value) == reason


def _build(push: str, cache: str, tags: str) -> str:
    return f"builtin image-build context=. file=Dockerfile platforms=linux/amd64 push={push} cache={cache} tags={tags}"


@pytest.mark.parametrize(
    ("script", "command", "caches"),
    [
        ("docker buildx build --file Dockerfile --platform linux/amd64 .", _build("false", "false", "false"), ()),
        ("docker buildx build --push --file Dockerfile --platform linux/amd64 .", _build("true", "false", "false"), ()),
        (
            "docker buildx build --output type=image,push=true --file Dockerfile --platform linux/amd64 .",
            _build("true", "false", "false"),
            (),
        ),
        (
            "docker buildx build --tag=x:1 --file Dockerfile --platform linux/amd64 .",
            _build("false", "false", "true"),
            (),
        ),
        ("docker buildx build -t x:1 --file Dockerfile --platform linux/amd64 .", _build("false", "false", "true"), ()),
        (
            "docker buildx build --tag x:1 --file Dockerfile --platform linux/amd64 .",
            _build("false", "false", "true"),
            (),
        ),
        # arguments forwarded from the caller may hold tags
        ('docker buildx build --file Dockerfile --platform linux/amd64 "$@" .', _build("false", "false", "true"), ()),
        (
            'docker buildx build --file "Dockerfile" --platform "linux/amd64" --cache-from "$CACHE" .',
            _build("false", "true", "false"),
            ("image:shared",),  # a variable the block does not set: shared by every ref
        ),
        (
            'CACHE="type=registry,ref=x:cache-$CI_COMMIT_REF_PROTECTED"\n'
            'docker buildx build --file Dockerfile --platform linux/amd64 --cache-from "${CACHE}" .',
            _build("false", "true", "false"),
            ("image",),  # set earlier in the block, split by ref protection
        ),
    ],
)
def test_gitlab_image_build_line(script: str, command: str, caches: tuple[str, ...]) -> None:
    """A hand-edited `docker buildx build` line as the image-build contract: --push or an output
    with push=true pushes, --tag/--tag=/-t tag, --cache-from restores a cache whose scope its
    value (or the variable set earlier in the block) names."""
    job = lift_gitlab.lift({"j": {"script": [script]}}, PUSH_MAIN).jobs["j"]
    assert command in job.commands
    assert job.caches == caches


# -- GitLab job details from GitLab's documentation (written from the lifter's mutation survivors) --


def test_gitlab_unnamed_artifacts_are_named_artifacts() -> None:
    """https://docs.gitlab.com/ci/yaml/#artifactsname: "If not defined, the default name is artifacts"."""
    doc = {"j": {"script": ["x"], "artifacts": {"paths": ["out/"]}}}
    (artifact,) = lift_gitlab.lift(doc, PUSH_MAIN).jobs["j"].produces
    assert artifact.name == "artifacts"


@pytest.mark.parametrize(
    ("value", "seen"),
    [
        ("$DEPLOY_TOKEN", "@setting(DEPLOY_TOKEN)"),  # a project or group variable
        ("$deploy_token", "@setting(deploy_token)"),  # variable names are case-sensitive, any case
        ("${deploy_token}", "@setting(deploy_token)"),
        ("$CI_JOB_TOKEN", "$CI_JOB_TOKEN"),  # predefined: never a setting
        ("$ci_job_token", "@setting(ci_job_token)"),  # not a predefined variable (they are upper case)
        # a prefilled variable without a value is empty, and an empty variable is as good as unset
        ({"description": "set when running the pipeline"}, None),
        ({"value": "$HOME/bin", "expand": False}, "$HOME/bin"),
        ("$home/bin", "@expanded($home/bin)"),
    ],
)
def test_gitlab_variable_values(value: Any, seen: str | None) -> None:
    """https://docs.gitlab.com/ci/variables/ (names, predefined variables, expand)."""
    doc = {"j": {"script": ["x"], "variables": {"V": value}}}
    assert dict(lift_gitlab.lift(doc, PUSH_MAIN).jobs["j"].env).get("V") == seen


def test_gitlab_services_are_named_by_alias_else_by_image() -> None:
    """https://docs.gitlab.com/ci/services/#accessing-the-services: an unaliased service is reached
    by its image's name (without registry path, tag or digest); Docker-in-Docker is left out."""
    doc = {
        "j": {
            "script": ["x"],
            "services": [
                "docker:28.2.2-dind",
                "redis:7",
                {"name": "registry.example.com/team/postgres@sha256:" + "a" * 64},
                {"name": "mysql:8", "alias": "db"},
            ],
        }
    }
    assert lift_gitlab.lift(doc, PUSH_MAIN).jobs["j"].services == (
        "db=mysql:8",
        "postgres=registry.example.com/team/postgres@sha256:" + "a" * 64,
        "redis=redis:7",
    )


def test_gitlab_go_from_a_block_needs_the_download() -> None:
    """A block's toolchain variable alone installs nothing: Go counts as a tool of the job only
    where the block downloads it."""
    plain = {"j": {"image": "alpine:3", "script": ['toolchain="1.24.3"\necho "$toolchain"']}}
    assert lift_gitlab.lift(plain, PUSH_MAIN).jobs["j"].tools == ()
    installed = {
        "j": {
            "image": "alpine:3",
            "script": [
                'toolchain="1.24.3"\ncurl -fsSL "https://dl.google.com/go/go${toolchain}.linux-amd64.tar.gz" | tar -xz'
            ],
        }
    }
    assert lift_gitlab.lift(installed, PUSH_MAIN).jobs["j"].tools == (("go", "1.24.3"),)


def test_gitlab_a_job_without_script_runs_nothing() -> None:
    """A trigger job starts a downstream pipeline and runs no script of its own
    (https://docs.gitlab.com/ci/yaml/#trigger): no commands, no tools."""
    job = lift_gitlab.lift({"j": {"trigger": "group/other"}}, PUSH_MAIN).jobs["j"]
    assert (job.commands, job.tools) == ((), ())


def test_gitlab_job_image_as_a_name_or_an_object() -> None:
    """``image: NAME`` and ``image: {name: NAME, entrypoint: [...]}`` are the same image
    (https://docs.gitlab.com/ci/yaml/#imagename): the tools it carries and the digest-pinned
    container are read from either form."""
    pinned = "registry.example.com/app@sha256:" + "b" * 64
    for image in ("golang:1.24.3", pinned):
        plain = lift_gitlab.lift({"j": {"image": image, "script": ["x"]}}, PUSH_MAIN).jobs["j"]
        named = lift_gitlab.lift({"j": {"image": {"name": image, "entrypoint": [""]}, "script": ["x"]}}, PUSH_MAIN)
        assert named.jobs["j"] == plain
    assert (
        lift_gitlab.lift({"j": {"image": {"name": pinned}, "script": ["x"]}}, PUSH_MAIN).jobs["j"].container == pinned
    )
    assert lift_gitlab.lift({"j": {"image": "golang:1.24.3", "script": ["x"]}}, PUSH_MAIN).jobs["j"].tools == (
        ("go", "1.24.3"),
    )


def test_gitlab_expand_false_keeps_the_value_as_written() -> None:
    """A variable with ``expand: false`` is passed as written, at the top level and in a job
    (https://docs.gitlab.com/ci/yaml/#variablesexpand); the same text expanded is the platform
    value it names."""
    doc = {
        "variables": {"TOP": {"value": "$CI_COMMIT_SHA", "expand": False}, "TOP_EXPANDED": "$CI_COMMIT_SHA"},
        "j": {
            "script": ["x"],
            "variables": {"JOB": {"value": "$CI_COMMIT_SHA", "expand": False}, "JOB_EXPANDED": "$CI_COMMIT_SHA"},
        },
    }
    env = dict(lift_gitlab.lift(doc, PUSH_MAIN).jobs["j"].env)
    assert env["TOP"] == env["JOB"] == "$CI_COMMIT_SHA"
    assert env["TOP_EXPANDED"] == env["JOB_EXPANDED"] != "$CI_COMMIT_SHA"


def test_gitlab_job_directory_follows_each_cd_before_the_work() -> None:
    """Blocks that only change directory, before any other block, set the job's directory; each
    is relative to the one before (a hand-edited pipeline may split them)."""
    doc = {"j": {"script": ["cd sub", "cd inner", "go test ./..."]}}
    assert lift_gitlab.lift(doc, PUSH_MAIN).jobs["j"].workdir == "sub/inner"


def test_gitlab_runner_tags_expand_the_job_variables() -> None:
    """``tags`` may name variables (https://docs.gitlab.com/ci/yaml/#tags): the runner is the one
    the expanded tag names."""
    plain = {"j": {"script": ["x"], "tags": ["saas-linux-small-arm64"]}}
    named = {"j": {"script": ["x"], "tags": ["$RUNNER"], "variables": {"RUNNER": "saas-linux-small-arm64"}}}
    arm = lift_gitlab.lift(plain, PUSH_MAIN).jobs["j"].platform
    assert lift_gitlab.lift(named, PUSH_MAIN).jobs["j"].platform == arm == "linux/arm64"


@pytest.mark.parametrize(
    ("condition", "runs"), [("vars.DEPLOY != 'yes'", True), ("${{ vars.DEPLOY == 'yes' }}", False)]
)
def test_github_vars_in_a_job_condition_are_unset_variables(condition: str, runs: bool) -> None:
    """The plan knows no configuration variable: `vars.X` is null in a job's `if:`, not an
    unknown context (https://docs.github.com/en/actions/reference/workflows-and-actions/contexts#vars-context)."""
    workflow = {"on": "push", "jobs": {"c": {"runs-on": "x", "if": condition, "steps": [{"run": "x"}]}}}
    assert ("c" in lift_github.lift(workflow, PUSH_MAIN).jobs) is runs


def test_github_release_publish_is_githubs_own_block_and_other_gh_release_calls_are_commands() -> None:
    """`gh release create` is the release-publish exception (its env holds the token); `gh
    release upload` is an ordinary command both platforms must run."""
    steps = [
        {"run": 'gh release create "$TAG" dist/*', "env": {"GH_TOKEN": "${{ github.token }}", "TAG": "v1"}},
        {"run": "gh release upload v1 extra.txt"},
    ]
    workflow = {"on": "push", "jobs": {"r": {"runs-on": "x", "steps": steps}}}
    assert lift_github.lift(workflow, TAG).jobs["r"].commands == ("gh release upload v1 extra.txt",)


# -- GitLab: from the survivors of the lifter's mutation run of 2026-12-03 (docs/testing.md) ----
def _gitlab_job(
    job: dict[str, Any], event: PlanEvent = PUSH_MAIN, *, name: str = "j", top: dict[str, Any] | None = None
) -> Any:
    return lift_gitlab.lift({**(top or {}), name: job}, event).jobs[name]


def test_gitlab_change_check_ends_the_job_in_its_one_shell() -> None:
    """GitLab runs a job's script items in one shell: the check's `exit 0` ends the job, so the
    blocks after it need no guard (docs/monorepo.md); GitHub's steps do."""
    job = {
        "variables": {"CHANGE_BASE": "$CI_MERGE_REQUEST_DIFF_BASE_SHA"},
        "rules": [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}],
        "script": [CHANGE_CHECK, "set -euo pipefail\ngo vet ./..."],
    }
    mr = {"workflow": {"rules": [{"if": "$CI_PIPELINE_SOURCE"}]}}
    assert _gitlab_job(job, PR, top=mr).affected_by == ("sdk",)


def test_gitlab_a_need_without_artifacts_downloads_them() -> None:
    """`needs:artifacts` defaults to true (https://docs.gitlab.com/ci/yaml/#needsartifacts)."""
    doc = {
        "build": {"script": ["go build"], "artifacts": {"paths": ["dist/"]}},
        "ship": {"needs": [{"job": "build"}], "script": ["ship"]},
        "skip": {"needs": [{"job": "build", "artifacts": False}], "script": ["ship"]},
    }
    jobs = lift_gitlab.lift(doc, PUSH_MAIN).jobs
    assert (jobs["ship"].consumes, jobs["skip"].consumes) == (frozenset({"build"}), frozenset())


def test_gitlab_a_rule_variable_overrides_an_unexpanded_one_and_is_read_as_a_value() -> None:
    """`expand: false` keeps the job's own value literal; a rule's variable of the same name
    replaces it, and the rule's value expands."""
    job = {
        "variables": {"KEY": {"value": "$LITERAL", "expand": False}},
        "rules": [{"if": "$CI_COMMIT_BRANCH", "variables": {"KEY": "$DEPLOY_KEY"}}],
        "script": ["x"],
    }
    assert dict(_gitlab_job(job).env)["KEY"] == "@setting(DEPLOY_KEY)"


def test_gitlab_an_image_build_keeps_the_go_cache_beside_the_image_cache() -> None:
    job = {
        "cache": {"key": "go-$CI_COMMIT_REF_PROTECTED-$CI_COMMIT_REF_SLUG-$CI_JOB_NAME_SLUG", "paths": [".go/"]},
        "script": ['docker buildx build --file Dockerfile --platform linux/amd64 --cache-from "type=registry,ref=x" .'],
    }
    assert _gitlab_job(job).caches == ("go", "image:shared")


def test_gitlab_only_the_key_prefix_names_the_cache_scope() -> None:
    """`cache:key:files` hashes the files' content; only the prefix can name the ref
    (https://docs.gitlab.com/ci/yaml/#cachekeyprefix)."""
    key = {"files": ["$CI_COMMIT_REF_PROTECTED-$CI_COMMIT_REF_SLUG/go.sum"], "prefix": "go"}
    assert _gitlab_job({"cache": {"key": key, "paths": [".go/"]}, "script": ["x"]}).caches == ("go:shared",)


SIGNED: Final = {"id_tokens": {"SIGSTORE_ID_TOKEN": {"aud": "sigstore"}}}


@pytest.mark.parametrize(
    "block",
    [
        'CERT_IDENTITY="$(jwt-subject "$SIGSTORE_ID_TOKEN")"\nexport CERT_IDENTITY',
        'CERT_IDENTITY="$(jwt-subject "${SIGSTORE_ID_TOKEN}")"\nexport CERT_IDENTITY',
    ],
    ids=["as-$NAME", "as-${NAME}"],
)
def test_gitlab_signing_identity_from_an_id_token(block: str) -> None:
    """A block that derives CERT_IDENTITY from one of the job's ID tokens, as `$NAME` or
    `${NAME}`, is GitLab's own (signing-identity); the blocks after it see the identity (the
    plan's parameter, as on GitHub)."""
    job = _gitlab_job({**SIGNED, "script": [block, "cosign sign x"]})
    assert job.commands == ("cosign sign x",)
    assert dict(job.env)["CERT_IDENTITY"] == "@signing-identity"


def test_gitlab_cert_identity_without_an_id_token_is_a_command() -> None:
    job = _gitlab_job({**SIGNED, "script": ["export CERT_IDENTITY=someone@example.com"]})
    assert job.commands == ("export CERT_IDENTITY=someone@example.com",)


DIND: Final = {"services": ["docker:28.2.2-dind"]}


@pytest.mark.parametrize(
    "block",
    [
        "docker cp a:/x /y",  # no buildx-bin image
        "docker pull docker/buildx-bin:0.23.0",  # buildx-bin without the copy
        "wget -q https://dl.google.com/go/go1.24.3.linux-amd64.tar.gz",  # not curl
        "docker pull docker.io/library/alpine:3.22",  # docker.io without an install
        "apt-get remove -y docker.io",  # apt-get, but not install
        "go test ./... > None",  # a job without a coverage report has no report file
    ],
)
def test_gitlab_blocks_that_only_resemble_gitlabs_own_are_commands(block: str) -> None:
    """Each of GitLab's own blocks (tool installs, reports) is recognised by all of its marks
    together; a block with only some of them is work both platforms must run."""
    assert _gitlab_job({**DIND, "script": [block]}).commands == (block,)


def test_gitlab_a_job_named_sast_without_the_template_is_an_ordinary_job() -> None:
    """Only the SAST template's job (the include, and a job that sets only its stage) is the
    `sast-native` exception."""
    assert _gitlab_job({"script": ["gosec ./..."]}, name="sast").commands == ("gosec ./...",)


def test_gitlab_lifter_refuses_a_document_that_is_not_a_pipeline() -> None:
    with pytest.raises(lift_gitlab.LiftError, match=r"^not a pipeline$"):
        lift_gitlab.lift("- a list\n", PUSH_MAIN)
