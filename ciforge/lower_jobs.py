"""Lower ``jobs:``: the project's own jobs (make targets, integration tests, licence checks), in the
same DAG, plan and permissions model as the built-in ones, the same script on both platforms.

A need names a custom job, a built-in job id, or a built-in family: ``lint``, ``test`` and
``build`` mean every job of that kind (every module's, platform's and shard's). A custom job
runs on the events it lists, which each of its needs must also run on (default: every event its
needs run on; every event when it needs none); its stage is the latest of its needs' stages.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Final

from ciforge import ir, scripts
from ciforge.diagnostics import JsonPath

if TYPE_CHECKING:
    from ciforge.lower import Lowering
    from ciforge.model import CustomJob

EVENTS: Final = {
    "pr": ir.Event.CHANGE_REQUEST,
    "push": ir.Event.PUSH_BRANCH,
    "tag": ir.Event.PUSH_TAG,
    "manual": ir.Event.MANUAL,
    "schedule": ir.Event.SCHEDULE,
}
FAMILIES: Final = ("lint", "test", "build")
# Built-in ids and prefixes a custom job may not take (ciforge's own jobs and the ones it may add).
RESERVED_PREFIXES: Final = ("lint", "test", "build", "checks", "collect", "image", "release")
NAME: Final = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
# A service's name is its hostname on GitLab (alias) and in a container job's network.
SERVICE_NAME: Final = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
# Written into GitHub's docker options string in double quotes.
HEALTH_FORBIDDEN: Final = re.compile(r'["\\\n]')
ENV_NAME: Final = re.compile(r"^[A-Z_][A-Z0-9_]*$")
PLATFORM_PREFIXES: Final = ("CI_", "GITHUB_", "RUNNER_", "GITLAB_", "ACTIONS_")


def reserved(name: str) -> bool:
    """Whether a job name is one of ciforge's own prefixes, or one of their -suffixed jobs."""
    return any(name == p or name.startswith(p + "-") for p in RESERVED_PREFIXES)


