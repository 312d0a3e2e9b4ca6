"""jobs.<name>.services, docker and when: manual: service containers reached through <NAME>_HOST/<NAME>_PORT on
both platforms, the wait for their ports, GitLab's Docker-in-Docker for docker: true, the plans and
the posture that verify compares, and every mistake as a positioned error."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from ciforge import ir, scripts
from ciforge.cli import main
from ciforge.compiler import Result, compile_pipeline
from ciforge.diagnostics import format_text
from ciforge.plan import EVENTS, from_ir, register, verify
from ciforge.targets.github import lifter as lift_github
from ciforge.targets.gitlab import images, lifter as lift_gitlab
from tests.helpers import CASES, GITHUB, GITLAB, case_dirs, render_case

CASE = CASES / "custom-services"
POSTGRES = "postgres:16.4@sha256:e62fbf9d3e2b49816a32c400ed2dba83e3b361e6833e624024309c35d334b412"
UBUNTU = "ubuntu:24.04@sha256:80dd3c3b9c6cecb9f1667e9290b3bc61b78c2678c02cbdae5f0fea92cc6734ab"
HEAD = 'version: 1\nname: shop\ngo:\n  version: "1.25"\nbuild: false\njobs:\n'


def _docs() -> tuple[dict, dict]:  # type: ignore[type-arg]
    result = render_case(CASE)
    yaml = YAML(typ="safe")
    return yaml.load(result.files[GITHUB]), yaml.load(result.files[GITLAB])


def _errors(jobs: str) -> list[str]:
    _, diagnostics = compile_pipeline(
        (HEAD + jobs).encode(), file="ciforge.yml", base_dir=Path("."), label="ciforge.yml"
    )
    return [format_text(d) for d in diagnostics if d.severity == "error"]


def test_github_publishes_each_port_on_loopback_with_the_health_check() -> None:
    github, _ = _docs()
    job = github["jobs"]["integration"]
    assert job["services"] == {
        "postgres": {
            "image": POSTGRES,
            "env": {"POSTGRES_PASSWORD": "test"},
            "ports": ["5432:5432"],
            "options": '--health-cmd "pg_isready -U postgres" --health-interval 5s --health-timeout 5s '
            "--health-retries 24",
        }
    }
    assert (job["env"]["POSTGRES_HOST"], job["env"]["POSTGRES_PORT"]) == ("127.0.0.1", "5432")
    # a container job reaches the service by name on the job's network, so publishes nothing
    container = github["jobs"]["migrations"]
    assert container["services"]["postgres"].keys() == {"image", "env"}
    assert container["env"]["POSTGRES_HOST"] == "postgres"


def test_gitlab_reaches_each_service_by_its_alias_on_a_network_of_the_job() -> None:
    _, gitlab = _docs()
    for name in ("integration", "migrations"):
        job = gitlab[name]
        assert job["services"] == [{"name": POSTGRES, "alias": "postgres", "variables": {"POSTGRES_PASSWORD": "test"}}]
        assert job["variables"]["POSTGRES_HOST"] == "postgres"
        assert job["variables"]["POSTGRES_PORT"] == "5432"
        assert job["variables"]["FF_NETWORK_PER_BUILD"] == "true"


def test_both_wait_for_the_ports_before_the_job_s_script() -> None:
    github, gitlab = _docs()
    wait = scripts.wait_for_services((("POSTGRES_HOST", "POSTGRES_PORT"),))
    steps = github["jobs"]["integration"]["steps"]
    assert [s.get("id") for s in steps][-2:] == ["services", "run"]
    assert steps[-2]["run"] == wait
    assert gitlab["integration"]["script"][0] == wait


def test_docker_true_is_the_runner_s_daemon_on_github_and_dind_with_the_cli_on_gitlab() -> None:
    github, gitlab = _docs()
    assert "services" not in github["jobs"]["compose"]
    assert github["jobs"]["compose"]["env"]["DOCKER_PUBLISH_HOST"] == "127.0.0.1"
    job = gitlab["compose"]
    assert job["services"] == [f"docker:{images.DOCKER_VERSION}-dind"]
    assert job["image"].startswith("golang:")
    assert {k: job["variables"][k] for k, _ in images.DIND_VARIABLES} == dict(images.DIND_VARIABLES)
    assert job["variables"]["DOCKER_PUBLISH_HOST"] == "docker"
    assert "apt-get install -y -qq --no-install-recommends docker.io" in job["script"][0]


def _verify(result: Result, tmp_path: Path, edit: tuple[str, str, str] | None = None) -> list[str]:
    """verify over the rendered files, one of them edited (platform, old, new)."""
    assert result.pipeline is not None
    for rel, text in result.files.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if edit is not None and rel == (GITHUB if edit[0] == "github" else GITLAB):
            assert edit[1] in text, edit[1]
            text = text.replace(edit[1], edit[2], 1)  # noqa: PLW2901 - the edited copy
        target.write_text(text)
    return verify.check(result.pipeline, tmp_path)


def test_the_plans_hold_the_services_and_are_equal_on_every_event(tmp_path: Path) -> None:
    result = render_case(CASE)
    assert result.pipeline is not None
    assert _verify(result, tmp_path) == []
    planned = from_ir.plan(result.pipeline, EVENTS["pr"]).jobs["integration"]
    assert planned.services == (f"postgres={POSTGRES} POSTGRES_PASSWORD=test",)
    env = dict(planned.env)
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == ("postgres", "5432")  # register: service-host
    compose = from_ir.plan(result.pipeline, EVENTS["push:main"]).jobs["compose"]
    assert dict(compose.env)["DOCKER_PUBLISH_HOST"] == "@docker-publish-host"


OTHER = POSTGRES[:-1] + "0"
TAMPERINGS = {
    "github: another service image": ("github", POSTGRES, OTHER),
    "github: a port published elsewhere": ("github", "- 5432:5432", "- 15432:5432"),
    "github: a port published at random": ("github", "- 5432:5432", "- '5432'"),
    "github: localhost as the host": ("github", "POSTGRES_HOST: 127.0.0.1", "POSTGRES_HOST: db.example.com"),
    "github: the health check dropped": (
        "github",
        '\n        options: --health-cmd "pg_isready -U postgres" --health-interval 5s --health-timeout 5s '
        "--health-retries 24",
        "",
    ),
    "github: a privileged service": (
        "github",
        "          POSTGRES_PASSWORD: test\n        ports:",
        "          POSTGRES_PASSWORD: test\n        volumes: [/:/host]\n        ports:",
    ),
    "github: the service's env": ("github", "          POSTGRES_PASSWORD: test", "          POSTGRES_PASSWORD: other"),
    "github: the docker host": ("github", "DOCKER_PUBLISH_HOST: 127.0.0.1", "DOCKER_PUBLISH_HOST: docker"),
    "gitlab: another service image": ("gitlab", POSTGRES, OTHER),
    "gitlab: another alias": ("gitlab", "alias: postgres", "alias: db"),
    "gitlab: the service's variables": ("gitlab", "POSTGRES_PASSWORD: test", "POSTGRES_PASSWORD: other"),
    "gitlab: no Docker-in-Docker": ("gitlab", f"    - docker:{images.DOCKER_VERSION}-dind\n", "    - redis:7\n"),
    "gitlab: the docker host": ("gitlab", "DOCKER_PUBLISH_HOST: docker", "DOCKER_PUBLISH_HOST: 127.0.0.1"),
    "gitlab: the host": ("gitlab", "POSTGRES_HOST: postgres", "POSTGRES_HOST: 127.0.0.1"),
    "github: the manual job's environment dropped": ("github", "    environment: manual\n", ""),
    "gitlab: the manual job runs at once": ("gitlab", "    - when: manual\n", "    - when: on_success\n"),
    "gitlab: a job made manual": ("gitlab", "  rules:\n    - when: on_success\n", "  rules:\n    - when: manual\n"),
}


@pytest.mark.parametrize("edit", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_verify_sees_a_tampered_service(edit: tuple[str, str, str], tmp_path: Path) -> None:
    assert _verify(render_case(CASE), tmp_path, edit) != []


@pytest.mark.parametrize("case", case_dirs(), ids=[c.name for c in case_dirs()])
def test_every_case_verifies_clean(case: Path, tmp_path: Path) -> None:
    """verify (the plans and the security posture) finds nothing in ciforge's own output."""
    assert _verify(render_case(case), tmp_path) == []


