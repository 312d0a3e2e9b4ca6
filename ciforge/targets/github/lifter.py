"""Lift an emitted GitHub Actions workflow back into execution plans, with GitHub's semantics:
``on:`` filters, job ``if:``, skip propagation through ``needs``, and matrix include/exclude.

It reads only the YAML; it shares no code with the emitters.
"""

from __future__ import annotations

import json
import posixpath
import re
from typing import Any, Final

import attrs

from ciforge import ir, source
from ciforge.plan import register
from ciforge.plan.gates import gates_of, invokes
from ciforge.plan.model import (
    Artifact,
    Plan,
    PlanEvent,
    PlanJob,
    change_check,
    job_key,
    required_secrets,
)
from ciforge.plan.posture import environment_fact
from ciforge.targets.github import expressions, lift_docker, lift_paths, lift_services
from ciforge.targets.github.lift_artifacts import (
    Artifacts,
    downloaded,
    misplaced,
    uploads,
)
from ciforge.targets.github.lift_matrix import expand_matrix, scalar
from ciforge.targets.github.lift_values import normalize_value

# The platform of each documented hosted runner label (the runners exception).
# https://docs.github.com/en/actions/reference/runners/github-hosted-runners
GITHUB_RUNNERS: Final = {
    **dict.fromkeys(("ubuntu-latest", "ubuntu-24.04", "ubuntu-22.04"), "linux/amd64"),
    **dict.fromkeys(("ubuntu-24.04-arm", "ubuntu-22.04-arm"), "linux/arm64"),
    **dict.fromkeys(("macos-latest", "macos-15", "macos-14"), "darwin/arm64"),
    **dict.fromkeys(("macos-15-intel", "macos-13"), "darwin/amd64"),
    **dict.fromkeys(("windows-latest", "windows-2025", "windows-2022"), "windows/amd64"),
    "windows-11-arm": "windows/arm64",
}


class LiftError(ValueError):
    """The workflow uses something the lifter does not model."""


TOOL_ACTIONS: Final = {
    "actions/setup-go": ("go", "go-version"),
    "docker/setup-buildx-action": ("buildx", "version"),
    "anchore/sbom-action/download-syft": ("syft", "syft-version"),
    "aquasecurity/setup-trivy": ("trivy", "version"),
    "sigstore/cosign-installer": ("cosign", "cosign-release"),
}
# Actions that are part of a contract or a registered exception, not commands.
CONTRACT_ACTIONS: Final = {
    "actions/checkout",
    "docker/login-action",
    "github/codeql-action/upload-sarif",
    "actions/attest",  # provenance-native
}


def load(text: str) -> dict[str, Any]:
    """Parse the workflow (YAML 1.2: ``on`` stays a string key)."""
    data = source.load_plain(text)
    if not isinstance(data, dict) or "jobs" not in data:
        raise LiftError("not a workflow")
    return data


# -- triggers ---------------------------------------------------------------------------------


def _glob_regex(pattern: str) -> str:
    """GitHub filter patterns, as documented in the filter-pattern cheat sheet: ``**/`` any number of
    directories (none too), ``**`` any characters, ``*`` any but ``/``, ``?``/``+`` zero-or-one and
    one-or-more of the previous character (literal at the start), ``[...]`` a list of characters and
    ``a-z``/``A-Z``/``0-9`` ranges, ``\\`` escapes the next character."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern[i : i + 3] == "**/":
            out.append("(?:.+/)?")
            i += 3
            continue
        if pattern[i : i + 2] == "**":
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char in "?+":
            out.append(char if out else re.escape(char))
        elif char == "[":
            close = pattern.find("]", i)
            body = pattern[i + 1 : close]
            if close < 0 or not re.fullmatch(r"(?:[A-Za-z0-9](?:-[A-Za-z0-9])?)+", body):
                raise LiftError(f"filter pattern {pattern!r}: invalid [...] list")
            out.append(f"[{body}]")
            i = close
        elif char == "\\":
            if i + 1 == len(pattern):
                raise LiftError(f"filter pattern {pattern!r} ends with a backslash")
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def filters_match(patterns: list[str], name: str) -> bool:
    """GitHub's ordered include/``!``-exclude filter evaluation."""
    matched = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        if re.fullmatch(_glob_regex(pattern[1:] if negate else pattern), name):
            matched = not negate
    return matched