class CustomJobs:
    """The custom jobs of one lowering run; problems go to the run's diagnostics."""

    def __init__(self, low: Lowering, go: str, builtin: list[ir.Job], stages: tuple[ir.Stage, ...]) -> None:
        self.low = low
        self.go = go
        self.builtin = {job.id: job for job in builtin}
        self.stages = stages
        self.specs = low.m.jobs

    def jobs(self) -> list[ir.Job]:
        """The custom jobs, needs first (a cycle is an error and drops the jobs on it)."""
        names = [n for n in self.specs if self._valid_name(n)]
        order = self._order(names)
        made: dict[str, ir.Job] = {}
        for name in order:
            made[name] = self._job(name, self.specs[name], made)
        return [made[name] for name in names if name in made]

    def _valid_name(self, name: str) -> bool:
        path: JsonPath = ("jobs", name)
        if not NAME.match(name):
            self.low.error(
                "job-name",
                f"job name {name!r}: a lower-case letter, then lower-case letters, digits, '_' and '-' (at most 63)",
                path,
            )
            return False
        if name in self.builtin or reserved(name):
            self.low.error(
                "job-name",
                f"job name {name!r} is ciforge's own (lint, test, build, checks, collect, image, release and "
                "their -suffixed jobs); choose another",
                path,
            )
            return False
        return True

    def _order(self, names: list[str]) -> list[str]:
        """Custom jobs with their custom needs first; jobs on a cycle are reported and left out."""
        order: list[str] = []
        state: dict[str, str] = {}

        def visit(name: str, trail: list[str]) -> bool:
            if state.get(name) == "done":
                return True
            if state.get(name) == "active":
                cycle = [*trail[trail.index(name) :], name]
                self.low.error(
                    "needs", f"jobs need each other in a cycle: {' -> '.join(cycle)}", ("jobs", name, "needs")
                )
                return False
            state[name] = "active"
            ok = all(visit(n, [*trail, name]) for n in self.specs[name].needs if n in names)
            state[name] = "done" if ok else "cycle"
            if ok:
                order.append(name)
            return ok

        for name in names:
            if state.get(name) is None:
                visit(name, [])
        return order

    def _needs(self, name: str, spec: CustomJob, made: dict[str, ir.Job]) -> list[ir.Job]:
        out: list[ir.Job] = []
        for i, need in enumerate(spec.needs):
            family = [j for jid, j in self.builtin.items() if jid == need or jid.startswith(need + "-")]
            if need in made:
                out.append(made[need])
            elif need in FAMILIES and family:
                out += family
            elif need in self.builtin:
                out.append(self.builtin[need])
            elif need in self.specs:
                continue  # on a cycle: already reported
            else:
                known = ", ".join(dict.fromkeys([*FAMILIES, *sorted(self.builtin), *sorted(made)]))
                self.low.error(
                    "needs",
                    f"job {name} needs {need!r}, which is no job here (known: {known})",
                    ("jobs", name, "needs", i),
                )
        if any(j.stage == "build" and j.id.startswith("build") for j in out):
            # the builds start with the checks; a job of the project's that runs after a build
            # may deploy it, so it waits for the checks too, as it did when the builds did
            out += [self.builtin[need] for need in self.low.ship_needs]
        return list({j.id: j for j in out}.values())

    def _events(self, name: str, spec: CustomJob, needs: list[ir.Job]) -> frozenset[ir.Event]:
        if spec.events is None:  # every event its needs run on (all of them when it needs none)
            return frozenset(ir.ALL_EVENTS.intersection(*(n.events for n in needs)))
        events = frozenset(EVENTS[e] for e in spec.events)
        for need in needs:
            missing = events - need.events
            if missing:
                spelled = ", ".join(k for k, v in EVENTS.items() if v in missing)
                self.low.error(
                    "needs",
                    f"job {name} runs on {spelled}, where {need.id}, which it needs, does not run; "
                    "list only the events its needs run on",
                    ("jobs", name, "events"),
                )
                events -= missing
        return events

    def _downloads(self, name: str, spec: CustomJob, needs: list[ir.Job]) -> tuple[ir.ArtifactInput, ...]:
        """``artifacts.from``: the build's binaries (every leg, into dist/build-<leg>/) or a custom
        job's files, at the paths they were kept from; each must be one of the job's needs."""
        out: list[ir.ArtifactInput] = []
        for i, source in enumerate(spec.artifacts.from_):
            path: JsonPath = ("jobs", name, "artifacts", "from", i)
            producers = [
                j for j in needs if j.id == source or (source == "build" and j.id.startswith("build") and j.legs)
            ]
            if not producers:
                self.low.error(
                    "artifacts", f"job {name} downloads from {source!r}, which is not one of its needs", path
                )
                continue
            for producer in producers:
                if not producer.produces or (producer.legs and not producer.id.startswith("build")):
                    self.low.error(
                        "artifacts",
                        f"{producer.id} keeps no files a job can download (the build's binaries and custom jobs' "
                        "artifacts can be)",
                        path,
                    )
                    continue
                artifact = producer.produces[0]
                out.append(ir.ArtifactInput(producer=producer.id, name=artifact.name, all_legs=bool(producer.legs)))
        return tuple(out)

    def _env_name(self, key: str, path: JsonPath) -> bool:
        if ENV_NAME.match(key) and not key.startswith(PLATFORM_PREFIXES):
            return True
        self.low.error(
            "env",
            f"{key!r}: an environment name in capitals, digits and '_', not one of the platforms' own "
            f"({', '.join(p + '*' for p in PLATFORM_PREFIXES)})",
            path,
        )
        return False

    def _env(self, name: str, spec: CustomJob) -> ir.Env:
        return tuple((k, v) for k, v in spec.env.items() if self._env_name(k, ("jobs", name, "env", k)))

    def _secrets(self, name: str, spec: CustomJob, events: frozenset[ir.Event]) -> ir.Env:
        """``secrets``: each an environment variable of its own name, read from the platform's
        secrets; never on a change request: GitLab's protected variables reach protected refs only
        (https://docs.gitlab.com/ci/variables/#protect-a-cicd-variable), and GitHub passes no
        secrets to a pull request from a fork
        (https://docs.github.com/en/actions/how-tos/write-workflows/choose-what-workflows-do/use-secrets)."""
        out: list[tuple[str, ir.EnvValue]] = []
        for i, secret in enumerate(spec.secrets):
            path: JsonPath = ("jobs", name, "secrets", i)
            if secret.startswith(PLATFORM_PREFIXES) or secret in spec.env:
                where = "one of its env names" if secret in spec.env else "a platform's own name"
                self.low.error("secrets", f"job {name}: secret {secret} is {where}", path)
                continue
            out.append((secret, ir.PlatformValue("secret", secret)))
        if out and ir.Event.CHANGE_REQUEST in events:
            self.low.error(
                "secrets",
                f"job {name} reads secrets, which never reach pull and merge requests (GitLab exposes protected "
                "variables to protected refs only, GitHub withholds secrets from forks); list its events without pr",
                ("jobs", name, "events") if spec.events is not None else ("jobs", name, "secrets"),
            )
        return tuple(out)

    def _services(self, name: str, spec: CustomJob) -> tuple[ir.Service, ...]:
        """``services``: each a digest-pinned image beside the job, on a Linux runner (GitHub
        runs service containers on Linux runners only:
        https://docs.github.com/en/actions/tutorials/use-containerized-services/use-docker-service-containers)."""
        out: list[ir.Service] = []
        for service, s in spec.services.items():
            path: JsonPath = ("jobs", name, "services", service)
            if not SERVICE_NAME.match(service):
                self.low.error(
                    "job-name",
                    f"service name {service!r}: a lower-case letter, then lower-case letters, digits and '-' "
                    "(it is a hostname), at most 63",
                    path,
                )
                continue
            if s.health is not None and HEALTH_FORBIDDEN.search(s.health):
                self.low.error("services", "health: one line without double quotes or backslashes", (*path, "health"))
            env = [(k, v) for k, v in sorted(s.env.items()) if self._env_name(k, (*path, "env", k))]
            out.append(ir.Service(name=service, image=s.image, ports=s.ports, env=tuple(env), health=s.health))
        if out and not spec.runner.startswith("linux/"):
            self.low.error(
                "conflict",
                f"job {name}: services run beside a Linux runner, not {spec.runner}",
                ("jobs", name, "runner"),
            )
        return tuple(out)

    def _service_env(
        self, name: str, spec: CustomJob, services: tuple[ir.Service, ...]
    ) -> tuple[ir.Env, tuple[tuple[str, str], ...]]:
        """Where the job reaches each service: ``<NAME>_HOST`` (GitHub: the runner's loopback, where
        the ports are published; GitLab and a container job: the service's name) and
        ``<NAME>_PORT`` (the first port), ``<NAME>_PORT_<port>`` for each; with ``docker``, where
        published ports of the job's own containers are reached. Also the (host, port) variable
        pairs the job waits for."""
        out: list[tuple[str, ir.EnvValue]] = []
        targets: list[tuple[str, str]] = []
        for service in services:
            prefix = ir.service_variable(service.name)
            host: ir.EnvValue = service.name if spec.container else ir.PlatformValue("service_host", service.name)
            out += [(f"{prefix}_HOST", host), (f"{prefix}_PORT", str(service.ports[0]))]
            if len(service.ports) > 1:
                out += [(f"{prefix}_PORT_{port}", str(port)) for port in service.ports]
            targets += [
                (f"{prefix}_HOST", f"{prefix}_PORT_{port}" if len(service.ports) > 1 else f"{prefix}_PORT")
                for port in service.ports
            ]
        if spec.docker:
            out.append(("DOCKER_PUBLISH_HOST", ir.PlatformValue("docker_publish_host")))
        for key, _ in out:
            if key in spec.env or key in spec.secrets:
                self.low.error(
                    "env", f"job {name}: {key} is set for its services; choose another name", ("jobs", name, "env")
                )
        return tuple(out), tuple(targets)

    def _check_docker(self, name: str, spec: CustomJob) -> None:
        if spec.docker and spec.container is not None:
            self.low.error(
                "conflict",
                f"job {name}: docker: true needs the runner's own shell (a container job has no Docker daemon "
                "on GitHub); leave out container",
                ("jobs", name, "docker"),
            )
        if spec.docker and not spec.runner.startswith("linux/"):
            self.low.error(
                "conflict", f"job {name}: docker runs on a Linux runner, not {spec.runner}", ("jobs", name, "runner")
            )

    def _job(self, name: str, spec: CustomJob, made: dict[str, ir.Job]) -> ir.Job:
        needs = self._needs(name, spec, made)
        events = self._events(name, spec, needs)
        secrets = self._secrets(name, spec, events)
        stage = max((n.stage for n in needs), key=self.stages.index, default=self.stages[0])
        go = self.go if spec.go else None
        if spec.container is not None and spec.go:
            self.low.error(
                "conflict",
                f"job {name}: container needs go: false (a Go job runs in ciforge's pinned Go toolchain)",
                ("jobs", name, "container"),
            )
        if spec.container is not None and not spec.runner.startswith("linux/"):
            self.low.error(
                "conflict",
                f"job {name}: a container runs on a Linux runner, not {spec.runner}",
                ("jobs", name, "runner"),
            )
        if spec.runner != "linux/amd64":
            self.low.check_runner(spec.runner, ("jobs", name, "runner"))
        self._check_docker(name, spec)
        if spec.when == "manual" and spec.secrets:
            self.low.error(
                "conflict",
                f"job {name}: a manual job may not read secrets yet: GitHub holds it in the 'manual' environment, "
                "and a job with secrets runs in the deployment environment",
                ("jobs", name, "when"),
            )
        services = self._services(name, spec)
        service_env, targets = self._service_env(name, spec, services)
        steps: tuple[ir.Step, ...] = (
            ir.Checkout(),
            *((ir.SetupGo(version=go),) if go is not None else ()),
            *(
                (ir.Run(id="secrets", name="Secrets", script=scripts.require_secrets(tuple(n for n, _ in secrets))),)
                if secrets
                else ()
            ),
            *(
                (ir.Run(id="services", name="Wait for services", script=scripts.wait_for_services(targets)),)
                if targets
                else ()
            ),
            ir.Run(id="run", name=name, script=scripts.block(spec.run.rstrip("\n")), written_by="manifest"),
        )
        return ir.Job(
            id=name,
            name=name,
            stage=stage,
            needs=tuple(n.id for n in needs),
            events=events,
            go=go,
            runtime=ir.Runtime.GO if go is not None else ir.Runtime.SHELL,
            env=(
                *((("GO_PACKAGES", self.low.m.go.packages),) if go is not None else ()),
                # the platform a self-hosted runner's job claims, for the plans (docs/equivalence.md, runners)
                *((("TEST_PLATFORM", spec.runner),) if spec.runner in self.low.m.runners else ()),
                *self._env(name, spec),
                *service_env,
                *secrets,
            ),
            # a job that reads secrets runs in the deployment environment (its protection rules)
            # and, like the publishing jobs, is never cancelled halfway
            environment=self.low.m.environment if secrets else None,
            cancellable=not secrets,
            steps=steps,
            cache=self.low.go_cache() if go is not None else None,
            produces=(ir.Artifact(name=name, paths=spec.artifacts.paths),) if spec.artifacts.paths else (),
            consumes=self._downloads(name, spec, needs),
            timeout_minutes=spec.timeout,
            gates=(ir.Gate(kind="exit_code", block="run"),),
            container=spec.container,
            allow_failure=spec.allow_failure,
            runner=self.low.runner(spec.runner),
            services=services,
            docker=spec.docker,
            manual=spec.when == "manual",
        )
