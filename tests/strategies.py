"""Hypothesis strategies for manifests, in the manifest's own vocabulary (plain dicts, as a user
would write them). Identifiers come from small alphabets so shrunk failures stay readable."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

GO_VERSIONS = ["1.23", "1.23.9", "1.24", "1.24.11", "1.25.5", "stable", "oldstable"]
GOOS = ["linux", "netbsd", "windows", "freebsd"]  # with GOARCH: every pair is a port of Go 1.23+
GOARCH = ["amd64", "arm64", "386"]
# GitHub filter patterns, with ** and **/ at the start, in the middle and at the end, ?, +, [...]
# lists and escapes; "!" exclusions are drawn separately (they only mean something after others).
BRANCH_GLOBS = [
    "main",
    "develop",
    "release/**",
    "hotfix-*",
    "feature/*",
    "**/main",
    "release/**/hotfix",
    "b-**/a",
    "feature/**/",
    "ma+in",
    "[dm]ev?",
]
BRANCH_EXCLUDES = ["!release/**/wip", "!**/main", "!feature/x"]
TAG_GLOBS = ["v*", "v1.*", "release-*", "**/v*", "v[12].[0-9]+.[0-9]+", "v\\*"]


def _subset(values: list[str], *, min_size: int = 0) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=min_size, max_size=len(values), unique=True)


@st.composite
def matrix_entries(draw: st.DrawFn, *, include: bool) -> dict[str, Any]:
    """An include (may set tags/cc) or exclude (dimensions only) entry."""
    keys = ["goos", "goarch", "cgo"] + (["tags", "cc"] if include else [])
    chosen = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=len(keys), unique=True))
    values = {
        "goos": st.sampled_from(GOOS),
        "goarch": st.sampled_from(GOARCH),
        "cgo": st.booleans(),
        "tags": st.sampled_from(["netgo", "osusergo", "netgo,osusergo"]),
        "cc": st.sampled_from(["gcc", "clang"]),
    }
    return {key: draw(values[key]) for key in chosen}


@st.composite
def builds(draw: st.DrawFn) -> dict[str, Any]:
    """A build section with a small matrix."""
    matrix: dict[str, Any] = {
        "goos": draw(_subset(GOOS, min_size=1)),
        "goarch": draw(_subset(GOARCH, min_size=1)),
        "cgo": draw(st.sampled_from([[False], [True], [False, True]])),
    }
    matrix["exclude"] = draw(st.lists(matrix_entries(include=False), max_size=2))
    matrix["include"] = draw(st.lists(matrix_entries(include=True), max_size=3))
    if draw(st.integers(min_value=0, max_value=7)) == 0:
        # now and then a matrix around GitLab's limit of 50 needs (with a release: collectors)
        extra = draw(st.integers(min_value=44, max_value=60))
        matrix["include"] += [{"goos": "linux", "goarch": "arm64", "tags": f"wide{i}"} for i in range(extra)]
    out: dict[str, Any] = {"main": draw(st.sampled_from([".", "./cmd/app"])), "matrix": matrix}
    if draw(st.booleans()):
        out["ldflags"] = draw(st.sampled_from(["", "-s -w", "-X main.version=dev"]))
    return out


PLATFORMS = ["linux/amd64", "linux/arm64", "darwin/arm64", "darwin/amd64", "windows/amd64", "windows/arm64"]


def test_platforms(draw: st.DrawFn, m: dict[str, Any]) -> None:
    """Test platforms, Go releases, a sparse test matrix and runner overrides (GitLab tags for the
    platforms GitLab has no hosted runner with bash for, so most draws compile)."""
    platforms = draw(_subset(PLATFORMS, min_size=1))
    m["test"]["platforms"] = platforms
    if draw(st.booleans()):
        m["test"]["go-versions"] = draw(_subset(["oldstable", "stable"], min_size=1))
    entry = st.fixed_dictionaries(
        {},
        optional={
            "platform": st.sampled_from(platforms),
            "go": st.sampled_from(["oldstable", "stable"]),
            "race": st.booleans(),
        },
    ).filter(bool)
    tagged = st.fixed_dictionaries(
        {"tags": st.sampled_from(["integration", "netgo,osusergo"])},
        optional={"platform": st.sampled_from(platforms), "race": st.just(False)},
    )
    m["test"]["matrix"] = {
        "exclude": draw(st.lists(entry, max_size=2)),
        "include": draw(st.lists(st.one_of(entry, tagged), max_size=2)),
    }
    if not m["test"]["race"]:
        m["test"]["matrix"]["include"] = [{**e, "race": False} for e in m["test"]["matrix"]["include"]]
    runners: dict[str, Any] = {}
    for platform in platforms:
        if platform.startswith("windows/") or platform == "darwin/amd64" or draw(st.booleans()):
            runners[platform] = {"gitlab": {"tags": [platform.replace("/", "-"), "bash"]}}
        if draw(st.booleans()):
            runners.setdefault(platform, {})["github"] = draw(st.sampled_from(["self-hosted", ["self-hosted", "x64"]]))
    if runners:
        m["runners"] = runners


@st.composite
def manifests(draw: st.DrawFn) -> dict[str, Any]:
    """A manifest that passes the schema (it may still break a semantic rule, e.g. an empty
    matrix: callers keep only the ones that compile)."""
    m: dict[str, Any] = {"version": 1, "name": draw(st.sampled_from(["svc", "orders-api", "tool"]))}
    m["go"] = {"version": draw(st.sampled_from(GO_VERSIONS))}
    if draw(st.booleans()):
        m["go"]["private"] = draw(_subset(["git.example.com/*", "github.com/acme/*"], min_size=1))
    if draw(st.booleans()):
        m["go"]["proxy"] = draw(st.sampled_from(["https://goproxy.example.com", "off", "direct"]))
    m["triggers"] = {
        "branches": draw(_subset(BRANCH_GLOBS)) + draw(_subset(BRANCH_EXCLUDES)),
        "tags": draw(_subset(TAG_GLOBS)),
        "pull-requests": draw(st.booleans()),
        "manual": draw(st.booleans()),
    }
    m["lint"] = {"vet": draw(st.booleans())} | dict.fromkeys(draw(_subset(["gofmt", "tidy", "generate"])), True)
    golangci = draw(st.sampled_from([False, None]))  # None: ciforge chooses the release for the Go
    if golangci is False:
        m["lint"]["golangci-lint"] = False
    race = draw(st.booleans())
    m["test"] = {
        "race": race,
        "covermode": "atomic" if race else draw(st.sampled_from(["set", "count", "atomic"])),
        "coverage": {
            "threshold": draw(st.sampled_from([0, 50, 80, 72.5])),
            "exclude": draw(_subset(["**/mocks/**", "**/*_gen.go", "internal/testutil/*"])),
        },
        "flags": draw(_subset(["-short", "-count=1", "-timeout=5m", "-shuffle=on", "-run=^TestUnit"])),
        "coverpkg": draw(_subset(["./...", "./internal/..."])),
    }
    if draw(st.booleans()):
        test_platforms(draw, m)
    m["build"] = draw(builds())
    if draw(st.booleans()):
        push = draw(st.sampled_from([["tags", "branches"], ["tags"], ["branches"]]))
        m["image"] = {"push": push, "cache": draw(st.booleans())}
        if draw(st.booleans()):
            repositories: list[str | list[str]] = [
                "ghcr.io/acme/svc",
                "registry.example.com/a/b",
                # several repositories (docs/release.md): either platform's own registry, others
                ["ghcr.io/acme/svc", "docker.io/acme/svc", "registry.gitlab.com/acme/svc"],
                ["registry.example.com/a/b", "ghcr.io/acme/svc", "registry.example.com/a/c"],
            ]
            m["image"]["repository"] = draw(st.sampled_from(repositories))
        if draw(st.booleans()):
            m["sbom"] = {"format": draw(st.sampled_from(["spdx-json", "cyclonedx-json"]))}
        if draw(st.booleans()):
            m["scan"] = {"severity": draw(_subset(["CRITICAL", "HIGH", "MEDIUM"], min_size=1))}
        if draw(st.booleans()):
            keyless = draw(st.booleans())
            m["sign"] = {"keyless": True} if keyless else {"keyless": False, "key": "env:SIGNING_KEY"}
            m["sign"]["verify"] = draw(st.booleans())
    if m["triggers"]["tags"] and draw(st.booleans()):
        m["release"] = {"on-tags": True}
    if draw(st.booleans()):
        m["jobs"] = draw(custom_jobs(build=m["build"] is not False))
    build_tags(draw, m)
    open_manifest(draw, m)
    if draw(st.booleans()):
        m["triggers"]["schedule"] = draw(schedules(m.get("jobs", {}), build=m["build"] is not False))
    path_filters(draw, m)
    new_code(draw, m)
    release_builds(draw, m)
    generated_dockerfile(draw, m)
    smoke_test(draw, m)
    image_tags(draw, m)
    coverage_merge(draw, m)
    scan_targets(draw, m)
    smoke_image(draw, m)
    build_jobs(m)
    return m


def build_jobs(m: dict[str, Any]) -> None:
    """build.jobs (issue 18): a matrix with one include entry is built in one job, with two in 2
    batches, any other per-leg (no draw of its own, so the examples of every other feature stay
    as they were)."""
    build = m["build"]
    if build is False:
        return
    layout = {1: "single", 2: 2}.get(len(build["matrix"]["include"]))
    if layout is not None:
        build["jobs"] = layout


def smoke_image(draw: st.DrawFn, m: dict[str, Any]) -> None:
    """smoke.image (issue 17, part 2): a probed service with a pushed image probes the image too
    (no draw of its own, so the examples of every other feature stay as they were)."""
    smoke, image = m.get("smoke"), m.get("image")
    if smoke is not None and "probes" in smoke and image is not None:
        smoke["image"] = True


def coverage_merge(draw: st.DrawFn, m: dict[str, Any]) -> None:
    """test.coverage.merge (issue 17, part 5), drawn last so earlier draws keep their examples."""
    if draw(st.booleans()):
        m["test"]["coverage"]["merge"] = True


def scan_targets(draw: st.DrawFn, m: dict[str, Any]) -> None:
    """scan.target, scan.scanners and scan.licenses (issue 17, part 4), drawn last so earlier draws
    keep their examples: an image's scan may read the SBOM, and any manifest may scan its checkout."""
    if not draw(st.booleans()):
        return
    scan = m.get("scan")
    target = draw(st.sampled_from(["sbom", "fs"] if scan is not None else ["fs"]))
    if target == "sbom":
        m.setdefault("sbom", {"format": draw(st.sampled_from(["spdx-json", "cyclonedx-json"]))})
    scan = m.setdefault("scan", {"severity": ["CRITICAL"]})
    scan["target"] = target
    allowed = ["vuln", "license"] if target == "sbom" else ["vuln", "secret", "misconfig", "license"]
    scan["scanners"] = draw(_subset(allowed, min_size=1))
    if draw(st.booleans()):
        scan["licenses"] = draw(
            st.sampled_from(
                [
                    {"deny": ["AGPL-3.0"]},
                    {"severity": ["CRITICAL", "HIGH"]},
                    {"deny": ["SSPL-1.0"], "severity": ["UNKNOWN"]},
                ]
            )
        )


