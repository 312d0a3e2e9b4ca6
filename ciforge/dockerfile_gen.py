"""The generated Dockerfile and ``.dockerignore`` (``image.dockerfile: generate``): pure text from the
manifest, the resolved Go release and the build legs, deterministic bytes. Writing them is
:mod:`ciforge.output`'s job, like the pipelines. docs/dockerfile.md explains each stage.

Instruction reference: https://docs.docker.com/reference/dockerfile/ (cache and secret mounts:
https://docs.docker.com/reference/dockerfile/#run---mount, supported by BuildKit's built-in frontend,
so the file has no ``# syntax=`` line that would pull a frontend image by a moving tag).
"""

from __future__ import annotations

import re
import shlex
from pathlib import PurePosixPath
from typing import Final

import attrs

from ciforge import ir, lower_build
from ciforge.diagnostics import Diagnostic
from ciforge.model import Image, ImageBase, Manifest

PATH: Final = "Dockerfile"  # where ``generate`` writes it, relative to the output root
NONROOT: Final = "65532:65532"  # distroless's nonroot user; the same numeric id on every base
DEBIAN: Final = "bookworm"  # the golang image's Debian and the debian runtime's, so glibc matches
RUNTIME: Final[dict[ImageBase, str]] = {
    "distroless": "gcr.io/distroless/static-debian12:nonroot",
    "scratch": "scratch",
    "debian": f"debian:{DEBIAN}-slim",
    # musl keeps old binaries working on newer releases; the builder's Alpine is the golang
    # image's current one for that Go release (docs/dockerfile.md, known limits)
    "alpine": "alpine:3.22",
}
STATIC: Final = frozenset({"distroless", "scratch"})
CA_BUNDLE: Final = "/etc/ssl/certs/ca-certificates.crt"
# Docker reads double-quoted ARG values with these escapes; a line break cannot be written at all.
_UNQUOTABLE: Final = re.compile(r"[\x00-\x1f\x7f]")


@attrs.frozen(kw_only=True)
class Spec:
    """Everything the two files depend on, decided once (and checked) while lowering."""

    name: str
    go: str
    cgo: bool
    cgo_reason: str
    base: ImageBase
    base_given: bool
    tags: str
    tags_reason: str
    main: str
    binary: str
    ldflags: str
    ports: tuple[int, ...]
    proxy: str
    sumdb: str
    private: tuple[str, ...]
    context: str
    manifest: str  # the manifest's file name, left out of the build context
    # image.from-build: the runtime stage copies dist/$TARGETPLATFORM/<binary>, laid out by the
    # image jobs from the build legs; nothing is compiled in the image
    from_build: bool = False


def needs_cgo(platforms: tuple[str, ...], legs: list[ir.Leg]) -> tuple[bool, str, list[ir.Leg]]:
    """Whether the image's binary needs CGO, why, and the linux legs the image follows.

    The legs are the linux build legs for the image's architectures (all linux legs when none
    matches). CGO is on only when every one of them has cgo: true: a leg with cgo: false proves the
    package builds without C, and a static binary is the smaller, harder image."""
    arches = {p.split("/")[1] for p in platforms if p.startswith("linux/")}
    linux = [leg for leg in legs if dict(leg.variables).get("GOOS") == "linux"]
    chosen = [leg for leg in linux if dict(leg.variables).get("GOARCH") in arches] or linux
    cgo = [dict(leg.variables).get("CGO_ENABLED") == "1" for leg in chosen]
    if not chosen:
        return False, "CGO off: build.matrix has no linux leg", []
    if all(cgo):
        return True, "CGO on: every linux leg of build.matrix has cgo: true", chosen
    if any(cgo):
        reason = "CGO off: build.matrix mixes cgo legs on linux; a cgo: false leg shows the static build works"
    else:
        reason = "CGO off: no linux leg of build.matrix has cgo: true"
    return False, reason, [leg for leg, on in zip(chosen, cgo, strict=True) if not on]


