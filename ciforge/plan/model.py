"""The platform-neutral execution plan (docs/equivalence.md, "The claim"): for one event, the set of
concrete jobs (matrix expanded) with what each one does. Plans are built three ways — from the
IR, and by lifting each emitted file — and compared for equality."""

from __future__ import annotations

import re
from typing import Final

import attrs

from ciforge import ir
from ciforge.plan import register

Pairs = tuple[tuple[str, str], ...]


@attrs.frozen
class PlanEvent:
    """A concrete event: the abstract kind plus the refs it carries."""

    name: str  # push:feature | push:main | tag | pr | manual
    kind: ir.Event = attrs.field(converter=ir.Event)  # the abstract kind (a name like "push_tag" is converted)
    ref_name: str  # branch or tag name (for pr: the source branch)
    base: str = ""  # pr: the target branch
    message: str = ""  # the head commit's message (push: the pushed head; pr: the head of the source branch)
    conflicts: bool = False  # pr: the source branch does not merge cleanly into the target
    schedule: str = ""  # schedule: the cron of the schedule that fired


def schedule_event(cron: str) -> PlanEvent:
    """The scheduled run of one cron: on the default branch (register: schedule-branch)."""
    return PlanEvent(f"schedule:{cron}", "schedule", DEFAULT_BRANCH, schedule=cron)


DEFAULT_BRANCH: Final = "main"
EVENTS: Final[dict[str, PlanEvent]] = {
    "push:feature": PlanEvent("push:feature", "push_branch", "feature/login"),
    "push:main": PlanEvent("push:main", "push_branch", DEFAULT_BRANCH),
    "tag": PlanEvent("tag", "push_tag", "v1.2.3"),
    "pr": PlanEvent("pr", "change_request", "feature/login", base=DEFAULT_BRANCH),
    "manual": PlanEvent("manual", "manual", DEFAULT_BRANCH),
}


def event_from_cli(spec: str) -> PlanEvent:
    """``push:main``, ``push:<branch>``, ``tag:<name>``, ``pr``, ``manual``, ``schedule:<cron>``."""
    if spec in EVENTS:
        return EVENTS[spec]
    kind, _, ref = spec.partition(":")
    if kind == "push" and ref:
        return PlanEvent(spec, "push_branch", ref)
    if kind == "tag" and ref:
        return PlanEvent(spec, "push_tag", ref)
    if kind == "schedule" and ref:
        return schedule_event(ref)
    raise ValueError(f"unknown event {spec!r} (push:main, push:<branch>, tag:<name>, pr, manual, schedule:<cron>)")


class RefusedPipelineError(ValueError):
    """The platform would refuse the pipeline as written (e.g. over one of its limits)."""


@attrs.frozen(kw_only=True)
class Artifact:
    """An artifact a job keeps: its (leg-expanded) name, paths and when it is kept."""

    name: str
    paths: tuple[str, ...]
    when: str  # on_success | always


@attrs.frozen(kw_only=True)
class Gate:
    """A check whose failure fails the job."""

    kind: str
    detail: str = ""


@attrs.frozen(kw_only=True)
class PlanJob:
    """One concrete job of the plan."""

    key: str  # logical id, plus [K=V,...] for a matrix leg
    logical_id: str
    platform: str  # GOOS/GOARCH of the runner (register: runners)
    needs: frozenset[str]  # job keys
    source: bool  # the job has the repository's files (a checkout or clone)
    commands: tuple[str, ...]  # shell blocks and builtins, in order, after the exception register
    env: Pairs  # normalized, sorted
    tools: Pairs  # tool -> pinned version
    consumes: frozenset[str]  # producer job ids whose artifacts or outputs this job reads
    produces: tuple[Artifact, ...]
    outputs: tuple[str, ...]
    gates: tuple[Gate, ...]
    timeout_minutes: int
    # Caches the job restores that another ref may have written, per event: "go", "image"
    # (scoped like GitHub's: per ref, protected apart from unprotected), or "<name>:shared"
    # when the scope is wider. Nothing on a tag ref for the Go cache.
    caches: tuple[str, ...]
    workdir: str  # the directory the job's blocks run in, relative to the checkout
    # For this event: the module directories one of which a change must touch for the job's work
    # to run (its change check, docs/modules.md); empty when the work always runs. A block that
    # would run anyway after a skip is listed as "!block N runs anyway".
    affected_by: tuple[str, ...]
    container: str = ""  # the manifest's digest-pinned image for the job ("" : the platform's own)
    allow_failure: bool = False  # a failure fails neither the pipeline nor the jobs that need it
    secrets: tuple[str, ...] = ()  # the CI secrets the job reads, by name (sorted)
    # Service containers beside the job (service_entry), sorted; GitLab's Docker-in-Docker daemon
    # is not one of them (it is part of the security posture).
    services: tuple[str, ...] = ()
    manual: bool = False  # it waits for a person (register: manual-approval)


