"""image.dockerfile: generate (ciforge/dockerfile_gen.py): the golden Dockerfiles pass hadolint and
trivy config, cover every base and CGO setting, follow the build matrix and the Go release, and
render writes them like the pipelines (drift check, hand-written guard, same bytes every time).
Positioned errors for impossible settings are negative manifests: tests/errors/dockerfile-*.yml."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ciforge import dockerfile_gen, ir
from ciforge.cli import EXIT_DRIFT, EXIT_INPUT, EXIT_OK, main
from ciforge.model import ImageBase
from tests.conftest import oracle
from tests.helpers import case_dirs, generated_image_files, render_case

CASES = [c for c in case_dirs() if generated_image_files(c)]
IDS = [c.name for c in CASES]
# those whose Dockerfile compiles (image.from-build copies the pipeline's binaries instead:
# tests/test_image_from_build.py)
COMPILING = [c for c in CASES if "from-build: true" not in (c / "ciforge.yml").read_text(encoding="utf-8")]


def _tool(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=dict(os.environ), check=False, timeout=300)


def _from_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("FROM ")]


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_generated_dockerfile_passes_hadolint(case: Path) -> None:
    """hadolint reports nothing (its only ignores are the inline ones with a reason)."""
    proc = _tool(oracle("hadolint"), "Dockerfile", cwd=case)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip() == ""


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_each_hadolint_ignore_is_still_needed(case: Path) -> None:
    """Without the inline ignores hadolint reports exactly the rules they name (DL3064 on
    GOPRIVATE, DL3018 on alpine's apk add), so no ignore outlives its reason."""
    proc = _tool(oracle("hadolint"), "--disable-ignore-pragma", "--format", "json", "Dockerfile", cwd=case)
    text = (case / "Dockerfile").read_text(encoding="utf-8")
    ignored = sorted(line.split("=", 1)[1] for line in text.splitlines() if line.startswith("# hadolint ignore="))
    assert sorted(finding["code"] for finding in json.loads(proc.stdout)) == ignored


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_generated_dockerfile_has_no_high_or_critical_misconfigurations(case: Path) -> None:
    """trivy config (embedded checks, offline) finds no HIGH or CRITICAL issue."""
    args = ("config", "--skip-check-update", "--severity", "HIGH,CRITICAL", "--format", "json", "Dockerfile")
    proc = _tool(oracle("trivy"), *args, cwd=case)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = {r["Target"]: r for r in json.loads(proc.stdout)["Results"]}
    assert results["Dockerfile"]["MisconfSummary"]["Successes"] > 10  # the checks really ran
    assert results["Dockerfile"]["MisconfSummary"]["Failures"] == 0


def test_goldens_cover_every_base_and_cgo_setting() -> None:
    """A golden per base with CGO off, and per base that can hold a CGO binary with CGO on."""
    seen = set()
    for case in CASES:
        text = (case / "Dockerfile").read_text(encoding="utf-8")
        runtime = _from_lines(text)[-1].split()[1]
        base = next(name for name, image in dockerfile_gen.RUNTIME.items() if image == runtime)
        seen.add((base, "CGO_ENABLED=1" in text))
    expected = {(base, False) for base in dockerfile_gen.RUNTIME} | {("debian", True), ("alpine", True)}
    assert seen == expected


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_builder_is_the_pipelines_exact_go_release(case: Path) -> None:
    """The builder image is the golang image of the release the pipelines' build runs."""
    result = render_case(case)
    assert result.pipeline is not None
    go = next(job.go for job in result.pipeline.jobs if job.runtime == ir.Runtime.GO and job.go != ir.MATRIX_GO)
    builder = _from_lines(result.files["Dockerfile"])[0]
    assert f" golang:{go}-" in builder
    assert builder.endswith(" AS build")


@pytest.mark.parametrize("case", COMPILING, ids=[c.name for c in COMPILING])
def test_hardening(case: Path) -> None:
    """Non-root, multi-stage, no secret in a layer, cache mounts, labels, cross-build when static."""
    text = render_case(case).files["Dockerfile"]
    instructions = [line.split()[0] for line in text.splitlines() if line and not line.startswith(("#", " "))]
    assert instructions.count("FROM") == 2
    assert [i for i in instructions if i == "USER"] == ["USER"]
    assert "USER 65532:65532" in text
    assert text.count("--mount=type=cache,target=/go/pkg/mod") == 2
    assert "--mount=type=cache,target=/root/.cache/go-build" in text
    for label in ("source", "revision", "version"):
        assert f"org.opencontainers.image.{label}=" in text
    static = "CGO_ENABLED=0" in text
    assert ("--platform=$BUILDPLATFORM" in text) == static
    assert ("--mount=type=secret,id=netrc,target=/root/.netrc" in text) == ("ARG GOPRIVATE=" in text)
    assert "netrc" not in "".join(line for line in text.splitlines() if line.startswith(("ARG", "ENV")))


def test_cgo_follows_the_linux_legs() -> None:
    """CGO is on only when every linux leg the image follows has cgo: true; mixed legs build static."""

    def leg(goos: str, goarch: str, cgo: bool, tags: str = "") -> ir.Leg:
        variables = [("GOOS", goos), ("GOARCH", goarch), ("CGO_ENABLED", "1" if cgo else "0")]
        return ir.Leg(key=f"{goos}-{goarch}", variables=(*variables, *([("GO_TAGS", tags)] if tags else [])))

    image = ("linux/amd64",)
    needs = dockerfile_gen.needs_cgo
    assert needs(image, [leg("linux", "amd64", True), leg("darwin", "arm64", False)])[0] is True
    assert needs(image, [leg("linux", "amd64", True), leg("linux", "amd64", False)])[0] is False
    assert needs(image, [leg("linux", "amd64", False), leg("linux", "arm64", True)])[0] is False
    assert needs(image, [leg("linux", "arm64", True)])[0] is True  # no amd64 leg: all linux legs count
    assert needs(image, [leg("darwin", "arm64", True)])[0] is False
    assert needs(image, [])[0] is False
    mixed = needs(image, [leg("linux", "amd64", True, "a"), leg("linux", "amd64", False, "b")])
    assert [dict(leg.variables)["GO_TAGS"] for leg in mixed[2]] == ["b"]  # the static legs' tags


def test_dockerignore_sits_at_the_context_root() -> None:
    """Docker reads .dockerignore from the root of the build context."""
    assert dockerfile_gen.ignore_path(".") == ".dockerignore"
    assert dockerfile_gen.ignore_path("./service") == "service/.dockerignore"
    assert dockerfile_gen.ignore_path("./service/") == "service/.dockerignore"


def test_dockerignore_keeps_what_the_build_needs() -> None:
    """Sources, go.mod/go.sum, vendor/ and embeddable files stay in the context."""
    case = next(c for c in CASES if c.name == "dockerfile-distroless")
    patterns = {line for line in (case / ".dockerignore").read_text().splitlines() if not line.startswith("#")}
    assert {".git", ".github", ".gitlab-ci.yml", "ciforge.yml", "**/*_test.go"} <= patterns
    for kept in ("go.mod", "go.sum", "vendor", "*.go", "*.md", "testdata", "**/testdata"):
        assert kept not in patterns


def _project(tmp_path: Path, case: str = "dockerfile-distroless") -> Path:
    work = tmp_path / "repo"
    work.mkdir()
    shutil.copy(Path(__file__).parent / "cases" / case / "ciforge.yml", work / "ciforge.yml")
    return work


def test_render_writes_and_check_finds_drift_in_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """render writes the Dockerfile and .dockerignore; --check reports a change to either."""
    work = _project(tmp_path)
    manifest = str(work / "ciforge.yml")
    assert main(["render", "-m", manifest]) == EXIT_OK
    assert main(["render", "-m", manifest, "--check"]) == EXIT_OK
    for rel in ("Dockerfile", ".dockerignore"):
        path = work / rel
        original = path.read_text(encoding="utf-8")
        path.write_text(original.replace("65532", "0") + "COPY . /\n", encoding="utf-8")
        capsys.readouterr()
        assert main(["render", "-m", manifest, "--check"]) == EXIT_DRIFT
        out = capsys.readouterr()
        assert f"+++ b/{rel}" in out.out
        assert "1 file(s) out of date" in out.err
        path.unlink()
        assert main(["render", "-m", manifest, "--check"]) == EXIT_DRIFT
        assert main(["render", "-m", manifest]) == EXIT_OK
        assert path.read_text(encoding="utf-8") == original


def test_a_hand_written_dockerfile_is_not_overwritten(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Like a hand-written pipeline: refused with a clear message, replaced only with --force."""
    work = _project(tmp_path)
    manifest = str(work / "ciforge.yml")
    mine = "FROM scratch\nCOPY server /server\n"
    (work / "Dockerfile").write_text(mine, encoding="utf-8")
    assert main(["render", "-m", manifest]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "not generated by ciforge: a hand-written Dockerfile of 2 lines" in err
    assert "[not-generated]" in err
    assert (work / "Dockerfile").read_text(encoding="utf-8") == mine
    assert not (work / ".github").exists()  # nothing at all was written
    assert main(["render", "-m", manifest, "--check"]) == EXIT_DRIFT
    assert main(["render", "-m", manifest, "--force"]) == EXIT_OK
    assert (work / "Dockerfile").read_text(encoding="utf-8").startswith("# Generated by ciforge ")


def test_the_dockerfile_does_not_depend_on_the_target(tmp_path: Path) -> None:
    """Either platform's render writes the same Dockerfile and .dockerignore; validate writes none."""
    work = _project(tmp_path, "dockerfile-alpine-cgo")
    (work / "service").mkdir()
    manifest = str(work / "ciforge.yml")
    texts = []
    for target in ("github", "gitlab"):
        assert main(["render", "-m", manifest, "--target", target]) == EXIT_OK
        texts.append(((work / "Dockerfile").read_bytes(), (work / "service" / ".dockerignore").read_bytes()))
    assert texts[0] == texts[1]
    golden = Path(__file__).parent / "cases" / "dockerfile-alpine-cgo"
    assert texts[0] == ((golden / "Dockerfile").read_bytes(), (golden / "service" / ".dockerignore").read_bytes())


def test_a_users_own_dockerfile_path_is_unchanged() -> None:
    """Any other image.dockerfile value stays a path to the project's own Dockerfile."""
    case = Path(__file__).parent / "cases" / "stage-scan"
    result = render_case(case)
    assert set(result.files) == {".github/workflows/ciforge.yml", ".gitlab-ci.yml"}


def test_readme_shows_the_examples_generated_dockerfile(tmp_path: Path) -> None:
    """The README's Dockerfile is what rendering the example with dockerfile: generate and
    ports: [8080] writes (the README's sed command), after the four-line header."""
    root = Path(__file__).resolve().parent.parent
    example = (root / "examples" / "go-service" / "ciforge.yml").read_text(encoding="utf-8")
    assert example.count("\n  dockerfile: Dockerfile\n") == 1
    demo = tmp_path / "demo"
    demo.mkdir()
    text = example.replace("\n  dockerfile: Dockerfile\n", "\n  dockerfile: generate\n  ports: [8080]\n")
    (demo / "ciforge.yml").write_text(text, encoding="utf-8")
    assert main(["render", "-m", str(demo / "ciforge.yml")]) == EXIT_OK
    readme = (root / "README.md").read_text(encoding="utf-8")
    begin, end = "<!-- generated-dockerfile:begin -->\n```dockerfile\n", "```\n<!-- generated-dockerfile:end -->"
    shown = readme[readme.index(begin) + len(begin) : readme.index(end)]
    assert shown == (demo / "Dockerfile").read_text(encoding="utf-8").split("\n", 4)[4]


@pytest.mark.parametrize(
    ("case", "base", "why"),
    [
        ("dockerfile-debian-cgo", "debian", "default: debian, as the image needs CGO"),
        ("dockerfile-distroless", "distroless", "default: distroless, CGO off"),
    ],
)
def test_explain_shows_the_default_base(
    case: str, base: ImageBase, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """explain prints the base the generated Dockerfile uses when image.base is unset, and why."""
    assert main(["explain", "-m", str(Path(__file__).parent / "cases" / case / "ciforge.yml")]) == EXIT_OK
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("image.base "))
    assert line.split(maxsplit=2) == ["image.base", base, why]
    text = (Path(__file__).parent / "cases" / case / "Dockerfile").read_text(encoding="utf-8")
    assert f"FROM {dockerfile_gen.RUNTIME[base]} AS runtime" in text


def test_without_a_build_section_the_root_package_is_built(tmp_path: Path) -> None:
    """build: false: the root package, named after the service, static, with go.tags."""
    work = tmp_path / "repo"
    work.mkdir()
    (work / "ciforge.yml").write_text(
        'version: 1\nname: lib-svc\ngo:\n  version: "1.24"\n  tags: [a, b]\nbuild: false\nimage:\n  dockerfile: generate\n',
        encoding="utf-8",
    )
    assert main(["render", "-m", str(work / "ciforge.yml")]) == EXIT_OK
    text = (work / "Dockerfile").read_text(encoding="utf-8")
    assert "CGO off: build: false, so there is no build matrix" in text
    assert "# build tags: build.tags, else go.tags; build.main" in text
    assert "go build -trimpath -buildvcs=false -tags a,b -ldflags '-s -w' -o /out/lib-svc ." in text


@pytest.mark.parametrize(
    ("rel", "passed"),
    [
        (".gitlab-ci.yml", ' --build-arg "VERSION=${REF_NAME}"'),
        (".github/workflows/ciforge.yml", "            VERSION=${{ env.REF_NAME }}\n"),
    ],
)
def test_verify_sees_the_label_build_arguments(
    rel: str, passed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Both image jobs pass SOURCE, REVISION and VERSION, the generated Dockerfile's OCI labels;
    verify reports a pipeline that drops one."""
    work = _project(tmp_path)
    manifest = str(work / "ciforge.yml")
    assert main(["render", "-m", manifest]) == EXIT_OK
    assert main(["verify", "-m", manifest]) == EXIT_OK
    text = (work / rel).read_text(encoding="utf-8")
    assert text.count(passed) == 2  # image-build and image-publish
    (work / rel).write_text(text.replace(passed, ""), encoding="utf-8")
    capsys.readouterr()
    assert main(["verify", "-m", manifest]) == EXIT_DRIFT
    lines = capsys.readouterr().out.splitlines()
    assert any(": job image-build: commands differs" in line for line in lines)
    assert all(line.startswith(f"{rel}: ") and ": job image-" in line for line in lines)