def image_tags(draw: st.DrawFn, m: dict[str, Any]) -> None:
    """image.tags (issue 16), drawn last so earlier draws keep their examples."""
    if "image" in m and draw(st.booleans()):
        m["image"]["tags"] = draw(st.sampled_from([["ref", "sha", "semver", "latest"], ["semver"], ["sha", "latest"]]))


def smoke_test(draw: st.DrawFn, m: dict[str, Any]) -> None:
    """smoke: (issue 17, part 2), drawn last so earlier draws keep their examples (a matrix
    without a linux/amd64 leg is an error, which callers drop)."""
    if m["build"] is False or not draw(st.booleans()):
        return
    if draw(st.booleans()):
        m["smoke"] = {"run": "./app --version"}
    else:
        m["smoke"] = {"env": {"ADDR": "127.0.0.1:8080"}, "probes": [{"path": "/healthz", "port": 8080}], "timeout": 20}


VARIANT_LEGS = [
    {"goos": "linux", "goarch": "arm", "goarm": "7"},
    {"goos": "linux", "goarch": "arm", "goarm": "6"},
    {"goos": "linux", "goarch": "amd64", "goamd64": "v3"},
    {"goos": "linux", "goarch": "386", "go386": "softfloat"},
    {"goos": "linux", "goarch": "mipsle", "gomips": "softfloat"},
]
LDFLAGS_STAMPED = [
    "-s -w -X main.version={version} -X main.commit={commit} -X main.date={date}",
    "-X main.tag={tag} -X main.short={short_commit}",
]


