"""Presets: bundled partial manifests a manifest starts from (``preset: go-service``).

Merge rules (documented in docs/manifest.md and tested): mappings merge deeply, key by key;
lists and scalars replace; the manifest always wins over the preset.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any, Final

from ciforge.source import load_text

PRESETS: Final = ("go-service", "go-cli", "go-library")


def preset_path(name: str) -> Path:
    """The preset file: packaged in the wheel, or presets/ beside the package in a checkout."""
    packaged = resources.files("ciforge.data").joinpath("presets", f"{name}.yml")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "presets" / f"{name}.yml"


@functools.cache
def load(name: str) -> dict[str, Any]:
    """A preset's data (the presets are tested, so they always load cleanly)."""
    path = preset_path(name)
    doc, diagnostics = load_text(path.read_text(encoding="utf-8"), str(path))
    assert doc is not None, diagnostics
    assert not diagnostics, diagnostics
    data: dict[str, Any] = doc.data
    return data


def merge(base: Any, override: Any) -> Any:
    """Deep-merge ``override`` onto ``base``: mappings merge, everything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = merge(base[key], value) if key in base else value
        return out
    return override


def apply(data: Any) -> Any:
    """The manifest data with its preset merged under it (unchanged when there is none, or when
    the preset name is unknown: the schema reports that)."""
    if not isinstance(data, dict) or data.get("preset") not in PRESETS:
        return data
    return merge(load(data["preset"]), data)


def _listed(values: Any) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, list) and values else "-"


def choices(data: dict[str, Any]) -> list[str]:
    """The main choices of a (partial or effective) manifest in plain words, one line per stage:
    what ``ciforge init`` writes as comments and ``ciforge explain`` prints."""
    out = []
    lint, test, build = data.get("lint"), data.get("test"), data.get("build")
    if isinstance(lint, dict):
        tools = ["go vet"] if lint.get("vet", True) else []
        tools += [] if lint.get("golangci-lint") is False else ["golangci-lint"]
        out.append(f"lint: {' and '.join(tools) or 'off'}")
    if isinstance(test, dict):
        coverage = test["coverage"] if isinstance(test.get("coverage"), dict) else {}
        race = "with -race" if test.get("race", True) else "without -race"
        line = f"test: {race}; fails below {coverage.get('threshold', 80)}% coverage"
        if test.get("go-versions"):
            line += f"; on Go {_listed(test['go-versions'])}"
        out.append(line)
    if build is False:
        out.append("build: nothing to build")
    elif isinstance(build, dict) and isinstance(build.get("matrix"), dict):
        matrix = build["matrix"]
        out.append(f"build: {_listed(matrix.get('goos', ['linux']))} x {_listed(matrix.get('goarch', ['amd64']))}")
    image = data.get("image")
    if isinstance(image, dict):
        push = image.get("push", ["tags", "branches"])
        when = " and ".join({"tags": "tag pushes", "branches": "pushes to the triggered branches"}[p] for p in push)
        out.append(
            f"image: {_listed(image.get('platforms', ['linux/amd64']))}; built on pull requests, pushed on {when or 'no event'}"
        )
    if isinstance(data.get("scan"), dict):
        out.append(f"scan: fails on {_listed(data['scan'].get('severity', ['CRITICAL', 'HIGH']))} vulnerabilities")
    if isinstance(data.get("sbom"), dict):
        out.append(f"sbom: {data['sbom'].get('format', 'spdx-json')}")
    sign = data.get("sign")
    if isinstance(sign, dict):
        how = "keyless (Sigstore, the CI's OIDC identity)" if sign.get("keyless") else f"with the key {sign.get('key')}"
        out.append(f"sign: {how}{'; verified before release' if sign.get('verify') else ''}")
    release = data.get("release")
    if isinstance(release, dict) and release.get("on-tags", True):
        out.append("release: on tag pushes")
    return out


def summary(name: str) -> list[str]:
    """A preset's main choices in plain words."""
    return choices(load(name))
