"""Lift an emitted GitLab CI pipeline back into execution plans, with GitLab's semantics:
``workflow:rules``, first-match job ``rules``, ``needs``, ``parallel:matrix`` and variables.

It reads only the YAML; it shares no code with the emitters.
"""

from __future__ import annotations

import itertools
import posixpath
import re
from typing import Any, Final

import attrs

from ciforge import ir, source
from ciforge.plan import model, register
from ciforge.plan.gates import gates_of, invokes
from ciforge.plan.model import (
    Artifact,
    Plan,
    PlanEvent,
    PlanJob,
    assigned,
    change_check,
    job_key,
    required_secrets,
    service_entry,
)
from ciforge.targets.gitlab import expressions, lift_changes, lift_docker

# Top-level keys that are not jobs. https://docs.gitlab.com/ci/yaml/
RESERVED: Final = frozenset(
    {
        "image",
        "services",
        "stages",
        "before_script",
        "after_script",
        "variables",
        "cache",
        "include",
        "workflow",
        "default",
        "spec",
    }
)
TOKENS: Final = {
    "$CI_COMMIT_REF_NAME": "@REF_NAME",
    "$CI_COMMIT_SHA": "@COMMIT_SHA",
    "$CI_MERGE_REQUEST_DIFF_BASE_SHA": "@CHANGE_BASE",
    "$CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "@CHANGE_HEAD",
    "$CI_COMMIT_TAG": "@TAG_NAME",
    "$CI_DEFAULT_BRANCH": "@DEFAULT_BRANCH",
    "$CI_REGISTRY_IMAGE": "@IMAGE_REPOSITORY",
    "$CI_SERVER_URL": "@SERVER_URL",
    "$CI_PROJECT_PATH": "@PROJECT_PATH",
    "$CI_PIPELINE_URL": "@RUN_URL",
    "$CI_REGISTRY": "@REGISTRY",
    "$CI_REGISTRY_USER": "@credential",
    "$CI_REGISTRY_PASSWORD": "@credential",
}
IMAGE_TOOLS: Final = (
    (re.compile(r"^golang:(?P<v>[0-9.]+)$"), "go", ""),
    (re.compile(r"^anchore/syft:(?P<v>v[0-9.]+)-debug$"), "syft", ""),
    (re.compile(r"^aquasec/trivy:(?P<v>[0-9.]+)$"), "trivy", "v"),
    (re.compile(r"^ghcr\.io/sigstore/cosign/cosign:(?P<v>v[0-9.]+)-dev$"), "cosign", ""),
)


# The platform of each documented hosted runner tag of GitLab.com (the runners exception).
# https://docs.gitlab.com/ci/runners/hosted_runners/
GITLAB_RUNNERS: Final = {
    **{f"saas-linux-{size}-amd64": "linux/amd64" for size in ("small", "medium", "large", "xlarge", "2xlarge")},
    **{f"saas-linux-{size}-arm64": "linux/arm64" for size in ("small", "medium", "large", "xlarge", "2xlarge")},
    **dict.fromkeys(("saas-macos-medium-m1", "saas-macos-large-m2pro"), "darwin/arm64"),
}
# A GitLab job without tags runs on GitLab.com's small Linux amd64 runner.
UNTAGGED_PLATFORM: Final = "linux/amd64"


class LiftError(ValueError):
    """The pipeline uses something the lifter does not model."""


class RefusedPipelineError(LiftError, model.RefusedPipelineError):
    """GitLab would refuse to create this pipeline."""


# One job may need at most 50 jobs, every parallel:matrix instance counted.
# https://docs.gitlab.com/ci/yaml/#needs
NEEDS_LIMIT: Final = 50


def load(text: str) -> dict[str, Any]:
    """Parse the pipeline."""
    data = source.load_plain(text)
    if not isinstance(data, dict):
        raise LiftError("not a pipeline")
    return data