def release_builds(draw: st.DrawFn, m: dict[str, Any]) -> None:
    """Release-grade builds (issue 16): placeholders, buildvcs, variant legs and several
    binaries, drawn last so earlier draws keep their examples."""
    build = m["build"]
    if build is False or not draw(st.booleans()):
        return
    if draw(st.booleans()):
        build["ldflags"] = draw(st.sampled_from(LDFLAGS_STAMPED))
    if draw(st.booleans()):
        build["buildvcs"] = True
    if draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(range(len(VARIANT_LEGS))), min_size=1, max_size=3, unique=True))
        build["matrix"]["include"] += [VARIANT_LEGS[i] for i in chosen]
    if draw(st.booleans()):
        del build["main"]
        build["binaries"] = [
            {"main": "./cmd/app", "binary": "app"},
            {"main": "./cmd/tool", "binary": "tool", "release": draw(st.booleans())},
        ]
    if "release" in m and draw(st.booleans()):
        m["release"]["archives"] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "format": st.sampled_from(["tar.gz", "zip", "binary"]),
                    "files": st.just(["LICENSE", "README.md"]),
                    "files-from-build": st.just(["share/man/"]),
                    "name": st.just("{name}_{version}_{leg}"),
                    "wrap": st.booleans(),
                },
            )
        )