def test_the_wait_passes_for_an_open_port_and_fails_for_a_closed_one() -> None:
    wait = scripts.wait_for_services((("DB_HOST", "DB_PORT"),), seconds=3)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = str(server.getsockname()[1])
        up = subprocess.run(
            ["bash", "-c", wait],
            env={"DB_HOST": "127.0.0.1", "DB_PORT": port},
            capture_output=True,
            text=True,
            check=False,
        )
    assert up.returncode == 0, up.stderr
    assert f"service 127.0.0.1:{port} is up" in up.stdout
    down = subprocess.run(
        ["bash", "-c", wait], env={"DB_HOST": "127.0.0.1", "DB_PORT": port}, capture_output=True, text=True, check=False
    )
    assert down.returncode == 1
    assert "did not accept connections within 3 s" in down.stderr


def test_several_ports_each_get_a_variable_and_are_all_waited_for() -> None:
    pipeline, diagnostics = compile_pipeline(
        (
            HEAD
            + f"  queue:\n    run: x\n    services:\n      rabbit-mq:\n        image: {POSTGRES}\n        ports: [5672, 15672]\n"
        ).encode(),
        file="ciforge.yml",
        base_dir=Path("."),
        label="ciforge.yml",
    )
    assert pipeline is not None, diagnostics
    job = pipeline.job("queue")
    env = dict(job.env)
    assert env["RABBIT_MQ_HOST"] == ir.PlatformValue("service_host", "rabbit-mq")
    assert (env["RABBIT_MQ_PORT"], env["RABBIT_MQ_PORT_5672"], env["RABBIT_MQ_PORT_15672"]) == ("5672", "5672", "15672")
    [wait] = [s for s in job.steps if isinstance(s, ir.Run) and s.id == "services"]
    assert wait.script.endswith(
        'wait_for "${RABBIT_MQ_HOST}" "${RABBIT_MQ_PORT_5672}"\nwait_for "${RABBIT_MQ_HOST}" "${RABBIT_MQ_PORT_15672}"\n'
    )