@attrs.frozen(kw_only=True)
class PathFilter:
    """The path filter of one event: the pipeline runs only when a changed file matches one of
    ``paths`` (any file when empty) and not one of ``ignore``. ``ignore`` is None where the
    platform cannot exclude (GitLab's rules:changes; the register's paths-ignore-gitlab)."""

    paths: tuple[str, ...] = ()
    ignore: tuple[str, ...] | None = ()

    def show(self) -> str:
        """``paths [..] ignore [..]`` for people."""
        ignore = "(not expressible)" if self.ignore is None else "[" + ", ".join(self.ignore) + "]"
        return "paths [" + ", ".join(self.paths) + "] ignore " + ignore


@attrs.frozen(kw_only=True)
class Plan:
    """All jobs that run for one event (none if the event creates no pipeline), and the path
    filter that decides whether it runs at all (None: no filter). ``==`` compares the jobs only;
    :func:`differences` compares the path filters too, through the register."""

    event: str
    jobs: dict[str, PlanJob] = attrs.field(eq=True)
    path_filter: PathFilter | None = attrs.field(default=None, eq=False)
    # The platform keeps one artifact archive per job (GitLab): a job's artifacts are compared
    # as that archive (register: artifact-archive).
    one_archive: bool = attrs.field(default=False, eq=False)

    def keys(self) -> list[str]:
        """Job keys in a stable order."""
        return sorted(self.jobs)


def service_entry(name: str, image: str, env: dict[str, str], unpublished: tuple[str, ...] = ()) -> str:
    """A service container as the plan compares it: its name (the hostname), digest-pinned image
    and environment; ``unpublished`` lists GitHub port mappings that do not publish a port on the
    same port of the runner (ciforge writes none, so any is a difference)."""
    text = f"{name}={image}" + "".join(f" {k}={v}" for k, v in sorted(env.items()))
    return text + (" ports " + ",".join(unpublished) if unpublished else "")


def job_key(logical_id: str, matrix: Pairs) -> str:
    """``build[BUILD_LEG=linux-amd64,GOARCH=amd64,...]`` with keys sorted."""
    if not matrix:
        return logical_id
    return logical_id + "[" + ",".join(f"{k}={v}" for k, v in sorted(matrix)) + "]"


def differences(left: Plan, right: Plan, *, names: tuple[str, str] = ("left", "right")) -> list[str]:
    """Human-readable differences between two plans of the same event (empty when equal)."""
    out: list[str] = []
    a, b = names
    if not register.path_filters_agree(left.path_filter, right.path_filter):
        out.append(
            f"{left.event}: path filter differs: {a}={_show_filter(left.path_filter)} {b}={_show_filter(right.path_filter)}"
        )
    for key in sorted(set(left.jobs) - set(right.jobs)):
        out.append(f"{left.event}: job {key} runs in {a} but not in {b}")
    for key in sorted(set(right.jobs) - set(left.jobs)):
        out.append(f"{left.event}: job {key} runs in {b} but not in {a}")
    archive = left.one_archive or right.one_archive
    for key in sorted(set(left.jobs) & set(right.jobs)):
        x, y = left.jobs[key], right.jobs[key]
        for field in attrs.fields(PlanJob):
            vx, vy = getattr(x, field.name), getattr(y, field.name)
            if field.name == "produces" and archive:
                vx, vy = archived(x), archived(y)
            if vx != vy:
                out.append(f"{left.event}: job {key}: {field.name} differs: {a}={_show(vx)} {b}={_show(vy)}")
    return out


def archived(job: PlanJob) -> tuple[Artifact, ...]:
    """The job's artifacts as one archive, where a platform keeps one per job (GitLab): several
    (a batch of build legs, each its own on GitHub) become one named after the job, with all
    their paths in order, kept always if one of them is (register: artifact-archive)."""
    if len(job.produces) <= 1:
        return job.produces
    return (
        Artifact(
            name=job.logical_id,
            paths=tuple(p for a in job.produces for p in a.paths),
            when="always" if any(a.when == "always" for a in job.produces) else "on_success",
        ),
    )


def _show_filter(path_filter: PathFilter | None) -> str:
    return "none" if path_filter is None else path_filter.show()


def _show(value: object) -> str:
    if isinstance(value, frozenset):
        value = sorted(value)
    text = repr(value)
    return text if len(text) < 300 else text[:297] + "..."