def generated_dockerfile(draw: st.DrawFn, m: dict[str, Any]) -> None:
    """image.dockerfile: generate with image.base and image.ports (issue 17, part 3), drawn last and
    in one draw, so earlier draws keep their examples. A static base only where no leg has
    cgo: true, so the manifest still compiles (tests/errors has the refusals)."""
    if "image" not in m:
        return
    static = "true" not in str(m.get("build")).lower()
    choice = draw(st.sampled_from(GENERATED_IMAGES if static else GENERATED_IMAGES[:4]))
    if choice is not None:
        m["image"].update(choice)


# None (the project's own Dockerfile) or the image keys of a generated one; the static bases last
GENERATED_IMAGES: list[dict[str, Any] | None] = [
    None,
    {"dockerfile": "generate"},
    {"dockerfile": "generate", "base": "debian", "ports": [8080]},
    {"dockerfile": "generate", "base": "alpine", "ports": [8080, 9090]},
    {"dockerfile": "generate", "base": "scratch", "ports": [443]},
    {"dockerfile": "generate", "base": "distroless"},
]


def new_code(draw: st.DrawFn, m: dict[str, Any]) -> None:
    """test.coverage.new-code (issue 17), drawn last so earlier draws keep their examples."""
    if draw(st.booleans()):
        m["test"]["coverage"]["new-code"] = draw(st.sampled_from([0, 90, 85.5]))