# https://docs.github.com/en/actions/how-tos/manage-workflow-runs/skip-workflow-runs
SKIP_MARKERS: Final = ("[skip ci]", "[ci skip]", "[no ci]", "[skip actions]", "[actions skip]")
SKIP_TRAILER: Final = re.compile(r"\n\n(?:[A-Za-z0-9-]+: ?[^\n]*\n)*skip-checks: ?true\s*\Z")


def skipped_by_message(message: str) -> bool:
    """GitHub does not start ``push``/``pull_request`` runs whose head commit message has a skip
    marker, or ends with a ``skip-checks: true`` trailer (the last trailer, after a blank line)."""
    return any(marker in message for marker in SKIP_MARKERS) or SKIP_TRAILER.search(message) is not None


def triggered(on: Any, event: PlanEvent) -> bool:
    """Whether ``on:`` accepts the event. A scheduled run is one of the workflow's when its cron
    is one of ``on.schedule``; skip instructions apply to pushes and pull requests only."""
    if event.kind not in (ir.Event.MANUAL, ir.Event.SCHEDULE) and skipped_by_message(event.message):
        return False
    if event.kind is ir.Event.CHANGE_REQUEST and event.conflicts:
        return False  # no merge commit to test: pull_request runs do not start
    events = {on: None} if isinstance(on, str) else (dict.fromkeys(on) if isinstance(on, list) else on)
    if event.kind in (ir.Event.PUSH_BRANCH, ir.Event.PUSH_TAG):
        if "push" not in events:
            return False
        push = events["push"] or {}
        own, other = ("branches", "tags") if event.kind is ir.Event.PUSH_BRANCH else ("tags", "branches")
        if own in push:
            return filters_match(list(push[own]), event.ref_name)
        if f"{own}-ignore" in push:
            return not filters_match(list(push[f"{own}-ignore"]), event.ref_name)
        return other not in push and f"{other}-ignore" not in push
    if event.kind is ir.Event.CHANGE_REQUEST:
        if "pull_request" not in events:
            return False
        pr = events["pull_request"] or {}
        types = pr.get("types", ["opened", "synchronize", "reopened"])
        if "opened" not in types and "synchronize" not in types:
            return False
        return filters_match(list(pr["branches"]), event.base) if "branches" in pr else True
    if event.kind is ir.Event.SCHEDULE:
        # https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#schedule
        return any(isinstance(s, dict) and s.get("cron") == event.schedule for s in events.get("schedule") or [])
    return "workflow_dispatch" in events


# The base commit of the modelled pull request (any commit SHA).
CHANGE_BASE: Final = "ba5e" * 10


def github_context(event: PlanEvent) -> dict[str, Any]:
    """The github context for an event."""
    if event.kind is ir.Event.CHANGE_REQUEST:
        return {
            "event_name": "pull_request",
            "ref": "refs/pull/7/merge",
            "ref_name": "7/merge",
            "ref_type": "branch",
            "base_ref": event.base,
            "head_ref": event.ref_name,
            "event": {"pull_request": {"number": 7, "base": {"sha": CHANGE_BASE}}},
        }
    tag = event.kind is ir.Event.PUSH_TAG
    names = {ir.Event.MANUAL: "workflow_dispatch", ir.Event.SCHEDULE: "schedule"}
    return {
        "event_name": names.get(event.kind, "push"),
        "ref": ("refs/tags/" if tag else "refs/heads/") + event.ref_name,
        "ref_name": event.ref_name,
        "ref_type": "tag" if tag else "branch",
        # the cron of the schedule that fired, as on.schedule writes it
        **({"event": {"schedule": event.schedule}} if event.kind is ir.Event.SCHEDULE else {}),
    }


# -- one job ----------------------------------------------------------------------------------


def _cache_enabled(value: Any, github: dict[str, Any]) -> bool:
    """setup-go's ``cache`` input for this event: a boolean, or an expression over github."""
    text = str(value).strip()
    inner = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.DOTALL)
    if inner:
        return expressions.truthy(expressions.evaluate(inner[1], {"github": github}))
    return text.lower() == "true"


