"""``ciforge init``: write a commented starter manifest for the Go module in a directory.

It reads the module path and Go version from go.mod (``toolchain`` wins over ``go``), finds the
main package (``cmd/<name>/main.go`` or ``main.go`` at the root) and picks a preset: go-service
when there is a main package and a Dockerfile, go-cli for a main package without one, go-library
when there is no main package.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Final

import attrs

from ciforge import yamlout
from ciforge.presets import PRESETS
from ciforge.yamldata import Commented, Yaml

SCHEMA_URL: Final = "https://ciforge.dev/schemas/ciforge.schema.json"
_MODULE: Final = re.compile(r"^\s*module\s+(\S+)", re.MULTILINE)
_GO: Final = re.compile(r"^\s*go\s+(\d+\.\d+(?:\.\d+)?)\s*$", re.MULTILINE)
_TOOLCHAIN: Final = re.compile(r"^\s*toolchain\s+go(\d+\.\d+(?:\.\d+)?)\s*$", re.MULTILINE)
_PACKAGE_MAIN: Final = re.compile(r"^\s*package\s+main\s*$", re.MULTILINE)
_SKIP_DIRS: Final = frozenset({"vendor", "testdata", "node_modules"})


class InitError(Exception):
    """Init cannot write a manifest; the message says why."""


@attrs.frozen
class Module:
    """What init learned about the Go module."""

    path: str
    go: str
    toolchain: str | None
    mains: tuple[str, ...]  # main package directories, as ./relative paths
    dockerfile: bool


def inspect(root: Path) -> Module:
    """Read go.mod and find the main packages."""
    gomod = root / "go.mod"
    try:
        text = gomod.read_text(encoding="utf-8")
    except OSError as exc:
        raise InitError(
            f"{gomod}: cannot read go.mod ({exc.strerror or exc}); run ciforge init in a Go module"
        ) from exc
    module = _MODULE.search(text)
    go = _GO.search(text)
    if module is None or go is None:
        raise InitError(f"{gomod}: needs a module and a go directive")
    toolchain = _TOOLCHAIN.search(text)
    return Module(
        path=module[1],
        go=go[1],
        toolchain=toolchain[1] if toolchain else None,
        mains=tuple(_main_packages(root)),
        dockerfile=(root / "Dockerfile").is_file(),
    )


def _main_packages(root: Path) -> list[str]:
    found = []
    for current, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")) and d not in _SKIP_DIRS)
        for name in sorted(files):
            if name.endswith(".go") and not name.endswith("_test.go"):
                path = Path(current) / name
                if _PACKAGE_MAIN.search(path.read_text(encoding="utf-8", errors="replace")):
                    rel = Path(current).relative_to(root).as_posix()
                    found.append("." if rel == "." else f"./{rel}")
                    break
    return found


def choose_main(module: Module) -> str | None:
    """Prefer cmd/<last element of the module path>, then the root, then the first cmd/*."""
    if not module.mains:
        return None
    last = module.path.rstrip("/").split("/")[-1]
    for preferred in (f"./cmd/{last}", "."):
        if preferred in module.mains:
            return preferred
    return module.mains[0]


def default_preset(module: Module) -> str:
    """go-service, go-cli or go-library, from what the module contains."""
    if not module.mains:
        return "go-library"
    return "go-service" if module.dockerfile else "go-cli"


def manifest(module: Module, preset: str) -> tuple[dict[str, Yaml], tuple[str, ...]]:
    """The starter manifest (data and header lines)."""
    main = choose_main(module)
    if preset in ("go-service", "go-cli") and main is None:
        raise InitError(f"the {preset} preset builds a main package, but this module has none (try go-library)")
    name = re.sub(r"[^A-Za-z0-9._-]", "-", module.path.rstrip("/").split("/")[-1]) or "app"
    data: dict[str, Yaml] = {
        "version": 1,
        "name": name,
        "preset": Commented(preset, f"see presets/{preset}.yml; keys below override it"),
        "go": {"version-file": Commented("go.mod", version_file_note(module))},
    }
    if preset == "go-library":
        # go.mod: the declared minimum; stable: the newest release (both resolved at render time)
        data["test"] = {"go-versions": ["go.mod", "stable"]}
    else:
        assert main is not None
        binary = main.rstrip("/").split("/")[-1] if main != "." else name
        data["build"] = {"main": Commented(main, "the main package ciforge init found"), "binary": binary}
    header = (
        f"yaml-language-server: $schema={SCHEMA_URL}",
        f"ciforge manifest for {module.path}, written by `ciforge init`.",
        "Render the pipelines with `ciforge render`; see which jobs run when with `ciforge plan`.",
        "Every key and its default: docs/manifest.md, or `ciforge schema`.",
    )
    return data, header


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
    data, header = manifest(module, chosen)
    from ciforge.output import write_atomic  # noqa: PLC0415

    write_atomic(target, yamlout.dump(data, header))
    return target