def open_manifest(draw: st.DrawFn, m: dict[str, Any]) -> None:
    """The keys of the open manifest (issue 13) not drawn elsewhere: setup and test.report."""
    if draw(st.booleans()):
        m["test"]["report"] = "junit"
    if draw(st.booleans()):
        m["setup"] = draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "apt": _subset(["libsqlite3-dev", "protobuf-compiler=3.21.12-8.2"], min_size=1),
                    "run": st.sampled_from(["make generate", "go install golang.org/x/tools/cmd/stringer@v0.30.0"]),
                },
            )
        )


# Path patterns both glob dialects read alike (ciforge/lower_paths.py): **/ as a whole segment,
# * within a segment, [...] lists, dot files.
PATH_GLOBS = ["**/*.go", "go.mod", "go.sum", "cmd/*/main.go", "internal/**/*", "[a-z]*.yml", ".github/**/*"]
PATH_IGNORES = ["docs/**/*", "**/*.md", "examples/**/*"]


def path_filters(draw: st.DrawFn, m: dict[str, Any]) -> None:
    """triggers.paths, paths-ignore (either or both) and maybe paths-on."""
    if not draw(st.booleans()):
        return
    paths, ignore = draw(_subset(PATH_GLOBS)), draw(_subset(PATH_IGNORES))
    if not (paths or ignore):
        paths = PATH_GLOBS[:1]
    m["triggers"] |= {"paths": paths} if paths else {}
    m["triggers"] |= {"paths-ignore": ignore} if ignore else {}
    if draw(st.booleans()):
        m["triggers"]["paths-on"] = draw(_subset(["pr", "push"], min_size=1))


def build_tags(draw: st.DrawFn, m: dict[str, Any]) -> None:
    """go.tags for every stage, and a stage's own tags (maybe none) replacing them."""
    if draw(st.booleans()):
        m["go"]["tags"] = draw(_subset(["integration", "sqlite_omit_load_extension"], min_size=1))
    for stage in draw(_subset(["lint", "test", "build"])):
        if isinstance(m.get(stage), dict):
            m[stage]["tags"] = draw(_subset(["e2e", "integration"]))


# Crons of different shapes (each entry's cron is its own: a repeated one is an error).
CRONS = ["17 3 * * *", "0 5 * * 1", "*/30 0-6 1,15 * 1-5"]


@st.composite
def schedules(draw: st.DrawFn, jobs: dict[str, Any], *, build: bool) -> list[dict[str, Any]]:
    """One to three schedule entries, each naming built-in families and custom jobs that may run
    on a schedule, or, when a custom job lists schedule, none (the first entry always: a job
    listing schedule that no entry runs is an error). A named job whose needs cannot run on a
    schedule is an error too, which callers drop."""
    listing = [name for name, job in jobs.items() if "schedule" in job.get("events", [])]
    names = ["lint", "test", *(["build"] if build else [])]
    names += [name for name, job in jobs.items() if "schedule" in job.get("events", ["schedule"])]
    entries: list[dict[str, Any]] = []
    for i, cron in enumerate(draw(_subset(CRONS, min_size=1))):
        entry: dict[str, Any] = {"cron": cron}
        if not listing or (i > 0 and draw(st.booleans())):
            entry["jobs"] = draw(_subset(names, min_size=1))
        entries.append(entry)
    return entries


@st.composite
def services(draw: st.DrawFn) -> dict[str, Any]:
    """One or two service containers, with one or two ports, maybe env and a health command (a job
    off Linux with services is an error, which callers drop)."""
    out: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(["postgres", "redis-cache"]), min_size=1, max_size=2, unique=True)):
        service: dict[str, Any] = {
            "image": f"{name}:1@sha256:" + "cd" * 32,
            "ports": draw(st.lists(st.sampled_from([5432, 6379, 8080]), min_size=1, max_size=2, unique=True)),
        }
        if draw(st.booleans()):
            service["env"] = {"POSTGRES_PASSWORD": "test"}
        if draw(st.booleans()):
            service["health"] = "pg_isready -U postgres"
        out[name] = service
    return out


