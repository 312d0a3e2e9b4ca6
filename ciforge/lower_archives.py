"""Lower ``release.archives``: each build leg's archive name (a leg variable, with ``{version}``
left for the build block) and what the archive holds (docs/release.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from ciforge import ir, scripts_build
from ciforge.diagnostics import DiagnosticCode, JsonPath
from ciforge.model import Archives, Binary

ARCHIVE_VARIABLE: Final = "ARCHIVE"
NAME_PLACEHOLDERS: Final = ("name", "version", "os", "arch", "leg")
_PLACEHOLDER: Final = re.compile(r"\{([^{}]*)\}")
# The variant variables, in the order their value joins the leg's {arch}.
VARIANT_VARIABLES: Final = ("GOARM", "GOAMD64", "GO386", "GOARM64", "GORISCV64", "GOMIPS", "GOMIPS64")

Report = Callable[[DiagnosticCode, str, JsonPath], None]


def packed(archives: Archives | None) -> bool:
    """Whether the legs make archives (``format: binary`` releases the bare binaries)."""
    return archives is not None and archives.format != "binary"


def contents(archives: Archives, binaries: tuple[Binary, ...]) -> scripts_build.Archive:
    return scripts_build.Archive(
        released=" ".join(b.binary for b in binaries if b.release),
        files=" ".join(archives.files),
        built=" ".join(archives.files_from_build),
        wrap=archives.wrap,
    )


def _variant(leg: ir.Leg) -> tuple[str, str] | None:
    values = dict(leg.variables)
    for variable in VARIANT_VARIABLES:
        if variable in values:
            return variable, values[variable]
    return None


def spelled_arch(leg: ir.Leg, replacements: dict[str, str]) -> str:
    """{arch}: a replacement for ``goarch/variant`` or ``goarch`` if the manifest has one, else
    GoReleaser's spelling: armv7, amd64 for GOAMD64 v1 and amd64v3 otherwise, and the goarch
    with ``_<variant>`` for the rest (386_softfloat)."""
    values = dict(leg.variables)
    goarch = values["GOARCH"]
    variant = _variant(leg)
    if variant is None:
        return replacements.get(goarch, goarch)
    variable, value = variant
    if f"{goarch}/{value}" in replacements:
        return replacements[f"{goarch}/{value}"]
    base = replacements.get(goarch, goarch)
    if variable == "GOARM":
        return f"{base}v{value.replace(',', '_')}"
    if variable == "GOAMD64":
        return base if value == "v1" else f"{base}{value}"
    return f"{base}_{value.replace(',', '_')}"


def archive_names(archives: Archives, legs: list[ir.Leg], project: str, report: Report, warn: Report) -> dict[str, str]:
    """Each leg's archive file name, ``{version}`` still in it; problems reported at their key."""
    unknown = sorted({n for n in _PLACEHOLDER.findall(archives.name) if n not in NAME_PLACEHOLDERS})
    known = ", ".join("{" + n + "}" for n in NAME_PLACEHOLDERS)
    for name in unknown:
        report("placeholder", f"unknown placeholder {{{name}}}; the archive name's are {known}", _NAME)
    if re.search("[{}]", _PLACEHOLDER.sub("", archives.name)):
        report("placeholder", f"a brace that is not part of a placeholder ({known})", _NAME)
    for key in ("files", "files-from-build"):
        paths = archives.files if key == "files" else archives.files_from_build
        for i, path in enumerate(paths):
            if ".." in path.split("/"):
                report(
                    "archive", f"{path} leaves the repository: name a path inside it", ("release", "archives", key, i)
                )
    _check_replacements(archives, legs, warn)
    names: dict[str, str] = {}
    made_by: dict[str, str] = {}
    for leg in legs:
        values = dict(leg.variables)
        goos = values["GOOS"]
        stem = (
            archives.name.replace("{name}", project)
            .replace("{os}", archives.replacements.get(goos, goos))
            .replace("{arch}", spelled_arch(leg, archives.replacements))
            .replace("{leg}", leg.key)
        )
        name = stem + (".zip" if goos == "windows" or archives.format == "zip" else ".tar.gz")
        if name in made_by:
            report(
                "archive",
                f"the legs {made_by[name]} and {leg.key} both make the archive {name}: add {{leg}} to the name, "
                "or tell them apart with replacements",
                _NAME,
            )
        made_by.setdefault(name, leg.key)
        names[leg.key] = name
    return names


_NAME: Final[JsonPath] = ("release", "archives", "name")


def _check_replacements(archives: Archives, legs: list[ir.Leg], warn: Report) -> None:
    """A replacement that names nothing of the matrix is most likely a typo: a warning."""
    spellings: set[str] = set()
    for leg in legs:
        values = dict(leg.variables)
        spellings |= {values["GOOS"], values["GOARCH"]}
        if (variant := _variant(leg)) is not None:
            spellings.add(f"{values['GOARCH']}/{variant[1]}")
    for key in archives.replacements:
        if key not in spellings:
            warn(
                "archive",
                f"replacements.{key} names no GOOS, GOARCH or GOARCH/variant of the build legs",
                ("release", "archives", "replacements", key),
            )