SERVICE = f"    services:\n      db:\n        image: {POSTGRES}\n        ports: [5432]\n"


@pytest.mark.parametrize(
    ("jobs", "expected"),
    [
        (
            f"  e2e:\n    run: x\n    go: false\n    container: {UBUNTU}\n    docker: true\n",
            "ciforge.yml:11:13: error: job e2e: docker: true needs the runner's own shell (a container job has no "
            "Docker daemon on GitHub); leave out container (at $.jobs.e2e.docker) [conflict]",
        ),
        (
            "  e2e:\n    run: x\n    runner: darwin/arm64\n    docker: true\n",
            "ciforge.yml:9:13: error: job e2e: docker runs on a Linux runner, not darwin/arm64 (at $.jobs.e2e.runner) [conflict]",
        ),
        (
            "  e2e:\n    run: x\n    runner: darwin/arm64\n" + SERVICE,
            "ciforge.yml:9:13: error: job e2e: services run beside a Linux runner, not darwin/arm64 (at $.jobs.e2e.runner) [conflict]",
        ),
        (
            f"  e2e:\n    run: x\n    services:\n      Db:\n        image: {POSTGRES}\n        ports: [5432]\n",
            "ciforge.yml:10:7: error: service name 'Db': a lower-case letter, then lower-case letters, digits and '-' "
            "(it is a hostname), at most 63 (at $.jobs.e2e.services.Db) [job-name]",
        ),
        (
            SERVICE.join(["  e2e:\n    run: x\n", '        health: pg_isready -h "x"\n']),
            "ciforge.yml:13:17: error: health: one line without double quotes or backslashes "
            "(at $.jobs.e2e.services.db.health) [services]",
        ),
        (
            "  e2e:\n    run: x\n    env:\n      DB_HOST: x\n" + SERVICE,
            "ciforge.yml:9:5: error: job e2e: DB_HOST is set for its services; choose another name (at $.jobs.e2e.env) [env]",
        ),
        (
            "  e2e:\n    run: x\n    services:\n      db:\n        image: postgres:16.4\n        ports: [5432]\n",
            'ciforge.yml:11:29: error: invalid value "postgres:16.4": it ends too early',
        ),
    ],
    ids=[
        "docker-in-container",
        "docker-off-linux",
        "services-off-linux",
        "service-name",
        "health-quote",
        "env-clash",
        "unpinned",
    ],
)
def test_mistakes_are_positioned_errors(jobs: str, expected: str) -> None:
    errors = _errors(jobs)
    assert any(e.startswith(expected) for e in errors), errors


