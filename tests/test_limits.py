"""Platform limits (issue 7), checked on both outputs; over a limit, a positioned error.

The limits and where they come from:

* GitHub: a job matrix generates at most 256 jobs; a workflow file over 500 KB does not start
  runs (https://docs.github.com/en/actions/reference/limits, "Job Matrix" and "Workflow file
  size"). Artifact names must be unique within a run (actions/upload-artifact v4). No job-name
  length is documented; 255, GitLab's figure, is assumed for the expanded ``name:``.
* GitLab: ``parallel:matrix`` creates at most 200 jobs (https://docs.gitlab.com/ci/yaml/#parallelmatrix);
  a job ``needs`` at most 50 jobs (GitLab.com default); a job name is at most 255 characters
  (gitlab-org/gitlab!73559), and the expanded name of a job that another job needs at most 128
  (gitlab-org/gitlab!129326: longer names make pipeline creation fail without a message).
  A matrix job is named ``job: [v1, v2, ...]`` with every variable value of its entry.
* ciforge: matrices over :data:`ciforge.lower.SHARD_SIZE` legs are split into ``build-1``,
  ``build-2``, ... on both platforms; more than :data:`ciforge.lower.MAX_LEGS` legs is an error.

Manifests are built in code. The biggest renders are cached per module, so each is compiled once.
"""

from __future__ import annotations

import functools
import io
import itertools
import math
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any, Final

import attrs
import pytest
from ruamel.yaml import YAML

from ciforge import ir
from ciforge.cli import main
from ciforge.compiler import compile_file
from ciforge.diagnostics import Diagnostic
from ciforge.lower_build import MAX_LEGS, NEEDS_LIMIT, SHARD_SIZE
from ciforge.schema import schema
from ciforge.targets import registry
from tests.helpers import GITHUB, GITLAB, case_dirs

GITHUB_MATRIX_LIMIT: Final = 256
GITLAB_MATRIX_LIMIT: Final = 200
GITLAB_NEEDS_LIMIT: Final = 50
JOB_NAME_LIMIT: Final = 255
GITLAB_NEEDED_NAME_LIMIT: Final = 128
WORKFLOW_SIZE_LIMIT: Final = 500 * 1000  # "500 KB"; read as decimal kilobytes, the stricter reading
WORKFLOW: Final = GITHUB
PIPELINE: Final = GITLAB
MANIFEST: Final = "ciforge.yml"
ARTIFACT_NAME_FORBIDDEN: Final = set('":<>|*?\\/\r\n')
EXPRESSION: Final = re.compile(r"\$\{\{\s*matrix\.([A-Za-z0-9_]+)\s*\}\}")

GOOS: Final[list[str]] = schema()["$defs"]["goos"]["enum"]
GOARCH: Final[list[str]] = schema()["$defs"]["goarch"]["enum"]
Leg = tuple[str, str, str, str | None, str | None]  # GOOS, GOARCH, CGO_ENABLED, GO_TAGS, CC


# -- building and rendering manifests --------------------------------------------------------------


