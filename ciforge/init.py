"""``ciforge init``: write a commented starter manifest for the Go module in a directory.

Every choice is written with the reason for it, as a comment beside the value:

* the module path and Go version come from go.mod (``toolchain`` wins over ``go``);
* the main package is the best-ranked of the module's own main packages (:mod:`ciforge.golayout`),
  the others listed in the comment;
* the name is the main package's directory, else the module name without a ``/vN`` suffix (a
  library takes its repository's name from git when there is one);
* the default branch comes from git (:mod:`ciforge.gitinfo`);
* image stages (preset go-service) are enabled only for a Dockerfile that plausibly builds the
  module (:mod:`ciforge.dockerfiles`); otherwise the reason is written as a comment;
* a repository with several Go modules gets ``modules: auto``, with the modules found listed;
* the drift checks that fit: gofmt and go mod tidy always, go generate where ``//go:generate``
  directives exist (the first one found is named);
* a custom job per build tag that test files need (``//go:build integration``), after the unit
  tests, which never build those files (at most three tags, most files first).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import attrs

from ciforge import dockerfiles, gitinfo, golayout, gomodules, lower_jobs, yamlout
from ciforge.presets import PRESETS, summary
from ciforge.yamldata import Commented, Yaml

SCHEMA_URL: Final = "https://ciforge.dev/schemas/ciforge.schema.json"
_NAME_UNSAFE: Final = re.compile(r"[^A-Za-z0-9._-]")


class InitError(Exception):
    """Init cannot write a manifest; the message says why."""


@attrs.frozen
class Module:
    """What init learned about the Go module and its repository."""

    path: str
    go: str
    toolchain: str | None
    mains: tuple[str, ...]  # main package directories (./relative), best first
    branch: tuple[str, str]  # default branch, and where it came from
    repository: tuple[str, str] | None  # repository name and the remote it came from
    root: Path
    modules: tuple[str, ...] = (".",)  # the module directories modules: auto finds
    generate: str | None = None  # a file with a //go:generate directive, if any
    test_tags: tuple[tuple[str, int, str], ...] = ()  # build tags test files need: tag, files, first file


def inspect(root: Path) -> Module:
    """Read go.mod, the main packages and git."""
    try:
        gomod = golayout.read_gomod(root)
    except golayout.LayoutError as exc:
        raise InitError(str(exc)) from exc
    repository = gitinfo.repository_name(root)
    names = (golayout.module_name(gomod.path)[0],) + ((repository[0],) if repository else ())
    return Module(
        path=gomod.path,
        go=gomod.go,
        toolchain=gomod.toolchain,
        mains=tuple(golayout.rank(golayout.main_packages(root), names)),
        branch=gitinfo.default_branch(root),
        repository=repository,
        root=root,
        modules=tuple(gomodules.auto(root)),
        generate=golayout.first_generate_directive(root),
        test_tags=tuple(golayout.test_build_tags(root)),
    )


def choose_main(module: Module) -> str | None:
    """The best-ranked main package (``cmd/<name>``, the root, other ``cmd/*``, helpers last)."""
    return module.mains[0] if module.mains else None


def project_name(module: Module) -> tuple[str, str]:
    """The name (workflow and binary) and why it was chosen."""
    main = choose_main(module)
    if main is not None and main != ".":
        name, why = main.split("/")[-1], f"the main package's directory, {main}"
    elif main is None and module.repository and not golayout.is_major_suffix(module.repository[0]):
        name, why = module.repository[0], f"the repository's name (git remote {module.repository[1]})"
    else:
        name, why = golayout.module_name(module.path)
    clean = _NAME_UNSAFE.sub("-", name).lstrip("._-")[:63] or "app"
    return clean, why


def image_decision(module: Module, binary: str, preset: str | None) -> tuple[dockerfiles.Verdict | None, str]:
    """The Dockerfile the image stages build (None: no image) and the reason, for a comment."""
    chosen, verdicts = dockerfiles.choose(module.root, binary)
    if chosen is not None:
        return chosen, f"{chosen.path} builds {binary}: {chosen.reason}"
    if preset == "go-service" and verdicts:
        first = verdicts[0]
        return first, f"{first.path} (asked for with --preset go-service; on its own it would not be: {first.reason})"
    if verdicts:
        listed = "; ".join(f"{v.path}: {v.reason}" for v in verdicts[:3])
        return None, f"no Dockerfile here builds {binary} ({listed})"
    return None, "no Dockerfile found (looked in the module root and four levels down)"


def default_preset(module: Module) -> str:
    """go-service, go-cli or go-library, from what the module contains."""
    return preset_reason(module)[0]


def preset_reason(module: Module) -> tuple[str, str]:
    """The preset the layout calls for, and why."""
    if choose_main(module) is None:
        return "go-library", "no main package: a library"
    verdict, _ = image_decision(module, project_name(module)[0], None)
    if verdict is not None:
        return "go-service", "a main package and a Dockerfile that builds it"
    return "go-cli", "a main package and no Dockerfile that builds it"


def _main_comment(module: Module, main: str) -> str:
    others = [m + (" (helper)" if golayout.is_helper(m) else "") for m in module.mains[1:]]
    rule = "ranked cmd/<name>, then the root, then cmd/*, helpers last"
    if not others:
        return "the module's only main package"
    shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
    return f"{rule}; other main packages: {shown}"


def manifest(
    module: Module, preset: str, *, asked: bool = False
) -> tuple[dict[str, Yaml], tuple[str, ...], tuple[str, ...]]:
    """The starter manifest: data, header lines and footer lines (comments)."""
    main = choose_main(module)
    if preset in ("go-service", "go-cli") and main is None:
        raise InitError(f"the {preset} preset builds a main package, but this module has none (try go-library)")
    name, name_why = project_name(module)
    branch, branch_why = module.branch
    data: dict[str, Yaml] = {
        "version": 1,
        "name": Commented(name, name_why),
        "preset": Commented(preset, "chosen by --preset" if asked else preset_reason(module)[1]),
        "go": {"version-file": Commented("go.mod", version_file_note(module))},
        "triggers": {"branches": [Commented(branch, branch_why)]},
    }
    lint: dict[str, Yaml] = {
        "gofmt": Commented(True, "fail on files gofmt would change"),
        "tidy": Commented(True, "fail when go mod tidy would change go.mod or go.sum"),
    }
    data["lint"] = lint
    if module.generate is not None:
        lint["generate"] = Commented(True, f"{module.generate} has a //go:generate directive: fail on stale output")
    if len(module.modules) > 1:
        shown = ", ".join(module.modules[:6]) + (
            f" and {len(module.modules) - 6} more" if len(module.modules) > 6 else ""
        )
        source = "the go.work use list" if (module.root / "go.work").is_file() else "go.mod files"
        data["modules"] = Commented("auto", f"{len(module.modules)} Go modules ({source}): {shown}; lint and test each")
    if module.test_tags:
        data["jobs"] = tagged_test_jobs(module)
    footer: tuple[str, ...] = ()
    if preset == "go-library":
        # go.mod: the declared minimum; stable: the newest release (both resolved at render time)
        data["test"] = {"go-versions": ["go.mod", "stable"]}
    else:
        assert main is not None
        data["build"] = {"main": Commented(main, _main_comment(module, main)), "binary": name}
        verdict, why = image_decision(module, name, preset if asked else None)
        if preset == "go-service":
            if verdict is None:
                raise InitError(
                    f"the go-service preset builds an image, but {why}; write one, or let ciforge generate one "
                    "(image: {dockerfile: generate}), or use go-cli"
                )
            data["image"] = {"dockerfile": Commented(verdict.path, why)}
        else:
            footer = (
                f"Image stages are off: {why}.",
                f"To build, scan, sign and push an image, write a Dockerfile that builds {name} and set",
                "preset: go-service with",
                "  image:",
                "    dockerfile: Dockerfile   # or generate: ciforge writes one (docs/dockerfile.md)",
            )
    header = (
        f"yaml-language-server: $schema={SCHEMA_URL}",
        f"ciforge manifest for {module.path}, written by `ciforge init`.",
        "Render the pipelines with `ciforge render`; `ciforge explain` prints every effective value",
        "and where it comes from; `ciforge plan` shows which jobs run when. Reference: docs/manifest.md.",
        "",
        f"Preset {preset} (keys in this file override it; mappings merge, lists replace):",
        *(f"  {line}" for line in summary(preset)),
    )
    return data, header, footer


MAX_TAGGED_JOBS: Final = 3


def tagged_test_jobs(module: Module) -> dict[str, Yaml]:
    """A job per build tag that test files need (``//go:build integration``), most files first:
    the unit tests never build those files. Named after the tag, unless that is one of ciforge's
    own job names."""
    jobs: dict[str, Yaml] = {}
    for tag, count, first in module.test_tags[:MAX_TAGGED_JOBS]:
        name = tag.replace("_", "-")
        if lower_jobs.reserved(name):
            name = f"go-test-{name}"
        files = "1 test file" if count == 1 else f"{count} test files"
        jobs[name] = {
            "run": Commented(
                f"go test -count=1 -tags {tag} ./...",
                f"{files} build only with -tags {tag} (first: {first}); the unit tests skip them",
            ),
            "needs": ["test"],
        }
    return jobs


def version_file_note(module: Module) -> str:
    """The comment beside ``version-file: go.mod``: what ciforge will read there, and what it means."""
    if module.toolchain:
        return f"read at render time; its toolchain directive (go{module.toolchain} today) pins that exact release"
    minor = ".".join(module.go.split(".")[:2])
    return (
        f"read at render time; go {module.go} is a minimum, so both platforms run the latest {minor}.x "
        "(go.exact: true runs the go line exactly)"
    )


def write(root: Path, manifest_name: str, preset: str | None, *, force: bool) -> Path:
    """Write the manifest; refuses to overwrite unless ``force``."""
    target = root / manifest_name
    if target.exists() and not force:
        raise InitError(f"{target} already exists; pass --force to overwrite it")
    module = inspect(root)
    chosen = preset or default_preset(module)
    if chosen not in PRESETS:
        raise InitError(f"unknown preset {chosen!r} (choose from {', '.join(PRESETS)})")
    data, header, footer = manifest(module, chosen, asked=preset is not None)
    from ciforge.output import write_atomic  # noqa: PLC0415

    write_atomic(target, yamlout.dump(data, header, footer))
    return target