def _caches_restored(action: str, with_: dict[str, Any], job: dict[str, Any], acc: dict[str, Any]) -> list[str]:
    """The caches a setup-go or actions/cache step restores on this event."""
    if action == "actions/setup-go":  # its own cache: keyed by OS, arch, Go version and go.sum alone
        return ["go:across-jobs"] if _cache_enabled(with_.get("cache", True), acc["github"]) else []
    if action == "actions/cache":
        # lookup-only: the entry is looked up, never restored. https://github.com/actions/cache#inputs
        restores = not _cache_enabled(with_.get("lookup-only", False), acc["github"])
        return [_restored_cache(with_, job, acc["job_id"])] if restores else []
    return []


def _restored_cache(with_: dict[str, Any], job: dict[str, Any], job_id: str) -> str:
    """What an actions/cache step restores: "go" for the Go caches keyed per job and matrix leg
    (the job's id in the key, and a matrix value when the job has a matrix), "go:across-jobs"
    for a key that other jobs or legs share, "cache:<first path>" for anything else."""
    for required in ("path", "key"):  # https://github.com/actions/cache#inputs
        if not str(with_.get(required) or "").strip():
            raise LiftError(f"actions/cache step without {required}")
    paths = [line.strip() for line in str(with_["path"]).splitlines() if line.strip()]
    # the build cache's directory, in any spelling of the path (a Windows path, a trailing separator)
    if not any(re.split(r"[\\/]", path.rstrip("\\/"))[-1] == "go-build" for path in paths):
        return f"cache:{paths[0]}"
    key = str(with_["key"])
    per_job = re.search(rf"(^|-){re.escape(job_id)}(-|$)", key) is not None
    per_leg = "strategy" not in job or "matrix." in key
    return "go" if per_job and per_leg else "go:across-jobs"


def _sarif_files(job: dict[str, Any]) -> set[str]:
    """The files the job uploads to code scanning."""
    return {
        str((step.get("with") or {}).get("sarif_file"))
        for step in job.get("steps", [])
        if str(step.get("uses", "")).startswith("github/codeql-action/upload-sarif@")
    }


# CodeQL's own analysis (code-scan.sast: native): its job is in no plan (named exception sast-native).
_CODEQL: Final = ("github/codeql-action/init", "github/codeql-action/analyze")
_NATIVE_SETUP: Final = frozenset({"actions/checkout", "actions/setup-go"})


def native_sast(job: dict[str, Any]) -> bool:
    """Whether a job is only CodeQL's analysis: check out, set up Go, CodeQL init and analyze,
    nothing that runs a command of its own (another step makes it an ordinary job, lifted and
    compared)."""
    actions = [str(step.get("uses", "")).split("@", 1)[0] for step in job.get("steps", [])]
    return [a for a in actions if a in _CODEQL] == list(_CODEQL) and set(actions) <= _NATIVE_SETUP | set(_CODEQL)


def platform_block(step: dict[str, Any], job: dict[str, Any]) -> str | None:
    """The named exception a run step only GitHub has belongs to, recognised by GitHub's own
    structure: a job summary or a file command (workflow commands), a step that copies another
    step's outputs, the report a code-scanning upload reads, the gh release call. None for a
    step both platforms run.
    https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands"""
    script = str(step["run"])
    if "$GITHUB_STEP_SUMMARY" in script and "::error " in script:  # a summary and error annotations
        return "test-report"
    if "$GITHUB_STEP_SUMMARY" in script or ("::warning file=" in script and "coverage-new-code.txt" in script):
        return "coverage-report"  # the coverage summary, and the uncovered new lines as annotations
    if "$GITHUB_ENV" in script or "$GITHUB_OUTPUT" in script or "steps." in str(step.get("env") or ""):
        return "output-plumbing"
    # Trivy's --output, gosec's -out (https://github.com/securego/gosec#output-formats), govulncheck's stdout
    if any(
        f"--output {name}" in script or f"-out {name}" in script or f"> {name}" in script for name in _sarif_files(job)
    ):
        return "scan-report"
    if invokes(script, "gh", "release", "create"):
        return "release-publish"
    return None


def _uses(step: dict[str, Any]) -> str:
    """The action a step uses; a step runs a script or uses an action.
    https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idsteps"""
    if "uses" not in step:
        raise LiftError(f"step {step.get('name')} has neither run nor uses")
    return str(step["uses"])