def dump(data: dict[str, Any]) -> str:
    """A manifest dict as YAML text (block style)."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    stream = io.StringIO()
    yaml.dump(data, stream)
    return stream.getvalue()


def manifest(**sections: Any) -> dict[str, Any]:
    """A minimal valid manifest plus ``sections``."""
    return {"version": 1, "name": "limits", "go": {"version": "1.23"}, **sections}


ALL_STAGES: Final[dict[str, Any]] = {
    "image": {"repository": "ghcr.io/acme/limits"},
    "sbom": {"format": "spdx-json"},
    "scan": {"severity": ["CRITICAL"]},
    "sign": {"keyless": True},
    "release": {"on-tags": True},
}


def includes(count: int, **extra: Any) -> list[dict[str, Any]]:
    """``count`` include entries that each add a leg of their own (they contradict goos=linux)."""
    return [{"goos": "darwin", "tags": f"t{i:04d}", **extra} for i in range(count)]


@attrs.frozen
class Rendered:
    """A compiled manifest: the text, the pipeline (or None), diagnostics, outputs parsed."""

    text: str
    pipeline: ir.Pipeline | None
    diagnostics: list[Diagnostic]
    files: dict[str, str]  # path -> text
    docs: dict[str, dict[str, Any]]  # path -> parsed YAML (or the emitter's data when not parsed)


def render(data: dict[str, Any] | str, *, parse: bool = True, base_dir: Path | None = None) -> Rendered:
    """Compile a manifest (a dict or text) for both targets the way `ciforge render` does
    (:func:`ciforge.compiler.compile_file`). ``parse=False`` reads the emitters' data instead of
    parsing the (large) texts back; the texts are still produced."""
    text = data if isinstance(data, str) else dump(data)
    with tempfile.TemporaryDirectory(prefix="ciforge-limits-") as tmp:
        root = Path(tmp)
        if base_dir is not None and (base_dir / "go.mod").is_file():
            shutil.copy(base_dir / "go.mod", root / "go.mod")
        (root / "Dockerfile").write_text("FROM scratch\n", encoding="utf-8")  # render checks image.dockerfile exists
        (root / MANIFEST).write_text(text, encoding="utf-8")
        result = compile_file(root / MANIFEST, out_dir=root, targets=("github", "gitlab"), display=MANIFEST)
    diagnostics = list(result.diagnostics)
    if not result.ok or result.pipeline is None:
        return Rendered(text, None, diagnostics, {}, {})
    files = dict(result.files)
    if parse:
        # the pipelines (a generated Dockerfile and .dockerignore are not YAML)
        docs = {
            path: YAML(typ="safe", pure=True).load(body)
            for path, body in files.items()
            if path.endswith((".yml", ".yaml"))
        }
    else:
        docs = {target.OUTPUT_PATH: target.emit(result.pipeline) for target in registry.platforms()}
    return Rendered(text, result.pipeline, diagnostics, files, docs)


def position_of(text: str, key_path: list[str]) -> tuple[int, int]:
    """Line and column of the last key of ``key_path`` in block-style YAML ``text``."""
    line_no, indent = 0, -1
    lines = text.splitlines()
    for key in key_path:
        for number in range(line_no, len(lines)):
            line = lines[number]
            stripped = line.lstrip(" ")
            if stripped.startswith(f"{key}:") and len(line) - len(stripped) > indent:
                line_no, indent = number, len(line) - len(stripped)
                break
        else:
            raise AssertionError(f"{key_path} not found")
    return line_no + 1, indent + 1


# -- reading the outputs -----------------------------------------------------------------------------


def github_jobs(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    jobs: dict[str, dict[str, Any]] = doc["jobs"]
    return jobs


def gitlab_jobs(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: job for name, job in doc.items() if isinstance(job, dict) and "script" in job}


def github_legs(job: dict[str, Any]) -> list[dict[str, Any]]:
    legs: list[dict[str, Any]] = job.get("strategy", {}).get("matrix", {}).get("include", [])
    return legs


def gitlab_legs(job: dict[str, Any]) -> list[dict[str, Any]]:
    legs: list[dict[str, Any]] = (job.get("parallel") or {}).get("matrix", [])
    return legs


def leg(entry: dict[str, Any]) -> Leg:
    return (entry["GOOS"], entry["GOARCH"], str(entry["CGO_ENABLED"]), entry.get("GO_TAGS"), entry.get("CC"))


def expand(template: str, entry: dict[str, Any]) -> str:
    """``template`` with every ``${{ matrix.X }}`` replaced by the leg's value."""
    return EXPRESSION.sub(lambda match: str(entry.get(match[1], "")), template)


def github_names(doc: dict[str, Any]) -> dict[str, list[str]]:
    """Each job's expanded names: ``name:`` with the matrix expressions replaced per leg."""
    out: dict[str, list[str]] = {}
    for job_id, job in github_jobs(doc).items():
        template = str(job.get("name", job_id))
        out[job_id] = [expand(template, entry) for entry in github_legs(job) or [{}]]
    return out


def gitlab_names(doc: dict[str, Any]) -> dict[str, list[str]]:
    """Each job's names as GitLab creates them: ``job: [v1, v2, ...]`` per matrix entry."""
    out: dict[str, list[str]] = {}
    for job_id, job in gitlab_jobs(doc).items():
        legs = gitlab_legs(job)
        out[job_id] = [f"{job_id}: [{', '.join(str(v) for v in e.values())}]" for e in legs] or [job_id]
    return out


def gitlab_needs(job: dict[str, Any]) -> list[str]:
    return [n["job"] if isinstance(n, dict) else str(n) for n in job.get("needs", [])]