@st.composite
def _job_surroundings(draw: st.DrawFn, job: dict[str, Any]) -> dict[str, Any]:
    """Services, a Docker daemon (not in a container) and a manual gate (not with secrets)."""
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["services"] = draw(services())
    if "container" not in job and draw(st.booleans()):
        out["docker"] = True
    if "secrets" not in job and draw(st.booleans()):
        out["when"] = "manual"
    return out


@st.composite
def custom_jobs(draw: st.DrawFn, *, build: bool) -> dict[str, Any]:
    """One to three custom jobs, each needing built-in families and earlier custom jobs, on some
    events or the ones their needs run on (events a need does not run on are an error, which
    callers drop), maybe downloading the build's binaries and keeping files."""
    jobs: dict[str, Any] = {}
    for name in draw(
        st.lists(st.sampled_from(["integration", "e2e", "licenses"]), min_size=1, max_size=3, unique=True)
    ):
        job: dict[str, Any] = {"run": draw(st.sampled_from(["make check", "go test -count=1 ./...\necho done"]))}
        needs = draw(_subset(["lint", "test", *(["build"] if build else []), *jobs]))
        if needs:
            job["needs"] = needs
        if draw(st.booleans()):
            job["events"] = draw(_subset(["pr", "push", "tag", "manual", "schedule"], min_size=1))
        if draw(st.booleans()):
            job["go"] = False
            if draw(st.booleans()):
                job["container"] = "ubuntu:24.04@sha256:" + "ab" * 32
        if draw(st.booleans()):
            job["allow-failure"] = True
        if "container" not in job and draw(st.booleans()):
            job["runner"] = draw(st.sampled_from(["linux/arm64", "darwin/arm64"]))
        if draw(st.booleans()):
            job["secrets"] = ["DEPLOY_TOKEN"]
            job["events"] = draw(_subset(["push", "tag", "manual"], min_size=1))
        if draw(st.booleans()):
            job["env"] = {"APP_ENV": "ci"}
        if "build" in needs and draw(st.booleans()):
            job["artifacts"] = {"from": ["build"], "paths": ["reports/"]}
        job.update(draw(_job_surroundings(job)))
        jobs[name] = job
    return jobs


# GitHub's skip instructions and near misses. GitLab's own variants ("[SKIP CI]", "[ci-skip]")
# are left out: they skip GitLab only, the register's skip-marker-variants exception.
SKIP_MARKERS = ["[skip ci]", "[ci skip]", "[no ci]", "[skip actions]", "[actions skip]"]
NEAR_MARKERS = ["[No CI]", "[skip  ci]", "skip ci", "[skip actions", "[Skip Actions]", "skip-checks: true"]
TRAILERS = ["skip-checks:true", "skip-checks: true", "Signed-off-by: A <a@example.com>", "skip-checks: false"]


@st.composite
def commit_messages(draw: st.DrawFn) -> str:
    """A head-commit message: a subject, maybe a marker or near miss inside it, maybe a body and
    a trailer block (after a blank line, or not)."""
    subject = draw(st.sampled_from(["fix: typo", "release 1.2.3", "Merge branch 'x'"]))
    if draw(st.booleans()):
        marker = draw(st.sampled_from(SKIP_MARKERS + NEAR_MARKERS))
        subject = draw(st.sampled_from([f"{subject} {marker}", f"{marker} {subject}"]))
    message = subject
    if draw(st.booleans()):
        message += draw(st.sampled_from(["\n\n", "\n", "\n\n\n"])) + "\n".join(
            draw(st.lists(st.sampled_from(TRAILERS), min_size=1, max_size=3))
        )
    return message + draw(st.sampled_from(["", "\n"]))