def _step(
    step: dict[str, Any], job: dict[str, Any], leg: dict[str, str], producers: dict[str, str], acc: dict[str, Any]
) -> None:
    """Fold one step into the job's commands, tools, artifacts and consumption."""
    if "run" in step:
        script = str(step["run"])
        if platform_block(step, job) is None:
            if step.get("env"):
                raise LiftError(f"step {step.get('name')} has its own env")
            if "working-directory" in step:
                raise LiftError(f"step {step.get('name')} has its own working-directory")
            acc["commands"].append(script)
        return
    uses = _uses(step)
    action = uses.split("@", 1)[0]  # a ref may hold "@" too
    with_ = step.get("with", {}) or {}
    if action in TOOL_ACTIONS:
        tool, key = TOOL_ACTIONS[action]
        acc["tools"].append((tool, normalize_value(with_[key], leg)))
        acc["caches"] += _caches_restored(action, with_, job, acc)
    elif action == "actions/cache":
        acc["caches"] += _caches_restored(action, with_, job, acc)
    elif action == "actions/upload-artifact":
        always = "cancelled()" in str(step.get("if", "")) or "always()" in str(step.get("if", ""))
        name = normalize_value(with_["name"], leg)
        paths = tuple(p for p in (normalize_value(p, leg) for p in str(with_["path"]).splitlines()) if p)
        acc["produces"].append(Artifact(name=name, paths=paths, when="always" if always else "on_success"))
    elif action == "actions/download-artifact":
        fetched = downloaded(with_, leg, producers)
        if not fetched:
            raise LiftError(f"no job uploads {with_.get('name') or with_.get('pattern') or 'any artifact'}")
        acc["consumes"] |= fetched | misplaced(with_, leg, fetched, acc["uploads"])
    elif action in ("docker/setup-qemu-action", "docker/build-push-action"):
        lift_docker.docker_action(action, with_, acc)
    elif action == "docker/login-action":
        lift_docker.login(with_, acc)  # part of the image-build contract
    elif action not in CONTRACT_ACTIONS:
        raise LiftError(f"unknown action {uses}")


def _plan_job(  # noqa: PLR0917 - the job, its leg, and what the whole workflow says
    job_id: str,
    job: dict[str, Any],
    leg: dict[str, str],
    workflow: dict[str, Any],
    github: dict[str, Any],
    artifacts: Artifacts,
) -> PlanJob:
    raw_env = {**(workflow.get("env") or {}), **(job.get("env") or {})}
    env = {name: normalize_value(value, leg) for name, value in raw_env.items()}
    env = lift_services.reached(env, job)
    acc: dict[str, Any] = {
        "commands": [],
        "tools": [],
        "produces": [],
        "consumes": set(),
        "caches": [],
        "github": github,
        "job_id": job_id,
        "uploads": artifacts.uploads,
    }
    producers = artifacts.producers
    for step in job.get("steps", []):
        _step(step, job, leg, producers, acc)
    consumes = set(acc["consumes"])
    consumes |= {m[1] for v in env.values() for m in [re.match(r"@output\(([^.]+)\.", v)] if m}
    commands = tuple(acc["commands"])
    runs_on = job.get("runs-on", [])
    labels = [normalize_value(label, leg) for label in (runs_on if isinstance(runs_on, list) else [runs_on])]
    return PlanJob(
        key=job_key(job_id, tuple(leg.items())),
        logical_id=job_id,
        platform=register.runner_platform(labels, GITHUB_RUNNERS, env.get("TEST_PLATFORM")),
        needs=frozenset(),  # filled in by lift()
        source=any(str(step.get("uses", "")).startswith("actions/checkout@") for step in job.get("steps", [])),
        commands=commands,
        env=register.normalize_env(env),
        tools=tuple(sorted(acc["tools"])),
        consumes=frozenset(consumes),
        produces=tuple(acc["produces"]),
        outputs=tuple(sorted((job.get("outputs") or {}).keys())),
        gates=gates_of(commands, env),
        timeout_minutes=int(job.get("timeout-minutes", 360)),
        caches=tuple(acc["caches"]),
        workdir=_working_directory(job, workflow),
        affected_by=change_check(
            commands, base=_event_value(raw_env.get("CHANGE_BASE", ""), github), shared_shell=False
        ),
        container=_container(job),
        # only a literal true: an expression would decide at run time
        allow_failure=job.get("continue-on-error") is True,
        # a secret the blocks require reaches them only through the job's env
        secrets=tuple(
            name for name in required_secrets(commands) if scalar(raw_env.get(name, "")) == f"${{{{ secrets.{name} }}}}"
        ),
        services=lift_services.services(job),
        # register: manual-approval (the environment's required reviewers hold the job)
        manual=environment_fact(job.get("environment")) == ir.MANUAL_ENVIRONMENT,
    )