def github_artifacts(doc: dict[str, Any]) -> list[str]:
    """Every artifact a run uploads, with the matrix expressions expanded per leg."""
    names: list[str] = []
    for job in github_jobs(doc).values():
        for step in job.get("steps", []):
            uses = step.get("uses", "")
            uses = getattr(uses, "ref", uses)  # the emitters' data holds Pinned(ref, version)
            if str(uses).startswith("actions/upload-artifact@"):
                template = str(step["with"]["name"])
                names += [expand(template, entry) for entry in github_legs(job) or [{}]]
    return names


# -- the manifests -------------------------------------------------------------------------------

# Every GOOS x GOARCH pair (420 legs), most of them not Go ports. With Go 1.20, whose port list
# ciforge's release table lacks, they render (with a warning that they are not checked): these
# tests are about platform limits; tests/errors/build-leg-not-a-port.yml is about ports.
FULL_PRODUCT: Final = {
    **manifest(build={"matrix": {"goos": GOOS, "goarch": GOARCH, "cgo": [False, True]}}, **ALL_STAGES),
    "go": {"version": "1.20"},
}
MATRICES: Final[dict[str, tuple[dict[str, Any], set[Leg]]]] = {
    # name: (manifest, the expected legs, expanded by hand)
    "product-420": (
        FULL_PRODUCT,
        {
            (os, arch, "1" if cgo else "0", None, None)
            for os, arch, cgo in itertools.product(GOOS, GOARCH, [False, True])
        },
    ),
    "exactly-200": (
        manifest(build={"matrix": {"include": includes(SHARD_SIZE - 1)}}, release={}),
        {("linux", "amd64", "0", None, None)}
        | {("darwin", "amd64", "0", f"t{i:04d}", None) for i in range(SHARD_SIZE - 1)},
    ),
    "exactly-201": (
        manifest(build={"matrix": {"include": includes(SHARD_SIZE)}}, release={}),
        {("linux", "amd64", "0", None, None)}
        | {("darwin", "amd64", "0", f"t{i:04d}", None) for i in range(SHARD_SIZE)},
    ),
}
AT_CAP: Final = manifest(build={"matrix": {"include": includes(MAX_LEGS - 1)}}, **ALL_STAGES)
AT_CAP_LEGS: Final = {("linux", "amd64", "0", None, None)} | {
    ("darwin", "amd64", "0", f"t{i:04d}", None) for i in range(MAX_LEGS - 1)
}


@functools.cache
def rendered(name: str) -> Rendered:
    """Each big manifest compiled once per run."""
    if name == "at-cap":
        return render(AT_CAP, parse=False)
    return render(MATRICES[name][0])


def all_renders() -> list[str]:
    return [*MATRICES, "at-cap"]


@functools.cache
def golden(case: Path) -> Rendered:
    return render((case / MANIFEST).read_text(encoding="utf-8"), base_dir=case)


def every_render() -> list[Rendered]:
    """The big matrices, the cap, and every golden case that compiles (test_golden covers the
    rest)."""
    out = [rendered(name) for name in all_renders()]
    for r in out:
        assert r.pipeline is not None, r.diagnostics
    return out + [r for r in map(golden, case_dirs()) if r.pipeline is not None]


# -- matrix sharding -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", all_renders())
def test_large_matrices_are_sharded_the_same_on_both_platforms(name: str) -> None:
    """Over 200 legs (50 with a release, GitLab's needs limit), the build is split into build-1,
    build-2, ... on both platforms; each shard is within both platforms' matrix limits; the shards
    hold the expanded matrix exactly once; every shard's artifacts are consumed, by a job that
    needs it (with a release: its collector)."""
    r = rendered(name)
    assert r.pipeline is not None, r.diagnostics
    expected = AT_CAP_LEGS if name == "at-cap" else MATRICES[name][1]
    release = "release" in (AT_CAP if name == "at-cap" else MATRICES[name][0])
    size = NEEDS_LIMIT if release and len(expected) >= NEEDS_LIMIT else SHARD_SIZE
    shards = math.ceil(len(expected) / size)
    build_ids = ["build"] if shards == 1 else [f"build-{n}" for n in range(1, shards + 1)]
    github, gitlab = github_jobs(r.docs[WORKFLOW]), gitlab_jobs(r.docs[PIPELINE])
    assert [j for j in github if j.startswith("build")] == build_ids
    assert [j for j in gitlab if j.startswith("build")] == build_ids

    for platform, jobs, legs_of, limit in (
        ("github", github, github_legs, GITHUB_MATRIX_LIMIT),
        ("gitlab", gitlab, gitlab_legs, GITLAB_MATRIX_LIMIT),
    ):
        union: list[Leg] = []
        for job_id in build_ids:
            entries = legs_of(jobs[job_id])
            assert 1 <= len(entries) <= min(limit, size), (platform, job_id, len(entries))
            assert all(isinstance(v, str | int | bool) for e in entries for v in e.values())  # single-valued
            union += [leg(e) for e in entries]
        assert len(union) == len(set(union)), f"{platform}: a leg runs twice"
        assert set(union) == expected, platform

    for job_id in build_ids:  # the same shard holds the same legs on both platforms
        assert [leg(e) for e in github_legs(github[job_id])] == [leg(e) for e in gitlab_legs(gitlab[job_id])]

    consumers = [j for j in r.pipeline.jobs if any(c.producer in build_ids for c in j.consumes)]
    if release:
        assert {c.producer for j in consumers for c in j.consumes} >= set(build_ids), "every shard reaches the release"
    for job in consumers:
        read = {c.producer for c in job.consumes} & set(build_ids)
        assert read <= set(github[job.id]["needs"]), job.id
        gl_needs = {n["job"]: n["artifacts"] for n in gitlab[job.id]["needs"]}
        assert all(gl_needs.get(b) is True for b in read), (job.id, gl_needs)