def spec(
    manifest: Manifest, go: str, legs: list[ir.Leg], *, stage_tags: str, label: str
) -> tuple[Spec, list[Diagnostic]]:
    """The Dockerfile's settings and the errors that stop it (positioned by JSON path).
    ``stage_tags``: the build stage's -tags (build.tags or go.tags); ``label``: the manifest's path
    as the outputs name it."""
    image = manifest.image
    assert image is not None
    assert image.generated
    build = manifest.build
    cgo, cgo_reason, followed = needs_cgo(image.platforms, legs)
    if build is None:
        cgo_reason = "CGO off: build: false, so there is no build matrix"
    leg_tags = {dict(leg.variables).get("GO_TAGS", "") for leg in followed}
    if len(leg_tags) == 1:
        tags, tags_reason = leg_tags.pop(), "build tags: those of the linux legs (go.tags, build.tags, include tags)"
    else:
        tags = stage_tags
        why = " (the linux legs' include tags differ)" if leg_tags else ""
        tags_reason = f"build tags: build.tags, else go.tags{why}"
    base: ImageBase = image.base or ("debian" if cgo else "distroless")
    problems: list[Diagnostic] = []
    if cgo and base in STATIC:
        problems.append(
            Diagnostic(
                code="dockerfile",
                message=f"image.base {base!r} holds a static binary only, but the image needs CGO (every linux leg "
                "of build.matrix has cgo: true): use debian or alpine, or add a linux leg with cgo: false",
                path=("image", "base"),
            )
        )
    foreign = [p for p in image.platforms if p != "linux/amd64"]
    if cgo and foreign and not image.from_build:
        problems.append(
            Diagnostic(
                code="dockerfile",
                message=f"a CGO image is compiled on its target platform (Go cannot cross-compile C without a cross "
                f"C toolchain) and neither pipeline sets up QEMU, so {', '.join(foreign)} cannot be built: "
                "image.platforms must be [linux/amd64], or add a linux leg with cgo: false",
                path=("image", "platforms"),
            )
        )
    go_settings = manifest.go
    values = [(("go", "proxy"), go_settings.proxy), (("go", "sumdb"), go_settings.sumdb)]
    if build is not None:
        values.append((("build", "ldflags"), build.ldflags))
    for path, value in values:
        if _UNQUOTABLE.search(value):
            problems.append(
                Diagnostic(
                    code="dockerfile",
                    message=f"{'.'.join(path)} holds a line break or control character, which a Dockerfile line "
                    "cannot hold",
                    path=path,
                )
            )
    if build is not None and lower_build.placeholders_used(build.ldflags) and not image.from_build:
        problems.append(
            Diagnostic(
                code="dockerfile",
                message="build.ldflags has release placeholders ({version}, {commit}, ...), which the build jobs "
                "compute from git; the generated Dockerfile compiles without the repository's history and would "
                "stamp other values: use plain ldflags with a generated Dockerfile, or your own Dockerfile",
                path=("build", "ldflags"),
            )
        )
    # with several binaries, the image holds the first released one (docs/dockerfile.md)
    shipped = lower_build.binaries(build, manifest.name) if build is not None else ()
    first = next((b for b in shipped if b.release), shipped[0] if shipped else None)
    result = Spec(
        name=manifest.name,
        go=go,
        cgo=cgo,
        cgo_reason=cgo_reason,
        base=base,
        base_given=image.base is not None,
        tags=tags,
        tags_reason=tags_reason,
        main=first.main if first is not None else ".",
        binary=first.binary if first is not None else manifest.name,
        ldflags=build.ldflags if build is not None else "-s -w",
        ports=image.ports,
        proxy=go_settings.proxy,
        sumdb=go_settings.sumdb,
        private=go_settings.private,
        context=image.context,
        manifest=PurePosixPath(label).name,
        from_build=image.from_build,
    )
    return result, problems


def default_base(platforms: tuple[str, ...], pipeline: ir.Pipeline) -> ImageBase:
    """The runtime base when ``image.base`` is unset, from the pipeline's build legs."""
    legs = [
        leg
        for job in pipeline.jobs
        if any(str(getattr(s, "id", "")).startswith("go-build") for s in job.steps)
        for leg in job.legs
    ]
    return "debian" if needs_cgo(platforms, legs)[0] else "distroless"


def unused_keys(image: Image) -> list[Diagnostic]:
    """Warnings for the keys that shape a generated Dockerfile only, set beside the project's own."""
    return [
        Diagnostic(
            code="dockerfile",
            message=f"image.{key} shapes a generated Dockerfile only (image.dockerfile: generate); "
            f"{image.dockerfile} is the project's own, so it has no effect",
            path=("image", key),
            severity="warning",
        )
        for key, value in (("base", image.base), ("ports", image.ports))
        if value
    ]


def ignore_path(context: str) -> str:
    """The ``.dockerignore`` of the build context (Docker reads it at the context's root)."""
    return str(PurePosixPath(context) / ".dockerignore").removeprefix("./")