# The merge base of the modelled merge request (any commit SHA).
CHANGE_BASE: Final = "ba5e" * 10
# A script line that sets the directory of every line after it (one shell per job).
_CD: Final = re.compile(r"cd (?:-- )?'?([^'\s;&|]+)'?(?: \|\| exit(?: [0-9]+)?)?")


def ci_variables(event: PlanEvent) -> dict[str, str]:
    """Predefined variables for an event. https://docs.gitlab.com/ci/variables/predefined_variables/"""
    common = {"CI_COMMIT_REF_NAME": event.ref_name, "CI_COMMIT_MESSAGE": event.message}
    if event.kind is ir.Event.CHANGE_REQUEST:
        return {
            **common,
            "CI_PIPELINE_SOURCE": "merge_request_event",
            "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": event.ref_name,
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": event.base,
            "CI_MERGE_REQUEST_DIFF_BASE_SHA": CHANGE_BASE,
        }
    if event.kind is ir.Event.PUSH_TAG:
        return {**common, "CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": event.ref_name}
    if event.kind is ir.Event.SCHEDULE:
        # a schedule created as `ciforge schedules` prints it: on the default branch, its
        # variable naming the cron (register: schedule-definition)
        return {
            **common,
            "CI_PIPELINE_SOURCE": "schedule",
            "CI_COMMIT_BRANCH": event.ref_name,
            ir.SCHEDULE_VARIABLE: event.schedule,
        }
    source = "web" if event.kind is ir.Event.MANUAL else "push"
    return {**common, "CI_PIPELINE_SOURCE": source, "CI_COMMIT_BRANCH": event.ref_name}


# GitLab's own skip markers, in any capitalization, checked before any rule for every source but
# web, API, trigger and schedule pipelines (those pass ignore_skip_ci).
# https://docs.gitlab.com/ci/pipelines/#skip-a-pipeline
NATIVE_SKIP: Final = re.compile(r"\[(ci[ _-]skip|skip[ _-]ci)\]", re.IGNORECASE)


def natively_skipped(variables: dict[str, str]) -> bool:
    """Whether GitLab skips the pipeline for its own commit-message markers."""
    source = variables.get("CI_PIPELINE_SOURCE")
    return source in ("push", "merge_request_event") and NATIVE_SKIP.search(variables["CI_COMMIT_MESSAGE"]) is not None


def first_rule(rules: list[Any], variables: dict[str, str]) -> dict[str, Any] | None:
    """The first job rule whose ``if`` holds (a rule without ``if`` always holds). ciforge's job
    rules never read changed files (its path filter is the workflow's)."""
    if any(isinstance(rule, dict) and ("changes" in rule or "exists" in rule) for rule in rules):
        raise LiftError("job rules with changes or exists are not generated by ciforge")
    for rule in rules:
        if "if" not in rule or expressions.evaluate(str(rule["if"]), variables):
            return dict(rule)
    return None


def pipeline_created(doc: dict[str, Any], variables: dict[str, str]) -> bool:
    """``workflow:rules`` decide whether the pipeline exists at all (for a change that its path
    filter, if any, lets through: ciforge/targets/gitlab/lift_changes.py)."""
    return lift_changes.workflow(doc, variables)[0]


