"""The health-probe smoke test (docs/smoke.md) for real on both runners: the built example
service, started from its linux/amd64 leg, answers /healthz and /readyz on both; kept unready (its
/readyz answers 503), it fails both with the same message. The two manifests listen on different
ports, so a GitHub run and a GitLab run of different manifests can share the host at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.execution.conftest import project_pair
from tests.execution.harness import MR_VARIABLES, ActHost, GitLabHost, RunnerRun, job_said, report, small_manifest

pytestmark = pytest.mark.oracle

EXAMPLE_SERVER = Path(__file__).resolve().parents[2] / "examples" / "go-service" / "internal" / "server" / "server.go"
# The negative run's service never becomes ready when SMOKE_NOT_READY is set (unset in unit tests).
NOT_READY_GO = (
    'package server\n\nimport "os"\n\n// notReady keeps the service unready for the execution suite\'s negative '
    'smoke run.\nfunc notReady() bool { return os.Getenv("SMOKE_NOT_READY") != "" }\n'
)


def _manifest(port: int, env: str, timeout: int) -> str:
    return small_manifest(
        "lint:\n  vet: false\n  golangci-lint: false\ntest:\n  race: false\n  coverage:\n    threshold: 50\n"
        "build:\n  main: ./cmd/server\n  binary: server\n  matrix:\n    goarch: [amd64]\n"
        f'smoke:\n  env: {{ADDR: "127.0.0.1:{port}"{env}}}\n  probes:\n'
        f"    - {{path: /healthz, port: {port}}}\n    - {{path: /readyz, port: {port}, expect: 200}}\n"
        f"  timeout: {timeout}\n"
    )


def _files(manifest: str) -> tuple[tuple[str, str], ...]:
    server = EXAMPLE_SERVER.read_text(encoding="utf-8")
    assert server.count("cfg.Readiness.SetReady(true)") == 1
    patched = server.replace("cfg.Readiness.SetReady(true)", "cfg.Readiness.SetReady(!notReady())")
    return (
        ("ciforge.yml", manifest),
        ("internal/server/server.go", patched),
        ("internal/server/notready.go", NOT_READY_GO),
    )


POSITIVE = _manifest(18080, "", 30)
NEGATIVE = _manifest(18081, ', SMOKE_NOT_READY: "1"', 5)
FAILURE = "smoke failed: GET /readyz on port 18081 answered 503 within 5 s, not 200"


@pytest.fixture(scope="module")
def smoke_runs(
    act_host: ActHost, gitlab_host: GitLabHost, execution_base: Path
) -> dict[str, tuple[RunnerRun, RunnerRun]]:
    """(github, gitlab) for the positive and the negative manifest; each round runs one of each
    on different ports."""
    projects = {
        kind: project_pair(execution_base, f"smoke-{kind}", _files(text))
        for kind, text in (("positive", POSITIVE), ("negative", NEGATIVE))
    }
    runs: dict[str, dict[str, RunnerRun]] = {"positive": {}, "negative": {}}
    for github_kind, gitlab_kind in (("positive", "negative"), ("negative", "positive")):
        with ThreadPoolExecutor(max_workers=2) as pool:
            gh = pool.submit(act_host.run, projects[github_kind][0], "pull_request", "smoke-test")
            gl = pool.submit(gitlab_host.run, projects[gitlab_kind][1], ["build", "smoke-test"], MR_VARIABLES)
            runs[github_kind]["github"] = gh.result()
            runs[gitlab_kind]["gitlab"] = gl.result()
    return {kind: (pair["github"], pair["gitlab"]) for kind, pair in runs.items()}


def test_the_service_passes_its_probes_on_both_runners(smoke_runs: dict[str, tuple[RunnerRun, RunnerRun]]) -> None:
    for run in smoke_runs["positive"]:
        job_said(
            run,
            "smoke-test",
            "success",
            (
                "smoke: GET /healthz on port 18080 answered 200",
                "smoke: GET /readyz on port 18080 answered 200",
                "smoke passed: every probe answered within 30 s",
            ),
        )
    github, gitlab = smoke_runs["positive"]
    report(
        f"smoke test: /healthz and /readyz answered 200 on both runners ({github.seconds:.0f} s / {gitlab.seconds:.0f} s)"
    )


def test_an_unready_service_fails_both_with_the_same_message(
    smoke_runs: dict[str, tuple[RunnerRun, RunnerRun]],
) -> None:
    for run in smoke_runs["negative"]:
        job_said(run, "smoke-test", "failure", ("smoke: GET /healthz on port 18081 answered 200", FAILURE))
    github, gitlab = smoke_runs["negative"]
    report(f"smoke test, never ready: both fail with '{FAILURE}' ({github.seconds:.0f} s / {gitlab.seconds:.0f} s)")
