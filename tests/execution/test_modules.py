"""A repository with two Go modules (the example service at the root, and a client module), run
as a pull/merge request that changes only the client: on both runners the client's lint and test
run, with the client's own coverage gate, and the root module's legs are skipped by the change
check, successfully, without running go vet or go test (docs/modules.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.execution.conftest import change_request_runs
from tests.execution.harness import (
    COVERAGE_PASSED,
    ActHost,
    GitLabHost,
    RunnerRun,
    commit_all,
    report,
    small_manifest,
)

pytestmark = pytest.mark.oracle

MANIFEST = small_manifest(
    'lint:\n  golangci-lint: false\ntest:\n  coverage:\n    threshold: 50\nmodules: [".", "./client"]\nbuild: false\n'
)
CLIENT = (
    ("ciforge.yml", MANIFEST),
    ("client/go.mod", "module example.com/orders-client\n\ngo 1.23\n"),
    (
        "client/client.go",
        'package client\n\n// Greet says hello.\nfunc Greet(name string) string { return "hello " + name }\n',
    ),
    (
        "client/client_test.go",
        'package client\n\nimport "testing"\n\nfunc TestGreet(t *testing.T) {\n'
        '\tif Greet("x") != "hello x" {\n\t\tt.Fatal(Greet("x"))\n\t}\n}\n',
    ),
)
JOBS = ("lint", "test", "lint-client", "test-client")


def _change_the_client(project: Path) -> None:
    path = project / "client" / "client.go"
    path.write_text(
        path.read_text() + '\n// Bye says goodbye.\nfunc Bye(name string) string { return "bye " + name }\n'
    )
    test = project / "client" / "client_test.go"
    test.write_text(
        test.read_text() + '\nfunc TestBye(t *testing.T) {\n\tif Bye("x") != "bye x" {\n\t\tt.Fatal()\n\t}\n}\n'
    )
    commit_all(project, "client: Bye")


@pytest.fixture(scope="module")
def module_runs(act_host: ActHost, gitlab_host: GitLabHost, execution_base: Path) -> tuple[RunnerRun, RunnerRun]:
    return change_request_runs(
        (act_host, gitlab_host), execution_base, "modules", CLIENT, jobs=("", list(JOBS)), change=_change_the_client
    )


@pytest.mark.parametrize("runner", ["github", "gitlab"])
def test_a_client_change_runs_only_the_client_legs(module_runs: tuple[RunnerRun, RunnerRun], runner: str) -> None:
    run = module_runs[0] if runner == "github" else module_runs[1]
    for name in JOBS:
        assert run.job(name).result == "success", f"{runner} {name}\n{run.tail()}"
    for name in ("lint", "test"):
        lines = "\n".join(run.output_of(name))
        assert "no change since" in lines, f"{runner} {name}: {lines}"
        assert "module . or the modules it builds with (.): skipped" in lines, f"{runner} {name}"
        assert "coverage gate" not in lines, f"{runner} {name}"
    client = "\n".join(run.output_of("test-client"))
    assert "module client runs: changed since" in client, client
    assert "client/client.go" in client
    gate = COVERAGE_PASSED.search(client)
    assert gate is not None, client
    assert (gate[1], gate[2]) == ("100.0", "50"), gate[0]
    report(f"modules ({runner}): a client change ran {', '.join(j for j in JOBS if j.endswith('client'))}, "
           f"skipped lint and test of the root; client coverage {gate[1]}% in {run.seconds:.0f} s")  # fmt: skip