def test_matrix_over_the_hard_cap_is_a_positioned_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """MAX_LEGS + 1 legs: a matrix-limit error at build.matrix; the CLI exits 2, writes nothing."""
    data = manifest(build={"matrix": {"include": includes(MAX_LEGS)}})
    r = render(data)
    assert r.pipeline is None
    found = [d for d in r.diagnostics if d.code == "matrix-limit"]
    assert len(found) == 1, r.diagnostics
    line, col = position_of(r.text, ["build", "matrix"])
    assert (found[0].path, found[0].line, found[0].col) == (("build", "matrix"), line, col)
    assert str(MAX_LEGS + 1) in found[0].message

    (tmp_path / MANIFEST).write_text(r.text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["render", "-m", str(tmp_path / MANIFEST), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / MANIFEST}:{line}:{col}: error: " in err
    assert "(at $.build.matrix) [matrix-limit]" in err
    assert not out.exists()


# -- needs, names, artifacts, size -------------------------------------------------------------------


def test_gitlab_needs_at_most_50_per_job() -> None:
    """No GitLab job needs more than 50 jobs, even with the most shards (MAX_LEGS legs) and every
    stage consuming them."""
    for r in every_render():
        for job_id, job in gitlab_jobs(r.docs[PIPELINE]).items():
            assert len(gitlab_needs(job)) <= GITLAB_NEEDS_LIMIT, job_id


def test_job_names_within_limits() -> None:
    """Every expanded job name fits: 255 on both platforms, 128 for GitLab jobs that are needed."""
    for r in every_render():
        gl = gitlab_names(r.docs[PIPELINE])
        needed = {n for job in gitlab_jobs(r.docs[PIPELINE]).values() for n in gitlab_needs(job)}
        for job_id, names in gl.items():
            limit = GITLAB_NEEDED_NAME_LIMIT if job_id in needed else JOB_NAME_LIMIT
            assert max(map(len, names)) <= limit, (job_id, max(names, key=len))
        for job_id, names in github_names(r.docs[WORKFLOW]).items():
            assert max(map(len, names)) <= JOB_NAME_LIMIT, (job_id, max(names, key=len))


@pytest.mark.parametrize(
    ("tags", "release"),
    [("x" * 300, False), ("x" * 300, True), ("x" * 60, True)],
    ids=["over-255", "over-255-needed", "over-128-needed"],
)
def test_long_matrix_job_names_are_refused_at_the_include_entry(tags: str, release: bool) -> None:
    """An include entry whose leg would make a job name too long (255; 128 for a GitLab job that
    the release needs) is one positioned error at that entry; nothing is rendered."""
    sections: dict[str, Any] = {"release": {}} if release else {}
    data = manifest(build={"matrix": {"include": [{"goos": "linux"}, {"goarch": "arm64", "goos": "linux", "tags": tags}]}}, **sections)  # fmt: skip
    r = render(data)
    assert r.pipeline is None
    path = ("build", "matrix", "include", 1)
    lines = r.text.splitlines()
    second = [n for n, text in enumerate(lines) if text.lstrip().startswith("- ")][1]  # include[1]'s first key
    line, col = second + 1, lines[second].index("- ") + 3
    assert [(d.code, d.severity, d.path, d.line, d.col) for d in r.diagnostics] == [("limit", "error", path, line, col)]
    length, limit = map(int, re.findall(r"(\d+)-character name; GitLab allows (\d+)", r.diagnostics[0].message)[0])
    assert length > limit in (GITLAB_NEEDED_NAME_LIMIT, JOB_NAME_LIMIT)


def test_names_over_128_are_fine_when_nothing_needs_the_job() -> None:
    """The 128-character limit only concerns needed jobs: without a release, 150 renders."""
    data = manifest(build={"matrix": {"include": [{"goos": "linux", "goarch": "arm64", "tags": "x" * 60}]}})
    r = render(data)
    assert r.pipeline is not None, r.diagnostics
    longest = max(len(n) for names in gitlab_names(r.docs[PIPELINE]).values() for n in names)
    assert GITLAB_NEEDED_NAME_LIMIT < longest <= JOB_NAME_LIMIT


DUPLICATE_LEGS: Final = manifest(
    build={
        "matrix": {
            "include": [
                {"goos": "darwin"},
                {"goos": "darwin"},
                {"goos": "darwin", "tags": "2"},
                {"goos": "darwin", "tags": "2"},
                {"goos": "linux", "tags": "a"},
                {"goos": "freebsd", "tags": "x,y"},
                {"goos": "freebsd", "tags": "x", "cc": "y"},
            ]
        }
    },
    **ALL_STAGES,
)


def test_artifact_names_are_unique_per_run_on_github() -> None:
    """Expanded per leg, no two uploads in a workflow run share an artifact name (upload-artifact
    v4 refuses a second upload of a name); names use no forbidden character; only build legs
    start with ``build-``, the pattern the release downloads."""
    renders = [*every_render(), render(DUPLICATE_LEGS)]
    for r in renders:
        assert r.pipeline is not None, r.diagnostics
        names = github_artifacts(r.docs[WORKFLOW])
        assert names
        duplicates = [n for n, count in Counter(names).items() if count > 1]
        assert duplicates == [], duplicates
        for name in names:
            assert not set(name) & ARTIFACT_NAME_FORBIDDEN, name
        # a matrix leg, or a leg block of a batch built one leg after another (build.jobs)
        build_legs = sum(
            len(github_legs(j)) or sum(str(s.get("id", "")).startswith("go-build-") for s in j["steps"])
            for i, j in github_jobs(r.docs[WORKFLOW]).items()
            if i.startswith("build")
        )
        assert sum(n.startswith("build-") for n in names) == build_legs


def test_workflow_files_stay_under_500_kb() -> None:
    """Every render here, up to the leg cap with every stage, stays under GitHub's 500 KB."""
    for r in every_render():
        size = len(r.files[WORKFLOW].encode("utf-8"))
        assert size < WORKFLOW_SIZE_LIMIT, size


def test_oversized_workflow_is_a_positioned_error() -> None:
    """A manifest whose workflow would exceed 500 KB (3,000 long go.private globs, written twice:
    GOPRIVATE and GONOSUMDB) is a positioned limit error, not a file GitHub silently ignores."""
    private = [f"git.example.com/team-{i:04d}/{'x' * 80}" for i in range(3000)]
    r = render(manifest(go={"version": "1.23", "private": private}), parse=False)
    assert r.pipeline is None
    line, col = position_of(r.text, ["go", "private"])
    assert [(d.code, d.path, d.line, d.col) for d in r.diagnostics] == [("limit", ("go", "private"), line, col)]
    assert "GitHub does not start runs of workflow files over 500 KB" in r.diagnostics[0].message


def test_oversized_matrix_workflow_is_a_positioned_error() -> None:
    """The same through the matrix: MAX_LEGS - 1 legs with long (valid) tags and cc values, each
    leg's GitLab name under 255, make a workflow over 500 KB. Error at build.matrix."""
    entries = includes(MAX_LEGS - 2, cgo=True, cc="c" * 60)
    for i, entry in enumerate(entries):
        entry["tags"] = f"t{i:04d}" + "_" * 40
    r = render(manifest(build={"matrix": {"include": entries}}), parse=False)
    assert r.pipeline is None
    line, col = position_of(r.text, ["build", "matrix"])
    assert [(d.code, d.path, d.line, d.col) for d in r.diagnostics] == [("limit", ("build", "matrix"), line, col)]