def _arg(name: str, value: str) -> str:
    """An ARG with a default, double-quoted (Docker expands ``$`` in it unless escaped)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$")
    return f'ARG {name}="{escaped}"'


def _comment(lines: tuple[str, ...]) -> list[str]:
    return [f"# {line}".rstrip() for line in lines]


def builder_image(s: Spec) -> str:
    """The golang image at the exact Go release (a tag: see docs/dockerfile.md on digests)."""
    return f"golang:{s.go}-alpine" if s.base == "alpine" else f"golang:{s.go}-{DEBIAN}"


def _build_stage(s: Spec) -> list[str]:
    # CGO off: the builder runs on the build host and cross-compiles (GOOS/GOARCH from BuildKit's
    # TARGETOS/TARGETARCH); CGO on: it runs on the target platform, whose C toolchain it uses.
    platform = "" if s.cgo else "--platform=$BUILDPLATFORM "
    out = [
        "# ---- build: compiles the binary ----",
        f"FROM {platform}{builder_image(s)} AS build",
    ]
    if s.cgo and s.base == "alpine":
        out += [
            "# The C toolchain for CGO (musl). Not version-pinned: the versions are those of the golang",
            "# image's Alpine release, which the Go tag does not name (docs/dockerfile.md).",
            "# hadolint ignore=DL3018",
            "RUN apk add --no-cache gcc musl-dev",
        ]
    out += [
        "# Module downloads: go.proxy, go.sumdb and go.private; each is a build argument too.",
        _arg("GOPROXY", s.proxy),
        _arg("GOSUMDB", s.sumdb),
    ]
    if s.private:
        out += [
            "# GOPRIVATE holds module path patterns, not a secret (hadolint reads PRIVATE in the name as one).",
            "# hadolint ignore=DL3064",
            _arg("GOPRIVATE", ",".join(s.private)),
            _arg("GONOSUMDB", ",".join(s.private)),
        ]
    out += [
        "# Never download another toolchain: the image is the pinned release.",
        "ENV GOTOOLCHAIN=local",
        "WORKDIR /src",
        "# go.sum* also matches no file, for a module without requirements.",
        "COPY go.mod go.sum* ./",
    ]
    mod_cache = "--mount=type=cache,target=/go/pkg/mod"
    if s.private:
        out += [
            "# Private modules: credentials come from the BuildKit secret netrc, never from a layer:",
            "#   docker buildx build --secret id=netrc,src=$HOME/.netrc ...",
            f"RUN {mod_cache} \\",
            "    --mount=type=secret,id=netrc,target=/root/.netrc \\",
            "    go mod download",
        ]
    else:
        out.append(f"RUN {mod_cache} go mod download")
    flags = ["-trimpath", "-buildvcs=false"]
    if s.tags:
        flags += ["-tags", shlex.quote(s.tags)]
    if s.ldflags:
        flags += ["-ldflags", shlex.quote(s.ldflags)]
    env = f"CGO_ENABLED={int(s.cgo)}"
    out += [
        "COPY . .",
        "ARG TARGETOS",
        "ARG TARGETARCH",
        f"# {s.tags_reason}; build.main, build.binary and build.ldflags.",
        f"RUN {mod_cache} \\",
        "    --mount=type=cache,target=/root/.cache/go-build \\",
        f'    {env} GOOS="$TARGETOS" GOARCH="$TARGETARCH" \\',
        f"    go build {' '.join(flags)} -o /out/{s.binary} {shlex.quote(s.main)}",
    ]
    return out


def _runtime_stage(s: Spec) -> list[str]:
    image = RUNTIME[s.base]
    out = [
        "# ---- runtime: the binary on the smallest base that runs it, as a non-root user ----",
        f"FROM {image} AS runtime",
    ]
    if s.base in ("scratch", "debian"):
        out += [
            "# The builder's CA bundle: HTTPS clients need it, and this base has none.",
            f"COPY --from=build {CA_BUNDLE} {CA_BUNDLE}",
        ]
    if s.from_build:
        out += [
            "# image.from-build: the binary the pipeline's build leg for this platform built, laid out",
            "# by the image job as dist/<os>/<arch>[/<variant>]/ (BuildKit sets TARGETPLATFORM).",
            "ARG TARGETPLATFORM",
            f"COPY dist/${{TARGETPLATFORM}}/{s.binary} /usr/local/bin/{s.binary}",
        ]
    else:
        out.append(f"COPY --from=build /out/{s.binary} /usr/local/bin/{s.binary}")
    out += [
        "# OCI labels from the build arguments the pipelines' image jobs pass (docs/dockerfile.md).",
        "ARG SOURCE",
        "ARG REVISION",
        'ARG VERSION="dev"',
        'LABEL org.opencontainers.image.source="${SOURCE}" \\',
        '      org.opencontainers.image.revision="${REVISION}" \\',
        '      org.opencontainers.image.version="${VERSION}" \\',
        f'      org.opencontainers.image.title="{s.name}"',
        f"USER {NONROOT}",
    ]
    if s.ports:
        out += ["# image.ports: the service's and health ports", f"EXPOSE {' '.join(map(str, s.ports))}"]
    out.append(f'ENTRYPOINT ["/usr/local/bin/{s.binary}"]')
    return out


def _certificates_stage(s: Spec) -> list[str]:
    """image.from-build: no build stage, but scratch and debian take the CA bundle from the
    builder image (run on the build host: nothing in it runs)."""
    if s.base not in ("scratch", "debian"):
        return []
    return [
        "# ---- build: only the CA bundle for the runtime stage (the binaries come from the pipeline) ----",
        f"FROM --platform=$BUILDPLATFORM {builder_image(s)} AS build",
        "",
    ]


def _shaped_by(s: Spec) -> tuple[str, ...]:
    base = f"image.base {s.base!r}" if s.base_given else f"image.base (default {s.base!r})"
    if s.from_build:
        return (
            "",
            "Stages and the manifest keys that shaped them (docs/dockerfile.md):",
            "  build    none: image.from-build copies the binary the pipeline's build leg built for each platform,",
            f"           {s.binary} (the first binary with release: true).",
            f"  runtime  {RUNTIME[s.base]}: {base}; image.ports; the user is {NONROOT}.",
            "Platforms come from image.platforms (the pipelines' --platform), the context from image.context.",
        )
    return (
        "",
        "Stages and the manifest keys that shaped them (docs/dockerfile.md):",
        f"  build    {builder_image(s)}: go.version; go.proxy, go.sumdb, go.private; build.main,",
        "           build.binary, build.ldflags, build.tags or go.tags; build.matrix decides CGO:",
        f"           {s.cgo_reason}.",
        f"  runtime  {RUNTIME[s.base]}: {base}; image.ports; the user is {NONROOT}.",
        "Platforms come from image.platforms (the pipelines' --platform), the context from image.context.",
    )


def dockerfile(s: Spec, header: tuple[str, ...]) -> str:
    """The Dockerfile text."""
    build = _certificates_stage(s) if s.from_build else [*_build_stage(s), ""]
    lines = [*_comment(header + _shaped_by(s)), "", *build, *_runtime_stage(s)]
    return "\n".join(lines) + "\n"


# Never needed to build: version control, CI files, build outputs, editor settings, and test files
# (go build skips _test.go). Sources, go.mod/go.sum, vendor/ and any file a //go:embed may name
# (testdata, *.md, ...) stay in the context.
IGNORED: Final = (
    ".git",
    ".github",
    ".gitlab",
    ".gitlab-ci.yml",
    ".dockerignore",
    "Dockerfile",
    "dist",
    "bin",
    "coverage*.out",
    "coverage*.txt",
    "coverage*.html",
    "junit.xml",
    "*.test",
    "*.prof",
    ".idea",
    ".vscode",
    "**/*_test.go",
)


def dockerignore(s: Spec, header: tuple[str, ...]) -> str:
    """The build context's ``.dockerignore`` text."""
    if s.from_build:
        # the last matching line decides (https://docs.docker.com/build/concepts/context/#dockerignore-files)
        return (
            "\n".join(
                [
                    *_comment(header),
                    "",
                    "# The image needs only the binaries the image job laid out in dist/<os>/ (image.from-build).",
                    "*",
                    "!dist",
                    "dist/build-*",
                ]
            )
            + "\n"
        )
    lines = [
        *_comment(header),
        "",
        "# The build needs go.mod, go.sum and the Go sources (vendor/ and embedded files too).",
        *IGNORED,
        s.manifest,
    ]
    return "\n".join(lines) + "\n"


def render(s: Spec, header: tuple[str, ...]) -> dict[str, str]:
    """The two files by path relative to the output root."""
    return {PATH: dockerfile(s, header), ignore_path(s.context): dockerignore(s, header)}