def _container(job: dict[str, Any]) -> str:
    """The image of ``container:`` (a string, or a mapping with ``image``); "" without one."""
    container = job.get("container")
    image = container.get("image") if isinstance(container, dict) else container
    return str(image) if image else ""


def _working_directory(job: dict[str, Any], workflow: dict[str, Any]) -> str:
    """``defaults.run.working-directory`` of the job, else of the workflow, else the checkout."""
    for level in (job, workflow):
        directory = ((level.get("defaults") or {}).get("run") or {}).get("working-directory")
        if directory is not None:
            return posixpath.normpath(scalar(directory))
    return "."


def _event_value(value: Any, github: dict[str, Any]) -> str:
    """An env value as the runner sets it for this event (expressions over the github context)."""

    def resolve(expr: str) -> str:
        result = expressions.evaluate(expr, {"github": github})
        return "" if result is None else str(result)

    return expressions.substitute(scalar(value), resolve)


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs", [])
    return [needs] if isinstance(needs, str) else list(needs)


def _asked(names: tuple[Any, ...], needed: dict[str, str]) -> list[tuple[str, str]]:
    """The needs a status function looks at: the named ones, or all of them."""
    return [(str(n), needed.get(str(n), "")) for n in names] if names else list(needed.items())


def lift(source: str | dict[str, Any], event: PlanEvent) -> Plan:
    """The plan a workflow (its text, or the parsed document) runs for an event."""
    workflow = load(source) if isinstance(source, str) else source
    if not triggered(workflow.get("on"), event):
        return Plan(event=event.name, jobs={})
    path_filter = lift_paths.path_filter(workflow.get("on"), event)
    context = github_context(event)
    results: dict[str, str] = {}  # job id -> success | skipped

    def result(job_id: str) -> str:
        if job_id in results:
            return results[job_id]
        job = workflow["jobs"][job_id]
        needed = {n: result(n) for n in _needs(job)}
        functions = {
            "success": lambda *names: all(r == "success" for _, r in _asked(names, needed)),
            "always": lambda: True,
            "failure": lambda *names: False,
            "cancelled": lambda: False,
        }
        ctx = {"github": context, "needs": {n: {"result": r} for n, r in needed.items()}, "inputs": {}, "vars": {}}
        raw = job.get("if", "")
        try:
            # YAML booleans and numbers are read as their text (if: false disables a job).
            condition = expressions.if_condition(raw if isinstance(raw, str) else json.dumps(raw))
            if not expressions.has_status_function(condition, ctx):
                condition = f"success() && ({condition})"
            runs = expressions.truthy(expressions.evaluate(condition, ctx, functions))
        except expressions.ExpressionError as exc:
            raise LiftError(f"job {job_id}: cannot judge if: {raw!r}: {exc}") from exc
        results[job_id] = "success" if runs else "skipped"
        return results[job_id]

    jobs: dict[str, PlanJob] = {}
    keys: dict[str, list[str]] = {}
    artifacts = uploads(workflow)
    for job_id, job in workflow["jobs"].items():
        if result(job_id) != "success" or native_sast(job):
            continue
        legs = expand_matrix(job.get("strategy")) or [{}]
        for leg in legs:
            planned = _plan_job(job_id, job, leg, workflow, context, artifacts)
            jobs[planned.key] = planned
            keys.setdefault(job_id, []).append(planned.key)
    for key, planned in list(jobs.items()):
        needs = frozenset(k for n in _needs(workflow["jobs"][planned.logical_id]) for k in keys.get(n, []))
        jobs[key] = attrs.evolve(planned, needs=needs)
    return Plan(event=event.name, jobs=jobs, path_filter=path_filter)