# ``export NAME='value'`` on a line of its own: a setting the block assigns itself.
_ASSIGNMENT: Final = re.compile(r"^export ([A-Z_][A-Z0-9_]*)='((?:[^']|'\\'')*)'$", re.MULTILINE)


# The first line of a custom job's secret check (scripts.require_secrets): : "${NAME:?...}"
_REQUIRED_SECRET: Final = re.compile(r'^: "\$\{([A-Z_][A-Z0-9_]*):\?', re.MULTILINE)


def required_secrets(commands: tuple[str, ...]) -> tuple[str, ...]:
    """The secrets a job's blocks require by name (sorted), read from their check lines."""
    return tuple(sorted({m[1] for command in commands for m in _REQUIRED_SECRET.finditer(command)}))


def assigned(command: str) -> dict[str, str]:
    """The settings a block assigns in its own text (single-quoted, so nothing is expanded)."""
    return {m[1]: m[2].replace("'\\''", "'") for m in _ASSIGNMENT.finditer(command)}


# A module job's change check pins the module directories it runs for (docs/modules.md).
_MARKER_TOUCH: Final = re.compile(r"^ *touch (\S+)$", re.MULTILINE)
CHANGE_BASE_SHA: Final = re.compile(r"[0-9a-f]+")


def _ends_at_guard(command: str, marker: str) -> bool:
    """The block's first command after the strict-mode line ends it when ``marker`` exists."""
    lines = command.split("\n")
    first = lines[1] if lines[:1] == ["set -euo pipefail"] and len(lines) > 1 else lines[0]
    return first.startswith(f"if [ -e {marker} ]; then ") and first.endswith("; exit 0; fi")


def change_check(commands: tuple[str, ...], *, base: str, shared_shell: bool) -> tuple[str, ...]:
    """The module directories a change must touch for the job's work to run, from its change
    check (the block that pins AFFECTED_BY), given the event's CHANGE_BASE value (only a commit
    SHA counts). With ``shared_shell`` (GitLab: one shell per job) the check's ``exit 0`` ends
    the job; otherwise (GitHub: one shell per step) every later block must end at the guard."""
    for i, command in enumerate(commands):
        by = assigned(command).get("AFFECTED_BY")
        if by is None:
            continue
        if not CHANGE_BASE_SHA.fullmatch(base):
            return ()
        out = tuple(by.split())
        if not shared_shell:
            touch = _MARKER_TOUCH.search(command)
            out += tuple(
                f"!block {j + 1} runs anyway"
                for j in range(i + 1, len(commands))
                if touch is None or not _ends_at_guard(commands[j], touch[1])
            )
        return out
    return ()


def image_build_command(
    *,
    context: str,
    dockerfile: str,
    platforms: str,
    push: bool,
    cache: bool,
    tags: bool,
    labels: str = "",
    names: str = "",
    logins: str = "",
) -> str:
    """The image build as a contract, the same text whichever implementation ran it. ``push``
    is a push by digest; ``tags`` says whether the build also pushes tags (never, in ciforge's
    own output: only the promote job tags, after verification); ``labels``: the names of the
    build arguments it passes, comma-separated (the generated Dockerfile's OCI labels);
    ``names``: the image names it pushes to (a $VARIABLE of image.env, or the literal names);
    ``logins``: the registries it logs in to first, comma-separated, in order (each a $VARIABLE
    of the job, or a literal host): with several repositories (docs/release.md), dropping one
    from the push or its login on one platform is a difference."""
    return (
        f"builtin image-build context={context} file={dockerfile} platforms={platforms} "
        f"push={str(push).lower()} cache={str(cache).lower()} tags={str(tags).lower()}"
        + (f" build-args={labels}" if labels else "")
        + (f" names={names}" if names else "")
        + (f" logins={logins}" if logins else "")
    )


def emulation_command(*, image: str, architectures: str) -> str:
    """QEMU emulators for the image build as a contract: the binfmt image that registers them and
    the architectures (comma-separated), whichever implementation ran it."""
    return f"builtin emulation image={image} architectures={architectures}"


def build_arg_word(name: str, variable: str = "") -> str:
    """One build argument of an image build as the plan records it: the user's (image.build-args)
    as NAME=$BUILD_ARG_NAME, the image.env variable that holds the value the shared image-ref
    block computed; any other by its name only (the OCI label arguments, which each platform
    fills in with its own repository URL, commit and ref). So a hand edit that passes another
    variable for a user's argument is a difference."""
    return f"{name}=${variable}" if variable.startswith(ir.BUILD_ARG_PREFIX) else name