def _variable(raw: Any) -> str:
    """A ``variables:`` value as the job sees it. GitLab expands ``$NAME`` inside a value unless it
    has ``expand: false``; a value that is exactly one ``$NAME`` is normalized later (a token or a
    setting), any other expanded value is marked so it never equals a literal.
    https://docs.gitlab.com/ci/yaml/#variablesexpand"""
    value = _value(raw)
    literal = isinstance(raw, dict) and raw.get("expand") is False
    if literal or "$" not in value or re.fullmatch(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", value):
        return value
    return f"@expanded({value})"


def _value(raw: Any) -> str:
    if isinstance(raw, dict):
        return str(raw.get("value", ""))
    if isinstance(raw, bool):
        return str(raw).lower()
    return str(raw)


def _normalize(name: str, value: str) -> str:
    if value in TOKENS:
        return TOKENS[value]
    setting = re.fullmatch(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", value)
    if setting and not setting[1].startswith("CI_"):
        return f"@setting({setting[1]})"
    return value


def expand_parallel(job: dict[str, Any]) -> list[dict[str, str]]:
    """``parallel:matrix``: each hash is its own product; the union of all of them. A number
    (``parallel: 3``, that many copies of the job: https://docs.gitlab.com/ci/yaml/#parallel) is
    refused: ciforge never writes it, and the plan has no copies of a job."""
    parallel = job.get("parallel")
    if parallel is not None and not isinstance(parallel, dict):
        raise LiftError(f"parallel: {parallel!r} (copies of a job) is not generated by ciforge")
    matrix = (parallel or {}).get("matrix")
    if not matrix:
        return []
    legs = []
    for entry in matrix:
        names = list(entry)
        values = [v if isinstance(v, list) else [v] for v in entry.values()]
        legs += [dict(zip(names, map(_value, combo), strict=True)) for combo in itertools.product(*values)]
    return legs


def _tools(job: dict[str, Any], leg: dict[str, str]) -> list[tuple[str, str]]:
    image = job.get("image")
    name = expressions.expand(str(image.get("name") if isinstance(image, dict) else image), leg)
    out = []
    for pattern, tool, prefix in IMAGE_TOOLS:
        match = pattern.match(str(name))
        if match:
            out.append((tool, prefix + match["v"]))
    for block in job.get("script", []):
        buildx = re.search(r"docker/buildx-bin:([0-9.]+)", str(block))
        if buildx:
            out.append(("buildx", "v" + buildx[1]))
        go = re.search(r'^toolchain="([^"]+)"$', str(block), re.MULTILINE)
        if go and "https://dl.google.com/go/" in str(block):  # Go installed by a block (no golang image)
            out.append(("go", expressions.expand(go[1], leg)))
    return out


def _go_cache(job: dict[str, Any], variables: dict[str, str]) -> str | None:
    """The Go cache a job restores: none on a tag ref when the key is per ref (each tag is its
    own scope), "go" when the key separates refs, their protection, and jobs and matrix legs
    ($CI_JOB_NAME_SLUG carries the leg's values), "go:across-jobs" when it separates refs but
    not jobs, else "go:shared"."""
    cache = job.get("cache")
    if not isinstance(cache, dict) or str(cache.get("policy", "pull-push")) == "push":
        return None
    key = cache.get("key")
    text = str(key.get("prefix", "")) if isinstance(key, dict) else str(key)
    # $NAME or ${NAME}: https://docs.gitlab.com/ci/variables/where_variables_can_be_used/
    scoped = all(re.search(rf"\$\{{?{name}\b", text) for name in ("CI_COMMIT_REF_PROTECTED", "CI_COMMIT_REF_SLUG"))
    if not scoped:
        return "go:shared"
    if variables.get("CI_COMMIT_TAG"):
        return None
    return "go" if re.search(r"\$\{?CI_JOB_NAME(_SLUG)?\b", text) else "go:across-jobs"


def _dotenv_names(job: dict[str, Any]) -> tuple[str, ...]:
    """The variables a job passes on through its dotenv report, read from its scripts."""
    report = ((job.get("artifacts") or {}).get("reports") or {}).get("dotenv")
    if not report:
        return ()
    found = re.findall(
        rf'echo "([A-Z_][A-Z0-9_]*)=[^"]*" >>? {re.escape(str(report))}', "\n".join(job.get("script", []))
    )
    return tuple(sorted(set(found), key=found.index))


def _artifacts(job: dict[str, Any], variables: dict[str, str]) -> tuple[Artifact, ...]:
    artifacts = job.get("artifacts") or {}
    if not artifacts.get("paths"):
        return ()
    return (
        Artifact(
            # https://docs.gitlab.com/ci/yaml/#artifactsname: "artifacts" when not defined
            name=expressions.expand(str(artifacts.get("name", "artifacts")), variables),
            paths=tuple(expressions.expand(str(p), variables) for p in artifacts["paths"]),
            when=str(artifacts.get("when", "on_success")),
        ),
    )


def _needs(job: dict[str, Any]) -> list[tuple[str, bool]]:
    out = []
    for need in job.get("needs", []):
        if isinstance(need, dict):
            out.append((str(need["job"]), bool(need.get("artifacts", True))))
        else:
            out.append((str(need), True))
    return out


def _report_file(job: dict[str, Any], kind: str) -> str | None:
    """The file name of one of the job's ``artifacts:reports`` (a path from the project directory;
    the block writes it in the job's own directory)."""
    report = ((job.get("artifacts") or {}).get("reports") or {}).get(kind)
    path = report.get("path") if isinstance(report, dict) else report
    return posixpath.basename(str(path)) if path else None


SECURITY_REPORTS: Final = ("sast", "secret_detection", "dependency_scanning")
# GitLab's SAST template (code-scan.sast: native): its analyzer jobs, defined in the template, and
# the job "sast" they extend, which sets their stage, are in no plan (named exception sast-native).
# https://docs.gitlab.com/user/application_security/sast/
SAST_INCLUDE: Final = [{"template": "Jobs/SAST.gitlab-ci.yml"}]


def native_sast(doc: dict[str, Any], name: str) -> bool:
    """Whether ``name`` is the template's sast job, set to a stage and nothing else."""
    job = doc.get(name)
    return name == "sast" and doc.get("include") == SAST_INCLUDE and isinstance(job, dict) and set(job) == {"stage"}


def platform_block(text: str, job: dict[str, Any]) -> str | None:
    """The named exception a block only GitLab has belongs to, recognised by GitLab's own
    structure: it writes one of the job's report artifacts (coverage, container scanning), calls
    the project's Releases API, installs a tool (buildx from its binary image, Go from its
    release archive), or derives the signing identity from one of the job's ID tokens. None for a
    block both platforms run. https://docs.gitlab.com/ci/yaml/artifacts_reports/"""
    coverage, scanning = _report_file(job, "coverage_report"), _report_file(job, "container_scanning")
    if coverage is not None and f"> {coverage}" in text:
        return "coverage-report"
    if scanning is not None and f"--output {scanning}" in text:
        return "scan-report"
    # a code scan's security report: Trivy's template, or SARIF converted (docs/code-scan.md)
    for kind in SECURITY_REPORTS:
        report = _report_file(job, kind)
        if report is not None and (f"--output {report}" in text or f" {report} {kind} <<'PY'" in text):
            return "scan-report"
    # https://docs.gitlab.com/api/releases/#create-a-release
    if "${CI_API_V4_URL}/projects/${CI_PROJECT_ID}/releases" in text:
        return "release-publish"
    if invokes(text, "docker", "cp") and "docker/buildx-bin:" in text:
        return "tool-install"
    if invokes(text, "curl") and "https://dl.google.com/go/" in text:
        return "tool-install"
    # the docker CLI for a job with GitLab's Docker-in-Docker service (GitHub's runner has one)
    if (
        invokes(text, "apt-get", "install")
        and " docker.io" in text
        and any(DIND_IMAGE.fullmatch(str(s)) for s in job.get("services") or [])
    ):
        return "tool-install"
    tokens = [f"${name}" for name in job.get("id_tokens") or {}] + [f"${{{name}" for name in job.get("id_tokens") or {}]
    if any(token in text for token in tokens) and "CERT_IDENTITY=" in text:
        return "signing-identity"
    return None


def _plan_job(  # noqa: PLR0917 - one job, its document, leg and the event's variables
    name: str,
    job: dict[str, Any],
    doc: dict[str, Any],
    leg: dict[str, str],
    rule_vars: dict[str, str],
    event_variables: dict[str, str],
) -> PlanJob:
    raw = {**{k: _variable(v) for k, v in (doc.get("variables") or {}).items()}}
    raw.update({k: _variable(v) for k, v in (job.get("variables") or {}).items()})
    raw.update(rule_vars)
    raw.update(leg)
    # GIT_STRATEGY: none means no clone: the job sees only its artifacts.
    source = raw.pop("GIT_STRATEGY", "fetch") != "none"
    declared = {**(doc.get("variables") or {}), **(job.get("variables") or {})}
    literal = {k for k, v in declared.items() if isinstance(v, dict) and v.get("expand") is False}
    literal -= set(rule_vars) | set(leg)
    env = {k: v if k in literal else _normalize(k, v) for k, v in raw.items()}
    # register: service-host (GitLab reaches a service by its alias, already its name in the plan;
    # the ports the job's containers publish on the Docker-in-Docker service's host)
    env = register.docker_publish_host(env, DIND_HOST)
    # A pipeline variable overrides any of these set as a variable (register: pipeline-variables).
    env.update({k: f"{register.OVERRIDABLE}({v})" for k, v in env.items() if k in register.OVERRIDABLE_SETTINGS})
    consumes = set()
    for producer, artifacts in _needs(job):
        if not artifacts:
            continue
        upstream = doc.get(producer)
        if not isinstance(upstream, dict):
            continue  # not a job: lift() reports the need with the job's name
        if (upstream.get("artifacts") or {}).get("paths"):
            consumes.add(producer)
        for output in _dotenv_names(upstream):
            env[output] = f"@output({producer}.{output})"
            consumes.add(producer)
    commands: list[str] = []
    caches = [cache for cache in (_go_cache(job, event_variables),) if cache is not None]
    workdir = "."
    for block in job.get("script", []):
        text = str(block)
        directory = _CD.fullmatch(text.strip())
        if directory is not None and not commands:  # before any work: the job's directory
            workdir = posixpath.normpath(posixpath.join(workdir, directory[1]))
        elif (emulation := lift_docker.binfmt(text)) is not None:
            commands.append(emulation)
        elif "docker buildx build " in text:
            command, image_cache = lift_docker.buildx(text)
            commands.append(command)
            caches += [image_cache] if image_cache else []
        elif (platform := platform_block(text, job)) is None:
            commands.append(text)
        elif platform == "signing-identity":  # the block sets them for the blocks after it
            env.update(assigned(text))
            env["CERT_IDENTITY"] = "@from-id-token"
    tags = [expressions.expand(str(tag), raw) for tag in job.get("tags") or []]
    runs_on = register.runner_platform(tags, GITLAB_RUNNERS, env.get("TEST_PLATFORM")) if tags else UNTAGGED_PLATFORM
    timeout = re.fullmatch(r"(\d+) minutes?", str(job.get("timeout", "60 minutes")))
    if timeout is None:
        raise LiftError(f"{name}: timeout {job.get('timeout')!r}")
    return PlanJob(
        key=job_key(name, tuple(leg.items())),
        logical_id=name,
        platform=runs_on,
        needs=frozenset(),
        source=source,
        commands=tuple(commands),
        env=register.normalize_env(env),
        tools=tuple(sorted(_tools(job, leg))),
        consumes=frozenset(consumes),
        produces=_artifacts(job, raw),
        outputs=tuple(sorted(_dotenv_names(job))),
        gates=gates_of(tuple(commands), env),
        timeout_minutes=int(timeout[1]),
        caches=tuple(caches),
        workdir=workdir,
        affected_by=change_check(
            tuple(commands), base=expressions.expand(raw.get("CHANGE_BASE", ""), event_variables), shared_shell=True
        ),
        container=_container(job),
        # true, or a mapping of exit codes (allowed to fail with those)
        allow_failure=job.get("allow_failure") is True or isinstance(job.get("allow_failure"), dict),
        # GitLab injects a CI/CD variable by its own name (named exception settings-variables)
        secrets=required_secrets(tuple(commands)),
        services=_services(job),
    )


# The Docker-in-Docker service's hostname, where the ports its containers publish are reached.
DIND_HOST: Final = "docker"
DIND_IMAGE: Final = re.compile(r"docker:[0-9.]+-dind")


def _services(job: dict[str, Any]) -> tuple[str, ...]:
    """``services:`` other than Docker-in-Docker (the posture's), each by its alias (else its
    image's name, as GitLab names an unaliased service) with its image and variables.
    https://docs.gitlab.com/ci/services/#accessing-the-services"""
    out = []
    for entry in job.get("services") or []:
        spec = entry if isinstance(entry, dict) else {"name": entry}
        if not spec.get("name"):
            raise LiftError("a service without a name (GitLab requires services:name)")
        image = str(spec["name"])
        if DIND_IMAGE.fullmatch(image):
            continue
        alias = str(spec.get("alias") or re.split(r"[:@]", image.rsplit("/", 1)[-1])[0])
        variables = {str(k): _variable(v) for k, v in (spec.get("variables") or {}).items()}
        out.append(service_entry(alias, image, variables))
    return tuple(sorted(out))


def _container(job: dict[str, Any]) -> str:
    """The job's image when it is pinned by digest: the manifest's own container (ciforge's
    toolchain and tool images are pinned by tag, docs/equivalence.md); "" otherwise."""
    image = job.get("image")
    name = image.get("name") if isinstance(image, dict) else image
    return str(name) if isinstance(name, str) and "@sha256:" in name else ""


def lift(source: str | dict[str, Any], event: PlanEvent) -> Plan:
    """The plan a pipeline (its text, or the parsed document) runs for an event."""
    doc = load(source) if isinstance(source, str) else source
    variables = ci_variables(event)
    if natively_skipped(variables):
        return Plan(event=event.name, jobs={})
    created, path_filter = lift_changes.workflow(doc, variables)
    if not created:
        return Plan(event=event.name, jobs={})
    jobs: dict[str, PlanJob] = {}
    keys: dict[str, list[str]] = {}
    for name, job in doc.items():
        if name in RESERVED or name.startswith(".") or not isinstance(job, dict) or native_sast(doc, name):
            continue
        if "rules" in job:
            rule = first_rule(job["rules"], variables)
            if rule is None or rule.get("when", "on_success") == "never":
                continue
            rule_vars = {k: expressions.expand(_value(v), variables) for k, v in (rule.get("variables") or {}).items()}
        elif variables["CI_PIPELINE_SOURCE"] == "merge_request_event":
            continue  # a job without rules is not part of merge request pipelines
        else:
            rule_vars = {}
        chosen = rule if "rules" in job and rule is not None else job
        manual = chosen.get("when") == "manual"
        for leg in expand_parallel(job) or [{}]:
            planned = attrs.evolve(_plan_job(name, job, doc, leg, rule_vars, variables), manual=manual)
            jobs[planned.key] = planned
            keys.setdefault(name, []).append(planned.key)
    for key, planned in list(jobs.items()):
        needed = [n for n, _ in _needs(doc[planned.logical_id])]
        missing = [n for n in needed if n not in keys]
        if missing:
            raise LiftError(f"{event.name}: {planned.logical_id} needs {missing}, which are not in the pipeline")
        jobs[key] = attrs.evolve(planned, needs=frozenset(k for n in needed for k in keys[n]))
        if len(jobs[key].needs) > NEEDS_LIMIT:
            raise RefusedPipelineError(
                f"{event.name}: GitLab refuses the pipeline: job {key} needs {len(jobs[key].needs)} jobs, "
                f"more than {NEEDS_LIMIT}"
            )
    return Plan(event=event.name, jobs=jobs, path_filter=path_filter, one_archive=True)