def check_service_host(result: Result) -> None:
    """The host differs (loopback on GitHub's runner, the alias on GitLab), the port does not, and
    the plans read both hosts as the service's name."""
    github, gitlab = _docs()
    gh_env, gl_env = github["jobs"]["integration"]["env"], gitlab["integration"]["variables"]
    assert (gh_env["POSTGRES_HOST"], gl_env["POSTGRES_HOST"]) == ("127.0.0.1", "postgres")
    assert gh_env["POSTGRES_PORT"] == gl_env["POSTGRES_PORT"] == "5432"
    assert (
        github["jobs"]["compose"]["env"]["DOCKER_PUBLISH_HOST"],
        gitlab["compose"]["variables"]["DOCKER_PUBLISH_HOST"],
    ) == (
        "127.0.0.1",
        "docker",
    )
    services = render_case(CASE)
    assert services.pipeline is not None
    for lift in (lift_github, lift_gitlab):
        doc = lift.load(services.files[GITHUB if lift is lift_github else GITLAB])
        assert dict(lift.lift(doc, EVENTS["pr"]).jobs["integration"].env)["POSTGRES_HOST"] == "postgres"


def check_service_health(result: Result) -> None:
    """GitHub carries the health command, GitLab has nowhere to put one; both wait in a shared block."""
    github, gitlab = _docs()
    assert "--health-cmd" in github["jobs"]["integration"]["services"]["postgres"]["options"]
    assert all(set(s) == {"name", "alias", "variables"} for s in gitlab["integration"]["services"])
    wait = scripts.wait_for_services((("POSTGRES_HOST", "POSTGRES_PORT"),))
    assert wait in [s.get("run") for s in github["jobs"]["integration"]["steps"]]
    assert wait in gitlab["integration"]["script"]


def check_service_variables(result: Result) -> None:
    """GitLab jobs with services set FF_NETWORK_PER_BUILD (a platform-only variable); jobs without
    services do not, and GitHub never does."""
    github, gitlab = _docs()
    assert gitlab["integration"]["variables"]["FF_NETWORK_PER_BUILD"] == "true"
    assert "FF_NETWORK_PER_BUILD" not in gitlab["compose"]["variables"]
    assert "FF_NETWORK_PER_BUILD" not in str(github)
    assert "FF_NETWORK_PER_BUILD" in register.PLATFORM_ENV


def check_docker_daemon(result: Result) -> None:
    """GitLab adds Docker-in-Docker and a CLI install block that the lifter files as tool-install;
    GitHub adds nothing but the publish host."""
    github, gitlab = _docs()
    assert "services" not in github["jobs"]["compose"]
    assert gitlab["compose"]["services"] == [f"docker:{images.DOCKER_VERSION}-dind"]
    assert lift_gitlab.platform_block(gitlab["compose"]["script"][0], gitlab["compose"]) == "tool-install"
    assert lift_gitlab.platform_block(gitlab["compose"]["script"][1], gitlab["compose"]) is None


def check_manual_approval(result: Result) -> None:
    """GitLab makes the job manual; GitHub holds it in the 'manual' environment; both plans say manual."""
    github, gitlab = _docs()
    assert github["jobs"]["load-test"]["environment"] == ir.MANUAL_ENVIRONMENT
    assert gitlab["load-test"]["rules"] == [{"when": "manual"}]
    assert "environment" not in gitlab["load-test"]
    manual = render_case(CASE)
    assert manual.pipeline is not None
    for lift, rel in ((lift_github, GITHUB), (lift_gitlab, GITLAB)):
        jobs = lift.lift(lift.load(manual.files[rel]), EVENTS["push:main"]).jobs
        assert {key for key, job in jobs.items() if job.manual} == {"load-test"}, rel


CUSTOM_JOB_CHECKS: dict[str, Callable[[Result], None]] = {
    "manual-approval": check_manual_approval,
    "service-host": check_service_host,
    "service-health": check_service_health,
    "service-variables": check_service_variables,
    "docker-daemon": check_docker_daemon,
}


def test_a_manual_job_may_not_read_secrets_yet() -> None:
    errors = _errors("  deploy:\n    run: x\n    events: [push]\n    secrets: [TOKEN]\n    when: manual\n")
    assert any(
        e.startswith("ciforge.yml:11:11: error: job deploy: a manual job may not read secrets yet") for e in errors
    ), errors


def test_explain_marks_the_manual_job(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "-m", str(CASE / "ciforge.yml")]) == 0
    rows = {line.split()[0]: line.split()[1:] for line in capsys.readouterr().out.splitlines() if line.strip()}
    assert rows["load-test"] == ["-", "manual", "manual", "manual", "manual"]
    assert rows["integration"] == ["-", "yes", "yes", "yes", "yes"]
